package coding

import (
	"fmt"
	"math/bits"
)

// Viterbi decodes the CCSDS convolutional code from soft symbols (two per
// bit, 0 a certain zero, 255 a certain one, 128 nothing known) into
// nbits bits (bytes, most significant bit first). With tail the code was
// ended in state 0 by six zero bits after them (2*(nbits+6) symbols);
// without, the decoder ends in the likeliest state.
func Viterbi(sym []byte, nbits int, tail bool) ([]byte, error) {
	steps := nbits
	if tail {
		steps += ConvTail
	}
	if nbits <= 0 || nbits%8 != 0 || len(sym) < 2*steps {
		return nil, fmt.Errorf("viterbi: %d symbols for %d bits: want a whole number of bytes and 2 symbols a bit", len(sym), nbits)
	}
	dec := viterbi(sym[:2*steps], true, tail)
	out := make([]byte, nbits/8)
	for t, b := range dec[:nbits] {
		out[t/8] |= b << (7 - t%8)
	}
	return out, nil
}

// ViterbiWindow decodes a window cut from a longer stream: len(sym)/2
// bits, one per byte, starting in any state and ending in the likeliest.
// The first and last few dozen bits are less sure than the rest; a
// stream decoder overlaps its windows by more than that and keeps their
// middles.
func ViterbiWindow(sym []byte) []byte {
	if len(sym) < 2 {
		return nil
	}
	return viterbi(sym[:len(sym)&^1], false, false)
}

// branchIdx holds, for each register value (state and new bit), the two
// symbols it produces as a 2-bit index into a step's four branch costs.
var branchIdx = func() (idx [128]uint8) {
	for sr := range 128 {
		idx[sr] = uint8(bits.OnesCount(uint(sr)&convG1)&1)<<1 | uint8(bits.OnesCount(uint(sr)&convG2)&1^1)
	}
	return idx
}()

// viterbi decodes len(sym)/2 bits, one per byte. With start the encoder
// began in state 0 (else in any); with tail it ended in state 0 (else in
// the likeliest).
func viterbi(sym []byte, start, tail bool) []byte {
	steps := len(sym) / 2
	const inf = uint32(1 << 24) // unreachable: far from any reachable metric, and differences stay far inside 31 bits for lt
	var metric, next [64]uint32
	if start {
		for i := range metric {
			metric[i] = inf
		}
		metric[0] = 0
	}
	// decisions: for each step and new state, which predecessor (its high
	// bit) survived
	dec := make([]uint64, steps)
	for t := 0; t < steps; t++ {
		a, b := uint32(sym[2*t]), uint32(sym[2*t+1])
		// cost of each expected pair (00, 01, 10, 11) against what came
		costs := [4]uint32{a + b, a + 255 - b, 255 - a + b, 510 - a - b}
		// butterflies: predecessors k and k+32 lead to states 2k (new bit
		// 0) and 2k+1 (new bit 1); both polynomials tap the oldest and the
		// newest bit, so the four branches' symbols are one pair and its
		// complement
		var d uint64
		for k := 0; k < 32; k++ {
			i := branchIdx[k<<1]
			c, cc := costs[i], costs[3-i]
			mk, mk32 := metric[k], metric[k+32]
			a0, b0 := mk+c, mk32+cc // into 2k
			a1, b1 := mk+cc, mk32+c // into 2k+1
			next[2*k], next[2*k+1] = min(a0, b0), min(a1, b1)
			d |= (uint64(lt(b0, a0)) | uint64(lt(b1, a1))<<1) << (2 * k)
		}
		dec[t] = d
		metric = next
		if t&1023 == 1023 { // keep the metrics well inside 32 bits
			best := metric[0]
			for _, m := range metric {
				best = min(best, m)
			}
			for i := range metric {
				metric[i] -= best
			}
		}
	}
	state := 0
	if !tail {
		for s := 1; s < 64; s++ {
			if metric[s] < metric[state] {
				state = s
			}
		}
	}
	out := make([]byte, steps)
	for t := steps - 1; t >= 0; t-- {
		out[t] = byte(state & 1)
		if dec[t]>>state&1 == 1 {
			state = state>>1 | 0x20
		} else {
			state >>= 1
		}
	}
	return out
}

// lt is 1 when a < b (a comparison the compiler makes without a branch).
func lt(a, b uint32) uint32 { return (a - b) >> 31 }
