package audio

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/hajimehoshi/go-mp3"
	"github.com/jfreymuth/oggvorbis"
	"github.com/mewkiz/flac"
)

// The compressed formats go through maintained decoders written for
// them: FLAC (mewkiz/flac), Vorbis (jfreymuth/oggvorbis), MP3
// (hajimehoshi/go-mp3). Each is read a frame or a page at a time.

// compressed wraps a decoder's read, counting the frames given so a
// decoder's error can say where in the recording it came.
type compressed struct {
	what   string
	frames int64
	ch     int
	next   func(dst []float32) (int, error)
}

func (c *compressed) read(dst []float32) (n int, err error) {
	err = guard(c.what, func() error {
		var e error
		n, e = c.next(dst)
		return e
	})
	c.frames += int64(n / c.ch)
	if err != nil && err != io.EOF {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return n, io.EOF // cut short: keep what there is
		}
		return n, fmt.Errorf("%s after %d frames of samples: %w", c.what, c.frames, err)
	}
	return n, err
}

// guard runs a third-party decoder's call and turns a panic on bad
// data (a bug of theirs, found by fuzzing here) into an error.
func guard(what string, f func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%s decoder failed on malformed data: %v", what, p)
		}
	}()
	return f()
}

func readFLAC(r io.Reader) (*Stream, error) {
	var st *flac.Stream
	err := guard("FLAC", func() (e error) { st, e = flac.New(r); return e })
	if err != nil {
		return nil, &Error{Offset: 0, Msg: fmt.Sprintf("FLAC stream header: %v", err)}
	}
	info := st.Info
	bits := int(info.BitsPerSample)
	ch := int(info.NChannels)
	switch {
	case info.SampleRate == 0:
		return nil, &Error{Offset: 18, Msg: "FLAC sample rate 0"}
	case bits < 4 || bits > 32:
		return nil, &Error{Offset: 20, Msg: fmt.Sprintf("FLAC samples of %d bits", bits)}
	}
	s := &Stream{Rate: int(info.SampleRate), Channels: ch, Format: fmt.Sprintf("FLAC, %d-bit", bits), Frames: -1}
	if info.NSamples > 0 {
		s.Frames = int64(info.NSamples)
	}
	scale := 1 / float32(int64(1)<<(bits-1))
	var pending []float32
	s.src = &compressed{what: "FLAC", ch: ch, next: func(dst []float32) (int, error) {
		n := 0
		for n < len(dst) {
			if len(pending) == 0 {
				f, err := st.ParseNext()
				if err != nil {
					if n > 0 && err == io.EOF {
						return n, nil
					}
					return n, err
				}
				if len(f.Subframes) != ch {
					return n, fmt.Errorf("a frame of %d channels in a %d-channel stream", len(f.Subframes), ch)
				}
				k := len(f.Subframes[0].Samples)
				pending = pending[:0]
				for i := range k {
					for c := range ch {
						v := float32(0)
						if i < len(f.Subframes[c].Samples) {
							v = float32(f.Subframes[c].Samples[i]) * scale
						}
						pending = append(pending, v)
					}
				}
			}
			k := copy(dst[n:], pending)
			pending = pending[k:]
			n += k
		}
		return n, nil
	}}
	return s, nil
}

// readOgg reads an Ogg file. Vorbis is decoded; the codec of any other
// stream is named in the error.
func readOgg(r io.Reader, head []byte) (*Stream, error) {
	if len(head) >= 27 {
		segs := int(head[26])
		if p := 27 + segs; p+8 <= len(head) {
			pkt := head[p:]
			switch {
			case string(pkt[:8]) == "OpusHead":
				return nil, &Error{Offset: int64(p), Msg: "Ogg Opus is not decoded (no maintained Go Opus decoder); convert it (opusdec --rate 48000 in.opus out.wav)"}
			case string(pkt[:5]) == "\x7fFLAC":
				return nil, &Error{Offset: int64(p), Msg: "FLAC inside Ogg is not decoded; convert it (flac -d --ogg in.oga -o out.wav)"}
			case string(pkt[:8]) == "Speex   ":
				return nil, &Error{Offset: int64(p), Msg: "Ogg Speex is not decoded; convert it (speexdec in.spx out.wav)"}
			case string(pkt[:7]) != "\x01vorbis":
				return nil, &Error{Offset: int64(p), Msg: fmt.Sprintf("an Ogg stream whose first packet starts %q is not Vorbis", pkt[:8])}
			}
		}
	}
	var v *oggvorbis.Reader
	err := guard("Vorbis", func() (e error) { v, e = oggvorbis.NewReader(r); return e })
	if err != nil {
		return nil, &Error{Offset: 0, Msg: fmt.Sprintf("Ogg Vorbis headers: %v", err)}
	}
	if v.SampleRate() < 1 || v.Channels() < 1 {
		return nil, &Error{Offset: 0, Msg: fmt.Sprintf("Ogg Vorbis of %d Hz, %d channels", v.SampleRate(), v.Channels())}
	}
	s := &Stream{Rate: v.SampleRate(), Channels: v.Channels(), Format: "Ogg Vorbis", Frames: -1}
	if l := v.Length(); l > 0 {
		s.Frames = l
	}
	ch := v.Channels()
	s.src = &compressed{what: "Vorbis", ch: ch, next: func(dst []float32) (int, error) {
		n := 0
		for n < len(dst) {
			k, err := v.Read(dst[n:])
			n += k
			if err != nil {
				if err == io.EOF && n > 0 {
					return n - n%ch, nil
				}
				return n - n%ch, err
			}
			if k == 0 {
				break
			}
		}
		return n - n%ch, nil
	}}
	return s, nil
}

func readMP3(r io.Reader) (*Stream, error) {
	var d *mp3.Decoder
	err := guard("MP3", func() (e error) { d, e = mp3.NewDecoder(r); return e })
	if err != nil {
		return nil, &Error{Offset: 0, Msg: fmt.Sprintf("MP3: %v", err)}
	}
	// The decoder gives 16-bit little-endian stereo whatever the file.
	s := &Stream{Rate: d.SampleRate(), Channels: 2, Format: "MP3", Frames: -1}
	var raw []byte
	s.src = &compressed{what: "MP3", ch: 2, next: func(dst []float32) (int, error) {
		if cap(raw) < 2*len(dst) {
			raw = make([]byte, 2*len(dst))
		}
		n, err := io.ReadFull(d, raw[:2*len(dst)])
		k := n / 4 * 2
		for i := range k {
			dst[i] = float32(int16(binary.LittleEndian.Uint16(raw[2*i:]))) / 32768
		}
		if err == io.ErrUnexpectedEOF || (err == io.EOF && k > 0) {
			err = nil
			if k == 0 {
				err = io.EOF
			}
		}
		return k, err
	}}
	return s, nil
}
