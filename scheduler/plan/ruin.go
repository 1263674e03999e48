package plan

import (
	"math/rand/v2"
	"sort"
	"time"
)

// ruinRecreate clears a random time window across every station, inserts
// the candidates there again in a perturbed order of value, re-solves the
// stations touched, and keeps the result only if the objective rose.
// Seeded, so plans are reproducible.
func (s *solver) ruinRecreate(rng *rand.Rand, width float64) bool {
	p := s.p
	if len(p.Candidates) == 0 {
		return false
	}
	c0 := &p.Candidates[rng.IntN(len(p.Candidates))]
	a := c0.Start - rng.Float64()*width
	b := a + width
	obj0 := s.obj
	mark := len(s.log)
	touched := map[int]bool{}
	for st := range p.Stations {
		for _, c := range append([]*Contact(nil), s.st[st]...) {
			if !s.fixed[c.Cand] && c.End > a && c.Start < b {
				s.remove(c)
				touched[st] = true
			}
		}
	}
	// candidates in the window, by value with noise
	type kv struct {
		i int
		v float64
	}
	var cands []kv
	for st := range p.Stations {
		s.candidatesIn(s.candSt[st], s.longSt[st], a, b, s.maxLenSt[st], func(i int) {
			if s.of[i] == nil && !s.fixed[i] {
				cands = append(cands, kv{i, s.candValue(i) * (0.85 + 0.3*rng.Float64())})
			}
		})
	}
	sort.Slice(cands, func(x, y int) bool { return cands[x].v > cands[y].v })
	for _, c := range cands {
		if sp, ok := s.best(c.i, nil, false); ok {
			s.add(&Contact{Cand: c.i, Start: sp.a, End: sp.b})
		}
	}
	for st := range touched {
		s.stationDP(st, a, b)
	}
	if s.obj > obj0+1e-6 {
		return true
	}
	s.rollbackTo(mark)
	return false
}

// search runs ruin-and-recreate until the deadline or the iteration
// budget is spent.
func (s *solver) search(iterations int) {
	rng := rand.New(rand.NewPCG(1, uint64(len(s.p.Candidates))))
	for it := 0; it < iterations; it++ {
		if it%32 == 0 && time.Now().After(s.deadline) {
			return
		}
		width := 600 + rng.Float64()*2400
		s.ruinRecreate(rng, width)
		s.commit()
	}
}
