package modem

import (
	"math"

	"github.com/ipgs/ipgs/sdr/dsp"
	"github.com/ipgs/ipgs/sdr/hdlc"
)

// G3RUHBaud is the G3RUH modem's usual rate; it runs at any rate from
// MinG3RUHBaud to MaxG3RUHBaud (2400 to 19200: Quetzal-1 sends 4800).
const (
	G3RUHBaud    = 9600
	MinG3RUHBaud = 2400
	MaxG3RUHBaud = 19200
)

// G3RUH is a demodulator of G3RUH (K9NG) scrambled baseband FSK: the FM
// receiver's audio is low-pass filtered, and slicers with their own bit
// clocks decide each bit against zero; the HDLC decoder descrambles and
// undoes the NRZI. The filters differ in cut-off and the clocks in gain,
// so errors fall on different bits.
type G3RUH struct {
	rate    float64
	baud    float64
	filters []g3ruhFilter
	conf    []g3ruhSlicer
	slicers []slicer
	level   float64 // mean magnitude of the filtered signal, for soft values
	n       int64
	dd      dedup
}

type g3ruhFilter struct {
	fir *dsp.FIR
	out []float32
}

type g3ruhSlicer struct {
	filter int
	clock  clock
}

// g3ruhCutoffs are the filters' cut-offs, as fractions of the baud rate.
// Measured on noisy gen_packets files, one filter at 0.7 to 0.8 of the
// baud rate decoded most; three side by side decoded more still.
var g3ruhCutoffs = []float64{0.7, 0.8, 1.0}

var g3ruhGains = []float64{0.1, 0.2, 0.3}

func g3ruhSlicers(filters int) []g3ruhSlicer {
	var s []g3ruhSlicer
	for f := range filters {
		for _, g := range g3ruhGains {
			s = append(s, g3ruhSlicer{f, clock{false, g, 0.35}})
		}
		s = append(s, g3ruhSlicer{f, clock{true, 0.03, 0.2}})
	}
	return s
}

// NewG3RUH makes a demodulator for baud (9600 if zero) from audio at rate
// samples per second (at least about 2.2 samples a bit).
func NewG3RUH(rate, baud float64, opt Options) *G3RUH {
	if baud == 0 {
		baud = G3RUHBaud
	}
	g := &G3RUH{rate: rate, baud: baud, conf: g3ruhSlicers(len(g3ruhCutoffs)), level: 0.1}
	spb := rate / baud
	taps := int(4*spb) | 1
	for _, c := range g3ruhCutoffs {
		g.filters = append(g.filters, g3ruhFilter{fir: dsp.NewFIR(dsp.Lowpass(taps, math.Min(0.49, c*baud/rate)), 1)})
	}
	g.dd = dedup{window: int64(spb * 8 * 40), emit: opt.Emit}
	for i, c := range g.conf {
		g.slicers = append(g.slicers, newSlicer(rate, baud, c.clock, hdlc.Scrambled, opt.Repair, func(f hdlc.Frame) {
			g.dd.frame(f, g.n, i)
		}))
	}
	return g
}

// Rate is the sample rate.
func (g *G3RUH) Rate() float64 { return g.rate }

// Process demodulates a block of audio.
func (g *G3RUH) Process(x []float32) {
	for i := range g.filters {
		f := &g.filters[i]
		f.out = f.fir.Filter(f.out[:0], x)
	}
	// The level follows the signal over a few hundred bits.
	alpha := 1 / (g.rate / g.baud * 300)
	for k := range x {
		g.n++
		v0 := float64(g.filters[0].out[k])
		g.level += alpha * (math.Abs(v0) - g.level)
		scale := 2 * g.level
		for i := range g.slicers {
			g.slicers[i].sample(float64(g.filters[g.conf[i].filter].out[k]), scale)
		}
	}
}

// G3RUHModulator makes G3RUH baseband audio from channel bits: levels of
// plus and minus Amplitude, low-pass filtered to about the baud rate, as
// the transmitter's modulation filter does.
type G3RUHModulator struct {
	Rate      float64
	Baud      float64 // 9600 if zero
	Amplitude float64
	clock     float64
	fir       *dsp.FIR
	raw       []float32
}

// Modulate appends the audio of the channel bits to out.
func (m *G3RUHModulator) Modulate(out []float32, bits []byte) []float32 {
	if m.Baud == 0 {
		m.Baud = G3RUHBaud
	}
	if m.fir == nil {
		spb := m.Rate / m.Baud
		m.fir = dsp.NewFIR(dsp.Lowpass(int(4*spb)|1, 0.6*m.Baud/m.Rate), 1)
	}
	spb := m.Rate / m.Baud
	m.raw = m.raw[:0]
	for _, b := range bits {
		v := float32(-m.Amplitude)
		if b != 0 {
			v = float32(m.Amplitude)
		}
		m.clock += spb
		for ; m.clock >= 0.5; m.clock-- {
			m.raw = append(m.raw, v)
		}
	}
	return m.fir.Filter(out, m.raw)
}
