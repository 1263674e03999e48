// Package audio reads recordings of a receiver's audio (or of an SDR's IQ
// stored as two audio channels) a block at a time, whatever the file:
// WAV (RF64 and Sony Wave64 too), AIFF, Sun .au, FLAC, Ogg Vorbis and
// MP3, in any sample format they commonly carry. Memory stays the same
// however long the recording is.
package audio

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
)

// Stream is a recording being read: interleaved frames of Channels
// samples, scaled to -1..1.
type Stream struct {
	Rate     int
	Channels int
	Format   string // what the file is, e.g. "WAV, 16-bit PCM"
	Frames   int64  // frames the header declares; -1 when it does not say
	// IQ is set when the file says it holds an SDR's IQ, not audio: an
	// auxi chunk (SDR#, HDSDR, SDRuno) or SDR++'s baseband file name.
	// Centre is then the tuned frequency, Hz, when the file gives it.
	IQ     bool
	Centre float64
	name   string
	src    source
	closer io.Closer
	err    error
	idle   int // reads in a row that gave nothing
}

// source gives whole frames of interleaved samples.
type source interface {
	read(dst []float32) (int, error)
}

// Error is a recording that did not parse: the file, the byte, and
// what was expected there.
type Error struct {
	File   string
	Offset int64
	Msg    string
}

func (e *Error) Error() string {
	if e.File == "" {
		return fmt.Sprintf("byte %d: %s", e.Offset, e.Msg)
	}
	return fmt.Sprintf("%s: byte %d: %s", e.File, e.Offset, e.Msg)
}

// Formats lists what Open reads, for messages.
const Formats = "WAV (PCM 8 to 32 bits, float 32 and 64, µ-law, A-law, IMA and MS ADPCM; RF64, Wave64), AIFF/AIFC, Sun .au, FLAC, Ogg Vorbis, MP3"

// Open opens a recording file.
func Open(path string) (*Stream, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	s, err := NewStream(f, path)
	if err != nil {
		f.Close()
		return nil, err
	}
	s.closer = f
	return s, nil
}

// sdrppName is SDR++'s name for a baseband recording: the tuned
// frequency in Hz before "Hz".
var sdrppName = regexp.MustCompile(`^baseband_(\d+)Hz_`)

// NewStream reads a recording from r; name is the file's, for messages
// and for what a name says (SDR++'s baseband recordings).
func NewStream(r io.Reader, name string) (*Stream, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	head, _ := br.Peek(64)
	var s *Stream
	var err error
	switch {
	case len(head) < 4:
		return nil, &Error{name, int64(len(head)), "file ends before a format could be told"}
	case len(head) >= 12 && (bytes.HasPrefix(head, []byte("RIFF")) || bytes.HasPrefix(head, []byte("RF64")) || bytes.HasPrefix(head, []byte("BW64"))) && string(head[8:12]) == "WAVE",
		len(head) >= 40 && bytes.Equal(head[:16], w64RIFF[:]):
		s, err = readRIFF(br)
	case len(head) >= 12 && string(head[:4]) == "FORM" && (string(head[8:12]) == "AIFF" || string(head[8:12]) == "AIFC"):
		s, err = readAIFF(br)
	case string(head[:4]) == ".snd":
		s, err = readAU(br)
	case string(head[:4]) == "fLaC":
		s, err = readFLAC(br)
	case string(head[:4]) == "OggS":
		s, err = readOgg(br, head)
	case string(head[:3]) == "ID3" || (head[0] == 0xFF && head[1]&0xE0 == 0xE0):
		s, err = readMP3(br)
	case string(head[:4]) == "caff":
		err = &Error{"", 0, "Apple CAF is not read; convert it to WAV (sox in.caf out.wav)"}
	default:
		err = &Error{"", 0, fmt.Sprintf("not a recording this reads (starts %q); it reads %s", head[:min(4, len(head))], Formats)}
	}
	if err != nil {
		var e *Error
		if errors.As(err, &e) && e.File == "" {
			e.File = name
		}
		return nil, err
	}
	s.name = name
	if m := sdrppName.FindStringSubmatch(filepath.Base(name)); m != nil && s.Channels == 2 {
		s.IQ = true
		s.Centre, _ = strconv.ParseFloat(m[1], 64)
	}
	return s, nil
}

// Read fills dst with whole frames of interleaved samples and returns
// how many samples; io.EOF at the end.
func (s *Stream) Read(dst []float32) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	dst = dst[:len(dst)/s.Channels*s.Channels]
	if len(dst) == 0 {
		return 0, errors.New("audio: a read buffer smaller than one frame")
	}
	n, err := s.src.read(dst)
	if n == 0 && err == nil {
		// A decoder that gives nothing, again and again, is stuck on
		// its input: an error, not a loop.
		if s.idle++; s.idle > 1000 {
			err = fmt.Errorf("the %s decoder makes no progress", s.Format)
		}
	} else {
		s.idle = 0
	}
	if err != nil && err != io.EOF {
		var e *Error
		if errors.As(err, &e) && e.File == "" {
			e.File = s.name
		} else if !errors.As(err, &e) {
			err = fmt.Errorf("%s: %w", s.name, err)
		}
	}
	if err != nil {
		s.err = err
		if n > 0 {
			err = nil
		}
	}
	return n, err
}

// Close closes the file Open opened.
func (s *Stream) Close() error {
	if s.closer != nil {
		return s.closer.Close()
	}
	return nil
}

// Channel reads one channel (0 is the first) of a stream, a block at a
// time.
type Channel struct {
	s   *Stream
	ch  int
	buf []float32
}

// NewChannel reads channel ch of s; ch -1 is the mean of all channels.
func NewChannel(s *Stream, ch int) (*Channel, error) {
	if ch < -1 || ch >= s.Channels {
		return nil, fmt.Errorf("%s has %d channels: there is no channel %d", s.name, s.Channels, ch+1)
	}
	return &Channel{s: s, ch: ch}, nil
}

// Read fills dst with samples of the channel; io.EOF at the end.
func (c *Channel) Read(dst []float32) (int, error) {
	nc := c.s.Channels
	if need := len(dst) * nc; cap(c.buf) < need {
		c.buf = make([]float32, need)
	}
	n, err := c.s.Read(c.buf[:len(dst)*nc])
	k := n / nc
	for i := range k {
		f := c.buf[i*nc : i*nc+nc]
		if c.ch >= 0 {
			dst[i] = f[c.ch]
			continue
		}
		var sum float32
		for _, v := range f {
			sum += v
		}
		dst[i] = sum / float32(nc)
	}
	return k, err
}

// IQ reads a two-channel stream as complex samples: I left, Q right.
type IQ struct {
	s   *Stream
	buf []float32
}

// NewIQ reads s, which must have two channels, as IQ.
func NewIQ(s *Stream) (*IQ, error) {
	if s.Channels != 2 {
		return nil, fmt.Errorf("%s has %d channels: IQ needs two (I and Q)", s.name, s.Channels)
	}
	return &IQ{s: s}, nil
}

// Read fills dst with IQ samples; io.EOF at the end.
func (q *IQ) Read(dst []complex64) (int, error) {
	if need := 2 * len(dst); cap(q.buf) < need {
		q.buf = make([]float32, need)
	}
	n, err := q.s.Read(q.buf[:2*len(dst)])
	k := n / 2
	for i := range k {
		dst[i] = complex(q.buf[2*i], q.buf[2*i+1])
	}
	return k, err
}

// MaxSamples bounds what ReadFile takes into memory (an hour at 48 kHz,
// two channels' worth).
const MaxSamples = 48000 * 3600 * 2

// ReadFile reads one channel of a whole recording into memory, for
// tools that change a file (adding noise); decoders read a Stream.
func ReadFile(path string, ch int) (samples []float32, rate int, err error) {
	s, err := Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer s.Close()
	c, err := NewChannel(s, ch)
	if err != nil {
		return nil, 0, err
	}
	buf := make([]float32, 1<<15)
	for {
		n, err := c.Read(buf)
		samples = append(samples, buf[:n]...)
		if err == io.EOF {
			return samples, s.Rate, nil
		}
		if err != nil {
			return samples, s.Rate, err
		}
		if len(samples) > MaxSamples {
			return nil, s.Rate, fmt.Errorf("%s: over %d samples, too long to read whole", path, MaxSamples)
		}
	}
}
