package modem

import (
	"fmt"
	"math"
	"math/cmplx"

	"github.com/ipgs/ipgs/sdr/dsp"
)

// BPSKConfig is a BPSK demodulator's.
type BPSKConfig struct {
	Rate float64 // input samples a second
	Baud float64
	// Offset is where the carrier is: Hz from the tuned centre for IQ,
	// or its frequency in the audio for a real recording (an SSB
	// receiver's output).
	Offset float64
	// Differential decodes NRZ-M: a one is a change of phase, found by
	// comparing each symbol with the one before, so the carrier's phase
	// need not be known. Otherwise a Costas loop locks to the carrier and
	// the symbols come out coherently, with the half-turn ambiguity BPSK
	// has (the deframer finds the inverted marker and turns them back).
	Differential bool
	// Loop is the Costas loop's noise bandwidth as a fraction of the baud
	// rate; 0.02 if zero.
	Loop float64
	// Symbols takes each block's soft symbols: positive for a one (in
	// differential decoding, a change), about 1 in size.
	Symbols func(soft []float32)
}

// BPSK demodulates binary phase-shift keying to soft symbols: the carrier
// is mixed to zero and the channel filtered and decimated to a few
// samples a symbol; an automatic gain control holds the level; a Gardner
// detector (which needs no carrier phase) recovers the symbol clock; and
// a second-order Costas loop, or differential detection, takes the
// symbols off the carrier.
type BPSK struct {
	cfg     BPSKConfig
	nco     *dsp.Osc
	fir     *dsp.CFIR
	outRate float64
	step    float64 // symbol clock's advance per sample
	phase   float64
	prev    complex128
	mid     complex128
	last    complex128 // the last symbol, before the carrier loop
	level   float64
	agc     float64

	theta, freq  float64 // Costas loop: the carrier's phase and its step a symbol
	alpha, beta  float64
	lastSym      complex128 // the last symbol off the carrier, for differential detection
	clockGain    float64
	mixed, narrw []complex64
	out          []float32
}

// NewBPSK makes a demodulator.
func NewBPSK(c BPSKConfig) (*BPSK, error) {
	if c.Baud <= 0 || c.Rate < 2.5*c.Baud {
		return nil, fmt.Errorf("modem: BPSK at %v baud needs at least %v samples a second, not %v", c.Baud, 2.5*c.Baud, c.Rate)
	}
	if c.Loop == 0 {
		c.Loop = 0.02
	}
	// four to eight samples a symbol after decimation
	decim := max(1, int(c.Rate/(4*c.Baud)))
	out := c.Rate / float64(decim)
	// the channel: a BPSK signal shaped with a roll-off of 0.35 takes
	// 0.675 of the baud rate either side of its carrier
	cut := math.Min(0.8*c.Baud, 0.45*out)
	taps := dsp.Lowpass(int(8*c.Rate/c.Baud)|1, cut/c.Rate)
	b := &BPSK{
		cfg: c, nco: dsp.NewOsc(-c.Offset, c.Rate), fir: dsp.NewCFIR(taps, decim),
		outRate: out, step: c.Baud / out, level: 1, clockGain: 0.02,
	}
	b.agc = 1 / (out / c.Baud * 50) // a time constant of about 50 symbols
	// loop gains of a second-order loop of noise bandwidth Bn (a fraction
	// of the update rate, here one a symbol) and damping 1/sqrt(2)
	zeta := math.Sqrt2 / 2
	th := c.Loop / (zeta + 1/(4*zeta))
	den := 1 + 2*zeta*th + th*th
	b.alpha, b.beta = 4*zeta*th/den, 4*th*th/den
	return b, nil
}

// SetShift moves where the carrier is expected, Hz (the offset plus the
// predicted Doppler).
func (b *BPSK) SetShift(hz float64) { b.nco.SetFreq(-hz) }

// Carrier is the Costas loop's frequency correction, Hz (0 in
// differential decoding).
func (b *BPSK) Carrier() float64 { return b.freq * b.cfg.Baud / (2 * math.Pi) }

// ProcessIQ takes a block of complex samples.
func (b *BPSK) ProcessIQ(x []complex64) {
	b.mixed = append(b.mixed[:0], x...)
	b.run()
}

// ProcessReal takes a block of a real recording (the carrier at Offset
// in the audio).
func (b *BPSK) ProcessReal(x []float32) {
	b.mixed = b.mixed[:0]
	for _, v := range x {
		b.mixed = append(b.mixed, complex(v, 0))
	}
	b.run()
}

func (b *BPSK) run() {
	b.nco.Mix(b.mixed)
	b.narrw = b.fir.Filter(b.narrw[:0], b.mixed)
	b.out = b.out[:0]
	for _, s := range b.narrw {
		b.sample(complex128(s))
	}
	if len(b.out) > 0 && b.cfg.Symbols != nil {
		b.cfg.Symbols(b.out)
	}
}

// sample takes one sample of the filtered channel.
func (b *BPSK) sample(v complex128) {
	b.level += b.agc * (cmplx.Abs(v) - b.level)
	if b.level > 0 {
		v /= complex(b.level, 0)
	}
	prevPhase := b.phase
	b.phase += b.step
	if prevPhase < 0.5 && b.phase >= 0.5 {
		f := (0.5 - prevPhase) / b.step
		b.mid = b.prev + (v-b.prev)*complex(f, 0)
	}
	if b.phase >= 1 {
		b.phase--
		f := 1 - b.phase/b.step
		c := b.prev + (v-b.prev)*complex(f, 0)
		// Gardner: the sample half-way between two symbols is zero when
		// the clock is right and the symbols differ; its projection on
		// their difference says early or late, whatever the carrier's
		// phase
		e := real((b.last - c) * cmplx.Conj(b.mid))
		b.phase -= b.clockGain * math.Max(-1, math.Min(1, e))
		b.last = c
		b.symbol(c)
	}
	b.prev = v
}

// symbol takes one symbol off the carrier.
func (b *BPSK) symbol(c complex128) {
	if b.cfg.Differential {
		d := c * cmplx.Conj(b.lastSym)
		b.lastSym = c
		b.out = append(b.out, float32(-real(d)))
		return
	}
	z := c * cmplx.Rect(1, -b.theta)
	// decision-directed Costas error: the quadrature part, signed by the
	// decision
	e := imag(z)
	if real(z) < 0 {
		e = -e
	}
	b.freq += b.beta * e
	b.theta += b.freq + b.alpha*e
	b.theta = math.Remainder(b.theta, 2*math.Pi)
	b.out = append(b.out, float32(real(z)))
}

// BPSKModulator makes BPSK IQ from channel symbols (one per byte, 0 or
// 1): each a pulse of plus or minus Amplitude shaped by a root-raised
// cosine of roll-off 0.35, on a carrier at the shift from the tuned
// centre. With Differential the symbols are sent NRZ-M (a one changes the
// phase).
type BPSKModulator struct {
	Rate, Baud   float64
	Amplitude    float64 // 1 if zero
	Differential bool
	shift, phase float64
	level        float64 // the NRZ-M state
	pulse        []float64
}

// the pulse: a root-raised cosine over pulseSpan symbols, tabulated at
// pulseRes points a symbol
const (
	pulseSpan = 8
	pulseRes  = 64
	rollOff   = 0.35
)

// SetShift moves the carrier, Hz from the tuned centre.
func (m *BPSKModulator) SetShift(hz float64) { m.shift = hz }

// Modulate appends the IQ of the symbols to out, with the pulses' tails
// after the last.
func (m *BPSKModulator) Modulate(out []complex64, symbols []byte) []complex64 {
	if m.pulse == nil {
		m.pulse = rrc(pulseSpan, pulseRes, rollOff)
	}
	if m.Amplitude == 0 {
		m.Amplitude = 1
	}
	if m.level == 0 {
		m.level = 1
	}
	levels := make([]float64, len(symbols))
	for i, s := range symbols {
		switch {
		case m.Differential:
			if s != 0 {
				m.level = -m.level
			}
			levels[i] = m.level
		case s != 0:
			levels[i] = 1
		default:
			levels[i] = -1
		}
	}
	sps := m.Rate / m.Baud
	n := int(math.Ceil((float64(len(symbols)) + pulseSpan) * sps))
	k := 2 * math.Pi * m.shift / m.Rate
	for i := range n {
		t := float64(i)/sps - pulseSpan/2 // in symbols, the first pulse's peak at 0
		var v float64
		lo := max(0, int(math.Ceil(t-pulseSpan/2)))
		hi := min(len(levels)-1, int(math.Floor(t+pulseSpan/2)))
		for j := lo; j <= hi; j++ {
			v += levels[j] * m.pulseAt(t-float64(j))
		}
		v *= m.Amplitude
		s, c := math.Sincos(m.phase)
		out = append(out, complex(float32(v*c), float32(v*s)))
		m.phase = math.Remainder(m.phase+k, 2*math.Pi)
	}
	return out
}

// pulseAt is the pulse at t symbols from its peak, interpolated.
func (m *BPSKModulator) pulseAt(t float64) float64 {
	x := (t + pulseSpan/2) * pulseRes
	i := int(x)
	if i < 0 || i+1 >= len(m.pulse) {
		return 0
	}
	f := x - float64(i)
	return m.pulse[i]*(1-f) + m.pulse[i+1]*f
}

// rrc tabulates a root-raised-cosine pulse of roll-off beta over span
// symbols, res points a symbol, scaled to a peak of 1.
func rrc(span, res int, beta float64) []float64 {
	p := make([]float64, span*res+1)
	peak := 0.0
	for i := range p {
		t := float64(i)/float64(res) - float64(span)/2
		var v float64
		switch {
		case t == 0:
			v = 1 - beta + 4*beta/math.Pi
		case math.Abs(math.Abs(4*beta*t)-1) < 1e-9:
			v = beta / math.Sqrt2 * ((1+2/math.Pi)*math.Sin(math.Pi/(4*beta)) + (1-2/math.Pi)*math.Cos(math.Pi/(4*beta)))
		default:
			v = (math.Sin(math.Pi*t*(1-beta)) + 4*beta*t*math.Cos(math.Pi*t*(1+beta))) / (math.Pi * t * (1 - 16*beta*beta*t*t))
		}
		p[i] = v
		peak = math.Max(peak, math.Abs(v))
	}
	for i := range p {
		p[i] /= peak
	}
	return p
}
