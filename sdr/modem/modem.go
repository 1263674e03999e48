// Package modem holds the software modems: Bell 202 AFSK at 1200 baud
// and G3RUH scrambled FSK at 9600 baud, each a demodulator from audio
// (or an FM discriminator's output) to AX.25 frames and a modulator from
// frames to audio, for the emulator's transmitter.
//
// Each demodulator runs several slicers side by side, each with its own
// clock recovery and HDLC decoder, that weigh the signal a little
// differently; a frame any of them decodes is passed on once.
package modem

import (
	"math"

	"github.com/ipgs/ipgs/sdr/hdlc"
	"github.com/ipgs/ipgs/uplink/ax25"
)

// Frame is a frame a demodulator decoded.
type Frame struct {
	Data     []byte // the AX.25 frame without FCS; the receiver's own copy
	Repaired int    // channel bits flipped to make the FCS check (0 unless Options.Repair)
	Sample   int64  // the input sample at which its closing flag ended
	Slicer   int
}

// Options are what a demodulator's user chooses.
type Options struct {
	// Repair lets the HDLC decoder flip up to this many of a failed
	// frame's least-sure bits (0, 1 or 2); a repaired frame must also
	// have a well-formed address field.
	Repair int
	// Emit is called with every frame, once, from Process.
	Emit func(Frame)
}

// Demodulator turns samples into frames.
type Demodulator interface {
	// Process takes the next block of samples; it calls Options.Emit
	// for the frames it completes.
	Process(x []float32)
	// Rate is the sample rate it was made for.
	Rate() float64
}

// slicer is a bit clock and an HDLC decoder on one decision signal.
type slicer struct {
	phase, step float64 // bit clock: a bit is taken when phase passes 1
	clock
	prev  float64 // the decision value of the previous sample
	mid   float64 // the value half-way to this bit's centre
	last  float64 // the value at the last bit centre
	dec   hdlc.Decoder
	onBit func(b uint8, soft float32) // for measuring the bit error rate
}

// clock is how a slicer recovers the bit clock.
type clock struct {
	gardner        bool    // Gardner detector, else zero crossings
	locked, search float64 // loop gains while frames come in and otherwise
}

func newSlicer(rate, baud float64, c clock, coding hdlc.Coding, repair int, emit func(hdlc.Frame)) slicer {
	s := slicer{step: baud / rate, clock: c}
	s.dec = hdlc.Decoder{Coding: coding, Repair: repair, Emit: emit}
	if repair > 0 {
		s.dec.Plausible = ax25.Plausible
	}
	return s
}

// sample takes one decision value (positive for one level, negative for
// the other) and its scale, the value's largest size, for the soft value.
//
// The clock is either of two loops. Zero crossings: a transition belongs
// half-way between bit centres, and each one pulls the clock a fraction
// of its error; quick to follow, but noise that crosses zero makes it
// jump and, at low SNR, slip a bit. Gardner: the value half-way between
// two bit centres is zero when the clock is right and there was a
// transition, and its sign times the direction of the transition says
// early or late; weighted by the values' sizes it does not slip, but it
// follows more slowly. Slicers of both kinds run side by side.
func (s *slicer) sample(v, scale float64) {
	if scale > 0 {
		v /= scale
	}
	prevPhase := s.phase
	s.phase += s.step
	if !s.gardner && (v >= 0) != (s.prev >= 0) {
		f := s.prev / (s.prev - v) // where in the last interval it crossed
		ph := s.phase - s.step*(1-f)
		ph -= math.Floor(ph)
		s.phase -= s.gain() * (ph - 0.5)
	}
	if prevPhase < 0.5 && s.phase >= 0.5 {
		f := (0.5 - prevPhase) / s.step
		s.mid = s.prev + (v-s.prev)*f
	}
	if s.phase >= 1 {
		s.phase -= 1
		// Interpolate the value at the bit centre.
		f := 1 - s.phase/s.step
		c := s.prev + (v-s.prev)*f
		if s.gardner {
			s.phase -= s.gain() * (s.last - c) * s.mid
		}
		s.last = c
		b := uint8(0)
		if c >= 0 {
			b = 1
		}
		soft := float32(math.Abs(c))
		if s.onBit != nil {
			s.onBit(b, soft)
		}
		s.dec.Bit(b, soft)
	}
	s.prev = v
}

func (s *slicer) gain() float64 {
	if s.dec.SinceFlag() < 2400 {
		return s.locked
	}
	return s.search
}

// dedup passes on a frame once, however many slicers decode it.
type dedup struct {
	recent []seen
	window int64
	emit   func(Frame)
}

type seen struct {
	fcs uint16
	n   int
	at  int64
}

func (d *dedup) frame(f hdlc.Frame, sample int64, slicer int) {
	c := ax25.FCS(f.Data)
	keep := d.recent[:0]
	dup := false
	for _, r := range d.recent {
		if sample-r.at > d.window {
			continue
		}
		keep = append(keep, r)
		if r.fcs == c && r.n == len(f.Data) {
			dup = true
		}
	}
	d.recent = keep
	if dup {
		return
	}
	d.recent = append(d.recent, seen{c, len(f.Data), sample})
	if d.emit != nil {
		d.emit(Frame{Data: append([]byte(nil), f.Data...), Repaired: f.Repaired, Sample: sample, Slicer: slicer})
	}
}
