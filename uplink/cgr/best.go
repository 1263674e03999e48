package cgr

import (
	"container/heap"
	"time"
)

// Best is the best route alone (SABR's first criteria: earliest
// delivery, then fewest hops, then latest termination), found by one
// Dijkstra search from every entry contact at once rather than one per
// entry: what forwarding needs, at a fraction of Routes' cost on a large
// plan. Routes still ranks every entry's route (the alternatives shown
// to operators).
func (r *Router) Best(from, to uint64, size int, now, deadline time.Time, queued map[int]int64) (Route, bool) {
	n := len(r.Contacts)
	best := make([]*label, n)
	done := make([]bool, n)
	q := &pq{}
	for _, ci := range r.out[from] {
		c := &r.Contacts[ci]
		depart := later(now, c.Start)
		if qb := queued[ci]; qb > 0 && c.Rate > 0 {
			depart = depart.Add(secs(float64(qb) / c.Rate))
		}
		arrive, ok := cross(c, depart, size)
		if !ok || (!deadline.IsZero() && arrive.After(deadline)) {
			continue
		}
		l := &label{arrive: arrive, hops: 1, term: c.End, prev: -1, depart: depart}
		if b := best[ci]; b == nil || l.less(b) {
			best[ci] = l
			q.add(ci, l)
		}
	}
	for q.Len() > 0 {
		it := heap.Pop(q).(item)
		if done[it.ci] || best[it.ci] != it.l {
			continue
		}
		done[it.ci] = true
		c := &r.Contacts[it.ci]
		if c.To == to {
			return r.routeFrom(best, it.ci), true
		}
		for _, ni := range r.out[c.To] {
			nc := &r.Contacts[ni]
			if done[ni] || nc.To == from || nc.To == c.From {
				continue // no loops back
			}
			depart := later(it.l.arrive, nc.Start)
			arrive, ok := cross(nc, depart, size)
			if !ok || (!deadline.IsZero() && arrive.After(deadline)) {
				continue
			}
			term := it.l.term
			if nc.End.Before(term) {
				term = nc.End
			}
			l := &label{arrive: arrive, hops: it.l.hops + 1, term: term, prev: it.ci, depart: depart}
			if b := best[ni]; b == nil || l.less(b) {
				best[ni] = l
				q.add(ni, l)
			}
		}
	}
	return Route{}, false
}

// routeFrom rebuilds the route ending with contact last.
func (r *Router) routeFrom(best []*label, last int) Route {
	var hops []Hop
	for ci := last; ci >= 0; ci = best[ci].prev {
		l := best[ci]
		hops = append(hops, Hop{ci, l.depart, l.arrive})
	}
	for i, j := 0, len(hops)-1; i < j; i, j = i+1, j-1 {
		hops[i], hops[j] = hops[j], hops[i]
	}
	l := best[last]
	lc := &r.Contacts[last]
	return Route{Hops: hops, Arrival: l.arrive, Latest: lc.End.Add(lc.OWLT), Termination: l.term, Entry: r.Contacts[hops[0].Contact].To}
}
