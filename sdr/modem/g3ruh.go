package modem

import "github.com/ipgs/ipgs/sdr/hdlc"

// NewG3RUH is not built yet.
func NewG3RUH(rate float64, opt Options) Demodulator { _ = hdlc.Scrambled; return nil }
