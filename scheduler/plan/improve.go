package plan

import (
	"sort"
)

// conflict says why c cannot go into the current plan ("" when it can).
func (s *solver) conflict(c *Contact) string {
	cd := &s.p.Candidates[c.Cand]
	prev, next := s.neighbours(c.Cand, c.Start, nil, false)
	if prev != nil && prev.End+s.turn(cd.Station, prev, true, c.Cand, c.Start)-turnMargin > c.Start+timeTol {
		return "station busy with " + s.p.label(prev)
	}
	if next != nil && c.End+s.turn(cd.Station, next, false, c.Cand, c.End)-turnMargin > next.Start+timeTol {
		return "station busy with " + s.p.label(next)
	}
	n := 0
	for _, o := range s.sat[cd.Sat] {
		if o.Start < c.End && c.Start < o.End {
			n++
		}
	}
	if n >= s.k {
		return "satellite already in contact with other stations"
	}
	return ""
}

// meetDemands schedules, for satellites with demands, their most valuable
// candidates until the demand is met, and fixes those contacts.
func (s *solver) meetDemands(order []int) {
	days := s.p.Duration.Hours() / 24
	for sat := range s.p.Sats {
		sv := &s.p.Sats[sat]
		if sv.DemandContacts <= 0 && sv.DemandSeconds <= 0 {
			continue
		}
		needN, needS := sv.DemandContacts*days, sv.DemandSeconds*days
		haveN, haveS := 0.0, 0.0
		for _, c := range s.sat[sat] {
			haveN++
			haveS += c.Len()
		}
		for _, i := range order {
			if haveN >= needN && haveS >= needS {
				break
			}
			if s.p.Candidates[i].Sat != sat || s.of[i] != nil {
				continue
			}
			if sp, ok := s.best(i, nil, false); ok {
				s.add(&Contact{Cand: i, Start: sp.a, End: sp.b})
				s.fixed[i] = true
				haveN++
				haveS += sp.b - sp.a
			}
		}
	}
}

// improve makes one large-neighbourhood move for candidate i: it forces i
// in (see force) and keeps the result only if the objective rose.
func (s *solver) improve(i int) bool {
	obj0 := s.obj
	mark := len(s.log)
	if !s.force(i, 1) {
		s.rollbackTo(mark)
		return false
	}
	if s.obj > obj0+1e-6 {
		return true
	}
	s.rollbackTo(mark)
	return false
}

// force gives candidate i the best window it could have against fixed
// contacts only, removing the movable contacts in the way. With depth > 0
// each displaced satellite may in turn be forced in at another station
// (kept when that step pays). Finally every candidate around the disturbed
// contacts is refilled. It reports false when i could not be placed.
func (s *solver) force(i int, depth int) bool {
	p := s.p
	cd := &p.Candidates[i]
	old := s.of[i]
	target, ok := s.best(i, old, true)
	if !ok || (old != nil && target.b-target.a <= old.Len()+1e-6) {
		return false
	}
	mt := s.maxTurn[cd.Station]
	var inWay []*Contact
	for _, d := range s.st[cd.Station] {
		if d != old && d.End > target.a-mt && d.Start < target.b+mt {
			inWay = append(inWay, d)
		}
	}
	if s.k == 1 {
		for _, d := range s.sat[cd.Sat] {
			if d != old && p.Candidates[d.Cand].Station != cd.Station && d.Start < target.b && target.a < d.End {
				inWay = append(inWay, d)
			}
		}
	}
	for _, d := range inWay {
		if s.fixed[d.Cand] {
			return false
		}
	}
	for _, d := range inWay {
		s.remove(d)
	}
	if old != nil {
		s.remove(old)
	}
	nc := &Contact{Cand: i, Start: target.a, End: target.b}
	if s.conflict(nc) != "" {
		return false
	}
	s.add(nc)
	// what was in the way, and i itself, get back what still fits
	s.refill(append(inWay, nc))
	if depth > 0 {
		// i stays where it is while the chain runs
		wasFixed := s.fixed[i]
		s.fixed[i] = true
		defer func() { s.fixed[i] = wasFixed }()
		// the displaced satellites' other passes, most valuable first
		sort.Slice(inWay, func(a, b int) bool { return p.value(inWay[a]) > p.value(inWay[b]) })
		for _, d := range inWay {
			dc := &p.Candidates[d.Cand]
			for _, j := range s.candSat[dc.Sat] {
				jc := &p.Candidates[j]
				if j == d.Cand || j == i || s.fixed[j] || s.of[j] != nil || jc.Station == cd.Station ||
					jc.End <= d.Start || jc.Start >= d.End || s.candValue(j) < 0.25*p.value(d) {
					continue
				}
				obj1, mark1 := s.obj, len(s.log)
				if !s.force(j, depth-1) || s.obj <= obj1+1e-6 {
					s.rollbackTo(mark1)
				}
			}
		}
	}
	return true
}

// refill gives every candidate near the given contacts (same station
// within a turnaround, same satellite overlapping) its best window if that
// is longer than what it has, most valuable first.
func (s *solver) refill(around []*Contact) {
	p := s.p
	s.gen++
	gen := s.gen
	cands := s.candBuf[:0]
	addRange := func(list, long []int, a, b float64, maxLen float64) {
		s.candidatesIn(list, long, a, b, maxLen, func(k int) {
			if s.seen[k] != gen {
				s.seen[k] = gen
				cands = append(cands, k)
			}
		})
	}
	for _, d := range around {
		dc := &p.Candidates[d.Cand]
		mt := s.maxTurn[dc.Station]
		addRange(s.candSt[dc.Station], s.longSt[dc.Station], d.Start-mt, d.End+mt, s.maxLenSt[dc.Station])
		addRange(s.candSat[dc.Sat], s.longSat[dc.Sat], d.Start, d.End, s.maxLenSat[dc.Sat])
		if s.seen[d.Cand] != gen {
			s.seen[d.Cand] = gen
			cands = append(cands, d.Cand)
		}
	}
	s.candBuf = cands
	sort.Slice(cands, func(a, b int) bool { return s.candValue(cands[a]) > s.candValue(cands[b]) })
	for _, j := range cands {
		if s.fixed[j] {
			continue
		}
		old := s.of[j]
		cd := &p.Candidates[j]
		if old != nil && (old.Len() >= cd.End-cd.Start-1e-6 || cd.End-cd.Start > longCand) {
			continue // whole already, or a long contact: not worth re-examining at every change
		}
		if sp, ok := s.best(j, old, false); ok && (old == nil || sp.b-sp.a > old.Len()+1e-6) {
			if old != nil {
				s.remove(old)
			}
			s.add(&Contact{Cand: j, Start: sp.a, End: sp.b})
		}
	}
}

// candidatesIn calls fn for every candidate of list (sorted by start; its
// long ones also in long) whose window overlaps (a, b).
func (s *solver) candidatesIn(list, long []int, a, b, maxLen float64, fn func(int)) {
	p := s.p
	lo := sort.Search(len(list), func(k int) bool { return p.Candidates[list[k]].Start >= a-maxLen })
	for k := lo; k < len(list); k++ {
		c := &p.Candidates[list[k]]
		if c.Start >= b {
			break
		}
		if c.End > a {
			fn(list[k])
		}
	}
	for _, k := range long {
		c := &p.Candidates[k]
		if c.Start < a-maxLen && c.End > a && c.Start < b {
			fn(k)
		}
	}
}

func (s *solver) candValue(i int) float64 {
	c := &s.p.Candidates[i]
	return s.p.Sats[c.Sat].Weight * (c.End - c.Start)
}
