package iq

import (
	"github.com/ipgs/ipgs/sdr/modem"
	"github.com/ipgs/ipgs/uplink/ccsds/coding"
)

// PSKConfig is a BPSK receiver's: the demodulator's settings and the
// code its frames come in.
type PSKConfig struct {
	Rate, Baud   float64
	Offset       float64 // Hz from the tuned centre (IQ) or in the audio (a real recording)
	Differential bool    // differential detection (DBPSK) rather than a Costas loop
	Code         coding.Code
	Emit         func(coding.Decoded)
}

// PSKReceiver is the BPSK receive chain from IQ samples (or an SSB
// receiver's audio) to coded frames: the demodulator's soft symbols go
// straight into the deframer, so the Viterbi decoder sees how sure each
// symbol was.
type PSKReceiver struct {
	demod   *modem.BPSK
	deframe *coding.Deframer
	offset  float64
}

// NewPSKReceiver makes a receiver.
func NewPSKReceiver(c PSKConfig) (*PSKReceiver, error) {
	if err := c.Code.Check(); err != nil {
		return nil, err
	}
	r := &PSKReceiver{deframe: &coding.Deframer{Code: c.Code, Emit: c.Emit}, offset: c.Offset}
	var err error
	r.demod, err = modem.NewBPSK(modem.BPSKConfig{Rate: c.Rate, Baud: c.Baud, Offset: c.Offset, Differential: c.Differential, Symbols: r.deframe.Write})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// SetShift sets where the carrier is now expected, Hz from the tuned
// centre: the offset plus the predicted Doppler.
func (r *PSKReceiver) SetShift(hz float64) { r.demod.SetShift(hz) }

// Process takes a block of IQ samples.
func (r *PSKReceiver) Process(x []complex64) { r.demod.ProcessIQ(x) }

// ProcessReal takes a block of a real recording.
func (r *PSKReceiver) ProcessReal(x []float32) { r.demod.ProcessReal(x) }

// Flush decodes what the deframer holds, at the end of a recording.
func (r *PSKReceiver) Flush() { r.deframe.Flush() }

// Uncorrectable is the blocks found that Reed-Solomon could not correct.
func (r *PSKReceiver) Uncorrectable() int { return r.deframe.Uncorrectable }

// Correction is the Costas loop's frequency correction, Hz.
func (r *PSKReceiver) Correction() float64 { return r.demod.Carrier() }
