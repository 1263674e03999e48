package plan

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/ipgs/ipgs/mission"
)

// Locks returns the plan's contacts as a re-plan's lock entries (pinned
// ones stay pinned).
func (pl *Plan) Locks() []LockEntry {
	p := pl.Problem
	var out []LockEntry
	for _, c := range pl.Contacts {
		cd := &p.Candidates[c.Cand]
		out = append(out, LockEntry{Sat: p.Sats[cd.Sat].NORAD, Station: p.Stations[cd.Station].Name,
			Start: p.Time(c.Start), End: p.Time(c.End), Pinned: c.Pinned})
	}
	return out
}

// Replan plans again from `from` to the end of prev's window, as an
// operator does after pinning or unpinning passes: pins go in first and
// never move (a pin on an unscheduled pass forces that pass in, and
// displaces what it overlaps); prev's other contacts are kept where they
// still fit, those under way exactly; the rest of the window is planned
// anew. o is what prev was planned with; its Start, Duration, Lock and
// Out are replaced. prev's contacts pinned but not in pins are unpinned.
//
// A pin that names a satellite or station not in prev's problem, or
// whose interval is empty or reaches outside prev's window, is refused
// with an error that names it (mission.BadInput), and nothing is planned.
func Replan(ctx context.Context, o Options, prev *Plan, pins []LockEntry, from time.Time) (*Plan, error) {
	if err := CheckPins(prev, pins); err != nil {
		return nil, err
	}
	end := prev.Problem.Start.Add(prev.Problem.Duration)
	o.Start, o.Duration = from, end.Sub(from)
	if o.Format == "" || o.Format == "table" {
		o.Format = "json"
	}
	if o.Out == nil {
		o.Out = discard{}
	}
	o.Lock = nil
	for _, pin := range pins {
		pin.Pinned = true
		o.Lock = append(o.Lock, pin)
	}
	for _, l := range prev.Locks() {
		l.Pinned = false
		o.Lock = append(o.Lock, l)
	}
	return Run(ctx, o)
}

type discard struct{}

func (discard) Write(b []byte) (int, error) { return len(b), nil }

// CheckPins refuses pins that prev's window cannot hold: unknown
// satellites or stations, empty intervals, intervals outside the window.
func CheckPins(prev *Plan, pins []LockEntry) error {
	p := prev.Problem
	from, to := p.Start, p.Start.Add(p.Duration)
	sats, sts := map[int]bool{}, map[string]bool{}
	for _, s := range p.Sats {
		sats[s.NORAD] = true
	}
	for _, s := range p.Stations {
		sts[s.Name] = true
	}
	for i, pin := range pins {
		switch {
		case !sats[pin.Sat]:
			return mission.BadInput(fmt.Errorf("pins[%d]: satellite %d is not in the plan", i, pin.Sat))
		case !sts[pin.Station]:
			return mission.BadInput(fmt.Errorf("pins[%d]: station %q is not in the plan", i, pin.Station))
		case !pin.End.After(pin.Start):
			return mission.BadInput(fmt.Errorf("pins[%d]: %s–%s is not an interval", i, pin.Start.Format(time.RFC3339), pin.End.Format(time.RFC3339)))
		case pin.Start.Before(from) || pin.End.After(to):
			return mission.BadInput(fmt.Errorf("pins[%d]: %s–%s reaches outside the plan's window %s–%s", i,
				pin.Start.Format(time.RFC3339), pin.End.Format(time.RFC3339), from.Format(time.RFC3339), to.Format(time.RFC3339)))
		}
	}
	return nil
}

// Apply is the plan whose contacts are entries, on base's problem: how a
// station works a plan the network's planner made (a version of it, as
// its lock entries) without planning anything itself. Entries that match
// no pass of the problem are left out, each with a note.
func Apply(base *Plan, entries []LockEntry) (*Plan, []string) {
	p := base.Problem
	locks, notes := p.resolveLocks(entries)
	pl := &Plan{Problem: p, Relays: base.Relays}
	for _, l := range locks {
		c := Contact{Cand: l.Cand, Start: l.Start, End: l.End, Pinned: l.Pinned, Started: l.Started}
		pl.Contacts = append(pl.Contacts, c)
		pl.Objective += p.value(&c)
	}
	sort.SliceStable(pl.Contacts, func(i, j int) bool {
		a, b := &pl.Contacts[i], &pl.Contacts[j]
		if a.Start != b.Start {
			return a.Start < b.Start
		}
		return p.Candidates[a.Cand].Station < p.Candidates[b.Cand].Station
	})
	return pl, notes
}
