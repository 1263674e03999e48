package audio

import (
	"encoding/binary"
	"fmt"
	"math"
)

// codec turns blocks of a file's bytes into samples: block bytes make
// frames frames of interleaved samples. For PCM a block is one frame.
type codec struct {
	name   string
	block  int
	frames int
	decode func(dst []float32, src []byte) // len(src) == block; len(dst) == frames*channels
}

// pcm is the codec of uncompressed samples of bits each, integer or
// float, in either byte order; 8-bit integers are unsigned when
// unsigned8 (WAV) and signed otherwise (AIFF, .au).
func pcm(bits, channels int, float, bigEndian, unsigned8 bool) (codec, error) {
	size := (bits + 7) / 8
	c := codec{block: size * channels, frames: 1}
	var one func(b []byte) float32
	var order binary.ByteOrder = binary.LittleEndian
	if bigEndian {
		order = binary.BigEndian
	}
	switch {
	case float && bits == 32:
		one = func(b []byte) float32 { return clean(float64(math.Float32frombits(order.Uint32(b)))) }
	case float && bits == 64:
		one = func(b []byte) float32 { return clean(math.Float64frombits(order.Uint64(b))) }
	case float:
		return c, fmt.Errorf("%d-bit float samples (32 or 64 are read)", bits)
	case bits == 8 && unsigned8:
		one = func(b []byte) float32 { return (float32(b[0]) - 128) / 128 }
	case bits == 8:
		one = func(b []byte) float32 { return float32(int8(b[0])) / 128 }
	case bits == 16:
		one = func(b []byte) float32 { return float32(int16(order.Uint16(b))) / 32768 }
	case bits == 24 && bigEndian:
		one = func(b []byte) float32 {
			return float32(int32(uint32(b[0])<<24|uint32(b[1])<<16|uint32(b[2])<<8)) / (1 << 31)
		}
	case bits == 24:
		one = func(b []byte) float32 {
			return float32(int32(uint32(b[2])<<24|uint32(b[1])<<16|uint32(b[0])<<8)) / (1 << 31)
		}
	case bits == 32:
		one = func(b []byte) float32 { return float32(int32(order.Uint32(b))) / (1 << 31) }
	default:
		return c, fmt.Errorf("%d-bit integer samples (8, 16, 24 or 32 are read)", bits)
	}
	kind := "PCM"
	if float {
		kind = "float"
	}
	c.name = fmt.Sprintf("%d-bit %s", bits, kind)
	c.decode = func(dst []float32, src []byte) {
		for i := range dst {
			dst[i] = one(src[i*size:])
		}
	}
	return c, nil
}

// clean keeps a float sample finite and in a sane range: a broken
// recorder's NaN or huge value becomes silence or full scale.
func clean(v float64) float32 {
	switch {
	case v != v:
		return 0
	case v > 1:
		return 1
	case v < -1:
		return -1
	}
	return float32(v)
}

// G.711 expansion tables, built once.
var ulawTable, alawTable = g711Tables()

func g711Tables() (u, a [256]float32) {
	for i := range 256 {
		// µ-law: complemented bits, sign, 3-bit exponent, 4-bit mantissa.
		b := ^byte(i)
		e := int(b>>4) & 7
		m := int(b) & 15
		v := ((m<<3 | 0x84) << e) - 0x84
		if b&0x80 != 0 {
			v = -v
		}
		u[i] = float32(v) / 32768
		// A-law: even bits inverted, sign set means positive.
		b = byte(i) ^ 0x55
		e = int(b>>4) & 7
		m = int(b) & 15
		if e == 0 {
			v = m<<4 | 8
		} else {
			v = (m<<4 | 0x108) << (e - 1)
		}
		if b&0x80 == 0 {
			v = -v
		}
		a[i] = float32(v) / 32768
	}
	return u, a
}

// g711 is the codec of µ-law or A-law bytes.
func g711(channels int, alaw bool) codec {
	t, name := &ulawTable, "µ-law"
	if alaw {
		t, name = &alawTable, "A-law"
	}
	return codec{name: name, block: channels, frames: 1, decode: func(dst []float32, src []byte) {
		for i := range dst {
			dst[i] = t[src[i]]
		}
	}}
}
