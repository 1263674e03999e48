package plan

import (
	"context"
	"time"
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
func Replan(ctx context.Context, o Options, prev *Plan, pins []LockEntry, from time.Time) (*Plan, error) {
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
