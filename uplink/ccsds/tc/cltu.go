package tc

import (
	"bytes"
	"fmt"
	"math/bits"
)

// The CLTU (231.0-B section 5): a start sequence, the frame in BCH(63,56)
// codeblocks of 7 bytes (the last filled with 0x55), and a tail sequence.
var (
	cltuStart = []byte{0xeb, 0x90}
	cltuTail  = []byte{0xc5, 0xc5, 0xc5, 0xc5, 0xc5, 0xc5, 0xc5, 0x79}
)

// bchParity is the 7 parity bits of 56 information bits under g(x) =
// x^7 + x^6 + x^2 + 1, complemented, as the code block's last byte (the
// filler bit, 0, at the bottom).
func bchParity(info []byte) byte {
	var r uint8 // remainder, 7 bits
	for _, b := range info[:7] {
		for i := 7; i >= 0; i-- {
			fb := (r>>6 ^ b>>i) & 1
			r = r << 1 & 0x7f
			if fb == 1 {
				r ^= 0x45 // x^6 + x^2 + 1: g(x) less its x^7
			}
		}
	}
	return (^r & 0x7f) << 1
}

// CLTULen is the length of the CLTU that carries a frame of n bytes.
func CLTULen(n int) int {
	return len(cltuStart) + 8*((n+6)/7) + len(cltuTail)
}

// CLTU wraps an encoded TC frame for the channel.
func CLTU(frame []byte) []byte {
	out := append([]byte(nil), cltuStart...)
	for i := 0; i < len(frame); i += 7 {
		var blk [7]byte
		for j := range blk {
			blk[j] = 0x55
		}
		copy(blk[:], frame[i:])
		out = append(out, blk[:]...)
		out = append(out, bchParity(blk[:]))
	}
	return append(out, cltuTail...)
}

// syndrome → the bit (0 first, of the 63) a single error is at.
var singleError = func() map[byte]int {
	m := map[byte]int{}
	for bit := 0; bit < 63; bit++ {
		var blk [8]byte
		blk[bit/8] ^= 0x80 >> (bit % 8)
		m[bchParity(blk[:7])^blk[7]^0xfe] = bit
	}
	return m
}()

// ReadCLTU finds a CLTU's start sequence in b and returns the data of its
// codeblocks (a frame, and the fill after it), up to the tail sequence
// or the first codeblock that is not right. A codeblock with one bit
// wrong is corrected (Corrected counts them) when correct is set;
// otherwise, or with more wrong, it ends the CLTU there, as 231.0-B's
// decoder does.
func ReadCLTU(b []byte, correct bool) (data []byte, corrected int, err error) {
	i := bytes.Index(b, cltuStart)
	if i < 0 {
		return nil, 0, fmt.Errorf("cltu: no start sequence")
	}
	b = b[i+2:]
	for len(b) >= 8 {
		if bytes.Equal(b[:8], cltuTail) {
			return data, corrected, nil
		}
		blk := [8]byte(b[:8])
		if s := bchParity(blk[:7]) ^ blk[7]&0xfe; s != 0 {
			bit, ok := singleError[s]
			if !correct || !ok || bits.OnesCount8(s) == 0 {
				if len(data) == 0 {
					return nil, corrected, fmt.Errorf("cltu: the first codeblock is wrong")
				}
				return data, corrected, nil // the tail, or errors: the CLTU ends
			}
			blk[bit/8] ^= 0x80 >> (bit % 8)
			corrected++
		}
		data = append(data, blk[:7]...)
		b = b[8:]
	}
	if len(data) == 0 {
		return nil, corrected, fmt.Errorf("cltu: no codeblock")
	}
	return data, corrected, nil
}
