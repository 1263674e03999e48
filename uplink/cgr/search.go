package cgr

import (
	"math"
	"sort"
	"sync"
	"time"
)

// The search is Dijkstra's algorithm over contacts, labels ordered as SABR
// orders routes, made fast by two dominance rules that cannot change its
// answer:
//
//   - Node: a label reaching node N is expanded only if no label already
//     expanded at N is at least as good on all of arrival, hops,
//     termination and entry. Whatever the dominated label could reach, the
//     dominating one reaches no later, in no more hops, with no earlier
//     termination. (A dominated label that came from elsewhere could go
//     back where the dominating one came from; but that node was reached
//     earlier still, and its own label dominates that detour.)
//   - Pair: from a label at N with termination τ, the contacts to one
//     neighbour M are tried in start order only until one ends at or after
//     τ: every later contact to M arrives no earlier, in the same hops,
//     with the same termination τ. (Only where the pair's contacts do not
//     overlap and share a light time: otherwise a later, faster contact
//     can deliver first. TestBestAgainstExhaustive found that.)
//
// So a node is expanded a few times rather than once per contact into it,
// and each expansion looks at one or two contacts per neighbour rather
// than every contact of the day. On the 500-drone, 30-station day of
// BenchmarkLargeNetwork this took Best from 362 ms to a few milliseconds.
// Profile before: 71 % relaxing every contact out of every popped
// contact's node, 18 % map access.

// graph is the contacts grouped for the search.
type graph struct {
	id     map[uint64]int32 // node number → dense index
	groups [][]pairGroup    // by node index: its contacts, grouped by neighbour
	start  []int64          // by contact: Unix ns
	end    []int64
	owlt   []int64
	rate   []float64
	to     []int32 // node index
	from   []int32
	pool   *sync.Pool // of *searchState
}

// pairGroup is the contacts from one node to one neighbour, by start,
// with what the search reads of them side by side (reading them through
// contact indices was mostly cache misses).
type pairGroup struct {
	to         int32
	contacts   []crec // a run of graph.recs: a node's groups lie side by side
	endsSorted bool   // ends rise with starts (no contact inside another): binary search
	// fifo: the contacts do not overlap and share one light time, so a
	// later one never delivers earlier (the pair rule holds)
	fifo bool
}

type crec struct {
	start, end, owlt int64
	last             int64 // end less the contact's margin: the bundle is sent by then
	rate             float64
	ci               int32
}

func newGraph(cs []Contact) graph {
	g := graph{id: map[uint64]int32{}, start: make([]int64, len(cs)), end: make([]int64, len(cs)),
		owlt: make([]int64, len(cs)), rate: make([]float64, len(cs)), to: make([]int32, len(cs)), from: make([]int32, len(cs))}
	node := func(n uint64) int32 {
		i, ok := g.id[n]
		if !ok {
			i = int32(len(g.id))
			g.id[n] = i
		}
		return i
	}
	for i := range cs {
		c := &cs[i]
		g.from[i], g.to[i] = node(c.From), node(c.To)
		g.start[i], g.end[i] = unixNano(c.Start), unixNano(c.End)
		g.owlt[i], g.rate[i] = int64(c.OWLT), c.Rate
	}
	g.groups = make([][]pairGroup, len(g.id))
	byPair := map[[2]int32]int{}
	for i := range cs {
		f, t := g.from[i], g.to[i]
		k, ok := byPair[[2]int32{f, t}]
		if !ok {
			k = len(g.groups[f])
			byPair[[2]int32{f, t}] = k
			g.groups[f] = append(g.groups[f], pairGroup{to: t})
		}
		g.groups[f][k].contacts = append(g.groups[f][k].contacts, crec{g.start[i], g.end[i], g.owlt[i], g.end[i] - int64(cs[i].Margin), g.rate[i], int32(i)})
	}
	// one array for all, each node's groups in a row
	recs := make([]crec, 0, len(cs))
	for _, gs := range g.groups {
		for k := range gs {
			n := len(recs)
			recs = append(recs, gs[k].contacts...)
			gs[k].contacts = recs[n:len(recs):len(recs)]
		}
	}
	for _, gs := range g.groups {
		for k := range gs {
			pg := &gs[k]
			sort.SliceStable(pg.contacts, func(a, b int) bool { return pg.contacts[a].start < pg.contacts[b].start })
			pg.endsSorted, pg.fifo = true, true
			for j := 1; j < len(pg.contacts); j++ {
				a, b := &pg.contacts[j-1], &pg.contacts[j]
				if b.end < a.end {
					pg.endsSorted = false
				}
				if b.start < a.end || b.owlt != a.owlt {
					pg.fifo = false
				}
			}
		}
	}
	n, nodes := len(cs), len(g.id)
	g.pool = &sync.Pool{New: func() any {
		return &searchState{head: make([]int32, n), headGen: make([]uint32, n), nodeGen: make([]uint32, nodes), expanded: make([][]label, nodes)}
	}}
	return g
}

// unixNano is t in Unix nanoseconds, clamped to int64 (the zero time and
// times centuries away do not overflow).
func unixNano(t time.Time) int64 {
	if t.IsZero() || t.Year() > 2200 {
		return math.MaxInt64
	}
	if t.Year() < 1700 {
		return math.MinInt64
	}
	return t.UnixNano()
}

// label is a route to a contact, as the search holds it.
type label struct {
	arrive, depart int64 // Unix ns
	term           int64 // earliest end of the route's contacts
	hops           int32
	ci             int32 // the contact
	prev           int32 // the label it extends, -1 at the entry
	next           int32 // the contact's next label, -1 at the last
	entry          int32 // entry contact (the tie-breaks of last resort)
	entryNode      int32
	dead           bool // dominated before it was settled
	settled        bool
}

// less orders labels as SABR orders routes.
func (a *label) less(b *label) bool {
	if a.arrive != b.arrive {
		return a.arrive < b.arrive
	}
	if a.hops != b.hops {
		return a.hops < b.hops
	}
	if a.term != b.term {
		return a.term > b.term
	}
	if a.entryNode != b.entryNode {
		return a.entryNode < b.entryNode
	}
	return a.entry < b.entry
}

// dominates: a is at least as good as b on every criterion.
func (a *label) dominates(b *label) bool {
	return a.arrive <= b.arrive && a.hops <= b.hops && a.term >= b.term &&
		(a.entryNode < b.entryNode || a.entryNode == b.entryNode && a.entry <= b.entry)
}

// searchState is one search's working memory, reused through the pool;
// head, nodeGen and expanded entries belong to the search whose
// generation they carry.
//
// A contact keeps every label no other label there dominates, not only
// the one arriving first: SABR ranks equal deliveries by hops and then
// termination, and a route that reaches a contact later may end up
// delivering at the same time (both wait for the same later contact) and
// terminating later. Keeping one label per contact lost those
// (TestBestAgainstExhaustive).
type searchState struct {
	gen      uint32
	labels   []label
	head     []int32   // by contact: first label, -1 none
	headGen  []uint32  // by contact
	nodeGen  []uint32  // by node: expanded is this search's
	expanded [][]label // by node: labels expanded there
	heap     []int32   // labels, best first
	tokens   []token   // pairs to walk on, by key
}

func (s *searchState) labelLess(a, b int32) bool { return s.labels[a].less(&s.labels[b]) }

func (s *searchState) push(li int32) { s.heap = heapPush(s.heap, li, s.labelLess) }

func (s *searchState) pop() int32 {
	var top int32
	s.heap, top = heapPop(s.heap, s.labelLess)
	return top
}

// dominatedAt reports whether a label expanded at node n dominates l.
func (s *searchState) dominatedAt(n int32, l *label) bool {
	if s.nodeGen[n] != s.gen {
		return false
	}
	for k := range s.expanded[n] {
		if s.expanded[n][k].dominates(l) {
			return true
		}
	}
	return false
}

// offer adds l at its contact unless a label there dominates it, and
// retires the queued ones it dominates.
func (s *searchState) offer(l label) {
	ci := l.ci
	if s.headGen[ci] != s.gen {
		s.headGen[ci], s.head[ci] = s.gen, -1
	}
	for j := s.head[ci]; j >= 0; j = s.labels[j].next {
		o := &s.labels[j]
		if o.dead {
			continue
		}
		if o.dominates(&l) {
			return
		}
		if !o.settled && l.dominates(o) {
			o.dead = true
		}
	}
	l.next = s.head[ci]
	li := int32(len(s.labels))
	s.labels = append(s.labels, l)
	s.head[ci] = li
	s.push(li)
}

// start is an entry contact and its first hop.
type start struct {
	ci  int
	hop Hop
}

// dijkstra searches from the entry hops for the best route to node to.
func (r *Router) dijkstra(origin, to uint64, size int, deadline time.Time, starts []start) (Route, bool) {
	g := &r.graph
	target, ok := g.id[to]
	if !ok || len(starts) == 0 {
		return Route{}, false
	}
	orig, ok := g.id[origin]
	if !ok {
		orig = -1
	}
	dl := int64(math.MaxInt64)
	if !deadline.IsZero() {
		dl = unixNano(deadline)
	}
	s := g.pool.Get().(*searchState)
	defer g.pool.Put(s)
	s.gen++
	if s.gen == 0 { // wrapped: nothing may match a stale entry
		clear(s.headGen)
		clear(s.nodeGen)
		s.gen = 1
	}
	s.labels, s.heap, s.tokens = s.labels[:0], s.heap[:0], s.tokens[:0]
	for _, st := range starts {
		ci := int32(st.ci)
		s.offer(label{arrive: unixNano(st.hop.Arrive), depart: unixNano(st.hop.Depart), term: g.end[ci], hops: 1, ci: ci, prev: -1,
			entry: ci, entryNode: g.to[ci]})
	}
	for {
		// walk on the pairs whose next contact may come before the best
		// label queued
		for len(s.tokens) > 0 && (len(s.heap) == 0 || s.tokens[0].key <= s.labels[s.heap[0]].arrive) {
			t := s.popToken()
			s.walk(g, t.p, t.gi, t.k, size, dl)
		}
		if len(s.heap) == 0 {
			break
		}
		li := s.pop()
		if s.labels[li].dead {
			continue
		}
		s.labels[li].settled = true
		l := s.labels[li]
		n := g.to[l.ci]
		if n == target {
			return r.build(s, li), true
		}
		// the node rule
		if s.dominatedAt(n, &l) {
			continue
		}
		if s.nodeGen[n] != s.gen {
			s.nodeGen[n] = s.gen
			s.expanded[n] = s.expanded[n][:0]
		}
		s.expanded[n] = append(s.expanded[n], l)
		came := g.from[l.ci]
		for gi := range g.groups[n] {
			pg := &g.groups[n][gi]
			if pg.to == orig || pg.to == came {
				continue // no loops back
			}
			cs := pg.contacts
			i0 := 0
			if pg.endsSorted && len(cs) > 1 { // the first contact still open at l.arrive
				lo, hi := 0, len(cs)
				for lo < hi {
					m := int(uint(lo+hi) >> 1)
					if cs[m].end > l.arrive {
						hi = m
					} else {
						lo = m + 1
					}
				}
				i0 = lo
			}
			s.walk(g, li, int32(gi), int32(i0), size, dl)
		}
	}
	return Route{}, false
}

// walk offers the first contact of group gi of the node label p reached,
// from the k-th on, that can carry the bundle after p; if the pair rule
// does not stop there, it leaves a token to go on from the next contact
// once the search reaches that contact's earliest departure. Offering the
// later contacts of a pair lazily matters when the route so far
// terminates late (a terrestrial link open all day): every later pass to
// every drone then has a later termination, none is dominated, and
// offering them all at once was 100,000 labels a search at 500 drones, of
// which a few hundred were ever looked at.
func (s *searchState) walk(g *graph, p, gi, k int32, size int, dl int64) {
	l := s.labels[p] // a copy: offer may move the labels
	pg := &g.groups[g.to[l.ci]][gi]
	cs := pg.contacts
	for ; int(k) < len(cs); k++ {
		c := &cs[k]
		if c.end <= l.arrive {
			continue
		}
		depart := max(l.arrive, c.start)
		arrive, fits := c.cross(depart, size)
		if !fits {
			continue // too short from here; a later one may fit
		}
		if arrive > dl && pg.fifo {
			return // the later ones arrive later still
		}
		if arrive <= dl {
			nl := label{arrive: arrive, depart: depart, term: min(l.term, c.end), hops: l.hops + 1, ci: c.ci, prev: p,
				entry: l.entry, entryNode: l.entryNode}
			if !s.dominatedAt(pg.to, &nl) {
				s.offer(nl)
			}
		}
		if pg.fifo && c.end >= l.term || int(k)+1 >= len(cs) {
			return // the pair rule, or the last contact
		}
		s.pushToken(token{key: max(l.arrive, cs[k+1].start), p: p, gi: gi, k: k + 1})
		return
	}
}

// token is the rest of a pair's contacts, to be walked from the k-th once
// the search has settled everything before key (a lower bound on their
// arrivals).
type token struct {
	key      int64
	p, gi, k int32 // p: the label walked from
}

func tokenLess(a, b token) bool { return a.key < b.key }

func (s *searchState) pushToken(t token) { s.tokens = heapPush(s.tokens, t, tokenLess) }

func (s *searchState) popToken() token {
	var top token
	s.tokens, top = heapPop(s.tokens, tokenLess)
	return top
}

// heapPush adds x to the binary min-heap h.
func heapPush[T any](h []T, x T, less func(a, b T) bool) []T {
	h = append(h, x)
	for i := len(h) - 1; i > 0; {
		p := (i - 1) / 2
		if !less(h[i], h[p]) {
			break
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
	return h
}

// heapPop removes h's least element and returns it.
func heapPop[T any](h []T, less func(a, b T) bool) ([]T, T) {
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h = h[:last]
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < last && less(h[l], h[m]) {
			m = l
		}
		if r < last && less(h[r], h[m]) {
			m = r
		}
		if m == i {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	return h, top
}

// cross is the package's cross in nanoseconds: when a bundle of size bytes
// starting out on the contact at depart arrives, and whether it fits.
func (c *crec) cross(depart int64, size int) (int64, bool) {
	if depart >= c.last || c.rate <= 0 {
		return 0, false
	}
	done := depart + int64(secs(float64(size)/c.rate))
	if done > c.last {
		return 0, false
	}
	return done + c.owlt + (c.end - c.last), true
}

// build rebuilds the route ending with label last.
func (r *Router) build(s *searchState, last int32) Route {
	var hops []Hop
	for li := last; li >= 0; li = s.labels[li].prev {
		l := &s.labels[li]
		hops = append(hops, Hop{int(l.ci), time.Unix(0, l.depart).UTC(), time.Unix(0, l.arrive).UTC()})
	}
	for i, j := 0, len(hops)-1; i < j; i, j = i+1, j-1 {
		hops[i], hops[j] = hops[j], hops[i]
	}
	l := &s.labels[last]
	lc := &r.Contacts[l.ci]
	return Route{Hops: hops, Arrival: time.Unix(0, l.arrive).UTC(), Latest: lc.End.Add(lc.OWLT),
		Termination: time.Unix(0, l.term).UTC(), Entry: r.Contacts[hops[0].Contact].To}
}
