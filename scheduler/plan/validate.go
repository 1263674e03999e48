package plan

import (
	"fmt"
	"sort"
)

// timeTol absorbs millisecond rounding of written plans.
const timeTol = 0.002

// Validate checks every constraint of the problem on a set of contacts and
// returns one error per violation (nil when the plan is valid). It is the
// definition the optimiser is held to: the CLI runs it on every plan it
// writes, and the tests on every plan they make.
func Validate(p *Problem, contacts []Contact) []error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	used := map[int]bool{}
	minC := p.minContact()
	for i := range contacts {
		c := &contacts[i]
		if c.Cand < 0 || c.Cand >= len(p.Candidates) {
			bad("contact %d: no candidate %d", i, c.Cand)
			continue
		}
		cd := &p.Candidates[c.Cand]
		if used[c.Cand] {
			bad("contact %d: candidate %d scheduled twice", i, c.Cand)
		}
		used[c.Cand] = true
		fixed := c.Pinned || c.Started
		if !fixed && (c.Start < cd.Start-timeTol || c.End > cd.End+timeTol) {
			bad("%s: [%.3f, %.3f] is outside its window [%.3f, %.3f]", p.label(c), c.Start, c.End, cd.Start, cd.End)
		}
		if !fixed && c.Len() < minC-timeTol {
			bad("%s: %.3f s is shorter than the minimum contact %.0f s", p.label(c), c.Len(), minC)
		}
		if c.End <= c.Start {
			bad("%s: ends before it starts", p.label(c))
		}
	}
	// stations: one satellite at a time, with turnaround between contacts
	bySt := map[int][]*Contact{}
	bySat := map[int][]*Contact{}
	for i := range contacts {
		c := &contacts[i]
		if c.Cand < 0 || c.Cand >= len(p.Candidates) {
			continue
		}
		cd := &p.Candidates[c.Cand]
		bySt[cd.Station] = append(bySt[cd.Station], c)
		bySat[cd.Sat] = append(bySat[cd.Sat], c)
	}
	for st, cs := range bySt {
		sort.Slice(cs, func(i, j int) bool { return cs[i].Start < cs[j].Start })
		for i := 1; i < len(cs); i++ {
			a, b := cs[i-1], cs[i]
			need := p.Stations[st].turnaround(p.pointing(a.Cand, a.End), p.pointing(b.Cand, b.Start))
			if b.Start < a.End+need-timeTol {
				bad("station %s: %s starts %.3f s after %s ends, turnaround needs %.3f s",
					p.Stations[st].Name, p.label(b), b.Start-a.End, p.label(a), need)
			}
		}
	}
	// satellites: at most MaxStationsPerSat stations at once
	k := p.capacity()
	for sat, cs := range bySat {
		type ev struct {
			t float64
			d int
		}
		var evs []ev
		for _, c := range cs {
			evs = append(evs, ev{c.Start + timeTol, 1}, ev{c.End - timeTol, -1})
		}
		sort.Slice(evs, func(i, j int) bool {
			if evs[i].t != evs[j].t {
				return evs[i].t < evs[j].t
			}
			return evs[i].d < evs[j].d
		})
		n := 0
		for _, e := range evs {
			n += e.d
			if n > k {
				bad("satellite %d: %d stations at once at %.3f s (at most %d)", p.Sats[sat].NORAD, n, e.t, k)
				break
			}
		}
	}
	return errs
}

func (p *Problem) label(c *Contact) string {
	cd := &p.Candidates[c.Cand]
	return fmt.Sprintf("%d@%s [%s-%s]", p.Sats[cd.Sat].NORAD, p.Stations[cd.Station].Name,
		p.Time(c.Start).Format("01-02T15:04:05"), p.Time(c.End).Format("15:04:05"))
}
