package plan

import (
	"math"
	"sort"
)

// stationDP re-solves one station's timeline exactly, all other stations'
// contacts held: weighted interval scheduling by dynamic programming, each
// candidate clipped to the time its satellite is free elsewhere (whole
// windows only in whole mode), turnarounds checked between consecutive
// contacts. It keeps the result when the station's objective rises.
func (s *solver) stationDP(st int, lo, hi float64) bool {
	p := s.p
	type item struct {
		cand       int
		a, b       float64
		v          float64
		pa, pb     Pointing
		fixed      bool
		contactRef *Contact
	}
	// the contacts that may move: non-fixed ones touching [lo, hi]; the
	// nearest others before and after bound the range
	var items []item
	current := 0.0
	lower, upper := math.Inf(-1), math.Inf(1)
	movable := map[*Contact]bool{}
	forced := 0
	for _, c := range s.st[st] {
		switch {
		case c.End > lo && c.Start < hi && !s.fixed[c.Cand]:
			movable[c] = true
			current += p.value(c)
		case c.End > lo && c.Start < hi: // fixed inside: kept
			items = append(items, item{cand: c.Cand, a: c.Start, b: c.End, v: 1e12, fixed: true, contactRef: c})
			forced++
		case c.End <= lo:
			lower = math.Max(lower, c.End)
		default:
			upper = math.Min(upper, c.Start)
		}
	}
	// boundary contacts are forced items so turnarounds to them are checked
	for _, c := range s.st[st] {
		if !movable[c] && (c.End == lower || c.Start == upper) && (c.End <= lo || c.Start >= hi) {
			items = append(items, item{cand: c.Cand, a: c.Start, b: c.End, v: 1e12, fixed: true, contactRef: c})
			forced++
		}
	}
	var inRange []int
	s.candidatesIn(s.candSt[st], s.longSt[st], lower, upper, s.maxLenSt[st], func(i int) { inRange = append(inRange, i) })
	for _, i := range inRange {
		cd := &p.Candidates[i]
		if s.fixed[i] || (s.of[i] != nil && !movable[s.of[i]]) {
			continue
		}
		wa, wb := math.Max(cd.Start, lower), math.Min(cd.End, upper)
		if wb-wa < s.minC || (s.whole && (wa > cd.Start || wb < cd.End)) {
			continue
		}
		var bestSp span
		found := false
		for _, f := range s.satFree(i, wa, wb, s.of[i], false) {
			if s.whole && (f.a > cd.Start+1e-9 || f.b < cd.End-1e-9) {
				continue
			}
			if f.b-f.a >= s.minC && (!found || f.b-f.a > bestSp.b-bestSp.a) {
				bestSp, found = f, true
			}
		}
		if !found {
			continue
		}
		items = append(items, item{cand: i, a: bestSp.a, b: bestSp.b, v: p.Sats[cd.Sat].Weight * (bestSp.b - bestSp.a)})
	}
	if len(items) == 0 {
		return false
	}
	sort.Slice(items, func(x, y int) bool { return items[x].b < items[y].b })
	for k := range items {
		it := &items[k]
		it.pa, it.pb = p.pointing(it.cand, it.a), p.pointing(it.cand, it.b)
	}
	sn := &p.Stations[st]
	mt := s.maxTurn[st]
	n := len(items)
	best := make([]float64, n)   // best value of a timeline ending with item k
	from := make([]int, n)       // predecessor of k in that timeline (-1: none)
	prefix := make([]float64, n) // max best over items 0..k
	prefArg := make([]int, n)
	ends := make([]float64, n)
	for k := range items {
		ends[k] = items[k].b
	}
	for k := range items {
		it := &items[k]
		best[k], from[k] = it.v, -1
		// every item ending a full turnaround before k starts is compatible
		far := sort.SearchFloat64s(ends, it.a-mt) - 1
		if far >= k {
			far = k - 1
		}
		if far >= 0 && prefix[far]+it.v > best[k] {
			best[k], from[k] = prefix[far]+it.v, prefArg[far]
		}
		// items ending closer: check their turnaround
		for j := far + 1; j < k; j++ {
			pj := &items[j]
			if pj.b > it.a || pj.cand == it.cand {
				continue
			}
			if pj.b+sn.turnaround(pj.pb, it.pa)+turnMargin <= it.a && best[j]+it.v > best[k] {
				best[k], from[k] = best[j]+it.v, j
			}
		}
		prefix[k], prefArg[k] = best[k], k
		if k > 0 && prefix[k-1] >= best[k] {
			prefix[k], prefArg[k] = prefix[k-1], prefArg[k-1]
		}
	}
	total := prefix[n-1] - 1e12*float64(forced)
	if total <= current+1e-6 || total < -1 {
		return false // no gain, or a forced item could not be kept
	}
	// the chosen timeline
	var chosen []int
	for k := prefArg[n-1]; k >= 0; k = from[k] {
		chosen = append(chosen, k)
	}
	seen := map[int]bool{}
	for _, k := range chosen {
		if seen[items[k].cand] {
			return false // one candidate twice: should not happen, keep the plan
		}
		seen[items[k].cand] = true
	}
	obj0 := s.obj
	mark := len(s.log)
	for c := range movable {
		s.remove(c)
	}
	for _, k := range chosen {
		it := &items[k]
		if it.fixed {
			continue
		}
		nc := &Contact{Cand: it.cand, Start: it.a, End: it.b}
		if s.conflict(nc) != "" {
			s.rollbackTo(mark)
			return false
		}
		s.add(nc)
	}
	if s.obj <= obj0+1e-6 {
		s.rollbackTo(mark)
		return false
	}
	return true
}

var _ = math.Inf
