package mission

import (
	"fmt"
	"math"
	"time"
)

// LinkBudget is one direction of a space link.
type LinkBudget struct {
	EIRPdBW  float64 // transmitter EIRP
	GTdBK    float64 // receiver figure of merit G/T
	FreqHz   float64
	BitRate  float64
	LossesdB float64 // polarisation, pointing, atmosphere
}

// LinkConfig holds a satellite's or a station's link parameters in the
// mission file; a field left out takes the default of DefaultLink.
type LinkConfig struct {
	EIRPdBW  *float64 `yaml:"eirp_dbw"`  // what it transmits with
	GTdBK    *float64 `yaml:"gt_dbk"`    // what it receives with
	LossesdB *float64 `yaml:"losses_db"` // satellites: polarisation, pointing, atmosphere
}

// The defaults: a 0.2 W drone into a small Yagi (G/T −17 dB/K), a 50 W
// station into the drone's quarter-wave whip (G/T −28 dB/K), 3 dB of
// losses each way; 437 MHz down and 145.9 MHz up.
const (
	DefaultSatEIRPdBW     = -7.0
	DefaultSatGTdBK       = -28.0
	DefaultStationEIRPdBW = 17.0
	DefaultStationGTdBK   = -17.0
	DefaultLossesdB       = 3.0
	DefaultDownlinkHz     = 437e6
	DefaultUplinkHz       = 145.9e6
)

func or(p *float64, def float64) float64 {
	if p != nil {
		return *p
	}
	return def
}

// Budgets returns the downlink and uplink budgets between satellite sc
// and station st (nil: a station with the default parameters).
func Budgets(sc *SatelliteConfig, st *StationConfig) (down, up LinkBudget) {
	f := sc.DownlinkHz
	if f <= 0 {
		f = DefaultDownlinkHz
	}
	fu := sc.UplinkHz
	if fu <= 0 {
		fu = DefaultUplinkHz
	}
	var sl, gl LinkConfig
	sl = sc.Link
	if st != nil {
		gl = st.Link
	}
	rate := sc.LinkRate()
	loss := or(sl.LossesdB, DefaultLossesdB)
	return LinkBudget{EIRPdBW: or(sl.EIRPdBW, DefaultSatEIRPdBW), GTdBK: or(gl.GTdBK, DefaultStationGTdBK), FreqHz: f, BitRate: rate, LossesdB: loss},
		LinkBudget{EIRPdBW: or(gl.EIRPdBW, DefaultStationEIRPdBW), GTdBK: or(sl.GTdBK, DefaultSatGTdBK), FreqHz: fu, BitRate: rate, LossesdB: loss}
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

// FrameSuccess is the share of frames of bits bits expected through a
// pass from-to (its range sampled every 10 s) with budget b.
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

// FrameBits is the frame the link windows and pass volumes are judged
// by: a 256-byte information field with AX.25's header and FCS.
const FrameBits = 8 * (256 + 18)

// MaxLinkFER is the predicted frame error rate above which a pass's
// downlink is not worth its airtime: frames sent there are mostly resent.
const MaxLinkFER = 0.1

// LinkWindow is the part of a pass from-to where frames of bits bits get
// through budget b with a predicted error rate of at most maxFER (the
// range sampled every 5 s); ok is false when they never do. A satellite
// sends only there: in the example mission's first 12 hours, sessions
// over whole passes resent 19 % of the downlink's frames, sessions kept
// to their windows (and none in passes that have no window) 1.2 %, for
// 0.6 % less telemetry down by the end (none lost: it waits onboard for
// a better pass).
func LinkWindow(b LinkBudget, rangeKm func(t time.Time) float64, from, to time.Time, bits int, maxFER float64) (start, end time.Time, ok bool) {
	const step = 5 * time.Second
	for t := from; t.Before(to); t = t.Add(step) {
		r := rangeKm(t)
		if math.IsNaN(r) || FER(BER(b.EbN0(r)), bits) > maxFER {
			continue
		}
		if !ok {
			start, ok = t, true
		}
		if end = t.Add(step); end.After(to) {
			end = to
		}
	}
	if ok && end.Sub(start) < MinLinkWindow {
		return time.Time{}, time.Time{}, false
	}
	return start, end, ok
}

// MinLinkWindow is the shortest link window worth a session: less is
// spent opening it (a session open, the first acknowledgements) and gives
// routers a contact too short to count on.
const MinLinkWindow = time.Minute

// validate checks that the values given are finite and in a sane range
// (dBW from a milliwatt to a megawatt, dB/K and losses within ±100 dB).
func (l *LinkConfig) validate(v *validator, path ...any) {
	check := func(p *float64, key string, lo, hi float64) {
		if p != nil && !(*p >= lo && *p <= hi) {
			v.at(fmt.Sprintf("%s %v must be a number from %g to %g", key, *p, lo, hi), append(path, key)...)
		}
	}
	check(l.EIRPdBW, "eirp_dbw", -30, 60)
	check(l.GTdBK, "gt_dbk", -100, 100)
	check(l.LossesdB, "losses_db", 0, 100)
}
