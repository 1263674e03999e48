package ax25

// Gap is what a frame takes on the air besides its own bits: the flag
// that ends it (and opens the next, back to back) and a little idle
// between frames, in bytes.
const Gap = 8

// AirBits is how long frame b takes on the air at one bit a symbol: its
// bytes with the FCS (computed when fcs is false, as a KISS host hands the
// frame over without it), the zeros HDLC bit stuffing inserts after every
// five ones in a row (sent low bit first), and Gap. Random data stuffs
// about one bit in 62; a frame of zeros almost none.
func AirBits(b []byte, fcs bool) int {
	ones, stuffed := 0, 0
	run := func(x byte) {
		for i := 0; i < 8; i++ {
			if x&1 == 0 {
				ones = 0
			} else if ones++; ones == 5 {
				stuffed++
				ones = 0
			}
			x >>= 1
		}
	}
	for _, x := range b {
		run(x)
	}
	n := len(b)
	if !fcs {
		c := FCS(b)
		run(byte(c))
		run(byte(c >> 8))
		n += 2
	}
	return 8*(n+Gap) + stuffed
}
