package iq

import (
	"math"
	"sync"

	"github.com/ipgs/ipgs/sdr/dsp"
	"github.com/ipgs/ipgs/sdr/modem"
)

// Burst is one frame on the air as a receiver sees it.
type Burst struct {
	Freq  float64 // the carrier's frequency at the receiver, Hz, Doppler included
	CN0   float64 // carrier to noise density at the receiver, dB-Hz
	Baud  int     // 1200 (AFSK) or 2400 to 19200 (G3RUH) over FM; with Symbols, BPSK symbols a second
	Frame []byte  // AX.25, without FCS
	// Symbols, when set, are BPSK channel symbols (one per byte, 0 or 1):
	// a CCSDS frame as its profile codes it. Frame is then not sent.
	Symbols []byte
}

// Air is what an SDR's antenna picks up: white noise, and the bursts
// sent to it one after another, each modulated at its carrier's offset
// from the tuned centre with the power its C/N0 gives. A burst outside
// the tuned band is not heard. Bursts that wait too long are dropped,
// as a receiver not listening would miss them.
type Air struct {
	// Sigma is the noise's standard deviation per component (0.03 if
	// zero: a few steps of an 8-bit converter).
	Sigma float64
	Seed  uint64

	mu    sync.Mutex
	queue []Burst
	cur   []complex64 // the rest of the burst on the air
	tx    Transmitter
	psk   *modem.BPSKModulator
	rate  float64
	noise *dsp.Noise
}

// maxQueue bounds the bursts waiting.
const maxQueue = 64

// Send puts a burst in the queue.
func (a *Air) Send(b Burst) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.queue) == maxQueue {
		a.queue = a.queue[1:]
	}
	a.queue = append(a.queue, b)
}

// Fill writes the next len(dst) samples a receiver tuned to centre at
// rate samples per second picks up.
func (a *Air) Fill(centre, rate float64, dst []complex64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.Sigma == 0 {
		a.Sigma = 0.03
	}
	if a.noise == nil {
		a.noise = dsp.NewNoise(a.Seed, a.Sigma)
	}
	if rate != a.rate {
		a.rate = rate
		a.tx = Transmitter{Rate: rate}
		a.psk = nil
		a.cur = nil
	}
	clear(dst)
	a.noise.AddComplex(dst)
	i := 0
	for i < len(dst) {
		if len(a.cur) == 0 {
			if !a.next(centre) {
				return
			}
		}
		n := min(len(dst)-i, len(a.cur))
		for k := range n {
			dst[i+k] += a.cur[k]
		}
		a.cur = a.cur[n:]
		i += n
	}
}

// next modulates the next burst that falls in the band.
func (a *Air) next(centre float64) bool {
	for len(a.queue) > 0 {
		b := a.queue[0]
		a.queue = a.queue[1:]
		off := b.Freq - centre
		if math.Abs(off) > a.rate/2-15000 {
			continue
		}
		// C/N0 = A² / N0, and complex noise of σ per component has
		// density N0 = 2σ²/rate.
		n0 := 2 * a.Sigma * a.Sigma / a.rate
		amp := math.Min(0.95, math.Sqrt(math.Pow(10, b.CN0/10)*n0))
		if len(b.Symbols) > 0 {
			if a.psk == nil || a.psk.Baud != float64(b.Baud) {
				a.psk = &modem.BPSKModulator{Rate: a.rate, Baud: float64(b.Baud)}
			}
			// the shaped pulses' mean power is 0.83 of their peak's square
			a.psk.Amplitude = math.Min(0.95, amp/0.91)
			a.psk.SetShift(off)
			a.cur = a.psk.Modulate(a.cur[:0], b.Symbols)
			a.cur = a.tx.Silence(a.cur, int(a.rate/100))
			return true
		}
		a.tx.Baud, a.tx.Amplitude = b.Baud, amp
		a.tx.SetShift(off)
		a.cur = a.tx.Frame(a.cur[:0], b.Frame)
		a.cur = a.tx.Silence(a.cur, int(a.rate/100))
		return true
	}
	return false
}
