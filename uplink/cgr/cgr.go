// Package cgr is Contact Graph Routing over the scheduler's contact plan:
// for a bundle held at a node, which contact it should leave on so that
// it reaches its destination earliest.
//
// The contact graph's vertices are contacts (one direction of a pass, or
// of a terrestrial link); an edge joins a contact into node N to a
// contact out of N that ends after the first can deliver. Routes are
// found with Dijkstra's algorithm on the best-case arrival time, once per
// entry contact (the contact that leaves this node), and the route to
// use is chosen among them as CCSDS SABR (734.3-B-1) chooses:
//
//  1. the earliest best-case delivery time;
//  2. then the fewest hops;
//  3. then the latest termination time (the earliest end of any contact
//     on the route: the route is usable longer);
//  4. then the smallest entry node number, then the earliest entry
//     contact, so the choice is always the same.
//
// A contact's capacity is its rate times its length. On the entry contact
// the bundles already queued for it come first: a bundle's transmission
// starts after the queued bytes have gone (SABR's earliest transmission
// opportunity), and a contact that cannot carry the bundle before it ends
// is not used. Routing is recomputed whenever the plan changes or a
// contact starts, so bundles follow the current plan (see Assign).
package cgr

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// Contact is a window in which From can send to To.
type Contact struct {
	From, To   uint64 // node numbers
	Start, End time.Time
	Rate       float64 // bytes per second
	OWLT       time.Duration
	// Margin is what a link that resends what it loses (LTP over minutes
	// of light time) keeps for resending: a bundle must be sent by
	// End-Margin, and is counted as arriving up to Margin later than it
	// would if nothing were lost, so that the next hop is one it still
	// makes after the resends. Delivery stays predicted by the last
	// contact's End plus its light time.
	Margin time.Duration
	Note   string // e.g. "Tromso-DRONE-01 pass", "terrestrial"
}

func (c *Contact) String() string {
	return fmt.Sprintf("%d→%d %s–%s", c.From, c.To, c.Start.UTC().Format("01-02 15:04:05"), c.End.UTC().Format("15:04:05"))
}

// Hop is one contact of a route, with when the bundle is predicted to
// start going out on it and to arrive at its far end.
type Hop struct {
	Contact int // index in the router's contacts
	Depart  time.Time
	Arrive  time.Time
}

// Route is a path through the contact graph.
type Route struct {
	Hops        []Hop
	Arrival     time.Time // best-case delivery time at the destination
	Latest      time.Time // the end of the route's last contact plus its light time: delivery is predicted by then
	Termination time.Time // earliest end of the route's contacts
	Entry       uint64    // the first hop's receiving node
}

// Router routes over a contact plan. It is safe for concurrent use.
type Router struct {
	Contacts []Contact
	out      map[uint64][]int // node → indices of contacts leaving it
	graph    graph            // the search's view of Contacts
}

// New makes a router over contacts.
func New(contacts []Contact) *Router {
	r := &Router{Contacts: contacts, out: map[uint64][]int{}}
	for i := range contacts {
		c := &contacts[i]
		r.out[c.From] = append(r.out[c.From], i)
	}
	r.graph = newGraph(contacts)
	return r
}

// Better reports whether route a is preferred to b (the SABR order).
func Better(a, b *Route) bool {
	if !a.Arrival.Equal(b.Arrival) {
		return a.Arrival.Before(b.Arrival)
	}
	if len(a.Hops) != len(b.Hops) {
		return len(a.Hops) < len(b.Hops)
	}
	if !a.Termination.Equal(b.Termination) {
		return a.Termination.After(b.Termination)
	}
	if a.Entry != b.Entry {
		return a.Entry < b.Entry
	}
	return a.Hops[0].Contact < b.Hops[0].Contact
}

// Routes returns the best route through each entry contact for a bundle
// of size bytes at node from, bound for node to, at now, with queued
// bytes already waiting on each contact (index → bytes; nil: none), best
// first. Contacts that end before the bundle could cross them, or whose
// transmission would end after the bundle's deadline, are not used.
func (r *Router) Routes(from, to uint64, size int, now, deadline time.Time, queued map[int]int64) []Route {
	var routes []Route
	for _, ci := range r.out[from] {
		first, ok := r.entry(ci, size, now, deadline, queued)
		if !ok {
			continue
		}
		c, arrive := &r.Contacts[ci], first.Arrive
		if c.To == to {
			routes = append(routes, Route{Hops: []Hop{first}, Arrival: arrive, Latest: c.End.Add(c.OWLT), Termination: c.End, Entry: c.To})
			continue
		}
		if rt, ok := r.dijkstra(from, to, size, deadline, []start{{first.Contact, first}}); ok {
			routes = append(routes, rt)
		}
	}
	sort.Slice(routes, func(i, j int) bool { return Better(&routes[i], &routes[j]) })
	return routes
}

// entry is the first hop of a bundle of size bytes leaving on contact ci
// (after the bytes queued on it) at now, if it fits before the contact
// ends and arrives by the deadline.
func (r *Router) entry(ci, size int, now, deadline time.Time, queued map[int]int64) (Hop, bool) {
	c := &r.Contacts[ci]
	depart := later(now, c.Start)
	if q := queued[ci]; q > 0 && c.Rate > 0 {
		depart = depart.Add(secs(float64(q) / c.Rate))
	}
	arrive, ok := cross(c, depart, size)
	if !ok || (!deadline.IsZero() && arrive.After(deadline)) {
		return Hop{}, false
	}
	return Hop{ci, depart, arrive}, true
}

// cross returns when a bundle of size bytes starting out on c at depart
// arrives at c.To, and whether it fits in the contact.
func cross(c *Contact, depart time.Time, size int) (time.Time, bool) {
	last := c.End.Add(-c.Margin)
	if !depart.Before(last) || c.Rate <= 0 {
		return time.Time{}, false
	}
	done := depart.Add(secs(float64(size) / c.Rate))
	if done.After(last) {
		return time.Time{}, false
	}
	return done.Add(c.OWLT + c.Margin), true
}

func secs(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// Bundle is what Assign needs to know of a queued bundle.
type Bundle struct {
	ID       string
	Dest     uint64
	Size     int
	Class    int // higher goes first
	Created  time.Time
	Deadline time.Time // expiry
	Avoid    uint64    // the node it came from: not sent back there unless it is the destination
}

// Assignment is a bundle's chosen route, or why it has none.
type Assignment struct {
	Route  *Route // nil: no route now
	Reason string // why there is no route
	Others []Route
}

// Assign routes every queued bundle held at node from, in the order they
// will be sent (class, then age), each booking its bytes on its entry
// contact so the next ones see the backlog. It is deterministic.
func (r *Router) Assign(from uint64, now time.Time, bundles []Bundle) map[string]Assignment {
	order := append([]Bundle(nil), bundles...)
	sort.SliceStable(order, func(i, j int) bool {
		a, b := order[i], order[j]
		if a.Class != b.Class {
			return a.Class > b.Class
		}
		if !a.Created.Equal(b.Created) {
			return a.Created.Before(b.Created)
		}
		return a.ID < b.ID
	})
	queued := map[int]int64{}
	out := make(map[string]Assignment, len(order))
	for _, b := range order {
		rs := r.Routes(from, b.Dest, b.Size, now, b.Deadline, queued)
		if b.Avoid != 0 && b.Avoid != b.Dest {
			rs = slices.DeleteFunc(rs, func(rt Route) bool { return rt.Entry == b.Avoid })
		}
		if len(rs) == 0 {
			out[b.ID] = Assignment{Reason: r.noRoute(from, b, now)}
			continue
		}
		rt := rs[0]
		queued[rt.Hops[0].Contact] += int64(b.Size)
		out[b.ID] = Assignment{Route: &rt, Others: rs[1:]}
	}
	return out
}

func (r *Router) noRoute(from uint64, b Bundle, now time.Time) string {
	if len(r.out[from]) == 0 {
		return fmt.Sprintf("node %d has no contacts in the plan", from)
	}
	n := 0
	for _, ci := range r.out[from] {
		if r.Contacts[ci].End.After(now) {
			n++
		}
	}
	if n == 0 {
		return fmt.Sprintf("node %d has no contacts after %s in the plan", from, now.UTC().Format(time.RFC3339))
	}
	if !b.Deadline.IsZero() {
		return fmt.Sprintf("no route reaches node %d before the bundle expires at %s (%d contacts out of node %d ahead)", b.Dest, b.Deadline.UTC().Format(time.RFC3339), n, from)
	}
	return fmt.Sprintf("no route reaches node %d in the plan", b.Dest)
}

// Explain writes a route hop by hop.
func (r *Router) Explain(rt *Route) string {
	var sb strings.Builder
	for i, h := range rt.Hops {
		c := &r.Contacts[h.Contact]
		fmt.Fprintf(&sb, "  %d. node %d → node %d on %s, contact %s–%s: leaves %s, arrives %s\n", i+1, c.From, c.To, c.Note,
			c.Start.UTC().Format("2006-01-02 15:04:05"), c.End.UTC().Format("15:04:05"),
			h.Depart.UTC().Format("15:04:05"), h.Arrive.UTC().Format("2006-01-02 15:04:05"))
	}
	return sb.String()
}
