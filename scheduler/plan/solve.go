package plan

import (
	"fmt"
	"math"
	"sort"
	"time"
)

// turnMargin is added to every turnaround the solver plans, so that plans
// rounded to the millisecond still validate.
const turnMargin = 0.01

// longCand separates long candidates (GEO, MEO) from the many short ones.
const longCand = 7200.0

// Lock is a contact carried into a re-plan.
type Lock struct {
	Cand       int
	Start, End float64
	Pinned     bool
	Started    bool
}

// Options tune Solve.
type SolveOptions struct {
	Locks    []Lock
	Deadline time.Duration // local search stops after this (0: 0.25 s + 50 µs per candidate)
	// WholeOnly schedules whole candidate windows only, never trimming:
	// the model of the MILP reference, for measuring the optimiser.
	WholeOnly bool
	// Iterations of ruin and recreate (0: 2 per candidate, at most 20,000).
	Iterations int
}

func (o *SolveOptions) searchIterations(n int) int {
	if o.Iterations > 0 {
		return o.Iterations
	}
	return min(2*n, 20000)
}

// Solve builds a contact plan. Locked contacts go in first and never
// move (pinned, started) or stay as they were (kept: contacts of the
// previous plan that still fit). Satellites with demands get their
// contacts next, then every candidate in order of value, then rounds of
// local improvement: a candidate is forced in when what it adds exceeds
// what the contacts it trims or displaces lose.
func Solve(p *Problem, o SolveOptions) *Plan {
	begin := time.Now()
	d := o.Deadline
	if d <= 0 {
		// the whole solve gets time in proportion to the problem
		d = 250*time.Millisecond + time.Duration(len(p.Candidates))*50*time.Microsecond
	}
	p.precomputeTracks()
	s := newSolver(p)
	s.whole = o.WholeOnly
	s.deadline = begin.Add(d)
	s.trace("start")
	var dropped []Unscheduled

	// 1. locks
	for _, l := range o.Locks {
		c := &Contact{Cand: l.Cand, Start: l.Start, End: l.End, Pinned: l.Pinned, Started: l.Started, Kept: !l.Pinned && !l.Started}
		if s.of[l.Cand] != nil {
			continue
		}
		if !c.Pinned && !c.Started {
			// kept contacts must still fit their (possibly changed) window
			cd := &p.Candidates[l.Cand]
			c.Start, c.End = math.Max(c.Start, cd.Start), math.Min(c.End, cd.End)
		}
		why := ""
		if !c.Pinned && !c.Started && c.Len() < s.minC {
			cd := &p.Candidates[l.Cand]
			why = fmt.Sprintf("its pass now leaves only %.0f s (minimum %.0f s)", math.Max(0, c.Len()), s.minC)
			if cd.Cut != "" {
				why += ", " + cd.Cut
			}
		} else {
			why = s.conflict(c)
		}
		if why != "" {
			cd := &p.Candidates[l.Cand]
			dropped = append(dropped, Unscheduled{Cand: l.Cand, Sat: cd.Sat, Stn: cd.Station, AOS: cd.AOS, LOS: cd.LOS,
				Reason: "previous contact no longer fits: " + why})
			continue
		}
		s.fixed[l.Cand] = true
		s.add(c)
		s.commit()
	}

	// 2. demands
	order := make([]int, len(p.Candidates))
	for i := range order {
		order[i] = i
	}
	val := func(i int) float64 {
		c := &p.Candidates[i]
		return p.Sats[c.Sat].Weight * (c.End - c.Start)
	}
	sort.SliceStable(order, func(a, b int) bool { return val(order[a]) > val(order[b]) })
	s.meetDemands(order)

	// 3. greedy by value
	for _, i := range order {
		if s.of[i] != nil {
			continue
		}
		if sp, ok := s.best(i, nil, false); ok {
			s.add(&Contact{Cand: i, Start: sp.a, End: sp.b})
		}
	}

	s.commit()
	s.trace("greedy")
	// 4. local improvement
	for round := 0; round < 8 && time.Now().Before(s.deadline); round++ {
		gained := false
		for _, i := range order {
			if time.Now().After(s.deadline) {
				break
			}
			if s.fixed[i] {
				continue
			}
			cd := &p.Candidates[i]
			if c := s.of[i]; c != nil && c.End-c.Start >= cd.End-cd.Start-1e-6 {
				continue // already whole
			}
			if s.improve(i) {
				gained = true
			}
			s.commit()
		}
		s.trace("improve")
		for st := range p.Stations {
			if time.Now().After(s.deadline) {
				break
			}
			if s.stationDP(st, math.Inf(-1), math.Inf(1)) {
				gained = true
			}
			s.commit()
		}
		s.trace("station DP")
		// refill: extend trimmed contacts and place the displaced
		for _, i := range order {
			if s.fixed[i] {
				continue
			}
			old := s.of[i]
			if sp, ok := s.best(i, old, false); ok && (old == nil || sp.b-sp.a > old.Len()+1e-6) {
				if old != nil {
					s.remove(old)
				}
				s.add(&Contact{Cand: i, Start: sp.a, End: sp.b})
				gained = true
			}
		}
		s.commit()
		if !gained {
			break
		}
	}

	// 5. ruin and recreate, then a last exact pass per station
	s.search(o.searchIterations(len(p.Candidates)))
	s.trace("ruin and recreate")
	for st := range p.Stations {
		s.stationDP(st, math.Inf(-1), math.Inf(1))
		s.commit()
	}
	s.trace("final DP")

	pl := &Plan{Problem: p}
	for _, c := range s.of {
		if c != nil {
			pl.Contacts = append(pl.Contacts, *c)
			pl.Objective += p.value(c)
		}
	}
	sort.Slice(pl.Contacts, func(i, j int) bool {
		a, b := &pl.Contacts[i], &pl.Contacts[j]
		if a.Start != b.Start {
			return a.Start < b.Start
		}
		return p.Candidates[a.Cand].Station < p.Candidates[b.Cand].Station
	})
	s.explain(pl, dropped)
	return pl
}
