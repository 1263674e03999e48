package coding

import "math/bits"

// The CCSDS rate-1/2, constraint-length-7 convolutional code (131.0-B
// section 3): G1 = 1111001 (0x79) and G2 = 1011011 (0x5B), G2's symbol
// inverted, G1's sent first. The register holds the newest bit in its
// lowest place; the polynomials are written for that order.
const (
	convG1 = 0x4f // 0x79 reversed over 7 bits
	convG2 = 0x6d // 0x5B reversed over 7 bits
	// ConvTail is the bits of zeros that bring the encoder back to state 0.
	ConvTail = 6
)

// ConvEncode encodes data (bytes, most significant bit first) and, when
// tail, six zero bits that end the code in state 0; it returns one
// symbol per byte, 0 or 1.
func ConvEncode(data []byte, tail bool) []byte {
	n := len(data) * 8
	if tail {
		n += ConvTail
	}
	out := make([]byte, 0, 2*n)
	var sr uint
	for i := 0; i < n; i++ {
		var b uint
		if i < len(data)*8 {
			b = uint(data[i/8]>>(7-i%8)) & 1
		}
		sr = (sr<<1 | b) & 0x7f
		out = append(out, byte(bits.OnesCount(sr&convG1)&1), byte(bits.OnesCount(sr&convG2)&1^1))
	}
	return out
}

// Soft turns hard symbols (0, 1) into soft ones (0 a certain zero, 255 a
// certain one), the form Viterbi takes.
func Soft(hard []byte) []byte {
	out := make([]byte, len(hard))
	for i, h := range hard {
		out[i] = h * 255
	}
	return out
}
