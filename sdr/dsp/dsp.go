// Package dsp holds the signal-processing blocks of the receive chain:
// oscillators, FIR filters (decimating ones among them), an FM
// discriminator, a frequency-locked loop and white Gaussian noise. Blocks
// work on caller-owned slices and allocate nothing per sample.
package dsp

import (
	"math"
	"math/cmplx"
	"math/rand/v2"
)

// Osc is a complex oscillator: a phasor turned by a fixed step each
// sample. It is renormalised now and then so its amplitude does not drift.
type Osc struct {
	re, im     float64
	stepRe     float64
	stepIm     float64
	sinceNorm  int
	freq, rate float64
}

// NewOsc makes an oscillator at freq Hz for rate samples per second.
func NewOsc(freq, rate float64) *Osc {
	o := &Osc{re: 1, rate: rate}
	o.SetFreq(freq)
	return o
}

// SetFreq changes the frequency and keeps the phase.
func (o *Osc) SetFreq(freq float64) {
	o.freq = freq
	s, c := math.Sincos(2 * math.Pi * freq / o.rate)
	o.stepRe, o.stepIm = c, s
}

// Freq is the frequency in Hz.
func (o *Osc) Freq() float64 { return o.freq }

// Next returns the phasor for this sample and advances it.
func (o *Osc) Next() (re, im float64) {
	re, im = o.re, o.im
	o.re, o.im = re*o.stepRe-im*o.stepIm, re*o.stepIm+im*o.stepRe
	o.sinceNorm++
	if o.sinceNorm == 1024 {
		o.sinceNorm = 0
		g := 1 / math.Sqrt(o.re*o.re+o.im*o.im)
		o.re *= g
		o.im *= g
	}
	return re, im
}

// Mix multiplies x by the oscillator in place: with a negative frequency
// it moves a signal down by that much.
func (o *Osc) Mix(x []complex64) {
	for i, v := range x {
		re, im := o.Next()
		x[i] = v * complex(float32(re), float32(im))
	}
}

// MovingSum is the sum of the last N values of a complex stream: a
// rectangular window, the matched filter of one bit of a tone.
type MovingSum struct {
	buf    []complex128
	i      int
	sumRe  float64
	sumIm  float64
	refill int
}

// NewMovingSum makes a window of n samples.
func NewMovingSum(n int) *MovingSum { return &MovingSum{buf: make([]complex128, n)} }

// Add puts in one value and returns the window's sum.
func (m *MovingSum) Add(re, im float64) (float64, float64) {
	old := m.buf[m.i]
	m.buf[m.i] = complex(re, im)
	m.i++
	if m.i == len(m.buf) {
		m.i = 0
		m.refill++
		if m.refill == 4096 { // sum afresh now and then: no creeping rounding
			m.refill = 0
			var s complex128
			for _, v := range m.buf {
				s += v
			}
			m.sumRe, m.sumIm = real(s), imag(s)
			return m.sumRe, m.sumIm
		}
	}
	m.sumRe += re - real(old)
	m.sumIm += im - imag(old)
	return m.sumRe, m.sumIm
}

// Lowpass designs a linear-phase low-pass FIR filter of n taps cutting
// off at cutoff (a fraction of the sample rate, below 0.5), with a
// Blackman window and unity gain at DC.
func Lowpass(n int, cutoff float64) []float32 {
	h := make([]float64, n)
	var sum float64
	m := float64(n-1) / 2
	for i := range h {
		t := float64(i) - m
		v := 2 * cutoff
		if t != 0 {
			v = math.Sin(2*math.Pi*cutoff*t) / (math.Pi * t)
		}
		w := 0.42 - 0.5*math.Cos(2*math.Pi*float64(i)/float64(n-1)) + 0.08*math.Cos(4*math.Pi*float64(i)/float64(n-1))
		if n == 1 {
			w = 1
		}
		h[i] = v * w
		sum += h[i]
	}
	out := make([]float32, n)
	for i := range h {
		out[i] = float32(h[i] / sum)
	}
	return out
}

// FIR is a real FIR filter over real samples that keeps one output in
// every Decim inputs.
type FIR struct {
	taps  []float32
	hist  []float32 // twice the taps: a linear window without wrapping
	i     int
	decim int
	phase int
}

// NewFIR makes a filter with the given taps keeping one output in decim.
func NewFIR(taps []float32, decim int) *FIR {
	if decim < 1 {
		decim = 1
	}
	return &FIR{taps: taps, hist: make([]float32, 2*len(taps)), decim: decim}
}

// Filter filters in and appends the kept outputs to out.
func (f *FIR) Filter(out, in []float32) []float32 {
	n := len(f.taps)
	for _, x := range in {
		f.hist[f.i] = x
		f.hist[f.i+n] = x
		f.i++
		if f.i == n {
			f.i = 0
		}
		f.phase++
		if f.phase < f.decim {
			continue
		}
		f.phase = 0
		w := f.hist[f.i : f.i+n]
		var acc float32
		for k, t := range f.taps {
			acc += t * w[k]
		}
		out = append(out, acc)
	}
	return out
}

// CFIR is a real-tap FIR filter over complex samples that keeps one
// output in every Decim inputs: the channel filter ahead of a
// demodulator.
type CFIR struct {
	taps  []float32
	re    []float32
	im    []float32
	i     int
	decim int
	phase int
}

// NewCFIR makes a filter with the given taps keeping one output in decim.
func NewCFIR(taps []float32, decim int) *CFIR {
	if decim < 1 {
		decim = 1
	}
	n := len(taps)
	return &CFIR{taps: taps, re: make([]float32, 2*n), im: make([]float32, 2*n), decim: decim}
}

// Filter filters in and appends the kept outputs to out.
func (f *CFIR) Filter(out, in []complex64) []complex64 {
	n := len(f.taps)
	for _, x := range in {
		f.re[f.i], f.re[f.i+n] = real(x), real(x)
		f.im[f.i], f.im[f.i+n] = imag(x), imag(x)
		f.i++
		if f.i == n {
			f.i = 0
		}
		f.phase++
		if f.phase < f.decim {
			continue
		}
		f.phase = 0
		wr, wi := f.re[f.i:f.i+n], f.im[f.i:f.i+n]
		var ar, ai float32
		for k, t := range f.taps {
			ar += t * wr[k]
			ai += t * wi[k]
		}
		out = append(out, complex(ar, ai))
	}
	return out
}

// Discriminator is an FM discriminator: the phase step between
// consecutive samples, scaled so that a deviation of Dev Hz gives 1.
type Discriminator struct {
	prev  complex64
	scale float32
}

// NewDiscriminator makes a discriminator for rate samples per second
// scaled to dev Hz.
func NewDiscriminator(rate, dev float64) *Discriminator {
	return &Discriminator{scale: float32(rate / (2 * math.Pi * dev))}
}

// Demod appends the instantaneous frequency of each sample to out.
func (d *Discriminator) Demod(out []float32, in []complex64) []float32 {
	for _, x := range in {
		p := x * complex(real(d.prev), -imag(d.prev))
		d.prev = x
		out = append(out, float32(math.Atan2(float64(imag(p)), float64(real(p))))*d.scale)
	}
	return out
}

// FLL is a frequency-locked loop: it estimates the frequency error left
// after the predicted Doppler correction from the mean of a
// discriminator's output (an FM signal's mean is its carrier offset) and
// steers an oscillator to remove it.
type FLL struct {
	Gain   float64 // fraction of the measured error corrected per block
	Max    float64 // the largest correction in Hz, either way
	offset float64 // correction now applied, Hz
}

// Update takes a block of discriminator output (in Hz of offset per unit)
// and returns the new correction in Hz.
func (f *FLL) Update(disc []float32, hzPerUnit float64) float64 {
	if len(disc) == 0 {
		return f.offset
	}
	var s float64
	for _, v := range disc {
		s += float64(v)
	}
	err := s / float64(len(disc)) * hzPerUnit
	f.offset += f.Gain * err
	f.offset = math.Max(-f.Max, math.Min(f.Max, f.offset))
	return f.offset
}

// Offset is the correction now applied, in Hz.
func (f *FLL) Offset() float64 { return f.offset }

// Noise is white Gaussian noise of a given standard deviation.
type Noise struct {
	r     *rand.Rand
	Sigma float64
}

// NewNoise makes a noise source from seed.
func NewNoise(seed uint64, sigma float64) *Noise {
	return &Noise{r: rand.New(rand.NewPCG(seed, 0x6e6f697365)), Sigma: sigma}
}

// Add adds noise to every sample.
func (n *Noise) Add(x []float32) {
	for i := range x {
		x[i] += float32(n.r.NormFloat64() * n.Sigma)
	}
}

// AddComplex adds complex noise of Sigma per component.
func (n *Noise) AddComplex(x []complex64) {
	for i := range x {
		x[i] += complex(float32(n.r.NormFloat64()*n.Sigma), float32(n.r.NormFloat64()*n.Sigma))
	}
}

// Power is the mean square of x.
func Power(x []float32) float64 {
	var s float64
	for _, v := range x {
		s += float64(v) * float64(v)
	}
	return s / float64(max(1, len(x)))
}

// PowerComplex is the mean square magnitude of x.
func PowerComplex(x []complex64) float64 {
	var s float64
	for _, v := range x {
		a := cmplx.Abs(complex128(v))
		s += a * a
	}
	return s / float64(max(1, len(x)))
}
