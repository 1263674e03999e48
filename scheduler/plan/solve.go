package plan

import (
	"math"
	"sort"
	"time"
)

// turnMargin is added to every turnaround the solver plans, so that plans
// rounded to the millisecond still validate.
const turnMargin = 0.01

// solver holds a plan under construction: per-station and per-satellite
// timelines of contacts sorted by start.
type solver struct {
	p        *Problem
	minC     float64
	k        int
	maxTurn  []float64    // per station: the largest possible turnaround
	st       [][]*Contact // per station
	sat      [][]*Contact // per satellite
	of       []*Contact   // per candidate: its contact, or nil
	fixed    []bool       // per candidate: its contact may not change
	deadline time.Time
	whole    bool // contacts are whole candidate windows (the MILP's model)

	obj     float64 // objective of the contacts in the timelines
	log     []op    // changes since the last commit, for rollback
	candSt  [][]int // per station: candidates sorted by start
	candSat [][]int // per satellite: candidates sorted by start
	// longest candidate per station and satellite, to bound range scans
	maxLenSt, maxLenSat []float64
}

// op is one change to the timelines.
type op struct {
	add bool
	c   *Contact
}

func newSolver(p *Problem) *solver {
	s := &solver{
		p: p, minC: p.minContact(), k: p.capacity(),
		maxTurn: make([]float64, len(p.Stations)),
		st:      make([][]*Contact, len(p.Stations)),
		sat:     make([][]*Contact, len(p.Sats)),
		of:      make([]*Contact, len(p.Candidates)),
		fixed:   make([]bool, len(p.Candidates)),
	}
	for i := range p.Stations {
		s.maxTurn[i] = p.Stations[i].turnaround(Pointing{0, 0}, Pointing{180, 90}) + turnMargin
	}
	s.candSt = make([][]int, len(p.Stations))
	s.candSat = make([][]int, len(p.Sats))
	s.maxLenSt = make([]float64, len(p.Stations))
	s.maxLenSat = make([]float64, len(p.Sats))
	for i := range p.Candidates {
		c := &p.Candidates[i]
		s.candSt[c.Station] = append(s.candSt[c.Station], i)
		s.candSat[c.Sat] = append(s.candSat[c.Sat], i)
		s.maxLenSt[c.Station] = math.Max(s.maxLenSt[c.Station], c.End-c.Start)
		s.maxLenSat[c.Sat] = math.Max(s.maxLenSat[c.Sat], c.End-c.Start)
	}
	byStart := func(list []int) {
		sort.Slice(list, func(a, b int) bool { return p.Candidates[list[a]].Start < p.Candidates[list[b]].Start })
	}
	for _, l := range s.candSt {
		byStart(l)
	}
	for _, l := range s.candSat {
		byStart(l)
	}
	return s
}

func insertSorted(list []*Contact, c *Contact) []*Contact {
	i := sort.Search(len(list), func(i int) bool { return list[i].Start > c.Start })
	list = append(list, nil)
	copy(list[i+1:], list[i:])
	list[i] = c
	return list
}

func removeFrom(list []*Contact, c *Contact) []*Contact {
	for i, x := range list {
		if x == c {
			return append(list[:i], list[i+1:]...)
		}
	}
	return list
}

func (s *solver) add(c *Contact) {
	cd := &s.p.Candidates[c.Cand]
	s.st[cd.Station] = insertSorted(s.st[cd.Station], c)
	s.sat[cd.Sat] = insertSorted(s.sat[cd.Sat], c)
	s.of[c.Cand] = c
	s.obj += s.p.value(c)
	s.log = append(s.log, op{true, c})
}

func (s *solver) remove(c *Contact) {
	cd := &s.p.Candidates[c.Cand]
	s.st[cd.Station] = removeFrom(s.st[cd.Station], c)
	s.sat[cd.Sat] = removeFrom(s.sat[cd.Sat], c)
	if s.of[c.Cand] == c {
		s.of[c.Cand] = nil
	}
	s.obj -= s.p.value(c)
	s.log = append(s.log, op{false, c})
}

// commit forgets the changes made so far; rollback undoes them.
func (s *solver) commit() { s.log = s.log[:0] }

// rollbackTo undoes the changes logged after mark.
func (s *solver) rollbackTo(mark int) {
	undo := append([]op(nil), s.log[mark:]...)
	for i := len(undo) - 1; i >= 0; i-- {
		if undo[i].add {
			s.remove(undo[i].c)
		} else {
			s.add(undo[i].c)
		}
	}
	s.log = s.log[:mark]
}

func (s *solver) turn(st int, a *Contact, aEnd bool, bCand int, bt float64) float64 {
	t := a.Start
	if aEnd {
		t = a.End
	}
	return s.p.Stations[st].turnaround(s.p.pointing(a.Cand, t), s.p.pointing(bCand, bt)) + turnMargin
}

// earliestAfter is the earliest start ≥ lo for candidate cand after prev
// ends at the same station.
func (s *solver) earliestAfter(prev *Contact, cand int, lo float64) float64 {
	st := s.p.Candidates[cand].Station
	pe := s.p.pointing(prev.Cand, prev.End)
	sn := &s.p.Stations[st]
	t := math.Max(lo, prev.End+sn.SettleS+turnMargin)
	for range 12 {
		need := prev.End + sn.turnaround(pe, s.p.pointing(cand, t)) + turnMargin
		if t >= need {
			return t
		}
		t = need
	}
	return math.Inf(1)
}

// latestBefore is the latest end ≤ hi for candidate cand before next
// starts at the same station.
func (s *solver) latestBefore(next *Contact, cand int, hi float64) float64 {
	st := s.p.Candidates[cand].Station
	ns := s.p.pointing(next.Cand, next.Start)
	sn := &s.p.Stations[st]
	t := math.Min(hi, next.Start-sn.SettleS-turnMargin)
	for range 12 {
		need := next.Start - sn.turnaround(s.p.pointing(cand, t), ns) - turnMargin
		if t <= need {
			return t
		}
		t = need
	}
	return math.Inf(-1)
}

type span struct{ a, b float64 }

// stationFree returns the windows within [lo, hi] where cand fits at its
// station, given the contacts there (skip is ignored; onlyFixed ignores
// contacts that may move).
func (s *solver) stationFree(cand int, lo, hi float64, skip *Contact, onlyFixed bool) []span {
	cd := &s.p.Candidates[cand]
	list := s.st[cd.Station]
	mt := s.maxTurn[cd.Station]
	i := sort.Search(len(list), func(i int) bool { return list[i].Start > lo-mt-86400 })
	// walk contacts that can touch [lo-mt, hi+mt]
	var prev *Contact
	var out []span
	emit := func(next *Contact) {
		a, b := lo, hi
		if prev != nil {
			a = s.earliestAfter(prev, cand, a)
		}
		if next != nil {
			b = s.latestBefore(next, cand, b)
		}
		if b-a >= s.minC {
			out = append(out, span{a, b})
		}
	}
	for ; i < len(list); i++ {
		c := list[i]
		if c == skip || (onlyFixed && !s.fixed[c.Cand]) {
			continue
		}
		if c.End <= lo-mt {
			prev = c
			continue
		}
		if c.Start >= hi+mt {
			break
		}
		emit(c)
		prev = c
	}
	var next *Contact
	for ; i < len(list); i++ {
		c := list[i]
		if c == skip || (onlyFixed && !s.fixed[c.Cand]) {
			continue
		}
		next = c
		break
	}
	if next != nil && next.Start >= hi+mt {
		next = nil
	}
	emit(next)
	return out
}

// satFree returns the parts of [lo, hi] where the satellite has fewer than
// k contacts.
func (s *solver) satFree(cand int, lo, hi float64, skip *Contact, onlyFixed bool) []span {
	cd := &s.p.Candidates[cand]
	type ev struct {
		t float64
		d int
	}
	var evs []ev
	for _, c := range s.sat[cd.Sat] {
		if c == skip || (onlyFixed && !s.fixed[c.Cand]) || c.End <= lo || c.Start >= hi {
			continue
		}
		evs = append(evs, ev{c.Start, 1}, ev{c.End, -1})
	}
	if len(evs) == 0 {
		return []span{{lo, hi}}
	}
	sort.Slice(evs, func(i, j int) bool {
		if evs[i].t != evs[j].t {
			return evs[i].t < evs[j].t
		}
		return evs[i].d < evs[j].d
	})
	var out []span
	n := 0
	cur := lo
	for _, e := range evs {
		if n < s.k && e.t > cur {
			out = append(out, span{cur, math.Min(e.t, hi)})
		}
		n += e.d
		cur = math.Max(cur, e.t)
	}
	if n < s.k && cur < hi {
		out = append(out, span{cur, hi})
	}
	return out
}

// best returns the longest feasible sub-window for cand (skip: its own
// current contact), or ok=false.
func (s *solver) best(cand int, skip *Contact, onlyFixed bool) (span, bool) {
	cd := &s.p.Candidates[cand]
	if cd.End-cd.Start < s.minC {
		return span{}, false
	}
	var bestSp span
	found := false
	for _, a := range s.stationFree(cand, cd.Start, cd.End, skip, onlyFixed) {
		for _, b := range s.satFree(cand, a.a, a.b, skip, onlyFixed) {
			lo, hi := math.Max(a.a, b.a), math.Min(a.b, b.b)
			if s.whole && (lo > cd.Start+1e-9 || hi < cd.End-1e-9) {
				continue
			}
			if hi-lo >= s.minC && (!found || hi-lo > bestSp.b-bestSp.a) {
				// a start pushed later by the satellite may need a longer
				// turnaround: re-check the exact placement
				if sp, ok := s.fit(cand, lo, hi, skip, onlyFixed); ok && sp.b-sp.a >= s.minC && (!found || sp.b-sp.a > bestSp.b-bestSp.a) &&
					(!s.whole || (sp.a <= cd.Start+1e-9 && sp.b >= cd.End-1e-9)) {
					bestSp, found = sp, true
				}
			}
		}
	}
	return bestSp, found
}

// fit shrinks [a, b] until cand fits there against its station neighbours.
func (s *solver) fit(cand int, a, b float64, skip *Contact, onlyFixed bool) (span, bool) {
	for range 8 {
		if b-a < s.minC {
			return span{}, false
		}
		prev, next := s.neighbours(cand, a, skip, onlyFixed)
		na, nb := a, b
		if prev != nil {
			na = s.earliestAfter(prev, cand, a)
		}
		if next != nil {
			nb = s.latestBefore(next, cand, b)
		}
		if na == a && nb == b {
			return span{a, b}, true
		}
		a, b = na, nb
	}
	return span{}, false
}

// neighbours returns the station contacts just before and after a start
// at a (the station's contacts never overlap); onlyFixed looks at fixed
// contacts only.
func (s *solver) neighbours(cand int, a float64, skip *Contact, onlyFixed bool) (prev, next *Contact) {
	list := s.st[s.p.Candidates[cand].Station]
	use := func(c *Contact) bool { return c != skip && (!onlyFixed || s.fixed[c.Cand]) }
	i := sort.Search(len(list), func(i int) bool { return list[i].Start > a })
	for j := i - 1; j >= 0; j-- {
		if use(list[j]) {
			prev = list[j]
			break
		}
	}
	for j := i; j < len(list); j++ {
		if use(list[j]) {
			next = list[j]
			break
		}
	}
	return prev, next
}

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
	Deadline time.Duration // improvement stops after this (0: 20 s)
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
	s := newSolver(p)
	s.whole = o.WholeOnly
	d := o.Deadline
	if d <= 0 {
		d = 20 * time.Second
	}
	s.deadline = time.Now().Add(d)
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
		if why := s.conflict(c); why != "" {
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
	// 4. local improvement
	for round := 0; round < 8 && time.Now().Before(s.deadline); round++ {
		gained := false
		for st := range p.Stations {
			if s.stationDP(st, math.Inf(-1), math.Inf(1)) {
				gained = true
			}
			s.commit()
		}
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
	for st := range p.Stations {
		s.stationDP(st, math.Inf(-1), math.Inf(1))
		s.commit()
	}

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
	seen := map[int]bool{}
	var cands []int
	addRange := func(list []int, a, b float64, maxLen float64) {
		lo := sort.Search(len(list), func(k int) bool { return p.Candidates[list[k]].Start >= a-maxLen })
		for k := lo; k < len(list); k++ {
			c := &p.Candidates[list[k]]
			if c.Start >= b {
				break
			}
			if c.End > a && !seen[list[k]] {
				seen[list[k]] = true
				cands = append(cands, list[k])
			}
		}
	}
	for _, d := range around {
		dc := &p.Candidates[d.Cand]
		mt := s.maxTurn[dc.Station]
		addRange(s.candSt[dc.Station], d.Start-mt, d.End+mt, s.maxLenSt[dc.Station])
		addRange(s.candSat[dc.Sat], d.Start, d.End, s.maxLenSat[dc.Sat])
		if !seen[d.Cand] {
			seen[d.Cand] = true
			cands = append(cands, d.Cand)
		}
	}
	sort.Slice(cands, func(a, b int) bool { return s.candValue(cands[a]) > s.candValue(cands[b]) })
	for _, j := range cands {
		if s.fixed[j] {
			continue
		}
		old := s.of[j]
		cd := &p.Candidates[j]
		if old != nil && old.Len() >= cd.End-cd.Start-1e-6 {
			continue
		}
		if sp, ok := s.best(j, old, false); ok && (old == nil || sp.b-sp.a > old.Len()+1e-6) {
			if old != nil {
				s.remove(old)
			}
			s.add(&Contact{Cand: j, Start: sp.a, End: sp.b})
		}
	}
}

func (s *solver) candValue(i int) float64 {
	c := &s.p.Candidates[i]
	return s.p.Sats[c.Sat].Weight * (c.End - c.Start)
}
