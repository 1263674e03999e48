// Package iq is the FM receive chain from an SDR's IQ samples to AX.25
// frames, and the matching transmitter: a Doppler-correcting oscillator,
// a decimating channel filter, an FM discriminator with a frequency-locked
// loop on its mean, and the software modems.
package iq

import (
	"fmt"
	"math"

	"github.com/ipgs/ipgs/sdr/dsp"
	"github.com/ipgs/ipgs/sdr/hdlc"
	"github.com/ipgs/ipgs/sdr/modem"
)

// DefaultDeviation is the FM deviation of amateur packet, in Hz.
const DefaultDeviation = 3000

// Config is a receiver's.
type Config struct {
	Rate      float64 // IQ samples per second
	Offset    float64 // where the carrier sits from the tuned centre, Hz, before Doppler
	Baud      int     // 1200 (AFSK) or 2400 to 19200 (G3RUH)
	Deviation float64 // FM deviation, Hz; DefaultDeviation if zero
	// FLL turns on the frequency-locked loop that refines the predicted
	// Doppler from the discriminator's mean; it holds still while only
	// noise comes in.
	FLL   bool
	Modem modem.Options
}

// Receiver demodulates IQ samples. It allocates nothing per sample once
// its buffers have grown to the largest block.
type Receiver struct {
	cfg     Config
	nco     *dsp.Osc
	shift   float64 // the correction asked for: offset plus Doppler
	chan_   *dsp.CFIR
	disc    *dsp.Discriminator
	demod   modem.Demodulator
	fll     dsp.FLL
	outRate float64
	floor   float64 // the quietest recent block's power: the noise floor
	mixed   []complex64
	narrow  []complex64
	audio   []float32
}

// NewReceiver makes a receiver.
func NewReceiver(c Config) (*Receiver, error) {
	if c.Deviation == 0 {
		c.Deviation = DefaultDeviation
	}
	// The channel: Carson's rule, deviation plus the highest audio
	// frequency either side.
	audioTop := 2400.0
	minOut := 24000.0
	if c.Baud > 1200 {
		audioTop, minOut = 0.75*float64(c.Baud), max(minOut, 5*float64(c.Baud))
	}
	half := c.Deviation + audioTop
	if c.Rate < minOut {
		return nil, fmt.Errorf("iq: %v samples per second is under the %v a %d-baud channel needs", c.Rate, minOut, c.Baud)
	}
	decim := max(1, int(c.Rate/minOut))
	out := c.Rate / float64(decim)
	taps := dsp.Lowpass(8*decim+1, math.Min(half*1.15, 0.45*out)/c.Rate)
	r := &Receiver{
		cfg:     c,
		nco:     dsp.NewOsc(-c.Offset, c.Rate),
		shift:   c.Offset,
		chan_:   dsp.NewCFIR(taps, decim),
		disc:    dsp.NewDiscriminator(out, c.Deviation),
		outRate: out,
		fll:     dsp.FLL{Gain: 0.2, Max: 2 * c.Deviation},
	}
	var err error
	if r.demod, err = modem.New(c.Baud, out, c.Modem); err != nil {
		return nil, err
	}
	return r, nil
}

// AudioRate is the rate of the discriminator's output, the demodulator's input.
func (r *Receiver) AudioRate() float64 { return r.outRate }

// SetShift sets where the carrier is now expected, Hz from the tuned
// centre: the configured offset plus the predicted Doppler.
func (r *Receiver) SetShift(hz float64) {
	r.shift = hz
	r.nco.SetFreq(-(r.shift + r.fll.Offset()))
}

// FLLOffset is the frequency-locked loop's correction on top of the
// predicted shift, Hz.
func (r *Receiver) FLLOffset() float64 { return r.fll.Offset() }

// Process takes a block of IQ samples.
func (r *Receiver) Process(x []complex64) {
	r.mixed = append(r.mixed[:0], x...)
	r.nco.Mix(r.mixed)
	r.narrow = r.chan_.Filter(r.narrow[:0], r.mixed)
	r.audio = r.disc.Demod(r.audio[:0], r.narrow)
	if !r.cfg.FLL {
		r.demod.Process(r.audio)
		return
	}
	r.demod.Process(r.audio)
	if len(r.narrow) == 0 {
		return
	}
	// A block whose power stands well above the noise floor holds a
	// carrier, and the discriminator's mean over it is the carrier's
	// error (the modems' audio has no DC).
	p := dsp.PowerComplex(r.narrow)
	if r.floor == 0 || p < r.floor {
		r.floor = p
	} else {
		r.floor *= 1.01 // forget a quiet moment slowly
	}
	if p > 4*r.floor {
		r.fll.Update(r.audio, r.cfg.Deviation)
		r.nco.SetFreq(-(r.shift + r.fll.Offset()))
	}
}

// Transmitter makes FM IQ samples of AX.25 frames: the modem's audio
// frequency-modulated onto a carrier at Offset plus the shift from the
// tuned centre. Between frames the carrier is off.
type Transmitter struct {
	Rate      float64
	Baud      int
	Deviation float64
	Amplitude float64 // of the carrier; 1 if zero
	Preamble  int     // flags before a frame; 32 if zero
	shift     float64
	phase     float64
	enc       hdlc.Encoder
	afsk      *modem.AFSKModulator
	g3ruh     *modem.G3RUHModulator
	audio     []float32
	bits      []byte
}

// SetShift moves the carrier, Hz from the tuned centre (offset plus Doppler).
func (t *Transmitter) SetShift(hz float64) { t.shift = hz }

// Frame appends the IQ samples of one frame (AX.25, without FCS), with
// its preamble and closing flags.
func (t *Transmitter) Frame(out []complex64, frame []byte) []complex64 {
	if t.Deviation == 0 {
		t.Deviation = DefaultDeviation
	}
	if t.Amplitude == 0 {
		t.Amplitude = 1
	}
	pre := t.Preamble
	if pre == 0 {
		pre = 32
	}
	t.enc.Coding = hdlc.NRZI
	if t.Baud > 1200 {
		t.enc.Coding = hdlc.Scrambled
	}
	t.bits = t.enc.Flags(t.bits[:0], pre)
	t.bits = t.enc.Frame(t.bits, frame)
	t.bits = t.enc.Flags(t.bits, 4)
	t.audio = t.audio[:0]
	if t.Baud > 1200 {
		if t.g3ruh == nil {
			t.g3ruh = &modem.G3RUHModulator{Rate: t.Rate, Baud: float64(t.Baud), Amplitude: 1}
		}
		t.audio = t.g3ruh.Modulate(t.audio, t.bits)
	} else {
		if t.afsk == nil {
			t.afsk = &modem.AFSKModulator{Rate: t.Rate, Amplitude: 1}
		}
		t.audio = t.afsk.Modulate(t.audio, t.bits)
	}
	k := 2 * math.Pi / t.Rate
	for _, a := range t.audio {
		t.phase += k * (t.shift + t.Deviation*float64(a))
		if t.phase > math.Pi {
			t.phase -= 2 * math.Pi
		} else if t.phase < -math.Pi {
			t.phase += 2 * math.Pi
		}
		s, c := math.Sincos(t.phase)
		out = append(out, complex(float32(t.Amplitude*c), float32(t.Amplitude*s)))
	}
	return out
}

// Silence appends n samples with the carrier off.
func (t *Transmitter) Silence(out []complex64, n int) []complex64 {
	return append(out, make([]complex64, n)...)
}
