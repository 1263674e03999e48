package modem

import (
	"math"
	"testing"
)

// TestBERNearTheory: at 1.5 dB above the Eb/N0 where non-coherent FSK
// theory gives 1e-3, the AFSK demodulator's bit error rate must be at
// most 1e-3.
func TestBERNearTheory(t *testing.T) {
	at := 2 * math.Log(500) // Eb/N0 (ratio) where ½·exp(−x/2) = 1e-3
	db := 10*math.Log10(at) + 1.5
	if th := NoncoherentFSKBER(db - 1.5); math.Abs(th-1e-3) > 1e-9 {
		t.Fatalf("theory at %.2f dB is %g", db-1.5, th)
	}
	ber := AFSKBER(db, 300_000, 1)
	t.Logf("Eb/N0 %.2f dB: BER %.2e (theory there %.2e; 1e-3 at %.2f dB)", db, ber, NoncoherentFSKBER(db), db-1.5)
	if ber > 1e-3 {
		t.Fatalf("BER %.2e at %.2f dB, over 1e-3", ber, db)
	}
	// And the demodulator is not broken the other way: at 4 dB less,
	// there are errors.
	if low := AFSKBER(db-4, 100_000, 2); low < 1e-3 {
		t.Fatalf("BER %.2e at %.2f dB: too good to be a real measurement", low, db-4)
	}
}

// BenchmarkBER finds the Eb/N0 at which the AFSK demodulator's bit error
// rate is 1e-3 and reports it against non-coherent FSK theory (10.94 dB).
func BenchmarkBER(b *testing.B) {
	for range b.N {
		lo, hi := 6.0, 16.0
		for hi-lo > 0.05 {
			mid := (lo + hi) / 2
			if AFSKBER(mid, 200_000, 3) > 1e-3 {
				lo = mid
			} else {
				hi = mid
			}
		}
		theory := 10 * math.Log10(2*math.Log(500))
		b.ReportMetric(hi, "dB-at-1e-3")
		b.ReportMetric(hi-theory, "dB-from-theory")
	}
}
