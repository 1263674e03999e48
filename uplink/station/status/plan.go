package status

import "github.com/ipgs/ipgs/scheduler/plan"

// PlanOf is a plan's contacts and the passes it left out (with the
// reason), at the problem's station index station, or at every station
// when station < 0.
func PlanOf(pl *plan.Plan, station int) (contacts, left []Pass) {
	p := pl.Problem
	for _, c := range pl.Contacts {
		cd := &p.Candidates[c.Cand]
		if station < 0 || cd.Station == station {
			contacts = append(contacts, Pass{Sat: p.Sats[cd.Sat].NORAD, Name: p.Sats[cd.Sat].Name, Station: p.Stations[cd.Station].Name,
				Start: p.Time(c.Start), End: p.Time(c.End), MaxEl: cd.MaxElDeg, Pinned: c.Pinned})
		}
	}
	for _, u := range pl.Unscheduled {
		if station >= 0 && u.Stn != station {
			continue
		}
		lp := Pass{Sat: p.Sats[u.Sat].NORAD, Name: p.Sats[u.Sat].Name, Station: p.Stations[u.Stn].Name, Start: p.Time(u.AOS), End: p.Time(u.LOS), Reason: u.Reason}
		if u.Cand >= 0 {
			cd := &p.Candidates[u.Cand]
			lp.Start, lp.End, lp.MaxEl = p.Time(cd.Start), p.Time(cd.End), cd.MaxElDeg
		}
		left = append(left, lp)
	}
	return contacts, left
}
