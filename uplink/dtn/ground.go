package dtn

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/ipgs/ipgs/uplink/bstore"
	"github.com/ipgs/ipgs/uplink/bundle"
	"github.com/ipgs/ipgs/uplink/tcpcl"
	"github.com/ipgs/ipgs/uplink/tcpcl3"
)

// NodeID is the ipn node id of node number num ("ipn:N.0").
func NodeID(num uint64) string { return fmt.Sprintf("ipn:%d.0", num) }

// NodeNum parses an ipn node id.
func NodeNum(id string) (uint64, error) {
	s, ok := strings.CutPrefix(id, "ipn:")
	if !ok {
		return 0, fmt.Errorf("node id %q: want ipn:N.0", id)
	}
	s, _, _ = strings.Cut(s, ".")
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("node id %q: want ipn:N.0 with N > 0", id)
	}
	return n, nil
}

// peerNum is the node number of the peer whose node id is id: a named
// peer's (Names), or an ipn node id's own.
func (n *Node) peerNum(id string) (uint64, error) {
	if k, ok := n.Names[id]; ok {
		return k, nil
	}
	return NodeNum(id)
}

// idOf is the node id node number num gives in a session.
func (n *Node) idOf(num uint64) string {
	for id, k := range n.Names {
		if k == num {
			return id
		}
	}
	return NodeID(num)
}

// GroundSession is a session with a ground peer over either TCPCL
// version (tcpcl, tcpcl3).
type GroundSession interface {
	PeerID() string
	LocalID() string
	Send(ctx context.Context, bundle []byte) error
	Done() <-chan struct{}
	Err() error
	Close() error
}

// Outcomes of taking a bundle from a ground peer.
const (
	taken = iota
	alreadyHeld
	noResources
	notAcceptable
)

// receiveGround stores a bundle a ground peer sent: a transfer is
// acknowledged once the store committed it, a bundle already held is
// answered "completed", a full store "no resources", an expired or
// malformed bundle "not acceptable".
func (n *Node) receiveGround(peer string, raw []byte, now time.Time) (int, error) {
	from, _ := n.peerNum(peer)
	e, err := n.Store.Put(raw, from, now)
	switch {
	case errors.Is(err, bstore.ErrDuplicate):
		return alreadyHeld, err
	case errors.Is(err, bstore.ErrFull):
		n.logf("dtn: node %d: refused a bundle from %s: %v\n", n.Num, peer, err)
		return noResources, err
	case err != nil:
		n.logf("dtn: node %d: refused a bundle from %s: %v\n", n.Num, peer, err)
		return notAcceptable, err
	}
	n.mu.Lock()
	n.stats.Received++
	n.mu.Unlock()
	n.logf("dtn: node %d: %s received from %s over a ground link (%d bytes, for %s)\n", n.Num, e.ID, peer, e.Size, e.Dest)
	n.report(e.Subject, bundle.Received, bundle.ReasonNone)
	n.arrived(e)
	n.ring()
	return taken, nil
}

// TCPCLConfig is the TCPCL configuration under which the node's ground
// links store what they receive (see receiveGround).
func (n *Node) TCPCLConfig(tc *tls.Config, now func() time.Time) tcpcl.Config {
	return tcpcl.Config{NodeID: NodeID(n.Num), TLS: tc, Log: n.Log, Receive: func(peer string, raw []byte) error {
		switch k, err := n.receiveGround(peer, raw, now()); k {
		case alreadyHeld:
			return tcpcl.Refuse(tcpcl.RefuseCompleted, err)
		case noResources:
			return tcpcl.Refuse(tcpcl.RefuseNoResources, err)
		case notAcceptable:
			return tcpcl.Refuse(tcpcl.RefuseNotAcceptable, err)
		}
		return nil
	}}
}

// TCPCL3Config is the same for TCPCL version 3 peers (NASA's ION), the
// node giving them the endpoint id eid.
func (n *Node) TCPCL3Config(eid string, now func() time.Time) tcpcl3.Config {
	return tcpcl3.Config{EID: eid, Log: n.Log, Receive: func(peer string, raw []byte) error {
		switch k, err := n.receiveGround(peer, raw, now()); k {
		case alreadyHeld:
			return tcpcl3.Refuse(tcpcl3.RefuseCompleted, err)
		case noResources, notAcceptable:
			return tcpcl3.Refuse(tcpcl3.RefuseNoResources, err)
		}
		return nil
	}}
}

// ring wakes the ground sessions: something new may be routed through
// them.
func (n *Node) ring() {
	n.mu.Lock()
	if n.bell != nil {
		close(n.bell)
	}
	n.bell = make(chan struct{})
	n.mu.Unlock()
}

func (n *Node) waitBell() <-chan struct{} {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.bell == nil {
		n.bell = make(chan struct{})
	}
	return n.bell
}

// Work sends over an established ground session, one bundle at a time,
// what is routed through its peer (addressed to it, or entering its
// route there), until the session or ctx ends. A bundle leaves the store
// only when the peer acknowledged all of it; one the peer already holds
// is dropped too. It looks again when a bundle arrives or is submitted,
// and every second.
func (n *Node) Work(ctx context.Context, s GroundSession, now func() time.Time) error {
	peer, err := n.peerNum(s.PeerID())
	if err != nil {
		s.Close()
		return err
	}
	n.mu.Lock()
	n.ground[peer]++
	n.mu.Unlock()
	defer func() {
		n.mu.Lock()
		n.ground[peer]--
		n.mu.Unlock()
	}()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		bell := n.waitBell()
		for _, e := range n.routedVia(peer, now()) {
			if !n.claim(e.ID) {
				continue // another session with this peer (both ends dialled) has it
			}
			raw, ok := n.forward(e, s.LocalID(), now())
			if !ok {
				n.release(e.ID)
				continue
			}
			err := s.Send(ctx, raw)
			n.release(e.ID)
			var re interface{ AlreadyHeld() bool }
			switch {
			case err == nil || errors.As(err, &re) && re.AlreadyHeld():
				n.Store.Remove(e.ID)
				n.mu.Lock()
				n.stats.Sent++
				n.mu.Unlock()
				n.logf("dtn: node %d: %s accepted by node %d over a ground link\n", n.Num, e.ID, peer)
				n.report(e.Subject, bundle.Forwarded, bundle.ReasonNone)
			case errors.As(err, &re):
				n.mu.Lock()
				n.stats.Refused++
				n.refuse[e.ID] = peer
				n.mu.Unlock()
				n.logf("dtn: node %d: %s refused by node %d: %v\n", n.Num, e.ID, peer, err)
			default:
				return err
			}
		}
		select {
		case <-ctx.Done():
			s.Close()
			return ctx.Err()
		case <-s.Done():
			n.mu.Lock()
			for id, p := range n.refuse {
				if p == peer {
					delete(n.refuse, id)
				}
			}
			n.mu.Unlock()
			return s.Err()
		case <-bell:
		case <-tick.C:
		}
	}
}

// claim marks a bundle as being sent on a ground session; false if
// another session is sending it.
func (n *Node) claim(id string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.sending[id] {
		return false
	}
	if n.sending == nil {
		n.sending = map[string]bool{}
	}
	n.sending[id] = true
	return true
}

func (n *Node) release(id string) {
	n.mu.Lock()
	delete(n.sending, id)
	n.mu.Unlock()
}

// routedVia lists the held bundles whose next hop is peer.
func (n *Node) routedVia(peer uint64, now time.Time) []bstore.Entry {
	n.fragmentUnroutable(now)
	held, as := n.Routes(now)
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []bstore.Entry
	for _, e := range held {
		if e.DestNode == n.Num || n.refuse[e.ID] == peer {
			continue
		}
		// a bundle goes where its route enters; one with no route goes
		// to its destination when a session with it is open. (Every bundle
		// for the peer went to it: over LTP to Mars, a session opened
		// while the link was down held an answer for hours that its route
		// sent through the lunar relay at once.)
		a, ok := as[e.ID]
		routed := ok && a.Route != nil
		if routed && a.Route.Entry == peer || !routed && e.DestNode == peer {
			out = append(out, e)
		}
	}
	return out
}

// ServeGround accepts ground sessions on ln and works each until ctx
// ends.
func (n *Node) ServeGround(ctx context.Context, ln net.Listener, cfg tcpcl.Config, now func() time.Time) error {
	return tcpcl.Serve(ctx, ln, cfg, func(s *tcpcl.Session) {
		n.logf("dtn: node %d: ground session with %s (it dialled)%s\n", n.Num, s.Peer, tlsNote(s))
		err := n.Work(ctx, s, now)
		if err != nil && ctx.Err() == nil {
			n.logf("dtn: node %d: ground session with %s ended: %v\n", n.Num, s.Peer, err)
		}
	})
}

func tlsNote(g GroundSession) string {
	s, ok := g.(*tcpcl.Session)
	switch {
	case !ok:
		return " (TCPCL version 3, no TLS)"
	case s.TLS == nil:
		return " (no TLS)"
	}
	return fmt.Sprintf(" (TLS 1.3, %s)", s.TLS.CurveID)
}

// Serve3 works a TCPCL version 3 session a peer opened (the connection
// ServeGround's Version3 handed over): only from peers in allowed (their
// endpoint ids), each given the endpoint id local names.
func (n *Node) Serve3(ctx context.Context, c net.Conn, cfg tcpcl3.Config, allowed func(peer string) bool, now func() time.Time) {
	hctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	s, err := tcpcl3.Handshake(hctx, c, cfg)
	cancel()
	if err != nil {
		n.logf("dtn: node %d: TCPCLv3 session from %s refused: %v\n", n.Num, c.RemoteAddr(), err)
		c.Close()
		return
	}
	if !allowed(s.Peer) {
		n.logf("dtn: node %d: TCPCLv3 session from %s refused: %s is not a peer named for TCPCL version 3\n", n.Num, c.RemoteAddr(), s.Peer)
		s.Close()
		return
	}
	n.logf("dtn: node %d: ground session with %s (it dialled)%s\n", n.Num, s.Peer, tlsNote(s))
	if err := n.Work(ctx, s, now); err != nil && ctx.Err() == nil {
		n.logf("dtn: node %d: ground session with %s ended: %v\n", n.Num, s.Peer, err)
	}
}

// Peer keeps a ground session with node peer at addr up until ctx ends:
// it dials, works the session, and dials again after a failure (waiting
// 1 s, doubling to 1 min). A session the peer opened is worked by
// ServeGround; Peer does not dial while one is up.
func (n *Node) Peer(ctx context.Context, addr string, peer uint64, cfg tcpcl.Config, now func() time.Time) {
	n.keepPeer(ctx, addr, peer, func(ctx context.Context) (GroundSession, error) { return tcpcl.Dial(ctx, addr, n.idOf(peer), cfg) }, now)
}

// Peer3 is Peer for a TCPCL version 3 peer (NASA's ION).
func (n *Node) Peer3(ctx context.Context, addr string, peer uint64, cfg tcpcl3.Config, now func() time.Time) {
	n.keepPeer(ctx, addr, peer, func(ctx context.Context) (GroundSession, error) {
		dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		return tcpcl3.Dial(dctx, addr, cfg)
	}, now)
}

func (n *Node) keepPeer(ctx context.Context, addr string, peer uint64, dial func(context.Context) (GroundSession, error), now func() time.Time) {
	wait := time.Second
	for ctx.Err() == nil {
		n.mu.Lock()
		up := n.ground[peer] > 0
		n.mu.Unlock()
		if !up {
			s, err := dial(ctx)
			if err != nil {
				n.logf("dtn: node %d: ground link to node %d at %s: %v (again in %s)\n", n.Num, peer, addr, err, wait)
			} else {
				n.logf("dtn: node %d: ground session with %s at %s%s\n", n.Num, s.PeerID(), addr, tlsNote(s))
				wait = time.Second
				if err := n.Work(ctx, s, now); err != nil && ctx.Err() == nil {
					n.logf("dtn: node %d: ground session with node %d ended: %v\n", n.Num, peer, err)
				}
				continue
			}
		}
		if up {
			wait = time.Second
		}
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
		if !up {
			wait = min(2*wait, time.Minute)
		}
	}
}
