package dtn

import (
	"fmt"
	"strings"
	"time"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/scheduler/plan"
	"github.com/ipgs/ipgs/uplink/cgr"
)

// MissionContacts are the routers' contact plan for pl: each pass's link
// window at its link's rate, weighed by the share of frames the mission's
// link budget lets through, and the terrestrial links between the named stations for
// the whole span from-to. Every bundle node of a mission routes on it:
// the stations' and, in the emulator, the drones'.
func MissionContacts(m *mission.Mission, pl *plan.Plan, terrestrial [][2]string, from, to time.Time) ([]cgr.Contact, error) {
	num := map[string]uint64{}
	for _, st := range m.Stations {
		if n, err := mission.IPNNode(st.DTNNode); err == nil {
			num[st.Name] = uint64(n)
		}
	}
	var terr [][2]uint64
	for _, t := range terrestrial {
		if num[t[0]] == 0 || num[t[1]] == 0 {
			return nil, fmt.Errorf("terrestrial link %s-%s: both stations need a dtn_node", t[0], t[1])
		}
		terr = append(terr, [2]uint64{num[t[0]], num[t[1]]})
	}
	// the ground links to bundle agents outside the mission
	for _, st := range m.Stations {
		for _, p := range st.DTNPeers {
			if num[st.Name] != 0 && p.PeerNumber() > 0 {
				terr = append(terr, [2]uint64{num[st.Name], uint64(p.PeerNumber())})
			}
		}
	}
	type key struct {
		sat     int
		station string
	}
	budgets := map[key][2]mission.LinkBudget{}
	for i := range m.Satellites {
		sc := &m.Satellites[i]
		for j := range m.Stations {
			st := &m.Stations[j]
			d, u := mission.Budgets(sc, st)
			budgets[key{sc.NORAD, st.Name}] = [2]mission.LinkBudget{d, u}
		}
	}
	// a pass carries bundles only in its link window, where the station
	// opens the session (station.LinkWindows): both directions are cut to
	// it, and a pass without one carries none
	var cs []plan.DTNContact
	for _, c := range pl.DTNContacts() {
		if c.Relay != "" { // a deep-space relay's: its whole span
			cs = append(cs, c)
			continue
		}
		s, e, ok := mission.LinkWindow(budgets[key{c.NORAD, c.Station}][0], c.Range, c.Start, c.End, mission.FrameBits, mission.MaxLinkFER)
		if !ok {
			continue
		}
		c.Start, c.End = s, e
		cs = append(cs, c)
	}
	return PassContacts(cs, terr, from, to, func(c *plan.DTNContact) float64 {
		if c.Relay != "" {
			return 1 // its link is sized for it: LTP recovers what is lost
		}
		b := budgets[key{c.NORAD, c.Station}]
		d := b[0]
		if c.Up {
			d = b[1]
		}
		return mission.FrameSuccess(d, c.Range, c.Start, c.End, mission.FrameBits)
	}), nil
}

// MissionNames are the node numbers the mission's routers know its
// dtn-scheme peers by (node id to number): see bstore.Options.Names.
func MissionNames(m *mission.Mission) map[string]uint64 {
	out := map[string]uint64{}
	for _, st := range m.Stations {
		self, _ := mission.IPNNode(st.DTNNode)
		for _, p := range st.DTNPeers {
			if n := p.PeerNumber(); n > 0 {
				out[p.Node] = uint64(n)
			}
			if strings.HasPrefix(p.As, "dtn://") && self > 0 {
				out[p.As] = uint64(self) // the station, by the name it gives that peer
			}
		}
	}
	return out
}
