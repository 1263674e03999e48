package modem

import (
	"fmt"
	"math"

	"github.com/ipgs/ipgs/sdr/dsp"
)

// New makes the demodulator for baud (1200: AFSK; 2400 to 19200: G3RUH)
// at rate samples per second.
func New(baud int, rate float64, opt Options) (Demodulator, error) {
	switch {
	case baud == 1200:
		return NewAFSK(rate, opt), nil
	case baud >= MinG3RUHBaud && baud <= MaxG3RUHBaud:
		if need := 2.2 * float64(baud); rate < need {
			return nil, fmt.Errorf("modem: %d baud needs at least %d samples per second, not %v", baud, int(need), rate)
		}
		return NewG3RUH(rate, float64(baud), opt), nil
	}
	return nil, fmt.Errorf("modem: %d baud: 1200 (AFSK) or %d to %d (G3RUH)", baud, MinG3RUHBaud, MaxG3RUHBaud)
}

// AddNoise adds white Gaussian noise to audio so that the signal to
// noise ratio over the whole band (0 to half the sample rate) is snr dB.
// The signal's power is measured where it is on: over the blocks of 10 ms
// whose power is at least a tenth of the strongest block's, so silence
// between frames does not count. It returns the noise's standard
// deviation.
func AddNoise(audio []float32, rate float64, snr float64, seed uint64) float64 {
	block := max(1, int(rate/100))
	var powers []float64
	peak := 0.0
	for i := 0; i < len(audio); i += block {
		p := dsp.Power(audio[i:min(i+block, len(audio))])
		powers = append(powers, p)
		peak = math.Max(peak, p)
	}
	var sum float64
	n := 0
	for _, p := range powers {
		if p >= peak/10 {
			sum += p
			n++
		}
	}
	if n == 0 {
		return 0
	}
	sig := sum / float64(n)
	sigma := math.Sqrt(sig / math.Pow(10, snr/10))
	dsp.NewNoise(seed, sigma).Add(audio)
	return sigma
}
