// Package recording opens a radio recording, whatever form it comes in,
// and decodes the frames in it: a receiver's audio in any common
// container (package audio), an SDR's IQ as SigMF (its metadata, its
// data, or an archive), raw IQ files, or IQ stored as a stereo WAV.
package recording

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/ipgs/ipgs/sdr/audio"
	"github.com/ipgs/ipgs/sdr/sigmf"
)

// Source is an opened recording: audio (one channel) or IQ.
type Source struct {
	Kind string  // what it is, for the operator
	Rate float64 // samples a second
	// Audio is set for audio, IQ for IQ.
	Audio interface{ Read([]float32) (int, error) }
	IQ    interface {
		Read([]complex64) (int, error)
	}
	// Meta is the SigMF metadata of a SigMF recording; Centre the tuned
	// frequency when known (Hz).
	Meta     *sigmf.Meta
	Centre   float64
	Channels int // an audio file's channels
	closer   io.Closer
}

// Close closes the file.
func (s *Source) Close() error {
	if s.closer != nil {
		return s.closer.Close()
	}
	return nil
}

// Input is how to open a recording.
type Input struct {
	File string
	// IQ says the file holds IQ: needed for a stereo WAV of IQ that
	// names itself neither by an auxi chunk nor by SDR++'s file name.
	IQ bool
	// Format and Rate describe raw IQ (a datatype as SigMF names them,
	// or cu8, cs8, cs16, cf32); both are read from a gqrx file name.
	Format string
	Rate   float64
	// Channel is the audio channel: 1 the first (the default when 0),
	// 2 the second (a stereo file's right); -1 the mean of all.
	Channel int
}

// rawExt are raw IQ files' usual extensions and their datatypes.
var rawExt = map[string]string{
	".cu8": "cu8", ".u8": "cu8", ".cs8": "ci8", ".s8": "ci8", ".ci8": "ci8",
	".cs16": "ci16_le", ".s16": "ci16_le", ".ci16": "ci16_le", ".sc16": "ci16_le",
	".cf32": "cf32_le", ".fc32": "cf32_le", ".cfile": "cf32_le", ".cf64": "cf64_le",
	".raw": "", ".iq": "", ".bin": "", ".dat": "",
}

// shortFormats are the names rtl_sdr, hackrf_transfer and GNU Radio
// users call formats by.
var shortFormats = map[string]string{"cu8": "cu8", "cs8": "ci8", "cs16": "ci16_le", "cf32": "cf32_le", "fc32": "cf32_le", "cf64": "cf64_le"}

// gqrxName is gqrx's name for an IQ recording: date, time, frequency
// and rate, complex float32.
var gqrxName = regexp.MustCompile(`^gqrx_\d{8}_\d{6}_(\d+)_(\d+)_fc\.raw$`)

// Open opens a recording.
func Open(in Input) (*Source, error) {
	name := in.File
	base := filepath.Base(name)
	ext := strings.ToLower(filepath.Ext(name))
	switch {
	case strings.HasSuffix(name, sigmf.Ext), strings.HasSuffix(name, sigmf.DExt), strings.HasSuffix(name, sigmf.ArchiveExt):
		m, r, err := sigmf.Open(name)
		if err != nil {
			return nil, err
		}
		return &Source{Kind: "SigMF IQ, " + m.Global.Datatype, Rate: m.Global.SampleRate, IQ: r, Meta: m, Centre: m.FrequencyAt(0), closer: r}, nil
	}
	if dt, raw := rawExt[ext]; raw || in.Format != "" {
		return openRaw(in, dt, base)
	}
	var s *audio.Stream
	var err error
	if name == "-" { // audio piped in
		s, err = audio.NewStream(os.Stdin, "stdin")
	} else {
		s, err = audio.Open(name)
	}
	if err != nil {
		return nil, err
	}
	if s.IQ || in.IQ {
		q, err := audio.NewIQ(s)
		if err != nil {
			s.Close()
			return nil, err
		}
		kind := s.Format + ", IQ in two channels"
		if s.IQ && !in.IQ {
			kind += " (the file says so)"
		}
		return &Source{Kind: kind, Rate: float64(s.Rate), IQ: q, Centre: s.Centre, Channels: s.Channels, closer: s}, nil
	}
	ch := in.Channel
	switch {
	case ch == 0:
		ch = 1
	case ch < -1 || ch > s.Channels:
		s.Close()
		return nil, fmt.Errorf("%s has %d channels: --channel %d is not one (1 to %d, or -1 for their mean)", name, s.Channels, ch, s.Channels)
	}
	idx := ch - 1
	if ch == -1 {
		idx = -1
	}
	c, err := audio.NewChannel(s, idx)
	if err != nil {
		s.Close()
		return nil, err
	}
	kind := s.Format
	if s.Channels > 1 {
		kind += fmt.Sprintf(", %d channels", s.Channels)
		if ch == -1 {
			kind += ", their mean"
		} else {
			kind += fmt.Sprintf(", channel %d", ch)
		}
	}
	return &Source{Kind: kind, Rate: float64(s.Rate), Audio: c, Channels: s.Channels, closer: s}, nil
}

func openRaw(in Input, dt, base string) (*Source, error) {
	rate, centre := in.Rate, 0.0
	if m := gqrxName.FindStringSubmatch(base); m != nil {
		dt = "cf32_le"
		centre, _ = strconv.ParseFloat(m[1], 64)
		if rate == 0 {
			rate, _ = strconv.ParseFloat(m[2], 64)
		}
	}
	if in.Format != "" {
		dt = in.Format
		if s, ok := shortFormats[in.Format]; ok {
			dt = s
		}
	}
	if dt == "" {
		return nil, fmt.Errorf("%s: raw IQ: give its sample format (--format cu8, cs8, cs16, cf32 or a SigMF datatype)", in.File)
	}
	if _, err := sigmf.SampleSize(dt); err != nil {
		return nil, fmt.Errorf("%s: --format: %w", in.File, err)
	}
	if !(rate > 0 && rate < 1e11) {
		return nil, fmt.Errorf("%s: raw IQ: give its sample rate (--rate, samples a second)", in.File)
	}
	f, err := openFile(in.File)
	if err != nil {
		return nil, err
	}
	r, _ := sigmf.NewReader(f, dt)
	return &Source{Kind: "raw IQ, " + dt, Rate: rate, IQ: r, Centre: centre, closer: f}, nil
}
