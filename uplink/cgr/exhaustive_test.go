package cgr

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestBestAgainstExhaustive holds the search's dominance rules to an
// exhaustive enumeration of every simple route on small random plans
// whose contacts start and end on a coarse grid, so that SABR's tie-breaks
// (hops, termination, entry) decide often. Best and the first of Routes
// must both equal the enumeration's best on all four criteria.
func TestBestAgainstExhaustive(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	ties := 0
	for trial := range 3000 {
		nodes := 4 + rng.IntN(4)
		var cs []Contact
		for range 10 + rng.IntN(40) {
			a, b := uint64(1+rng.IntN(nodes)), uint64(1+rng.IntN(nodes))
			if a == b {
				continue
			}
			s := rng.IntN(12) * 10
			cs = append(cs, Contact{From: a, To: b, Start: at(float64(s)), End: at(float64(s + 10*(1+rng.IntN(4)))),
				Rate: float64(500 + 500*rng.IntN(3)), OWLT: time.Duration(rng.IntN(2)) * time.Second})
		}
		r := New(cs)
		from, to := uint64(1), uint64(nodes)
		size := 1000 * (1 + rng.IntN(300))
		now := at(float64(rng.IntN(30)))
		want, ok := exhaustive(r, from, to, size, now)
		got, gok := r.Best(from, to, size, now, time.Time{}, nil)
		rs := r.Routes(from, to, size, now, time.Time{}, nil)
		if ok != gok || ok != (len(rs) > 0) {
			t.Fatalf("trial %d: exhaustive %v, Best %v, Routes %d", trial, ok, gok, len(rs))
		}
		if !ok {
			continue
		}
		if len(want.Hops) > 1 {
			ties++
		}
		for name, rt := range map[string]Route{"Best": got, "Routes[0]": rs[0]} {
			if !rt.Arrival.Equal(want.Arrival) || len(rt.Hops) != len(want.Hops) || !rt.Termination.Equal(want.Termination) || rt.Entry != want.Entry || rt.Hops[0].Contact != want.Hops[0].Contact {
				t.Fatalf("trial %d: %s %v %d hops term %v entry %d/%d; exhaustive %v %d hops term %v entry %d/%d\n%s",
					trial, name, rt.Arrival, len(rt.Hops), rt.Termination, rt.Entry, rt.Hops[0].Contact,
					want.Arrival, len(want.Hops), want.Termination, want.Entry, want.Hops[0].Contact, r.Explain(&want))
			}
		}
	}
	t.Logf("%d multi-hop cases", ties)
}

// exhaustive tries every route that visits no node twice.
func exhaustive(r *Router, from, to uint64, size int, now time.Time) (Route, bool) {
	var best Route
	found := false
	var hops []Hop
	seen := map[uint64]bool{from: true}
	var walk func(node uint64, t, term time.Time)
	walk = func(node uint64, t, term time.Time) {
		for _, ci := range r.out[node] {
			c := &r.Contacts[ci]
			if seen[c.To] {
				continue
			}
			depart := later(t, c.Start)
			arrive, ok := cross(c, depart, size)
			if !ok {
				continue
			}
			tm := term
			if len(hops) == 0 || c.End.Before(tm) {
				tm = c.End
			}
			hops = append(hops, Hop{ci, depart, arrive})
			if c.To == to {
				rt := Route{Hops: append([]Hop(nil), hops...), Arrival: arrive, Termination: tm, Entry: r.Contacts[hops[0].Contact].To}
				if !found || Better(&rt, &best) {
					best, found = rt, true
				}
			} else {
				seen[c.To] = true
				walk(c.To, arrive, tm)
				seen[c.To] = false
			}
			hops = hops[:len(hops)-1]
		}
	}
	walk(from, now, time.Time{})
	return best, found
}
