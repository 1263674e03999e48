package sim

import (
	"math/rand/v2"
	"time"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/mission/geo"
)

// Faults are injected on top of the link model.
type Faults struct {
	FrameLoss float64 // probability that any frame is lost, each way
	BitErrors float64 // probability that a frame arrives with a flipped bit
	// IdealLink turns the link budget off: only FrameLoss, BitErrors
	// and bursts lose frames (benchmarks of the protocols alone).
	IdealLink bool
	Outages   []Outage // a station hears nothing and is heard by nothing
	Reboots   []Reboot // onboard computer restarts
	// Error bursts: every frame is lost for BurstLength, at random times
	// BurstEvery apart on average (seeded).
	BurstEvery, BurstLength time.Duration
}

// Outage silences a station's link.
type Outage struct {
	Station  string
	From, To time.Time
}

// Reboot restarts a satellite's computer at a time.
type Reboot struct {
	NORAD int
	At    time.Time
}

// look returns whether drone d is in contact with station s at t, and
// the range (km).
func (e *Emulator) look(d *drone, s *gstation, t time.Time) (bool, float64) {
	for _, o := range e.o.Faults.Outages {
		if o.Station == s.name && !t.Before(o.From) && t.Before(o.To) {
			return false, 0
		}
	}
	r, v, err := d.prop.At(t)
	if err != nil {
		return false, 0
	}
	re, ve := geo.TEMEToECEF(t, r, v)
	l := s.topo.Look(re, ve)
	return l.ElDeg >= s.st.Threshold(l.AzDeg), l.RangeKm
}

// channel decides what happens to a frame of n bytes over a link at range
// km: lost, corrupted (delivered with a bit flipped) or clean.
func (e *Emulator) channel(b mission.LinkBudget, rangeKm float64, n int, t time.Time) (lost, corrupt bool) {
	if e.inBurst(t) {
		e.count(func(st *Stats) { st.BurstLost++ })
		return true, false
	}
	fer := mission.FER(mission.BER(b.EbN0(rangeKm)), 8*n)
	if e.o.Faults.IdealLink {
		fer = 0
	}
	if e.rng.Float64() < e.o.Faults.FrameLoss {
		return true, false
	}
	if e.rng.Float64() < fer {
		// a frame with bit errors: the receiver's FCS rejects it; half the
		// time the demodulator loses it altogether
		if e.rng.Float64() < 0.5 {
			return true, false
		}
		return false, true
	}
	if e.rng.Float64() < e.o.Faults.BitErrors {
		return false, true
	}
	return false, false
}

// inBurst reports whether t falls in an error burst. Burst starts are a
// seeded sequence with exponential gaps of mean BurstEvery.
func (e *Emulator) inBurst(t time.Time) bool {
	f := e.o.Faults
	if f.BurstEvery <= 0 || f.BurstLength <= 0 {
		return false
	}
	for e.burstEnd.Before(t) {
		if e.burstRng == nil {
			e.burstRng = rand.New(rand.NewPCG(e.o.Seed, 0xB0057))
			e.burstStart = t
		}
		gap := time.Duration(e.burstRng.ExpFloat64() * float64(f.BurstEvery))
		e.burstStart = e.burstEnd.Add(gap)
		if e.burstStart.Before(t.Add(-f.BurstLength)) {
			e.burstStart = t.Add(gap)
		}
		e.burstEnd = e.burstStart.Add(f.BurstLength)
	}
	return !t.Before(e.burstStart) && t.Before(e.burstEnd)
}

func flipBit(b []byte, rng *rand.Rand) []byte {
	c := append([]byte(nil), b...)
	if len(c) > 0 {
		i := rng.IntN(len(c) * 8)
		c[i/8] ^= 1 << (i % 8)
	}
	return c
}
