package dtn

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/ipgs/ipgs/scheduler/clock"
	"github.com/ipgs/ipgs/uplink/bundle"
	"github.com/ipgs/ipgs/uplink/ltp"
)

// LTPClientBundles is LTP's client service number for the bundle
// protocol (the SANA registry; ION uses it).
const LTPClientBundles = 1

// LTPLink is the node's LTP engine on a UDP socket: bundles to a peer
// engine go as red blocks of client service 1, one bundle a block, and
// the bundles of blocks from peers (one or several a block) are stored (RFC 5326; ION's LTP convergence
// layer). Peers are named by engine number, which is their node number.
type LTPLink struct {
	u interface {
		Send(to, client uint64, block []byte, red int) ltp.SessionID
		Run(ctx context.Context) error
	}
	clk   clock.Clock
	mu    sync.Mutex
	wait  map[ltp.SessionID]chan error
	early map[ltp.SessionID]error // outcomes that came before Send waited
	// blocks and bundles received; guarded by mu
	blocks, bundles int
}

// Received says how many blocks and bundles came in.
func (l *LTPLink) Received() (blocks, bundles int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.blocks, l.bundles
}

// ListenLTP starts the node's LTP engine (engine number = node number) on
// addr; peers maps peer engine numbers to their UDP addresses. With a
// store folder, the engine's sessions survive a restart (ltp.Store): the
// blocks under way are taken up again where the peers left them. Run it
// with Run.
func (n *Node) ListenLTP(addr string, peers map[uint64]string, clk clock.Clock, store string) (*LTPLink, error) {
	l, cfg, err := n.ltpLink(clk, store)
	if err != nil {
		return nil, err
	}
	if l.u, err = ltp.ListenUDP(addr, peers, cfg, l.clk); err != nil {
		return nil, err
	}
	return l, nil
}

// LTPOver starts the node's LTP engine over a link of the caller's (a
// simulation's): segments go out through send, and come in through the
// returned engine's Input; rt and up are the engine's RoundTrip and Up
// (nil: 2 s, always up). Run it with Run.
func (n *Node) LTPOver(send func(to uint64, seg []byte), rt func(peer uint64) time.Duration, up func(peer uint64, now time.Time) bool, clk clock.Clock, store string) (*LTPLink, *ltp.Mem, error) {
	l, cfg, err := n.ltpLink(clk, store)
	if err != nil {
		return nil, nil, err
	}
	cfg.Send, cfg.RoundTrip, cfg.Up = send, rt, up
	m, err := ltp.NewMem(cfg, l.clk)
	if err != nil {
		return nil, nil, err
	}
	l.u = m
	return l, m, nil
}

// ltpLink is a link without its engine yet, and the engine's
// configuration: bundles from the blocks it delivers go to the node, and
// its sessions' outcomes to the link's senders.
func (n *Node) ltpLink(clk clock.Clock, store string) (*LTPLink, ltp.Config, error) {
	if clk == nil {
		clk = clock.Real{}
	}
	l := &LTPLink{clk: clk, wait: map[ltp.SessionID]chan error{}, early: map[ltp.SessionID]error{}}
	var st *ltp.Store
	if store != "" {
		var err error
		if st, err = ltp.OpenStore(store); err != nil {
			return nil, ltp.Config{}, err
		}
	}
	cfg := ltp.Config{Engine: n.Num, Segment: 1024, Store: st, Log: func(format string, args ...any) { n.logf(format+"\n", args...) },
		Deliver: func(from ltp.SessionID, client uint64, block []byte) {
			if client != LTPClientBundles {
				return
			}
			// a block may carry several bundles (ION aggregates them)
			raws, err := bundle.Split(block)
			l.mu.Lock()
			l.blocks++
			l.bundles += len(raws)
			l.mu.Unlock()
			if err != nil {
				n.logf("dtn: node %d: LTP block from engine %d: %v (the bundles before it are kept)\n", n.Num, from.Engine, err)
			}
			for _, raw := range raws {
				if _, err := n.receiveGround(NodeID(from.Engine), raw, clk.Now()); err == nil {
					n.ring()
				}
			}
		},
		Done: func(s ltp.SessionID, err error) {
			l.mu.Lock()
			defer l.mu.Unlock()
			if ch := l.wait[s]; ch != nil {
				delete(l.wait, s)
				ch <- err // buffered
				return
			}
			l.early[s] = err
		},
	}
	return l, cfg, nil
}

// Run runs the engine until ctx ends.
func (l *LTPLink) Run(ctx context.Context) error { return l.u.Run(ctx) }

// WorkLTP sends what is routed through peer over the link until ctx
// ends (see Work), one bundle at a time, each acknowledged whole by the
// peer's LTP engine before the next.
func (n *Node) WorkLTP(ctx context.Context, l *LTPLink, peer uint64) error {
	s := &ltpSession{l: l, peer: peer, local: NodeID(n.Num), done: make(chan struct{})}
	stop := context.AfterFunc(ctx, func() { s.Close() })
	defer stop()
	return n.Work(ctx, s, l.clk.Now)
}

type ltpSession struct {
	l     *LTPLink
	peer  uint64
	local string
	once  sync.Once
	done  chan struct{}
}

var _ GroundSession = (*ltpSession)(nil)

func (s *ltpSession) PeerID() string  { return NodeID(s.peer) }
func (s *ltpSession) LocalID() string { return s.local }
func (s *ltpSession) Done() <-chan struct{} {
	return s.done
}
func (s *ltpSession) Err() error { return nil }
func (s *ltpSession) Close() error {
	s.once.Do(func() { close(s.done) })
	return nil
}

// Send sends one bundle as a red block and waits for the peer to claim
// all of it.
func (s *ltpSession) Send(ctx context.Context, raw []byte) error {
	ch := make(chan error, 1)
	id := s.l.u.Send(s.peer, LTPClientBundles, raw, -1) // not under l.mu: Done takes it under the engine's lock
	s.l.mu.Lock()
	if err, ok := s.l.early[id]; ok {
		delete(s.l.early, id)
		ch <- err
	} else {
		s.l.wait[id] = ch
	}
	s.l.mu.Unlock()
	select {
	case err := <-ch:
		if err != nil {
			return fmt.Errorf("ltp: bundle to engine %d: %w", s.peer, err)
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-s.done:
		return fmt.Errorf("ltp: link to engine %d closed", s.peer)
	}
}
