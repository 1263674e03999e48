package audio

import (
	"encoding/binary"
	"fmt"
	"io"
)

// readAU reads Sun/NeXT .au: a big-endian header, then samples.
func readAU(in io.Reader) (*Stream, error) {
	r := &reader{r: in}
	var h [24]byte
	if err := r.full(h[:], ".au header"); err != nil {
		return nil, err
	}
	be := binary.BigEndian
	off := int64(be.Uint32(h[4:]))
	size := int64(be.Uint32(h[8:]))
	enc := be.Uint32(h[12:])
	rate := int(be.Uint32(h[16:]))
	channels := int(be.Uint32(h[20:]))
	switch {
	case off < 24 || off > 1<<20:
		return nil, &Error{Offset: 4, Msg: fmt.Sprintf("data offset %d (24 to 1 MiB expected)", off)}
	case rate < 1 || rate > 100_000_000:
		return nil, &Error{Offset: 16, Msg: fmt.Sprintf("sample rate %d (1 to 100 MHz expected)", rate)}
	case channels < 1 || channels > 16:
		return nil, &Error{Offset: 20, Msg: fmt.Sprintf("%d channels (1 to 16 expected)", channels)}
	}
	var c codec
	var err error
	switch enc {
	case 1:
		c = g711(channels, false)
	case 27:
		c = g711(channels, true)
	case 2, 3, 4, 5:
		c, err = pcm(8*int(enc-1), channels, false, true, false)
	case 6:
		c, err = pcm(32, channels, true, true, false)
	case 7:
		c, err = pcm(64, channels, true, true, false)
	default:
		err = fmt.Errorf("encoding %d is not read (1 µ-law, 2-5 PCM, 6-7 float, 27 A-law)", enc)
	}
	if err != nil {
		return nil, &Error{Offset: 12, Msg: err.Error()}
	}
	if err := r.skip(off-24, ".au annotation"); err != nil {
		return nil, err
	}
	if size == 0xFFFFFFFF {
		size = -1
	}
	s := &Stream{Rate: rate, Channels: channels, Format: ".au, " + c.name, Frames: -1}
	if size >= 0 {
		s.Frames = size / int64(c.block)
	}
	s.src = newBlocks(r.r, c, channels, size, r.off)
	return s, nil
}
