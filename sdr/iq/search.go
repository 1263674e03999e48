package iq

import (
	"math"
	"slices"

	"github.com/ipgs/ipgs/sdr/dsp"
)

// Search finds where in a capture's band a signal is: the strongest
// band of about Width Hz in the max-hold of short-time averaged power
// spectra, so a signal heard only in bursts (packets) stands out as
// well as a steady one. The spectrum's centre bins are left out: an SDR's
// own DC spike sits there.
type Search struct {
	Rate  float64
	Width float64 // the signal's occupied bandwidth, Hz
	n     int
	win   []float64
	buf   []complex128
	fill  int
	acc   []float64
	count int
	hold  []float64
	seen  int64 // samples processed
}

const (
	searchFFT   = 4096
	searchGroup = 8 // spectra averaged before the max-hold
)

// NewSearch makes a search over a capture at rate for a signal of width Hz.
func NewSearch(rate, width float64) *Search {
	n := searchFFT
	for n > 256 && rate/float64(n) < 5 { // bins no finer than 5 Hz
		n /= 2
	}
	s := &Search{Rate: rate, Width: width, n: n, win: make([]float64, n), buf: make([]complex128, n),
		acc: make([]float64, n), hold: make([]float64, n)}
	for i := range s.win {
		s.win[i] = 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/float64(n))
	}
	return s
}

// Process takes the next samples.
func (s *Search) Process(x []complex64) {
	for _, v := range x {
		s.buf[s.fill] = complex(float64(real(v))*s.win[s.fill], float64(imag(v))*s.win[s.fill])
		s.fill++
		if s.fill < s.n {
			continue
		}
		s.fill = 0
		dsp.FFT(s.buf)
		for k, c := range s.buf {
			s.acc[k] += real(c)*real(c) + imag(c)*imag(c)
		}
		s.count++
		if s.count == searchGroup {
			for k := range s.acc {
				s.hold[k] = math.Max(s.hold[k], s.acc[k]/searchGroup)
				s.acc[k] = 0
			}
			s.count = 0
		}
	}
	s.seen += int64(len(x))
}

// Samples is how many samples the search has seen.
func (s *Search) Samples() int64 { return s.seen }

// Result is the centre of the strongest band, Hz from the capture's
// centre, and how far its mean power stands above the spectrum's median,
// dB. With too few samples it is 0, 0.
func (s *Search) Result() (offset, snr float64) {
	if s.count > 0 { // a last partial group counts too
		for k := range s.acc {
			s.hold[k] = math.Max(s.hold[k], s.acc[k]/float64(s.count))
		}
	}
	n := s.n
	// The spectrum from -rate/2 to +rate/2.
	p := make([]float64, n)
	for k := range n {
		p[k] = s.hold[(k+n/2)%n]
	}
	floor := slices.Clone(p)
	slices.Sort(floor)
	med := floor[n/2]
	if med <= 0 {
		return 0, 0
	}
	for k := n/2 - 2; k <= n/2+2; k++ { // the DC spike
		p[k] = med
	}
	hz := s.Rate / float64(n)
	w := max(1, int(s.Width/hz))
	best, bestAt := -1.0, 0
	sum := 0.0
	for k := range n {
		sum += p[k]
		if k >= w {
			sum -= p[k-w]
		}
		if k >= w-1 && sum > best {
			best, bestAt = sum, k-w+1
		}
	}
	// The power-weighted centre of the band, above the floor.
	var m, tot float64
	for k := bestAt; k < bestAt+w; k++ {
		e := math.Max(0, p[k]-med)
		m += e * float64(k-n/2)
		tot += e
	}
	if tot == 0 {
		return 0, 0
	}
	return m / tot * hz, 10 * math.Log10(best/float64(w)/med)
}
