package plan

import (
	"fmt"
	"sort"
	"strings"
)

// explain fills in why each candidate is unscheduled or trimmed.
func (s *solver) explain(pl *Plan, dropped []Unscheduled) {
	p := s.p
	for _, d := range p.Dropped {
		pl.Unscheduled = append(pl.Unscheduled, Unscheduled{Cand: -1, Sat: d.Sat, Stn: d.Station, AOS: d.AOS, LOS: d.LOS, Reason: d.Reason})
	}
	droppedLock := map[int]string{}
	for _, d := range dropped {
		droppedLock[d.Cand] = d.Reason
	}
	for i := range pl.Contacts {
		c := &pl.Contacts[i]
		cd := &p.Candidates[c.Cand]
		switch {
		case c.Pinned:
			c.Reason = "pinned by an operator"
		case c.Started:
			c.Reason = "in progress at the plan start"
		case c.Len() < cd.End-cd.Start-1:
			c.Reason = fmt.Sprintf("trimmed from %s-%s: %s", clock(p, cd.Start), clock(p, cd.End), s.rivals(c.Cand))
			if cd.Cut != "" {
				c.Reason += "; " + cd.Cut
			}
		case cd.Cut != "":
			c.Reason = cd.Cut
		}
		if ro := p.Stations[cd.Station].ReceiveOnly[p.Sats[cd.Sat].NORAD]; ro != "" {
			c.Reason = strings.TrimPrefix(c.Reason+"; "+ro, "; ")
		}
	}
	for i := range p.Candidates {
		if s.of[i] != nil {
			continue
		}
		cd := &p.Candidates[i]
		u := Unscheduled{Cand: i, Sat: cd.Sat, Stn: cd.Station, AOS: cd.AOS, LOS: cd.LOS}
		switch {
		case droppedLock[i] != "":
			u.Reason = droppedLock[i]
		case cd.End-cd.Start < s.minC:
			u.Reason = fmt.Sprintf("usable window %.0f s is shorter than the minimum contact %.0f s", cd.End-cd.Start, s.minC)
			if cd.Cut != "" {
				u.Reason += " (" + cd.Cut + ")"
			}
		default:
			u.Reason = s.rivals(i)
		}
		pl.Unscheduled = append(pl.Unscheduled, u)
	}
	sort.SliceStable(pl.Unscheduled, func(a, b int) bool {
		x, y := &pl.Unscheduled[a], &pl.Unscheduled[b]
		if x.Sat != y.Sat {
			return p.Sats[x.Sat].NORAD < p.Sats[y.Sat].NORAD
		}
		if x.Stn != y.Stn {
			return x.Stn < y.Stn
		}
		return x.AOS < y.AOS
	})
}

func clock(p *Problem, t float64) string { return p.Time(t).Format("15:04:05") }

// rivals names the contacts that hold the time candidate i wanted.
func (s *solver) rivals(i int) string {
	p := s.p
	cd := &p.Candidates[i]
	w := p.Sats[cd.Sat].Weight
	mt := s.maxTurn[cd.Station]
	var parts []string
	describe := func(d *Contact, why string) {
		dc := &p.Candidates[d.Cand]
		dw := p.Sats[dc.Sat].Weight
		tag := ""
		switch {
		case d.Pinned:
			tag = ", pinned"
		case d.Started:
			tag = ", in progress"
		case d.Kept:
			tag = ", kept from the previous plan"
		case s.fixed[d.Cand]:
			tag = ", demand"
		}
		parts = append(parts, fmt.Sprintf("%s %s (weight %g × %.0f s = %.0f%s)", why, p.label(d), dw, d.Len(), dw*d.Len(), tag))
	}
	for _, d := range s.st[cd.Station] {
		if d.Cand != i && d.End > cd.Start-mt && d.Start < cd.End+mt {
			describe(d, "station busy with")
		}
	}
	for _, d := range s.sat[cd.Sat] {
		if d.Cand != i && p.Candidates[d.Cand].Station != cd.Station && d.Start < cd.End && cd.Start < d.End {
			describe(d, "satellite served by")
		}
	}
	if len(parts) == 0 {
		return fmt.Sprintf("no gap of %.0f s left after turnarounds", s.minC)
	}
	return fmt.Sprintf("lost to %s; this pass is worth weight %g × %.0f s = %.0f",
		strings.Join(parts, "; "), w, cd.End-cd.Start, w*(cd.End-cd.Start))
}
