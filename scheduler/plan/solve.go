package plan

import (
	"fmt"
	"math"
	"os"
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
	started  time.Time

	obj     float64 // objective of the contacts in the timelines
	log     []op    // changes since the last commit, for rollback
	candSt  [][]int // per station: candidates sorted by start
	candSat [][]int // per satellite: candidates sorted by start
	// longest candidate per station and satellite, to bound range scans
	maxLenSt, maxLenSat []float64
	// candidates longer than longCand, per station and satellite: always
	// scanned, so the lists above can be scanned from longCand back
	longSt, longSat [][]int

	// scratch space, reused to keep the hot path free of allocation
	seen    []uint32 // per candidate: the refill generation that saw it
	gen     uint32
	candBuf []int
	gapBuf  []gap
	evBuf   []event
}

type event struct {
	t float64
	d int
}

// longCand separates long candidates (GEO, MEO) from the many short ones.
const longCand = 7200.0

// op is one change to the timelines.
type op struct {
	add bool
	c   *Contact
}

// trace prints the objective after a phase when IPGS_PLAN_TRACE is set.
func (s *solver) trace(phase string) {
	if os.Getenv("IPGS_PLAN_TRACE") == "" {
		return
	}
	if s.started.IsZero() {
		s.started = time.Now()
	}
	fmt.Fprintf(os.Stderr, "plan: %-18s %14.0f  %6.3f s\n", phase, s.obj, time.Since(s.started).Seconds())
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
	s.seen = make([]uint32, len(p.Candidates))
	s.longSt = make([][]int, len(p.Stations))
	s.longSat = make([][]int, len(p.Sats))
	for i := range p.Candidates {
		c := &p.Candidates[i]
		s.candSt[c.Station] = append(s.candSt[c.Station], i)
		s.candSat[c.Sat] = append(s.candSat[c.Sat], i)
		if c.End-c.Start > longCand {
			s.longSt[c.Station] = append(s.longSt[c.Station], i)
			s.longSat[c.Sat] = append(s.longSat[c.Sat], i)
		}
		s.maxLenSt[c.Station] = math.Max(s.maxLenSt[c.Station], math.Min(c.End-c.Start, longCand))
		s.maxLenSat[c.Sat] = math.Max(s.maxLenSat[c.Sat], math.Min(c.End-c.Start, longCand))
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

// gap is a free stretch of a station timeline between two contacts (nil:
// none), before turnarounds are taken off.
type gap struct {
	prev, next *Contact
	a, b       float64 // raw bounds within the window asked for
}

// gaps returns the raw gaps of cand's station within [lo, hi] (skip is
// ignored; onlyFixed looks at fixed contacts only). No turnaround is
// computed: a raw gap bounds the window from above.
func (s *solver) gaps(cand int, lo, hi float64, skip *Contact, onlyFixed bool) []gap {
	cd := &s.p.Candidates[cand]
	list := s.st[cd.Station]
	// a station's contacts never overlap, so their ends are sorted too
	i := sort.Search(len(list), func(i int) bool { return list[i].End > lo })
	use := func(c *Contact) bool { return c != skip && (!onlyFixed || s.fixed[c.Cand]) }
	var prev *Contact
	for j := i - 1; j >= 0; j-- {
		if use(list[j]) {
			prev = list[j]
			break
		}
	}
	out := s.gapBuf[:0]
	defer func() { s.gapBuf = out[:0] }()
	for ; i < len(list); i++ {
		c := list[i]
		if !use(c) {
			continue
		}
		out = append(out, s.rawGap(prev, c, lo, hi))
		prev = c
		if c.Start >= hi {
			return out
		}
	}
	out = append(out, s.rawGap(prev, nil, lo, hi))
	return out
}

func (s *solver) rawGap(prev, next *Contact, lo, hi float64) gap {
	g := gap{prev: prev, next: next, a: lo, b: hi}
	if prev != nil {
		g.a = math.Max(lo, prev.End)
	}
	if next != nil {
		g.b = math.Min(hi, next.Start)
	}
	return g
}

// exact takes the turnarounds off a raw gap for cand.
func (s *solver) exact(cand int, g gap) (float64, float64) {
	a, b := g.a, g.b
	if g.prev != nil {
		a = s.earliestAfter(g.prev, cand, a)
	}
	if g.next != nil {
		b = s.latestBefore(g.next, cand, b)
	}
	return a, b
}

// satFree returns the parts of [lo, hi] where the satellite has fewer than
// k contacts.
func (s *solver) satFree(cand int, lo, hi float64, skip *Contact, onlyFixed bool) []span {
	cd := &s.p.Candidates[cand]
	evs := s.evBuf[:0]
	for _, c := range s.sat[cd.Sat] {
		if c == skip || (onlyFixed && !s.fixed[c.Cand]) || c.End <= lo || c.Start >= hi {
			continue
		}
		evs = append(evs, event{c.Start, 1}, event{c.End, -1})
	}
	s.evBuf = evs
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
// current contact), or ok=false. Raw gaps are tried longest first and only
// while they could still beat the best window found.
func (s *solver) best(cand int, skip *Contact, onlyFixed bool) (span, bool) {
	cd := &s.p.Candidates[cand]
	if cd.End-cd.Start < s.minC {
		return span{}, false
	}
	gs := s.gaps(cand, cd.Start, cd.End, skip, onlyFixed)
	var bestSp span
	found := false
	for {
		// the longest untried raw gap (raw bounds exact from above)
		k := -1
		for j := range gs {
			if l := gs[j].b - gs[j].a; l >= s.minC && (!found || l > bestSp.b-bestSp.a) && (k < 0 || l > gs[k].b-gs[k].a) {
				k = j
			}
		}
		if k < 0 {
			break
		}
		g := gs[k]
		gs[k].b = gs[k].a // tried
		if s.whole && (g.a > cd.Start+1e-9 || g.b < cd.End-1e-9) {
			continue
		}
		ga, gb := s.exact(cand, g)
		if gb-ga < s.minC {
			continue
		}
		for _, f := range s.satFree(cand, ga, gb, skip, onlyFixed) {
			lo, hi := f.a, f.b
			if s.whole && (lo > cd.Start+1e-9 || hi < cd.End-1e-9) {
				continue
			}
			if hi-lo < s.minC || (found && hi-lo <= bestSp.b-bestSp.a) {
				continue
			}
			// a start pushed later by the satellite may need a longer
			// turnaround: re-check the exact placement
			if sp, ok := s.fit(cand, lo, hi, skip, onlyFixed); ok && sp.b-sp.a >= s.minC &&
				(!found || sp.b-sp.a > bestSp.b-bestSp.a) &&
				(!s.whole || (sp.a <= cd.Start+1e-9 && sp.b >= cd.End-1e-9)) {
				bestSp, found = sp, true
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
