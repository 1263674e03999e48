package desktop

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ipgs/ipgs/gui"
	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/mission/geo"
	"github.com/ipgs/ipgs/pqlink/gov"
	"github.com/ipgs/ipgs/sim"
	"github.com/ipgs/ipgs/uplink/dtn"
	"github.com/ipgs/ipgs/uplink/ground"
)

// lastErrors keeps each station's last radio error.
type lastErrors struct {
	mu sync.Mutex
	m  map[string]string
}

func (l *lastErrors) set(st, err string) {
	l.mu.Lock()
	l.m[st] = err
	l.mu.Unlock()
}

func (l *lastErrors) get() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for st, e := range l.m {
		out = append(out, st+" radio: "+e)
	}
	sort.Strings(out)
	return out
}

// radiosOf is every station's radio at now: the pass in progress or the
// next one, the pointing, and the frequencies with the Doppler applied.
// In-process the link is the emulator's and there is no rotator.
func radiosOf(now time.Time, m *gui.Model, ps propagators, ms *mission.Mission) []gui.RadioState {
	passes := m.Passes()
	var out []gui.RadioState
	for i, st := range ms.Stations {
		r := gui.RadioState{Station: st.Name, TNC: "in-process"}
		for _, p := range passes {
			if p.Station != st.Name || !p.End.After(now) {
				continue
			}
			r.Sat, r.AOS, r.LOS, r.InPass = p.Name, p.Start, p.End, !now.Before(p.Start)
			var sc *mission.SatelliteConfig
			for j := range ms.Satellites {
				if ms.Satellites[j].NORAD == p.Sat {
					sc = &ms.Satellites[j]
				}
			}
			prop := ps[p.Sat]
			if prop == nil || sc == nil {
				break
			}
			at := now
			if !r.InPass {
				at = p.Start // where to wait for it
			}
			rr, v, err := prop.At(at)
			if err != nil {
				break
			}
			re, ve := geo.TEMEToECEF(at, rr, v)
			topo := geo.NewTopocentric(ms.PassStations()[i].Location)
			l := topo.Look(re, ve)
			r.TargetAz, r.TargetEl, r.RangeKm, r.RangeRate = l.AzDeg, l.ElDeg, l.RangeKm, l.RangeRate
			r.DownHz, r.UpHz = sc.DownlinkHz, sc.UplinkHz
			if r.DownHz > 0 {
				r.DownTunedHz = geo.DownlinkHz(r.DownHz, l.RangeRate)
			}
			if r.UpHz > 0 {
				r.UpTunedHz = geo.UplinkHz(r.UpHz, l.RangeRate)
			}
			if r.InPass {
				r.FramesRx, r.Packets = m.ProgressOf(st.Name)
			}
			break
		}
		out = append(out, r)
	}
	return out
}

// problemsOf is what needs the operator's eye: element sets older than
// the catalogue's stale_days at now, and radio errors.
func problemsOf(now time.Time, o Options, radio []string) []string {
	stale := 3.0
	if o.Mission.Catalog.StaleDays != nil {
		stale = *o.Mission.Catalog.StaleDays
	}
	var old []string
	for _, e := range o.Elements {
		if age := now.Sub(e.Epoch).Hours() / 24; age > stale {
			old = append(old, fmt.Sprintf("%d (%.1f d)", e.CatalogNumber, age))
		}
	}
	var out []string
	if len(old) > 0 {
		out = append(out, fmt.Sprintf("TLE older than %.0f days: %s", stale, strings.Join(old, ", ")))
	}
	return append(out, radio...)
}

// bundlesOf lists every node's bundles with their state and route.
func bundlesOf(now time.Time, nodes map[string]*dtn.Node) []gui.BundleRow {
	var names []string
	for n := range nodes {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []gui.BundleRow
	for _, name := range names {
		out = append(out, guiRows(nodes[name].Rows(name, now))...)
	}
	return out
}

// guiRows are a node's bundle rows as the Bundles tab shows them.
func guiRows(rows []dtn.Row) []gui.BundleRow {
	var out []gui.BundleRow
	for _, r := range rows {
		out = append(out, gui.BundleRow{Node: r.Node, ID: r.ID, Src: r.Src, Dst: r.Dst, Bytes: r.Bytes, State: r.State, Route: r.Route, Expiry: r.Expiry})
	}
	return out
}

// proposalsOf is the vote's proposal as each station tallies it.
func proposalsOf(now time.Time, v *sim.Vote, ms *mission.Mission) []gui.ProposalRow {
	var out []gui.ProposalRow
	for _, st := range ms.Stations {
		if t, err := v.Tally(st.Name); err == nil {
			out = append(out, proposalRow(now, st.Name, t))
		}
	}
	return out
}

// ledgerProposals are the proposals in each station's ledger (its
// inbox under the data folder, as ipgs station run keeps it), tallied.
func ledgerProposals(now time.Time, ms *mission.Mission, data string, auth gov.Authority) []gui.ProposalRow {
	var out []gui.ProposalRow
	for _, st := range ms.Stations {
		raws, _, err := dtn.ReadFolder(ground.InboxDir(data, st.Name))
		if err != nil || len(raws) == 0 {
			continue
		}
		l := gov.Read(raws, auth)
		var ids []string
		for id := range l.Proposals {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			if t, err := l.Tally(id); err == nil {
				out = append(out, proposalRow(now, st.Name, t))
			}
		}
	}
	return out
}

func proposalRow(now time.Time, station string, t *gov.Tally) gui.ProposalRow {
	row := gui.ProposalRow{ID: t.Proposal, Title: t.Title + " (at " + station + ")", Kind: "proposal", Closes: t.Closes}
	if i := slices.Index(t.Options, "yes"); i >= 0 {
		row.Yes = t.Counts[i]
	}
	if i := slices.Index(t.Options, "no"); i >= 0 {
		row.No = t.Counts[i]
	}
	row.Abstain = int(math.Max(0, float64(t.Roll-len(t.Counted))))
	switch {
	case now.Before(t.Closes):
		row.Result = fmt.Sprintf("open, %d of %d", len(t.Counted), t.Roll)
	case row.Yes > row.No:
		row.Result = "adopted"
	default:
		row.Result = "rejected"
	}
	return row
}
