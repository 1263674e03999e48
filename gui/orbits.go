package gui

import (
	"sync"
	"time"

	"github.com/ipgs/ipgs/mission/geo"
	"github.com/ipgs/ipgs/mission/sgp4"
)

// Orbiting is a satellite the map follows.
type Orbiting struct {
	Name string
	Prop *sgp4.Propagator
}

// Ground-track span and spacing.
const (
	trackSpan = 90 * time.Minute
	trackStep = time.Minute
)

// SatMarks places every satellite at t, with its footprint (down to 10°
// elevation) and its ground track for the next 90 minutes, one point a
// minute.
func SatMarks(t time.Time, sats []Orbiting) []SatMark {
	out := make([]SatMark, 0, len(sats))
	for _, s := range sats {
		mark := SatMark{Name: s.Name}
		for dt := time.Duration(0); dt <= trackSpan; dt += trackStep {
			r, v, err := s.Prop.At(t.Add(dt))
			if err != nil {
				break
			}
			re, _ := geo.TEMEToECEF(t.Add(dt), r, v)
			g := geo.ToGeodetic(re)
			ll := LatLon{Lat: g.LatDeg, Lon: g.LonDeg}
			if dt == 0 {
				mark.At = ll
				mark.Footprint = FootprintDeg(g.AltM/1000, 10)
			}
			mark.Track = append(mark.Track, ll)
		}
		if len(mark.Track) > 0 {
			out = append(out, mark)
		}
	}
	return out
}

// Subsolar is the point on the Earth with the Sun overhead at t.
func Subsolar(t time.Time) LatLon {
	s, _ := geo.TEMEToECEF(t, geo.SunPosition(t), geo.Vec{})
	g := geo.ToGeodetic(s)
	return LatLon{Lat: g.LatDeg, Lon: g.LonDeg}
}

// Tracker is SatMarks that keeps each satellite's ground track between
// updates: its points sit on whole minutes, so an update computes the
// satellite's position now and only the track points that came into the
// 90-minute span since the last one.
type Tracker struct {
	mu     sync.Mutex
	sats   []Orbiting
	tracks [][]LatLon  // points at starts[i] + j minutes
	starts []time.Time // each track's first point
	foot   []float64   // footprint radius, from the last position
}

// NewTracker follows sats.
func NewTracker(sats []Orbiting) *Tracker {
	return &Tracker{sats: sats, tracks: make([][]LatLon, len(sats)), starts: make([]time.Time, len(sats)), foot: make([]float64, len(sats))}
}

func (tr *Tracker) at(i int, t time.Time) (LatLon, float64, bool) {
	r, v, err := tr.sats[i].Prop.At(t)
	if err != nil {
		return LatLon{}, 0, false
	}
	re, _ := geo.TEMEToECEF(t, r, v)
	g := geo.ToGeodetic(re)
	return LatLon{Lat: g.LatDeg, Lon: g.LonDeg}, g.AltM / 1000, true
}

// Marks places every satellite at t with its footprint and the ground
// track for the next 90 minutes.
func (tr *Tracker) Marks(t time.Time) []SatMark {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	n := int(trackSpan / trackStep)
	grid := t.Truncate(trackStep).Add(trackStep) // the first whole minute ahead
	out := make([]SatMark, 0, len(tr.sats))
	for i, s := range tr.sats {
		now, alt, ok := tr.at(i, t)
		if !ok {
			continue
		}
		tk := tr.tracks[i]
		if shift := int(grid.Sub(tr.starts[i]) / trackStep); len(tk) > 0 && shift >= 0 && shift < len(tk) && grid.Sub(tr.starts[i])%trackStep == 0 {
			tk = tk[shift:] // the minutes gone by drop off the front
		} else {
			tk = tk[:0]
		}
		for j := len(tk); j < n; j++ {
			p, _, ok := tr.at(i, grid.Add(time.Duration(j)*trackStep))
			if !ok {
				break
			}
			tk = append(tk, p)
		}
		tr.tracks[i], tr.starts[i] = tk, grid
		track := make([]LatLon, 0, len(tk)+1)
		track = append(append(track, now), tk...)
		out = append(out, SatMark{Name: s.Name, At: now, Footprint: FootprintDeg(alt, 10), Track: track})
	}
	return out
}
