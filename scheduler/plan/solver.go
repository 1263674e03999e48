package plan

import (
	"fmt"
	"math"
	"os"
	"sort"
	"time"
)

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
