package modem

import (
	"math"
	"math/rand/v2"

	"github.com/ipgs/ipgs/sdr/dsp"
)

// NoncoherentFSKBER is the theoretical bit error rate of binary
// orthogonal FSK detected non-coherently at ebn0 dB: ½·exp(−Eb/2N0).
func NoncoherentFSKBER(ebn0 float64) float64 {
	return 0.5 * math.Exp(-math.Pow(10, ebn0/10)/2)
}

// AFSKBER measures the channel bit error rate of the AFSK demodulator's
// first slicer on nbits random bits at ebn0 dB, in white Gaussian noise
// over audio at 44100 samples per second. The received bits are aligned
// with the sent ones a thousand at a time, so a slipped bit costs the
// errors of its block and no more.
func AFSKBER(ebn0 float64, nbits int, seed uint64) float64 {
	const rate = 44100.0
	r := rand.New(rand.NewPCG(seed, 0xbe7))
	bits := make([]byte, nbits)
	for i := range bits {
		bits[i] = byte(r.UintN(2))
	}
	m := AFSKModulator{Rate: rate, Amplitude: 1}
	audio := m.Modulate(nil, bits)
	// Eb = A²/2 · T; white noise of two-sided density N0/2 sampled at
	// rate has variance N0/2 · rate.
	eb := 0.5 / AFSKBaud
	n0 := eb / math.Pow(10, ebn0/10)
	dsp.NewNoise(seed, math.Sqrt(n0/2*rate)).Add(audio)
	got := make([]byte, 0, nbits+16)
	d := NewAFSK(rate, Options{})
	d.slicers[0].onBit = func(b uint8, _ float32) { got = append(got, b) }
	d.Process(audio)
	return alignedErrors(bits, got)
}

// alignedErrors is the error rate of got against sent, aligned anew
// every 1000 bits within 8 bits of the last alignment.
func alignedErrors(sent, got []byte) float64 {
	const block = 1000
	errs, n, lag := 0, 0, 0
	for w := 0; w+block <= len(sent); w += block {
		best, bl := block+1, lag
		for l := lag - 8; l <= lag+8; l++ {
			e := 0
			for i := w; i < w+block; i++ {
				if j := i + l; j < 0 || j >= len(got) || got[j] != sent[i] {
					e++
				}
			}
			if e < best {
				best, bl = e, l
			}
		}
		lag = bl
		errs += best
		n += block
	}
	return float64(errs) / float64(max(1, n))
}
