package coding

// pn is the CCSDS pseudo-randomiser's sequence (131.0-B section 10):
// h(x) = x^8 + x^7 + x^5 + x^3 + 1, all ones at the start of each frame,
// period 255 bytes.
var pn = func() [255]byte {
	var out [255]byte
	state := byte(0xff)
	for i := range out {
		var b byte
		for range 8 {
			bit := state >> 7 & 1
			b = b<<1 | bit
			// the register shifts towards its output; the new bit is the
			// XOR of the stages h(x)'s terms tap (bits 7, 4, 2 and 0)
			fb := (state>>7 ^ state>>4 ^ state>>2 ^ state) & 1
			state = state<<1 | fb
		}
		out[i] = b
	}
	return out
}()

// Randomize XORs a frame (everything after the sync marker) with the
// pseudo-random sequence, in place; doing it again undoes it.
func Randomize(frame []byte) {
	for i := range frame {
		frame[i] ^= pn[i%len(pn)]
	}
}
