// Package dtn is a DTN node's bundle agent: it keeps bundles in the
// node's store (bstore), routes them over the contact plan (cgr), hands
// them to the space-link convergence layer (slcl) when a contact with the
// chosen next hop is up, and delivers those addressed to the node itself.
// Ground stations and the emulator's drones run the same agent.
package dtn

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/ipgs/ipgs/scheduler/plan"
	"github.com/ipgs/ipgs/uplink/bstore"
	"github.com/ipgs/ipgs/uplink/bundle"
	"github.com/ipgs/ipgs/uplink/cgr"
	"github.com/ipgs/ipgs/uplink/slcl"
)

// Node is a bundle agent. It is safe for concurrent use.
type Node struct {
	Num   uint64
	Store *bstore.Store
	// Deliver hands a bundle addressed to this node to its application;
	// the bundle is removed from the store only after Deliver returns nil.
	Deliver func(raw []byte, e bstore.Entry) error
	Log     io.Writer
	Now     func() time.Time // for log lines (nil: none)
	// Names are the node numbers of ground peers whose node ids are not
	// ipn:N.0 (node id to number); set before the node runs.
	Names map[string]uint64

	mu      sync.Mutex
	router  *cgr.Router       // guarded by mu
	links   map[uint64]*Link  // open contacts by peer; guarded by mu
	refuse  map[string]uint64 // bundle id → peer that refused it (until that link closes); guarded by mu
	stats   Stats             // guarded by mu
	bell    chan struct{}     // closed when ground sessions should look again; guarded by mu
	ground  map[uint64]int    // ground sessions up, by peer; guarded by mu
	seq     uint64            // sequence numbers of the status reports made here; guarded by mu
	sending map[string]bool   // bundles a ground session is sending; guarded by mu
}

// Stats count what a node did.
type Stats struct {
	Received, Sent, Delivered, Refused, Expired int
	HopLimit                                    int // deleted rather than sent past their hop limit
	ReportsSent, ReportsReceived                int // bundle status reports made here, and taken by the admin endpoint
	Fragmented, Reassembled                     int // bundles cut into fragments here, and rebuilt here from them
}

// NewNode makes a node on store.
func NewNode(num uint64, store *bstore.Store, log io.Writer) *Node {
	if log == nil {
		log = io.Discard
	}
	return &Node{Num: num, Store: store, Log: log, router: cgr.New(nil), links: map[uint64]*Link{}, refuse: map[string]uint64{}, ground: map[uint64]int{}}
}

// SetContacts replaces the contact plan (re-routing everything queued the
// next time a link asks what to send).
func (n *Node) SetContacts(cs []cgr.Contact) {
	n.mu.Lock()
	n.router = cgr.New(cs)
	n.mu.Unlock()
	n.ring()
}

// Router returns the current router.
func (n *Node) Router() *cgr.Router {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.router
}

func (n *Node) logf(format string, a ...any) {
	if n.Now != nil {
		format = n.Now().UTC().Format("01-02 15:04:05") + "  " + format
	}
	fmt.Fprintf(n.Log, format, a...)
}

// Stats returns the counters.
func (n *Node) Stats() Stats {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.stats
}

// Submit stores a bundle made here (or handed in by a local
// application) and delivers it at once if it is for this node.
func (n *Node) Submit(raw []byte, now time.Time) (bstore.Entry, error) {
	e, err := n.Store.Put(raw, 0, now)
	if err != nil {
		return e, err
	}
	n.arrived(e)
	n.ring()
	return e, nil
}

// now is the node's time (its clock, or the machine's).
func (n *Node) now() time.Time {
	if n.Now != nil {
		return n.Now()
	}
	return time.Now()
}

// report sends the bundle status report the subject asks for, if it
// asks for one of st (RFC 9171 5.1: received, 5.4: forwarded, 5.7:
// delivered, 5.10: deleted).
func (n *Node) report(sub *bundle.Subject, st bundle.Status, reason uint64) {
	if sub == nil || !sub.Wants(st) {
		return
	}
	now := n.now()
	n.mu.Lock()
	n.seq++
	seq := n.seq
	n.mu.Unlock()
	raw, err := bundle.NewStatusReport(*sub, bundle.IPN(n.Num, 0), st, reason, now, seq)
	if err == nil {
		_, err = n.Submit(raw, now)
	}
	if err != nil {
		n.logf("dtn: node %d: status report (%s) for %s: %v\n", n.Num, st, sub.Source, err)
		return
	}
	n.mu.Lock()
	n.stats.ReportsSent++
	n.mu.Unlock()
}

// admin takes a bundle for this node's administrative endpoint: a status
// report is recorded in the store (ipgs bundle list shows it).
func (n *Node) admin(b *bundle.Bundle, e bstore.Entry) {
	r, err := bundle.DecodeAdminRecord(b.Payload().Data)
	if err != nil {
		n.logf("dtn: node %d: administrative record %s from %s: %v (dropped)\n", n.Num, e.ID, e.Source, err)
		n.Store.Delivered(e.ID)
		return
	}
	for st := bundle.Received; st <= bundle.Deleted; st++ {
		if !r.Asserted[st] {
			continue
		}
		at := e.Received
		if r.Times[st] != 0 {
			at = bstore.DTNTime(r.Times[st])
		}
		n.Store.AddReport(bstore.Report{Subject: r.SubjectID(), Status: st.String(), Reason: bundle.ReasonName(r.Reason), By: b.Primary.Source.String(), At: at.UTC()})
		n.logf("dtn: node %d: status report: %s %s by %s (%s)\n", n.Num, r.SubjectID(), st, b.Primary.Source, bundle.ReasonName(r.Reason))
	}
	n.Store.Delivered(e.ID)
	n.mu.Lock()
	n.stats.ReportsReceived++
	n.mu.Unlock()
}

// arrived handles a bundle now in the store.
func (n *Node) arrived(e bstore.Entry) {
	if e.DestNode != n.Num {
		return
	}
	if e.Fragment {
		if we, ok := n.reassemble(e); ok {
			n.arrived(we)
		}
		return
	}
	raw, _, ok, err := n.Store.Get(e.ID)
	if err != nil || !ok {
		return
	}
	if b, err := bundle.Decode(raw); err == nil && b.Primary.Flags&bundle.FlagAdminRecord != 0 {
		n.admin(b, e)
		return
	}
	if n.Deliver == nil {
		return
	}
	if err := n.Deliver(raw, e); err != nil {
		n.logf("dtn: node %d: delivering %s: %v (kept; retried at the next contact)\n", n.Num, e.ID, err)
		return
	}
	n.Store.Delivered(e.ID)
	n.mu.Lock()
	n.stats.Delivered++
	n.mu.Unlock()
	n.report(e.Subject, bundle.Delivered, bundle.ReasonNone)
}

// Redeliver retries local delivery of bundles held for this node.
func (n *Node) Redeliver() {
	l, _ := n.Store.List()
	for _, e := range l {
		if e.DestNode == n.Num {
			n.arrived(e)
		}
	}
}

// Routes assigns every held bundle a route at now (see cgr.Assign).
func (n *Node) Routes(now time.Time) ([]bstore.Entry, map[string]cgr.Assignment) {
	l, _ := n.Store.List()
	var bs []cgr.Bundle
	for _, e := range l {
		if e.DestNode == n.Num {
			continue
		}
		bs = append(bs, cgr.Bundle{ID: e.ID, Dest: e.DestNode, Size: e.Size + 64, Class: e.Class, Created: e.Created, Deadline: e.Expires, Avoid: e.From})
	}
	return l, n.Router().Assign(n.Num, now, bs)
}

// Link is an open contact with a peer: both directions of the space-link
// convergence layer over it.
type Link struct {
	node *Node
	Peer uint64
	Snd  *slcl.Sender
	Rcv  *slcl.Receiver
}

// Open starts a contact with peer.
func (n *Node) Open(peer uint64, segment int) *Link {
	l := &Link{node: n, Peer: peer}
	l.Snd = &slcl.Sender{Store: n.Store, Peer: peer, Segment: segment, Node: n.Num, Done: func(e bstore.Entry, st uint8) {
		switch st {
		case slcl.StatusAccepted:
			defer n.report(e.Subject, bundle.Forwarded, bundle.ReasonNone)
		case slcl.StatusExpired:
			defer n.report(e.Subject, bundle.Deleted, bundle.ReasonLifetimeExpired)
		case slcl.StatusHopLimit:
			defer n.report(e.Subject, bundle.Deleted, bundle.ReasonHopLimitExceeded)
		}
		n.mu.Lock()
		defer n.mu.Unlock()
		switch st {
		case slcl.StatusAccepted:
			n.stats.Sent++
			n.logf("dtn: node %d: %s accepted by node %d\n", n.Num, e.ID, peer)
		case slcl.StatusRefused:
			n.stats.Refused++
			n.refuse[e.ID] = peer
			n.logf("dtn: node %d: %s refused by node %d (its store is full)\n", n.Num, e.ID, peer)
		case slcl.StatusExpired:
			n.stats.Expired++
		case slcl.StatusHopLimit:
			n.stats.HopLimit++
			n.logf("dtn: node %d: %s deleted: hop limit exceeded\n", n.Num, e.ID)
		}
	}}
	l.Rcv = &slcl.Receiver{Store: n.Store, Peer: peer, Accepted: func(e bstore.Entry) {
		n.mu.Lock()
		n.stats.Received++
		n.mu.Unlock()
		n.logf("dtn: node %d: %s received from node %d (%d bytes, for %s)\n", n.Num, e.ID, peer, e.Size, e.Dest)
		n.report(e.Subject, bundle.Received, bundle.ReasonNone)
		n.arrived(e)
		n.ring()
	}, Refused: func(k bstore.Key, err error) {
		n.logf("dtn: node %d: refused a bundle from node %d: %v\n", n.Num, peer, err)
	}}
	n.mu.Lock()
	n.links[peer] = l
	n.mu.Unlock()
	return l
}

// Close ends the contact: what is in flight resumes at the next one.
func (l *Link) Close() {
	l.Snd.Release()
	n := l.node
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.links[l.Peer] == l {
		delete(n.links, l.Peer)
	}
	for id, p := range n.refuse {
		if p == l.Peer {
			delete(n.refuse, id)
		}
	}
}

// Offer routes what is held and offers the sender the bundles whose next
// hop is this link's peer: those addressed to the peer, and those whose
// chosen route enters through it. It returns how many.
func (l *Link) Offer(now time.Time) int {
	n := l.node
	n.fragmentUnroutable(now)
	held, as := n.Routes(now)
	n.mu.Lock()
	var out []bstore.Entry
	for _, e := range held {
		if e.DestNode == n.Num || n.refuse[e.ID] == l.Peer {
			continue
		}
		if e.DestNode == l.Peer {
			out = append(out, e)
			continue
		}
		if a, ok := as[e.ID]; ok && a.Route != nil && a.Route.Entry == l.Peer {
			out = append(out, e)
		}
	}
	n.mu.Unlock()
	l.Snd.Offer(out)
	return len(out)
}

// forward is a held bundle as this node sends it on over a whole-bundle
// convergence layer (TCPCL), naming itself as local (the node id it gave
// the peer; "": ipn:N.0): see bundle.Forward. A bundle past its hop
// limit is deleted (false).
func (n *Node) forward(e bstore.Entry, local string, now time.Time) ([]byte, bool) {
	raw, _, ok, err := n.Store.Get(e.ID)
	if err != nil || !ok {
		return nil, false
	}
	self := bundle.IPN(n.Num, 0)
	if id, err := bundle.ParseEID(local); err == nil && local != "" {
		self = id
	}
	out, err := bundle.Forward(raw, self, uint64(max(0, now.Sub(e.Received).Milliseconds())))
	switch {
	case errors.Is(err, bundle.ErrHopLimit):
		n.Store.Remove(e.ID)
		n.mu.Lock()
		n.stats.HopLimit++
		n.mu.Unlock()
		n.logf("dtn: node %d: %s deleted: hop limit exceeded\n", n.Num, e.ID)
		n.report(e.Subject, bundle.Deleted, bundle.ReasonHopLimitExceeded)
		return nil, false
	case err != nil:
		return raw, true // stored, so it decoded once: sent as it came
	}
	return out, true
}

// Expire drops expired bundles, reporting their deletion where asked.
func (n *Node) Expire(now time.Time) {
	subjects := map[string]*bundle.Subject{}
	if l, err := n.Store.List(); err == nil {
		for _, e := range l {
			if e.Subject != nil && !now.Before(e.Expires) {
				subjects[e.ID] = e.Subject
			}
		}
	}
	gone, err := n.Store.Expire(now)
	defer func() {
		for _, id := range gone {
			n.report(subjects[id], bundle.Deleted, bundle.ReasonLifetimeExpired)
		}
	}()
	if err != nil {
		n.logf("dtn: node %d: expiring: %v\n", n.Num, err)
	}
	n.mu.Lock()
	n.stats.Expired += len(gone)
	n.mu.Unlock()
	for _, id := range gone {
		n.logf("dtn: node %d: %s expired\n", n.Num, id)
	}
}

// Explain says where a held bundle will go and why.
func (n *Node) Explain(id string, now time.Time) (string, error) {
	held, as := n.Routes(now)
	for _, e := range held {
		if e.ID != id {
			continue
		}
		s := fmt.Sprintf("bundle %s\n  %s → %s, %d bytes, %s, expires %s\n", e.ID, e.Source, e.Dest, e.Size, bstore.ClassName(e.Class), e.Expires.UTC().Format(time.RFC3339))
		if e.DestNode == n.Num {
			return s + "  addressed to this node: delivered to its application\n", nil
		}
		a := as[id]
		if a.Route == nil {
			return s + "  no route: " + a.Reason + "\n", nil
		}
		r := n.Router()
		s += fmt.Sprintf("  route: via node %d, %d hops, predicted delivery between %s (best case) and %s (end of its last contact)\n", a.Route.Entry, len(a.Route.Hops),
			a.Route.Arrival.UTC().Format(time.RFC3339), a.Route.Latest.UTC().Format(time.RFC3339))
		s += r.Explain(a.Route)
		if len(a.Others) > 0 {
			s += "  other routes, in the order SABR ranks them (earliest delivery, fewest hops, latest termination, smallest entry node):\n"
			for _, o := range a.Others {
				s += fmt.Sprintf("    via node %d: %d hops, delivery %s, usable until %s\n", o.Entry, len(o.Hops), o.Arrival.UTC().Format(time.RFC3339), o.Termination.UTC().Format(time.RFC3339))
			}
		}
		return s, nil
	}
	return "", fmt.Errorf("bundle %q is not held at node %d", id, n.Num)
}

// ErrNotHeld is returned for a bundle the node does not hold.
var ErrNotHeld = errors.New("dtn: not held")

// Route returns a held bundle's route now (nil: none; ErrNotHeld).
func (n *Node) Route(id string, now time.Time) (*cgr.Route, error) {
	_, as := n.Routes(now)
	a, ok := as[id]
	if !ok {
		return nil, ErrNotHeld
	}
	return a.Route, nil
}

// RelayResends is how many LTP round trips a deep-space relay contact
// keeps at its end for resending what was lost: a bundle is routed on it
// only if it goes out that long before the contact ends, and is counted
// as arriving that much later. With 10 % of segments lost each way, the
// first round of a five-segment block fails about half the time (a data
// segment, the checkpoint or the report lost), later rounds carry less;
// three rounds left about one block in ten late in the simulated week,
// six leave about one in a hundred.
const RelayResends = 6

// LTPReportSlack is what an LTP round trip takes beyond twice the light
// time: the peer's report and the timers' step.
const LTPReportSlack = 10 * time.Second

// PassContacts turns the plan's contacts into the router's. A pass
// carries rate/8 bytes per second, less the frames' overhead (AX.25,
// space packet and segment headers: about 10% at 256-byte frames), half
// of it on the downlink, which telemetry shares (the uplink carries only
// bundles and the odd command: halving it too left CGR believing a pass
// carried half of what it does, and bundle goodput at 0.5), times the
// share of frames expected through (quality; nil counts every frame). Terrestrial links join pairs of
// ground nodes for the whole span at 1 MB/s.
func PassContacts(cs []plan.DTNContact, terrestrial [][2]uint64, from, to time.Time, quality func(c *plan.DTNContact) float64) []cgr.Contact {
	var out []cgr.Contact
	for i := range cs {
		c := &cs[i]
		q := 1.0
		if quality != nil {
			q = quality(c)
		}
		rate := c.RateBits / 8 * 0.9 * q
		if c.Relay != "" { // a deep-space relay's link: bundles alone, over LTP
			out = append(out, cgr.Contact{From: uint64(c.From), To: uint64(c.To), Start: c.Start, End: c.End, Rate: rate, OWLT: c.OWLT,
				Margin: RelayResends * (2*c.OWLT + LTPReportSlack),
				Note:   fmt.Sprintf("%s contact of %s (light time %s)", cmp.Or(c.Station, "relay"), c.Relay, c.OWLT)})
			continue
		}
		if !c.Up {
			rate *= 0.5
		}
		out = append(out, cgr.Contact{From: uint64(c.From), To: uint64(c.To), Start: c.Start, End: c.End, Rate: rate, OWLT: c.OWLT,
			Note: fmt.Sprintf("%s pass of %d (%.0f%% of frames expected through)", c.Station, c.NORAD, 100*q)})
	}
	for _, t := range terrestrial {
		out = append(out,
			cgr.Contact{From: t[0], To: t[1], Start: from, End: to, Rate: 1e6, OWLT: 10 * time.Millisecond, Note: "terrestrial link"},
			cgr.Contact{From: t[1], To: t[0], Start: from, End: to, Rate: 1e6, OWLT: 10 * time.Millisecond, Note: "terrestrial link"})
	}
	return out
}
