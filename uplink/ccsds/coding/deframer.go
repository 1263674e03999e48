package coding

import (
	"bytes"
	"fmt"
	"math"
	"math/bits"
)

// Code is how a mission codes its frames on the air, as a receiver must
// know it: the receive side of the chain Reed-Solomon, randomiser, sync
// marker, convolutional code.
type Code struct {
	Length     int  // frame bytes, after Reed-Solomon decoding
	RS         bool // Reed-Solomon (255,223), or a shortened code when Length is under 223
	Interleave int  // RS interleaving depth, 1 to 8 (0: 1); a shortened code is depth 1
	// Conventional: RS symbols go in the conventional basis, not the
	// dual basis the standard writes (some missions do).
	Conventional bool
	Randomize    bool
	Conv         bool // the rate-1/2 convolutional code
	// Differential: the bits were sent NRZ-M (a one is a change), after
	// the sync marker was attached and before the convolutional code.
	Differential bool
	MaxErrors    int // sync marker bits that may be wrong, 0 to 8
}

// Block is the bytes after the marker on the air.
func (c Code) Block() int {
	if !c.RS {
		return c.Length
	}
	return c.Length + RSParity*max(c.Interleave, 1)
}

// Check says what in the code cannot be.
func (c Code) Check() error {
	d := max(c.Interleave, 1)
	switch {
	case c.Length < 1:
		return fmt.Errorf("coding: frame length %d", c.Length)
	case d > 8:
		return fmt.Errorf("coding: interleaving depth %d: 1 to 8", d)
	case c.RS && d == 1 && c.Length > rsK:
		return fmt.Errorf("coding: a %d-byte frame does not fit one Reed-Solomon codeword (223 bytes)", c.Length)
	case c.RS && d > 1 && (c.Length != rsK*d || c.Conventional):
		return fmt.Errorf("coding: interleaving depth %d takes %d-byte frames in the dual basis", d, rsK*d)
	case c.MaxErrors < 0 || c.MaxErrors > 8:
		return fmt.Errorf("coding: %d marker errors allowed: 0 to 8", c.MaxErrors)
	}
	return nil
}

// Decoded is a frame a Deframer found.
type Decoded struct {
	Frame    []byte // the frame, Reed-Solomon corrected; the receiver's own copy
	Fixed    int    // RS symbols corrected
	Marker   int    // bits of the sync marker that were wrong
	Inverted bool   // the stream came inverted (a coherent receiver's phase ambiguity)
	Symbol   int64  // the channel symbol at which the frame ended
}

// Deframer finds coded frames in a stream of soft channel symbols, as a
// demodulator makes them: positive for a one, negative for a zero, about
// 1 in size. With the convolutional code it decodes both ways of pairing
// the symbols, since the stream's first symbol may be either of a pair,
// in overlapping windows, keeping each window's middle. A stream that
// comes inverted (BPSK locked half a turn off) is found by the inverted
// marker and turned back. A frame found twice (by both pairings) is
// passed on once.
type Deframer struct {
	Code Code
	Emit func(Decoded)
	// Uncorrectable counts blocks found by a sync marker with at most one
	// bit wrong that Reed-Solomon could not correct (a looser marker in a
	// wrongly paired branch is most often noise, and is not counted).
	Uncorrectable int

	branches [2]branch
	n        int64 // symbols taken
	recent   []Decoded
}

// The Viterbi windows: decoded bits kept from each, and the bits decoded
// either side of them and dropped.
const (
	window  = 2048
	overlap = 96
)

type branch struct {
	sym     []byte // soft symbols (two a bit), from bit start
	start   int64  // the bit sym begins at
	out     int64  // bits passed on to the sync search
	bits    []byte // decoded bits not yet searched, from bit bitsAt
	bitsAt  int64
	last    byte  // the last bit before NRZ-M decoding
	symbols int64 // the symbol this branch's bit 0 is
}

// Write takes the next soft symbols.
func (d *Deframer) Write(soft []float32) {
	d.branches[1].symbols = 1 // its first pair starts at symbol 1
	for _, v := range soft {
		s := byte(math.Round(math.Max(0, math.Min(255, 128+float64(v)*80))))
		if !d.Code.Conv {
			d.branches[0].push(s>>7, d.Code.Differential)
			d.n++
			continue
		}
		// branch 0 pairs symbols (0,1), (2,3)...; branch 1 (1,2), (3,4)...
		d.branches[0].sym = append(d.branches[0].sym, s)
		if d.n > 0 {
			d.branches[1].sym = append(d.branches[1].sym, s)
		}
		d.n++
	}
	if d.Code.Conv {
		for i := range d.branches {
			d.decode(&d.branches[i], false)
		}
	}
	for i := range d.branches {
		d.search(&d.branches[i], i)
	}
}

// Flush decodes what is left, as at the end of a recording.
func (d *Deframer) Flush() {
	if d.Code.Conv {
		for i := range d.branches {
			d.decode(&d.branches[i], true)
		}
	}
	for i := range d.branches {
		d.search(&d.branches[i], i)
	}
}

// decode runs the Viterbi decoder over each full window (and, at the
// end, what is left).
func (d *Deframer) decode(b *branch, end bool) {
	for {
		have := int64(len(b.sym) / 2) // bits' worth of symbols, from b.start
		need := b.out - b.start + window + overlap
		if have < need && !(end && have > b.out-b.start) {
			return
		}
		dec := ViterbiWindow(b.sym[:2*min(have, need)])
		from := b.out - b.start
		to := min(int64(len(dec)), from+window)
		if have >= need {
			to = from + window
		}
		for _, x := range dec[from:to] {
			b.push(x, d.Code.Differential)
		}
		b.out += to - from
		if end && have < need {
			b.sym = b.sym[:0]
			b.start = b.out
			return
		}
		drop := max(0, b.out-overlap-b.start)
		b.sym = append(b.sym[:0], b.sym[2*drop:]...)
		b.start += drop
	}
}

// push appends a decoded bit, NRZ-M decoded if diff.
func (b *branch) push(x byte, diff bool) {
	if diff {
		x, b.last = x^b.last, x
	}
	b.bits = append(b.bits, x)
}

// search looks for sync markers in a branch's bits and decodes the
// blocks after them.
func (d *Deframer) search(b *branch, which int) {
	maxErr := min(max(d.Code.MaxErrors, 0), 8)
	span := 32 + 8*d.Code.Block()
	i := 0
	for ; i+span <= len(b.bits); i++ {
		var w uint32
		for _, x := range b.bits[i : i+32] {
			w = w<<1 | uint32(x&1)
		}
		e, inv := bits.OnesCount32(w^ASM), false
		if ei := bits.OnesCount32(^w ^ ASM); ei < e {
			e, inv = ei, true
		}
		if e > maxErr {
			continue
		}
		block := make([]byte, d.Code.Block())
		for k := 0; k < 8*len(block); k++ {
			x := b.bits[i+32+k] & 1
			if inv {
				x ^= 1
			}
			block[k/8] |= x << (7 - k%8)
		}
		end := b.bitsAt + int64(i+span)
		sym := end
		if d.Code.Conv {
			sym = 2*end + b.symbols
		}
		if d.frame(block, e, inv, sym) {
			i += span - 1
		}
	}
	// keep what a marker starting later could still need
	keep := max(0, len(b.bits)-(span-1))
	keep = min(keep, i)
	b.bits = append(b.bits[:0], b.bits[keep:]...)
	b.bitsAt += int64(keep)
}

// frame decodes a block found after a marker; false if it was not a frame.
func (d *Deframer) frame(block []byte, markerErrs int, inv bool, sym int64) bool {
	if d.Code.Randomize {
		Randomize(block)
	}
	fixed := 0
	frame := block
	if d.Code.RS {
		var err error
		depth := max(d.Code.Interleave, 1)
		if depth == 1 {
			frame, fixed, err = RSDecodeShort(block, d.Code.Conventional)
		} else {
			frame, fixed, err = RSDecode(block, depth)
		}
		if err != nil {
			if markerErrs <= 1 {
				d.Uncorrectable++
			}
			return false
		}
	}
	// the same frame from the other pairing, or twice from one
	for _, r := range d.recent {
		if bytes.Equal(r.Frame, frame) && abs64(r.Symbol-sym) < int64(16*len(block)+64) {
			return true
		}
	}
	f := Decoded{Frame: append([]byte(nil), frame...), Fixed: fixed, Marker: markerErrs, Inverted: inv, Symbol: sym}
	d.recent = append(d.recent, f)
	if len(d.recent) > 8 {
		d.recent = d.recent[1:]
	}
	if d.Emit != nil {
		d.Emit(f)
	}
	return true
}

func abs64(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}
