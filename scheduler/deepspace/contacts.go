// Package deepspace plans the contacts of a mission's deep-space relays
// (mission.RelayConfig): a ground station with a relay while the relay's
// body is above the station's horizon, a relay with the relay it goes
// through all the time, each with its one-way light time from the
// low-precision ephemeris (mission/ephem). The contacts go to the routers
// and to ION and HDTN contact plans beside the low-orbit passes.
package deepspace

import (
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/mission/ephem"
	"github.com/ipgs/ipgs/mission/geo"
)

// Contact is one direction of a relay's contact.
type Contact struct {
	From, To   int // node numbers
	Start, End time.Time
	RateBits   float64
	OWLT       time.Duration
	Relay      string // the relay's name
	Station    string // the ground station's name ("" between relays)
	Peer       string // the other end's name: the station, or the via relay
	Up         bool   // from the ground's side (or the via relay's)
	// Range is the distance between the two ends, km, at t.
	Range func(t time.Time) float64
}

// step is how often visibility is sampled; edges are then found to the
// second. A body rises and sets over hours: nothing shorter is missed.
const step = 10 * time.Minute

func body(name string) (ephem.Body, error) {
	switch name {
	case "moon":
		return ephem.Moon, nil
	case "mars":
		return ephem.Mars, nil
	}
	return 0, fmt.Errorf("deepspace: unknown body %q", name)
}

// Contacts lists the relays' contacts from `from` to `to` in both
// directions, by start. A contact's OWLT is the longest light time in it,
// in whole seconds rounded up (what ION's ranges hold).
func Contacts(m *mission.Mission, from, to time.Time) ([]Contact, error) {
	stations := m.PassStations()
	var out []Contact
	relays := map[string]*mission.RelayConfig{}
	for i := range m.Relays {
		relays[m.Relays[i].Name] = &m.Relays[i]
	}
	for i := range m.Relays {
		r := &m.Relays[i]
		b, err := body(r.Body)
		if err != nil {
			return nil, err
		}
		node, err := mission.IPNNode(r.DTNNode)
		if err != nil {
			return nil, fmt.Errorf("deepspace: relay %s: %w", r.Name, err)
		}
		if r.Via != "" {
			v := relays[r.Via]
			if v == nil {
				return nil, fmt.Errorf("deepspace: relay %s: no relay %q", r.Name, r.Via)
			}
			vb, err := body(v.Body)
			if err != nil {
				return nil, err
			}
			vnode, err := mission.IPNNode(v.DTNNode)
			if err != nil {
				return nil, fmt.Errorf("deepspace: relay %s: %w", v.Name, err)
			}
			rng := func(t time.Time) float64 { return ephem.Geocentric(b, t).Sub(ephem.Geocentric(vb, t)).Norm() }
			out = appendBoth(out, vnode, node, from, to, min(r.LinkRate(), v.LinkRate()), r.Name, "", v.Name, rng)
		}
		for j := range stations {
			st := &stations[j]
			sn, err := mission.IPNNode(m.Stations[j].DTNNode)
			if err != nil {
				continue // a station without a bundle node has no relay contacts
			}
			topo := geo.NewTopocentric(st.Location)
			up := func(t time.Time) bool {
				el, az, _ := ephem.Look(b, &topo, t)
				return el >= st.Threshold(az)
			}
			rng := func(t time.Time) float64 { return ephem.EarthFixed(b, t).Sub(topo.Pos).Norm() }
			for _, w := range windows(up, from, to) {
				out = appendBoth(out, sn, node, w[0], w[1], r.LinkRate(), r.Name, st.Name, st.Name, rng)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out, nil
}

// appendBoth adds a contact between a and b in both directions (a to b
// is Up: from the ground's side).
func appendBoth(out []Contact, a, b int, start, end time.Time, rate float64, relay, station, peer string, rng func(time.Time) float64) []Contact {
	var far float64
	for t := start; ; t = t.Add(step) {
		if t.After(end) {
			t = end
		}
		far = max(far, rng(t))
		if !t.Before(end) {
			break
		}
	}
	owlt := time.Duration(math.Ceil(far/geo.SpeedOfLight)) * time.Second
	for k, dir := range [][2]int{{a, b}, {b, a}} {
		out = append(out, Contact{From: dir[0], To: dir[1], Start: start, End: end, RateBits: rate, OWLT: owlt, Relay: relay, Station: station, Peer: peer, Up: k == 0, Range: rng})
	}
	return out
}

// windows are the spans of from-to where up holds, edges to the second.
func windows(up func(time.Time) bool, from, to time.Time) [][2]time.Time {
	var out [][2]time.Time
	var start time.Time
	open := up(from)
	if open {
		start = from
	}
	for t := from; t.Before(to); {
		next := t.Add(step)
		if next.After(to) {
			next = to
		}
		if now := up(next); now != open {
			edge := bisect(up, t, next, open)
			if now {
				start = edge
			} else {
				out = append(out, [2]time.Time{start, edge})
			}
			open = now
		}
		t = next
	}
	if open {
		out = append(out, [2]time.Time{start, to})
	}
	return out
}

// bisect finds to the second where up changes from was between a and b.
func bisect(up func(time.Time) bool, a, b time.Time, was bool) time.Time {
	for b.Sub(a) > time.Second {
		mid := a.Add(b.Sub(a) / 2)
		if up(mid) == was {
			a = mid
		} else {
			b = mid
		}
	}
	return b.Truncate(time.Second)
}
