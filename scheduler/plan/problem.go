// Package plan builds contact plans: which satellite each ground station
// talks to, and when, across the whole network. See docs/scheduling.md for
// the exact problem: candidates, constraints and objective.
package plan

import (
	"math"
	"runtime"
	"sync"
	"time"

	"github.com/ipgs/ipgs/scheduler/deepspace"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/mission/geo"
	"github.com/ipgs/ipgs/mission/sgp4"
)

// Station is a ground station as the scheduler sees it.
type Station struct {
	mission.Station
	SlewDegS    float64  // rotator slew rate, both axes, degrees/s (0: instant)
	SettleS     float64  // fixed settle time added to every turnaround, s
	Available   []Window // empty: always available
	Unavailable []Window // maintenance, reserved time
	Node        int      // DTN node number
	// Cannot names the satellites (by NORAD number) the station cannot
	// work, and why: its radios cannot hear them or lack their modem.
	Cannot map[int]string
	// ReceiveOnly names the satellites it works without an uplink, and why.
	ReceiveOnly map[int]string
	topo        geo.Topocentric
}

// Window is [From, To) with a reason for explanations.
type Window struct {
	From, To time.Time
	Reason   string
}

// Satellite is one satellite as the scheduler sees it.
type Satellite struct {
	NORAD   int
	Name    string
	Weight  float64 // priority weight, > 0
	BitRate float64 // link rate, bit/s, for DTN contact plans
	Node    int     // DTN node number
	// Demand (optional) is met before the objective: at least this many
	// contacts, or seconds of contact, per day of the window.
	DemandContacts float64
	DemandSeconds  float64
	prop           *sgp4.Propagator
}

// Candidate is a schedulable window of one pass: the pass [AOS, LOS] cut
// by the station's availability. Times are seconds from the problem start.
type Candidate struct {
	ID       int
	Sat      int // index in Problem.Sats
	Station  int // index in Problem.Stations
	AOS, LOS float64
	TCA      float64
	MaxElDeg float64
	Start    float64 // usable window, within [AOS, LOS]
	End      float64
	// Cut says why the usable window is shorter than the pass (availability).
	Cut string
}

// Problem is a scheduling instance.
type Problem struct {
	Start             time.Time
	Duration          time.Duration
	Stations          []Station
	Sats              []Satellite
	Candidates        []Candidate
	MinContactS       float64 // default 120
	MaxStationsPerSat int     // default 1
	// Dropped lists passes that produced no candidate, with the reason
	// (wholly unavailable, shorter than the minimum contact).
	Dropped []Dropped

	tracks [][]Pointing // per candidate, lazily: see pointing
}

// Dropped is a pass that could not become a candidate.
type Dropped struct {
	Sat, Station int
	AOS, LOS     float64
	Reason       string
}

// Pointing is an antenna direction.
type Pointing struct{ Az, El float64 }

// trackStep is the spacing of the pointing samples of a candidate.
const trackStep = 30.0

// pointing returns where the station of candidate c must point at its
// satellite at t (seconds from the start): linear interpolation in a track
// sampled every trackStep over the pass, computed on first use. Solver,
// validator and MILP all use this one function, so they agree exactly.
func (p *Problem) pointing(c int, t float64) Pointing {
	cd := &p.Candidates[c]
	if p.tracks == nil {
		p.tracks = make([][]Pointing, len(p.Candidates))
	}
	tr := p.tracks[c]
	if tr == nil {
		tr = p.track(c)
		p.tracks[c] = tr
	}
	x := (t - cd.AOS) / trackStep
	if x <= 0 {
		return tr[0]
	}
	k := int(x)
	if k >= len(tr)-1 {
		return tr[len(tr)-1]
	}
	u := x - float64(k)
	a, b := tr[k], tr[k+1]
	az := a.Az + u*wrap180(b.Az-a.Az)
	if az < 0 {
		az += 360
	} else if az >= 360 {
		az -= 360
	}
	return Pointing{Az: az, El: a.El + u*(b.El-a.El)}
}

// track samples candidate c's pointing every trackStep over its pass.
func (p *Problem) track(c int) []Pointing {
	cd := &p.Candidates[c]
	n := int(math.Ceil((cd.LOS-cd.AOS)/trackStep)) + 1
	tr := make([]Pointing, n+1)
	for k := range tr {
		tr[k] = p.look(cd.Sat, cd.Station, cd.AOS+float64(k)*trackStep)
	}
	return tr
}

// precomputeTracks builds every candidate's track on all cores.
func (p *Problem) precomputeTracks() {
	if p.tracks != nil {
		return
	}
	p.tracks = make([][]Pointing, len(p.Candidates))
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := w; c < len(p.Candidates); c += workers {
				p.tracks[c] = p.track(c)
			}
		}()
	}
	wg.Wait()
}

// look computes the pointing from SGP4.
func (p *Problem) look(sat, st int, t float64) Pointing {
	s := &p.Sats[sat]
	when := p.Start.Add(time.Duration(t * float64(time.Second)))
	r, v, err := s.prop.At(when)
	if err != nil {
		return Pointing{}
	}
	re, _ := geo.TEMEToECEF(when, r, v)
	el, az := p.Stations[st].topo.ElevationAzimuth(re)
	return Pointing{az, el}
}

// turnaround is the time station st needs between pointing a and pointing
// b: the slower axis at the slew rate (azimuth the shorter way round, as
// an overwinding rotator can), plus the settle time.
func (s *Station) turnaround(a, b Pointing) float64 {
	if s.SlewDegS <= 0 {
		return s.SettleS
	}
	daz := math.Abs(wrap180(a.Az - b.Az))
	del := math.Abs(a.El - b.El)
	return math.Max(daz, del)/s.SlewDegS + s.SettleS
}

// Time converts seconds from the start to a time.
func (p *Problem) Time(s float64) time.Time {
	return p.Start.Add(time.Duration(math.Round(s*1000)) * time.Millisecond)
}

// Seconds converts a time to seconds from the start.
func (p *Problem) Seconds(t time.Time) float64 { return t.Sub(p.Start).Seconds() }

func (p *Problem) minContact() float64 {
	if p.MinContactS > 0 {
		return p.MinContactS
	}
	return 120
}

func (p *Problem) capacity() int {
	if p.MaxStationsPerSat > 0 {
		return p.MaxStationsPerSat
	}
	return 1
}

// Contact is a scheduled contact: a sub-window of one candidate.
type Contact struct {
	Cand       int // candidate index
	Start, End float64
	Pinned     bool // an operator pinned it: never moved
	Started    bool // had started before the plan start: never moved
	Kept       bool // carried over from the previous plan
	Reason     string
}

// Len is the contact length in seconds.
func (c *Contact) Len() float64 { return c.End - c.Start }

// Plan is the scheduler's answer.
type Plan struct {
	Problem  *Problem
	Contacts []Contact // sorted by start, then station
	// Relays are the deep-space relays' contacts (both directions), by
	// start: not scheduled (a relay has no antenna to share here), only
	// carried into the DTN contact plan.
	Relays []deepspace.Contact
	// Unscheduled explains every candidate that got no contact.
	Unscheduled []Unscheduled
	Objective   float64 // Σ weight × contact seconds
}

// Unscheduled is a candidate left out, and why.
type Unscheduled struct {
	Cand   int // -1 for a pass that never became a candidate
	Sat    int
	Stn    int
	AOS    float64
	LOS    float64
	Reason string
}

// Value is a contact's contribution to the objective.
func (p *Problem) value(c *Contact) float64 {
	return p.Sats[p.Candidates[c.Cand].Sat].Weight * c.Len()
}

// wrap180 maps an azimuth difference in (-360, 360) to [-180, 180].
func wrap180(d float64) float64 {
	switch {
	case d > 180:
		return d - 360
	case d < -180:
		return d + 360
	}
	return d
}
