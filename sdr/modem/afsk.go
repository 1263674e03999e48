package modem

import (
	"math"

	"github.com/ipgs/ipgs/sdr/dsp"
	"github.com/ipgs/ipgs/sdr/hdlc"
)

// Bell 202 tones and rate.
const (
	AFSKBaud  = 1200
	AFSKMark  = 1200
	AFSKSpace = 2200
)

// AFSK is a Bell 202 demodulator. Each sample is mixed down by the mark
// and the space tone and summed over a window about one bit long (one bit
// is the matched filter of a tone burst); slicers compare the two
// magnitudes. The slicers differ in window, in mark-to-space weight (so a
// receiver's de-emphasis tilt between the tones does not lose frames) and
// in clock recovery, so their errors fall on different bits and a frame
// that one of them loses another often keeps.
type AFSK struct {
	rate        float64
	mark, space *dsp.Osc
	banks       []afskBank
	slicers     []slicer
	conf        []afskSlicer
	n           int64
	dd          dedup
	decim, tick int // slicers run on one sample in decim
}

// afskBank is a pair of tone correlators over one window length.
type afskBank struct {
	mSum, sSum *dsp.MovingSum
	m, s       float64 // this sample's magnitudes
}

type afskSlicer struct {
	bank   int     // index into afskWindows
	weight float64 // of the mark magnitude against the space's
	clock  clock
}

// afskWindows are the correlators' windows, in bits. A window of 1/1000 s
// (1.2 bits) makes the 1200 and 2200 Hz tones orthogonal, so a tone gives
// nothing in the other's correlator; a bit's window (the textbook matched
// filter) lets 19% through, and measured on noisy gen_packets files it
// decoded a fifth as many frames at -3 dB. A second window of 1.4 bits
// errs on other bits.
var afskWindows = []float64{1.2, 1.4}

// The slicers' clock loops: zero-crossing loops of several gains and one
// Gardner loop per window. Measured on gen_packets files with noise, more
// loops than these found no more frames.
var (
	zcGains = []float64{0.06, 0.12, 0.2, 0.3}
	gGains  = []float64{0.03}
)

// afskSlicers are the slicers over the given number of windows.
func afskSlicers(banks int) []afskSlicer {
	var s []afskSlicer
	for bank := range banks {
		for _, g := range zcGains {
			s = append(s, afskSlicer{bank, 1, clock{false, g, 0.35}})
		}
		for _, g := range gGains {
			s = append(s, afskSlicer{bank, 1, clock{true, g, 0.2}})
		}
	}
	for _, w := range []float64{0.5, 0.7, 1.4, 2} { // tilt up to 6 dB either way
		s = append(s, afskSlicer{0, w, clock{false, 0.12, 0.35}})
	}
	return s
}

// NewAFSK makes a demodulator for audio at rate samples per second.
func NewAFSK(rate float64, opt Options) *AFSK {
	a := &AFSK{
		rate:  rate,
		mark:  dsp.NewOsc(-AFSKMark, rate),
		space: dsp.NewOsc(-AFSKSpace, rate),
		conf:  afskSlicers(len(afskWindows)),
	}
	for _, w := range afskWindows {
		n := max(1, int(math.Round(w*rate/AFSKBaud)))
		a.banks = append(a.banks, afskBank{mSum: dsp.NewMovingSum(n), sSum: dsp.NewMovingSum(n)})
	}
	// The slicers need about ten values a bit; the correlators run on
	// every sample.
	a.decim = max(1, int(rate/AFSKBaud/10))
	a.dd = dedup{window: int64(rate / AFSKBaud * 8 * 40), emit: opt.Emit}
	for i, c := range a.conf {
		a.slicers = append(a.slicers, newSlicer(rate/float64(a.decim), AFSKBaud, c.clock, hdlc.NRZI, opt.Repair, func(f hdlc.Frame) {
			a.dd.frame(f, a.n, i)
		}))
	}
	return a
}

// Rate is the sample rate.
func (a *AFSK) Rate() float64 { return a.rate }

// Process demodulates a block of audio.
func (a *AFSK) Process(x []float32) {
	for _, v := range x {
		a.n++
		s := float64(v)
		mr, mi := a.mark.Next()
		sr, si := a.space.Next()
		mr, mi, sr, si = s*mr, s*mi, s*sr, s*si
		a.tick++
		keep := a.tick == a.decim
		if keep {
			a.tick = 0
		}
		for i := range a.banks {
			b := &a.banks[i]
			m1, m2 := b.mSum.Add(mr, mi)
			s1, s2 := b.sSum.Add(sr, si)
			if keep {
				b.m = math.Sqrt(m1*m1 + m2*m2)
				b.s = math.Sqrt(s1*s1 + s2*s2)
			}
		}
		if !keep {
			continue
		}
		for i := range a.slicers {
			b := &a.banks[a.conf[i].bank]
			a.slicers[i].sample(b.m*a.conf[i].weight-b.s, b.m+b.s)
		}
	}
}

// AFSKModulator makes Bell 202 audio from channel bits: phase-continuous
// tones, mark for a one.
type AFSKModulator struct {
	Rate      float64
	Amplitude float64 // peak, 0..1
	phase     float64 // of the tone, radians
	clock     float64 // samples owed to the current bit
}

// Modulate appends the audio of the channel bits to out.
func (m *AFSKModulator) Modulate(out []float32, bits []byte) []float32 {
	spb := m.Rate / AFSKBaud
	for _, b := range bits {
		f := float64(AFSKSpace)
		if b != 0 {
			f = AFSKMark
		}
		step := 2 * math.Pi * f / m.Rate
		m.clock += spb
		for ; m.clock >= 0.5; m.clock-- {
			out = append(out, float32(m.Amplitude*math.Sin(m.phase)))
			m.phase += step
			if m.phase > 2*math.Pi {
				m.phase -= 2 * math.Pi
			}
		}
	}
	return out
}
