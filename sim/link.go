package sim

import (
	"math"

	"time"

	"github.com/ipgs/ipgs/mission"
)

// Budgets returns a satellite's downlink and uplink budgets as the
// emulator models them: a 0.2 W drone into a small Yagi, a 50 W station
// into a quarter-wave whip.
func Budgets(sc *mission.SatelliteConfig) (down, up LinkBudget) {
	f := sc.DownlinkHz
	if f <= 0 {
		f = 437e6
	}
	fu := sc.UplinkHz
	if fu <= 0 {
		fu = 145.9e6
	}
	rate := sc.LinkRate()
	return LinkBudget{EIRPdBW: -7, GTdBK: -17, FreqHz: f, BitRate: rate, LossesdB: 3},
		LinkBudget{EIRPdBW: 17, GTdBK: -28, FreqHz: fu, BitRate: rate, LossesdB: 3}
}

// FrameSuccess is the share of frames of bits bits expected through on
// the pass c (sampled every 10 s over its range) with budget b.
func FrameSuccess(b LinkBudget, rangeKm func(t time.Time) float64, from, to time.Time, bits int) float64 {
	var sum float64
	n := 0
	for t := from; t.Before(to); t = t.Add(10 * time.Second) {
		r := rangeKm(t)
		if math.IsNaN(r) {
			continue
		}
		sum += 1 - FER(BER(b.EbN0(r)), bits)
		n++
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

// LinkBudget is one direction of a space link.
type LinkBudget struct {
	EIRPdBW  float64 // transmitter EIRP
	GTdBK    float64 // receiver figure of merit G/T
	FreqHz   float64
	BitRate  float64
	LossesdB float64 // polarisation, pointing, atmosphere
}

// EbN0 returns the energy per bit over noise density (dB) at range km.
func (l LinkBudget) EbN0(rangeKm float64) float64 {
	const boltzmann = -228.6 // dBW/K/Hz
	fspl := 20 * math.Log10(4*math.Pi*rangeKm*1000*l.FreqHz/299792458)
	cn0 := l.EIRPdBW - fspl - l.LossesdB + l.GTdBK - boltzmann
	return cn0 - 10*math.Log10(l.BitRate)
}

// BER of non-coherent binary FSK at Eb/N0 (dB): ½·exp(−Eb/N0 / 2).
func BER(ebn0dB float64) float64 {
	return 0.5 * math.Exp(-math.Pow(10, ebn0dB/10)/2)
}

// FER is the probability that a frame of bits bits has at least one bit
// error.
func FER(ber float64, bits int) float64 {
	if ber <= 0 {
		return 0
	}
	return 1 - math.Pow(1-ber, float64(bits))
}
