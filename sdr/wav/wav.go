// Package wav reads and writes PCM WAV audio, the files direwolf's
// gen_packets writes and a sound card recorder makes.
package wav

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// Audio is one channel of PCM audio, samples scaled to -1..1.
type Audio struct {
	Rate     int
	Channels int // in the file; Samples holds the first
	Bits     int
	Samples  []float32
}

// Error is a file that did not parse: what was wrong and at which byte.
type Error struct {
	Offset int64
	Msg    string
}

func (e *Error) Error() string { return fmt.Sprintf("wav: byte %d: %s", e.Offset, e.Msg) }

// MaxSamples bounds what Read takes in (an hour at 48 kHz stereo).
const MaxSamples = 48000 * 3600 * 2

// Read parses a RIFF WAVE file of 8, 16 or 32-bit integer PCM, or 32-bit
// float, keeping the first channel.
func Read(r io.Reader) (*Audio, error) {
	var off int64
	read := func(b []byte, what string) error {
		n, err := io.ReadFull(r, b)
		off += int64(n)
		if err != nil {
			return &Error{off, fmt.Sprintf("%s cut short (%v)", what, err)}
		}
		return nil
	}
	var hdr [12]byte
	if err := read(hdr[:], "RIFF header"); err != nil {
		return nil, err
	}
	if string(hdr[0:4]) != "RIFF" || string(hdr[8:12]) != "WAVE" {
		return nil, &Error{0, fmt.Sprintf("not a RIFF WAVE file (starts %q)", hdr[:4])}
	}
	var a Audio
	format := 0
	align := 0
	for {
		var ch [8]byte
		at := off
		if err := read(ch[:], "chunk header"); err != nil {
			if format == 0 {
				return nil, &Error{at, "no fmt chunk"}
			}
			return nil, &Error{at, "no data chunk"}
		}
		id := string(ch[:4])
		size := int64(binary.LittleEndian.Uint32(ch[4:]))
		switch id {
		case "fmt ":
			if size < 16 || size > 1024 {
				return nil, &Error{at, fmt.Sprintf("fmt chunk of %d bytes", size)}
			}
			b := make([]byte, size+size%2)
			if err := read(b, "fmt chunk"); err != nil {
				return nil, err
			}
			format = int(binary.LittleEndian.Uint16(b[0:]))
			a.Channels = int(binary.LittleEndian.Uint16(b[2:]))
			a.Rate = int(binary.LittleEndian.Uint32(b[4:]))
			align = int(binary.LittleEndian.Uint16(b[12:]))
			a.Bits = int(binary.LittleEndian.Uint16(b[14:]))
			if format == 0xFFFE && size >= 40 { // WAVE_FORMAT_EXTENSIBLE: the sub-format's first two bytes
				format = int(binary.LittleEndian.Uint16(b[24:]))
			}
			switch {
			case format != 1 && format != 3:
				return nil, &Error{at + 8, fmt.Sprintf("format %d is not PCM (1) or float (3)", format)}
			case format == 1 && a.Bits != 8 && a.Bits != 16 && a.Bits != 32, format == 3 && a.Bits != 32:
				return nil, &Error{at + 22, fmt.Sprintf("%d-bit samples of format %d", a.Bits, format)}
			case a.Channels < 1 || a.Channels > 8:
				return nil, &Error{at + 10, fmt.Sprintf("%d channels", a.Channels)}
			case a.Rate < 1 || a.Rate > 10_000_000:
				return nil, &Error{at + 12, fmt.Sprintf("sample rate %d", a.Rate)}
			case align != a.Channels*a.Bits/8:
				return nil, &Error{at + 20, fmt.Sprintf("block align %d for %d channels of %d bits", align, a.Channels, a.Bits)}
			}
		case "data":
			if format == 0 {
				return nil, &Error{at, "data chunk before the fmt chunk"}
			}
			frames := size / int64(align)
			if size == 0xFFFFFFFF || size == 0 { // written while streaming: read to the end
				frames = MaxSamples
			}
			if frames > MaxSamples {
				return nil, &Error{at + 4, fmt.Sprintf("data of %d frames is over the limit", frames)}
			}
			return readData(r, &a, format, align, frames, off)
		default:
			if _, err := io.CopyN(io.Discard, r, size+size%2); err != nil {
				return nil, &Error{off, fmt.Sprintf("chunk %q of %d bytes cut short", id, size)}
			}
			off += size + size%2
		}
	}
}

func readData(r io.Reader, a *Audio, format, align int, frames, off int64) (*Audio, error) {
	buf := make([]byte, 64*1024/align*align)
	a.Samples = make([]float32, 0, min(frames, 1<<22))
	for int64(len(a.Samples)) < frames {
		n, err := io.ReadFull(r, buf)
		n -= n % align
		for i := 0; i < n; i += align {
			var v float32
			switch {
			case a.Bits == 8:
				v = (float32(buf[i]) - 128) / 128
			case a.Bits == 16:
				v = float32(int16(binary.LittleEndian.Uint16(buf[i:]))) / 32768
			case format == 3:
				v = math.Float32frombits(binary.LittleEndian.Uint32(buf[i:]))
				if v != v || v > 1e3 || v < -1e3 {
					return a, &Error{off + int64(i), fmt.Sprintf("float sample %v", v)}
				}
			default:
				v = float32(int32(binary.LittleEndian.Uint32(buf[i:]))) / (1 << 31)
			}
			a.Samples = append(a.Samples, v)
		}
		off += int64(n)
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				break // a file cut short keeps what it has
			}
			return a, &Error{off, err.Error()}
		}
	}
	if int64(len(a.Samples)) > frames {
		a.Samples = a.Samples[:frames]
	}
	return a, nil
}

// Write writes samples (-1..1, clipped) as 16-bit mono PCM at rate.
func Write(w io.Writer, rate int, samples []float32) error {
	n := len(samples) * 2
	var h [44]byte
	copy(h[0:], "RIFF")
	binary.LittleEndian.PutUint32(h[4:], uint32(36+n))
	copy(h[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(h[16:], 16)
	binary.LittleEndian.PutUint16(h[20:], 1)
	binary.LittleEndian.PutUint16(h[22:], 1)
	binary.LittleEndian.PutUint32(h[24:], uint32(rate))
	binary.LittleEndian.PutUint32(h[28:], uint32(rate*2))
	binary.LittleEndian.PutUint16(h[32:], 2)
	binary.LittleEndian.PutUint16(h[34:], 16)
	copy(h[36:], "data")
	binary.LittleEndian.PutUint32(h[40:], uint32(n))
	if _, err := w.Write(h[:]); err != nil {
		return err
	}
	buf := make([]byte, 0, 64*1024)
	for _, v := range samples {
		s := math.Round(float64(v) * 32767)
		s = math.Max(-32768, math.Min(32767, s))
		buf = binary.LittleEndian.AppendUint16(buf, uint16(int16(s)))
		if len(buf) == cap(buf) {
			if _, err := w.Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	_, err := w.Write(buf)
	return err
}
