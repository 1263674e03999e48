// Package sdnv is the self-delimiting numeric value of RFC 6256: seven
// bits a byte, most significant first, the high bit set on all but the
// last. LTP (RFC 5326) and TCPCL version 3 (RFC 7242) use it.
package sdnv

import "fmt"

// Append appends v.
func Append(b []byte, v uint64) []byte {
	var tmp [10]byte
	i := len(tmp) - 1
	tmp[i] = byte(v & 0x7f)
	for v >>= 7; v > 0; v >>= 7 {
		i--
		tmp[i] = byte(v&0x7f) | 0x80
	}
	return append(b, tmp[i:]...)
}

// Decode reads a value from the start of b and returns it with the bytes
// it took. An error says what was wrong: b ended inside the value, or the
// value is wider than 64 bits.
func Decode(b []byte) (uint64, int, error) {
	var v uint64
	for i, c := range b {
		if v > (1<<64-1)>>7 {
			return 0, 0, fmt.Errorf("an SDNV wider than 64 bits")
		}
		v = v<<7 | uint64(c&0x7f)
		if c&0x80 == 0 {
			return v, i + 1, nil
		}
	}
	return 0, 0, fmt.Errorf("an SDNV cut short after %d bytes", len(b))
}
