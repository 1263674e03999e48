package sim

import (
	"math"
)

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
