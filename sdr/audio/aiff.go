package audio

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
)

// readAIFF reads Apple's AIFF and AIFF-C: big-endian chunks, a COMM
// chunk saying the format and an SSND chunk of samples.
func readAIFF(in io.Reader) (*Stream, error) {
	r := &reader{r: in}
	var hdr [12]byte
	if err := r.full(hdr[:], "FORM header"); err != nil {
		return nil, err
	}
	aifc := string(hdr[8:12]) == "AIFC"
	var comm []byte
	commAt := int64(0)
	for {
		at := r.off
		var ch [8]byte
		if err := r.full(ch[:], "chunk header"); err != nil {
			if comm == nil {
				return nil, &Error{Offset: at, Msg: "no COMM chunk before the end of the file"}
			}
			return nil, &Error{Offset: at, Msg: "no SSND chunk before the end of the file"}
		}
		id := string(ch[:4])
		size := int64(binary.BigEndian.Uint32(ch[4:]))
		pad := size % 2
		switch id {
		case "COMM":
			if size < 18 || size > 4096 {
				return nil, &Error{Offset: at, Msg: fmt.Sprintf("COMM chunk of %d bytes (18 to 4096 expected)", size)}
			}
			comm = make([]byte, size+pad)
			if err := r.full(comm, "COMM chunk"); err != nil {
				return nil, err
			}
			commAt = at + 8
		case "SSND":
			if comm == nil {
				return nil, &Error{Offset: at, Msg: "SSND chunk before the COMM chunk"}
			}
			var so [8]byte
			if err := r.full(so[:], "SSND header"); err != nil {
				return nil, err
			}
			if err := r.skip(int64(binary.BigEndian.Uint32(so[:4])), "SSND offset"); err != nil {
				return nil, err
			}
			s, c, err := aiffFormat(comm, aifc, commAt)
			if err != nil {
				return nil, err
			}
			data := size - 8 - int64(binary.BigEndian.Uint32(so[:4]))
			if data < 0 || size == 0 {
				data = -1
			}
			s.src = newBlocks(r.r, c, s.Channels, data, r.off)
			return s, nil
		default:
			if err := r.skip(size+pad, fmt.Sprintf("chunk %q", id)); err != nil {
				return nil, err
			}
		}
	}
}

func aiffFormat(b []byte, aifc bool, at int64) (*Stream, codec, error) {
	be := binary.BigEndian
	channels := int(int16(be.Uint16(b[0:])))
	frames := int64(be.Uint32(b[2:]))
	bits := int(int16(be.Uint16(b[6:])))
	rate := extended(b[8:18])
	s := &Stream{Channels: channels, Frames: frames, Rate: int(math.Round(rate)), Format: "AIFF"}
	switch {
	case channels < 1 || channels > 16:
		return nil, codec{}, &Error{Offset: at, Msg: fmt.Sprintf("%d channels (1 to 16 expected)", channels)}
	case !(rate >= 1 && rate <= 100e6):
		return nil, codec{}, &Error{Offset: at + 8, Msg: fmt.Sprintf("sample rate %v (1 to 100 MHz expected)", rate)}
	}
	comp := "NONE"
	if aifc {
		if len(b) < 22 {
			return nil, codec{}, &Error{Offset: at, Msg: "AIFF-C COMM chunk without a compression type"}
		}
		comp = string(b[18:22])
		s.Format = "AIFF-C"
	}
	var c codec
	var err error
	switch comp {
	case "NONE", "twos":
		c, err = pcm(bits, channels, false, true, false)
	case "sowt":
		c, err = pcm(bits, channels, false, false, false)
	case "fl32", "FL32":
		c, err = pcm(32, channels, true, true, false)
	case "fl64", "FL64":
		c, err = pcm(64, channels, true, true, false)
	case "ulaw", "ULAW":
		c = g711(channels, false)
	case "alaw", "ALAW":
		c = g711(channels, true)
	default:
		err = fmt.Errorf("compression %q is not read (NONE, sowt, fl32, fl64, ulaw, alaw)", comp)
	}
	if err != nil {
		return nil, c, &Error{Offset: at + 6, Msg: err.Error()}
	}
	s.Format += ", " + c.name
	return s, c, nil
}

// extended is an IEEE 754 80-bit extended number, as AIFF gives its
// sample rate.
func extended(b []byte) float64 {
	exp := int(binary.BigEndian.Uint16(b[0:]))
	mant := binary.BigEndian.Uint64(b[2:])
	sign := 1.0
	if exp&0x8000 != 0 {
		sign = -1
	}
	exp &= 0x7FFF
	if exp == 0 && mant == 0 {
		return 0
	}
	if exp == 0x7FFF {
		return math.NaN()
	}
	return sign * math.Ldexp(float64(mant), exp-16383-63)
}
