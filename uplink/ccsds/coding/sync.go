package coding

import "math/bits"

// ASM is the attached sync marker that starts every TM transfer frame
// (or codeblock) on the channel (131.0-B section 9).
const ASM uint32 = 0x1ACFFC1D

// AppendASM appends the sync marker.
func AppendASM(b []byte) []byte { return append(b, 0x1a, 0xcf, 0xfc, 0x1d) }

// Bits unpacks bytes into one bit per byte, most significant first.
func Bits(b []byte) []byte {
	out := make([]byte, 0, 8*len(b))
	for _, x := range b {
		for i := 7; i >= 0; i-- {
			out = append(out, x>>i&1)
		}
	}
	return out
}

// Sync finds frames in a bit stream (one bit per byte): a frame is the
// length bytes after a sync marker found with at most MaxErrors of its 32
// bits wrong. Once a marker is found, the next is looked for where it
// must be (one frame on) and taken there with the same tolerance; a
// stream that loses lock searches again bit by bit.
type Sync struct {
	Length    int // frame (or codeblock) bytes after the marker
	MaxErrors int // bits of the marker that may be wrong (0 to 8)
}

// Found is a frame found in the stream.
type Found struct {
	Bit    int    // where its marker starts
	Errors int    // bits of the marker that were wrong
	Frame  []byte // the Length bytes after it
}

// Frames returns the frames in the stream, in order.
func (s Sync) Frames(stream []byte) []Found {
	maxErr := min(max(s.MaxErrors, 0), 8)
	var out []Found
	span := 32 + 8*s.Length
	at := func(i int) (int, bool) { // the marker's bit errors at i
		if i+span > len(stream) {
			return 0, false
		}
		var w uint32
		for _, b := range stream[i : i+32] {
			w = w<<1 | uint32(b&1)
		}
		n := bits.OnesCount32(w ^ ASM)
		return n, n <= maxErr
	}
	for i := 0; i+span <= len(stream); {
		n, ok := at(i)
		if !ok {
			i++
			continue
		}
		f := Found{Bit: i, Errors: n, Frame: make([]byte, s.Length)}
		for k := 0; k < 8*s.Length; k++ {
			f.Frame[k/8] |= (stream[i+32+k] & 1) << (7 - k%8)
		}
		out = append(out, f)
		i += span // locked: the next marker is a frame on
	}
	return out
}
