package modem

import "github.com/ipgs/ipgs/sdr/hdlc"

type hdlcFrame = hdlc.Frame
