package sgp4

import (
	"fmt"
	"math"
	"time"

	"github.com/ipgs/ipgs/mission/tle"
)

// Reepoch returns e moved to epoch t along SGP4's own secular motion:
// the mean anomaly, the argument of perigee and the node advanced by
// the model's secular rates (J2, J4 and, for the mean anomaly, the drag
// term), everything else kept. It is what a catalogue publishing fresh
// element sets of a synthetic orbit would give (the example
// constellation's, so that a run is never flown on old elements); for a
// real satellite, fetch new elements instead. Near-Earth orbits only
// (periods under 225 minutes).
func Reepoch(e *tle.Elements, t time.Time) (*tle.Elements, error) {
	p, err := New(e)
	if err != nil {
		return nil, err
	}
	if p.deep {
		return nil, fmt.Errorf("sgp4: %s: a deep-space orbit cannot be re-epoched", e.Label())
	}
	tmin := t.Sub(e.Epoch).Minutes()
	out := *e
	out.Warnings = nil
	deg := func(rad float64) float64 { return rad * 180 / math.Pi }
	m := p.mo + p.mdot*tmin
	if !p.isimp {
		m += p.noUnkozai * p.t2cof * tmin * tmin
	}
	out.MeanAnomaly = wrapDeg(deg(m))
	out.ArgPerigee = wrapDeg(deg(p.argpo + p.argpdot*tmin))
	out.RAAN = wrapDeg(deg(p.nodeo + p.nodedot*tmin + p.nodecf*tmin*tmin))
	out.RevNumber = e.RevNumber + int(math.Floor((deg(m)-e.MeanAnomaly)/360))
	out.Epoch = t.UTC()
	return &out, nil
}

func wrapDeg(d float64) float64 {
	d = math.Mod(d, 360)
	if d < 0 {
		d += 360
	}
	return d
}
