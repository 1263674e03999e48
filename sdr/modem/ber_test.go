package modem

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ipgs/ipgs/sdr/dsp"
)

// berAFSK measures the channel bit error rate of slicer 0 at ebn0 dB.
func berAFSK(t testing.TB, ebn0 float64, nbits int) float64 {
	const rate = 44100.0
	r := rand.New(rand.NewPCG(5, 6))
	bits := make([]byte, nbits)
	for i := range bits {
		bits[i] = byte(r.UintN(2))
	}
	m := AFSKModulator{Rate: rate, Amplitude: 1}
	audio := m.Modulate(nil, bits)
	// Eb = A²/2 · T; N0/2 is the noise's two-sided density: σ² = N0/2 · rate.
	eb := 0.5 / AFSKBaud
	n0 := eb / math.Pow(10, ebn0/10)
	dsp.NewNoise(uint64(ebn0*100+1000), math.Sqrt(n0/2*rate)).Add(audio)
	var got []byte
	d := NewAFSK(rate, Options{})
	d.slicers[0].onBit = func(b uint8, _ float32) { got = append(got, b) }
	d.Process(audio)
	return bitErrors(bits, got)
}

// bitErrors aligns got with sent (a few bits of delay either way) and
// returns the error rate over the middle.
func bitErrors(sent, got []byte) float64 {
	best := 1.0
	for lag := -4; lag <= 4; lag++ {
		errs, n := 0, 0
		for i := 100; i < len(sent)-100; i++ {
			j := i + lag
			if j < 0 || j >= len(got) {
				continue
			}
			n++
			if sent[i] != got[j] {
				errs++
			}
		}
		if n > 0 && float64(errs)/float64(n) < best {
			best = float64(errs) / float64(n)
		}
	}
	return best
}

func TestBERSweep(t *testing.T) {
	for _, e := range []float64{8, 9, 10, 11, 12} {
		ber := berAFSK(t, e, 200000)
		theory := 0.5 * math.Exp(-math.Pow(10, e/10)/2)
		t.Logf("Eb/N0 %v dB: BER %.2e, non-coherent FSK theory %.2e", e, ber, theory)
	}
}
