// Package hdlc turns channel bits into AX.25 frames and back: HDLC flags,
// bit stuffing, NRZI, the G3RUH scrambler, and the frame check sequence,
// with an optional repair of frames whose check fails by flipping the
// bits the demodulator was least sure of.
//
// A channel bit is the level a demodulator decided (0 or 1) with a soft
// value: how sure it was, in any unit, larger is surer. The Decoder keeps
// the channel bits of the frame it is reading, so a repair re-runs the
// whole line decoding (descrambling, NRZI, unstuffing) on the flipped bits
// and one channel error stays one flip, whatever the line code spreads it
// into.
package hdlc

import (
	"fmt"
	"slices"

	"github.com/ipgs/ipgs/uplink/ax25"
)

// Coding is the line code between HDLC bits and channel bits.
type Coding uint8

const (
	// NRZI: a 0 is a change of level, a 1 is no change (AFSK 1200).
	NRZI Coding = iota
	// Scrambled: NRZI, then the self-synchronising scrambler
	// x^17 + x^12 + 1 (G3RUH 9600).
	Scrambled
)

func (c Coding) String() string {
	switch c {
	case NRZI:
		return "NRZI"
	case Scrambled:
		return "scrambled NRZI"
	}
	return fmt.Sprintf("Coding(%d)", uint8(c))
}

const (
	flag = 0x7E
	// history is how many channel bits before a frame the line decoder
	// needs: 17 for the descrambler and one for NRZI.
	history = 18
	// MinFrame is the shortest frame passed on, FCS included: two
	// addresses, control and FCS.
	MinFrame = 7*2 + 1 + 2
	// MaxFrame is the longest, FCS included: ten addresses, control, PID,
	// 2048 bytes of information and FCS.
	MaxFrame = 7*10 + 2 + 2048 + 2
)

// Encoder makes channel bits, one per byte (0 or 1), for a modulator. Its
// NRZI level and scrambler state carry over from one call to the next, as
// a transmitter's do.
type Encoder struct {
	Coding Coding
	level  uint8
	lfsr   uint32
}

// channel appends the channel bit for HDLC bit b.
func (e *Encoder) channel(dst []byte, b byte) []byte {
	if b == 0 {
		e.level ^= 1
	}
	out := e.level
	if e.Coding == Scrambled {
		out = (out ^ byte(e.lfsr>>16) ^ byte(e.lfsr>>11)) & 1
		e.lfsr = e.lfsr<<1 | uint32(out)
	}
	return append(dst, out)
}

// Flags appends n flags.
func (e *Encoder) Flags(dst []byte, n int) []byte {
	for range n {
		for i := range 8 {
			dst = e.channel(dst, flag>>i&1)
		}
	}
	return dst
}

// Frame appends frame and its FCS, bit-stuffed, without flags. Frame is
// the AX.25 frame from the first address to the end of the information.
func (e *Encoder) Frame(dst []byte, frame []byte) []byte {
	c := ax25.FCS(frame)
	ones := 0
	put := func(x byte) {
		for i := range 8 {
			b := x >> i & 1
			dst = e.channel(dst, b)
			if b == 1 {
				ones++
				if ones == 5 {
					dst = e.channel(dst, 0)
					ones = 0
				}
			} else {
				ones = 0
			}
		}
	}
	for _, x := range frame {
		put(x)
	}
	put(byte(c))
	put(byte(c >> 8))
	return dst
}

// Frame is a frame the Decoder found.
type Frame struct {
	Data     []byte // from the first address to the end of the information, FCS removed; valid until the callback returns
	Repaired int    // channel bits flipped to make the FCS check
	End      int64  // the channel bit, counted from the Decoder's first, that ended its closing flag
	Quality  float64
}

// Decoder reads channel bits and calls Emit with every frame whose FCS
// checks. It allocates nothing per bit once its buffers have grown to the
// longest frame.
type Decoder struct {
	Coding Coding
	// Repair is how many channel bits may be flipped to make a failed
	// FCS check: 0 (none), 1 or 2. Only the Weakest bits (16 if zero)
	// with the smallest soft values are tried, and a repaired frame must
	// also pass Plausible when it is set.
	Repair    int
	Weakest   int
	Plausible func(frame []byte) bool
	Emit      func(Frame)

	n       int64   // channel bits seen
	flagAt  int64   // n at the last flag
	lfsr    uint32  // last channel bits, newest in bit 0
	prev    uint8   // previous descrambled bit
	shift   uint8   // last eight HDLC bits, newest in bit 7
	ones    int     // run of HDLC ones
	raw     []uint8 // channel bits: history, then the frame so far
	soft    []float32
	bits    []uint8 // scratch: HDLC bits of a candidate
	bytes   []byte
	weakest []int
}

// Reset forgets everything but the settings.
func (d *Decoder) Reset() {
	*d = Decoder{Coding: d.Coding, Repair: d.Repair, Weakest: d.Weakest, Plausible: d.Plausible, Emit: d.Emit,
		raw: d.raw[:0], soft: d.soft[:0], bits: d.bits[:0], bytes: d.bytes[:0], weakest: d.weakest[:0]}
}

// maxRaw bounds the channel bits kept for one frame: the longest frame
// with every bit stuffed, its closing flag and the history.
const maxRaw = MaxFrame*8*6/5 + 8 + history

// Bit takes one channel bit (0 or 1) and its soft value.
func (d *Decoder) Bit(b uint8, soft float32) {
	b &= 1
	d.n++
	x := b
	if d.Coding == Scrambled {
		x = (b ^ uint8(d.lfsr>>16) ^ uint8(d.lfsr>>11)) & 1
	}
	d.lfsr = d.lfsr<<1 | uint32(b)
	hb := uint8(0)
	if x == d.prev {
		hb = 1
	}
	d.prev = x
	d.shift = d.shift>>1 | hb<<7

	if len(d.raw) >= maxRaw {
		d.trim()
	}
	d.raw = append(d.raw, b)
	d.soft = append(d.soft, soft)

	if hb == 1 {
		d.ones++
		if d.ones >= 7 { // abort: no frame here
			d.trim()
		}
		return
	}
	d.ones = 0
	if d.shift == flag {
		d.flagAt = d.n
		if n := len(d.raw) - 8 - history; n >= MinFrame*8 {
			d.candidate(n)
		}
		d.trim()
	}
}

// SinceFlag is how many channel bits ago the last flag ended: a
// demodulator's clock recovery holds steadier while frames come in.
func (d *Decoder) SinceFlag() int64 { return d.n - d.flagAt }

// trim keeps the last history channel bits, the start of the next frame.
func (d *Decoder) trim() {
	if k := len(d.raw) - history; k > 0 {
		d.raw = append(d.raw[:0], d.raw[k:]...)
		d.soft = append(d.soft[:0], d.soft[k:]...)
	}
}

// candidate checks the n channel bits after the history as a frame.
func (d *Decoder) candidate(n int) {
	raw := d.raw[:history+n]
	frame, ok := d.decode(raw)
	if ok && frame != nil {
		d.emit(frame, 0)
		return
	}
	if d.Repair == 0 || !ok {
		return
	}
	// Flip the weakest bits, one at a time and then in pairs.
	k := d.Weakest
	if k == 0 {
		k = 16
	}
	k = min(k, n)
	d.weakest = d.weakest[:0]
	for i := range n {
		d.weakest = append(d.weakest, history+i)
	}
	soft := d.soft
	slices.SortFunc(d.weakest, func(a, b int) int {
		sa, sb := abs32(soft[a]), abs32(soft[b])
		switch {
		case sa < sb:
			return -1
		case sa > sb:
			return 1
		}
		return a - b
	})
	w := d.weakest[:k]
	try := func(flips ...int) bool {
		for _, i := range flips {
			raw[i] ^= 1
		}
		frame, ok := d.decode(raw)
		for _, i := range flips {
			raw[i] ^= 1
		}
		if ok && frame != nil && (d.Plausible == nil || d.Plausible(frame)) {
			d.emit(frame, len(flips))
			return true
		}
		return false
	}
	for _, i := range w {
		if try(i) {
			return
		}
	}
	if d.Repair < 2 {
		return
	}
	for a := range w {
		for b := a + 1; b < len(w); b++ {
			if try(w[a], w[b]) {
				return
			}
		}
	}
}

func abs32(x float32) float32 {
	if x < 0 {
		return -x
	}
	return x
}

func (d *Decoder) emit(frame []byte, repaired int) {
	if d.Emit != nil {
		d.Emit(Frame{Data: frame, Repaired: repaired, End: d.n})
	}
}

// decode runs the line decoding over raw (history first) and returns the
// frame without its FCS when the FCS checks. ok is false when the bits
// hold a flag or an abort, or are too long, so that no flip of a weak bit
// is likely to help.
func (d *Decoder) decode(raw []uint8) (frame []byte, ok bool) {
	var lfsr uint32
	for _, b := range raw[:history-1] {
		lfsr = lfsr<<1 | uint32(b)
	}
	descramble := func(b uint8) uint8 {
		x := b
		if d.Coding == Scrambled {
			x = (b ^ uint8(lfsr>>16) ^ uint8(lfsr>>11)) & 1
		}
		lfsr = lfsr<<1 | uint32(b)
		return x
	}
	prev := descramble(raw[history-1])
	d.bytes = d.bytes[:0]
	var cur byte
	nb, ones := 0, 0
	for _, b := range raw[history:] {
		x := descramble(b)
		hb := uint8(0)
		if x == prev {
			hb = 1
		}
		prev = x
		if hb == 1 {
			ones++
			if ones == 6 {
				return nil, false
			}
		} else {
			if ones == 5 { // a stuffed zero
				ones = 0
				continue
			}
			ones = 0
		}
		cur |= hb << nb
		nb++
		if nb == 8 {
			d.bytes = append(d.bytes, cur)
			cur, nb = 0, 0
			if len(d.bytes) > MaxFrame {
				return nil, false
			}
		}
	}
	if nb != 0 || len(d.bytes) < MinFrame {
		// A flipped NRZI level changes two bits, which can add or remove
		// a stuffed bit: worth a repair.
		return nil, true
	}
	body := d.bytes[:len(d.bytes)-2]
	got := uint16(d.bytes[len(d.bytes)-2]) | uint16(d.bytes[len(d.bytes)-1])<<8
	if ax25.FCS(body) != got {
		return nil, true
	}
	return body, true
}
