package ground

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/scheduler/plan"
	"github.com/ipgs/ipgs/uplink/bstore"
	"github.com/ipgs/ipgs/uplink/cgr"
	"github.com/ipgs/ipgs/uplink/dtn"
)

// Bundles configure a station's bundle agent. The station must have a
// dtn_node in the mission; a station without one runs no agent.
type Bundles struct {
	Store string // the bundle store's file
	Quota [3]int64
	// Terrestrial are the mission's ground links (pairs of station
	// names): the routers' contact plan has them for the whole window.
	Terrestrial [][2]string
	// Deliver takes a bundle for this node (nil: it is written to Inbox,
	// or kept when there is none).
	Deliver func(raw []byte, e bstore.Entry) error
	// Witness, when set, is told of every bundle delivered here and
	// returns the bundles to send in answer (pqlink/gov's Witness.Observe:
	// the station's signed receipts for governance items).
	Witness func(raws [][]byte, now time.Time) ([][]byte, error)
	// Inbox, Outbox and Admin, when set, are the folder delivered bundles
	// are written to, the folder whose files are sent as bundles, and the
	// admin socket (ipgs bundle list/send).
	Inbox, Outbox, Admin string
	// TCPCL ground links: the TLS identity and trusted certificates,
	// where sessions from other stations are accepted (nil: nowhere; the
	// runtime closes it), and the peers this station dials (the smaller
	// node number dials), with Dial (nil: TCP).
	TLS      *tls.Config
	Listener net.Listener
	Peers    []Peer
	Dial     func(ctx context.Context, addr string) (net.Conn, error)
	Out      io.Writer // what the operator reads: TCPCL address, deliveries
}

// Where ipgs station run keeps a station's bundle folders, under the
// data folder: the outbox it sends from and the inbox (the station's
// governance ledger) it delivers to.
func OutboxDir(data, station string) string { return filepath.Join(data, "bundles", station, "outbox") }
func InboxDir(data, station string) string  { return filepath.Join(data, "bundles", station, "inbox") }

// Peer is another station's bundle agent that this one dials.
type Peer struct {
	Addr string
	Node uint64
}

// agent is a runtime's bundle agent.
type agent struct {
	r     *Runtime
	b     *Bundles
	store *bstore.Store
	node  *dtn.Node
}

func newAgent(r *Runtime, b *Bundles) (*agent, error) {
	sc := &r.cfg.Mission.Stations[r.cfg.Station]
	num, err := mission.IPNNode(sc.DTNNode)
	if err != nil {
		return nil, fmt.Errorf("bundles: station %s: %w", sc.Name, err)
	}
	contacts, err := r.contacts(r.plan, b)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(b.Store), 0o755); err != nil {
		return nil, err
	}
	names := dtn.MissionNames(r.cfg.Mission)
	bs, err := bstore.Open(b.Store, bstore.Options{Quota: b.Quota, NoSync: r.cfg.NoSync, Names: names})
	if err != nil {
		return nil, fmt.Errorf("%w (is another ipgs station run working %s?)", err, sc.Name)
	}
	if b.Out == nil {
		b.Out = io.Discard
	}
	a := &agent{r: r, b: b, store: bs}
	a.node = dtn.NewNode(uint64(num), bs, r.cfg.Log)
	a.node.Now = r.cfg.Clock.Now
	a.node.Names = names
	a.node.SetContacts(contacts)
	switch {
	case b.Deliver != nil:
		a.node.Deliver = b.Deliver
	case b.Inbox != "":
		a.node.Deliver = func(raw []byte, e bstore.Entry) error {
			_, err := dtn.WriteFile(b.Inbox, raw)
			if err == nil {
				fmt.Fprintf(b.Out, "%s bundle %s from %s delivered (%d bytes) to %s\n", r.cfg.Clock.Now().UTC().Format(time.RFC3339), e.ID, e.Source, e.Size, b.Inbox)
			}
			return err
		}
	}
	if deliver := a.node.Deliver; deliver != nil && b.Witness != nil {
		a.node.Deliver = func(raw []byte, e bstore.Entry) error {
			if err := deliver(raw, e); err != nil {
				return err
			}
			now := r.cfg.Clock.Now()
			answers, err := b.Witness([][]byte{raw}, now)
			if err != nil {
				fmt.Fprintln(r.cfg.Log, "bundles: receipt:", err)
			}
			for _, ans := range answers {
				if _, err := a.node.Submit(ans, now); err != nil && !errors.Is(err, bstore.ErrDuplicate) {
					fmt.Fprintln(r.cfg.Log, "bundles: receipt:", err)
				}
			}
			return nil
		}
	}
	a.node.Redeliver()
	return a, nil
}

// contacts is the routers' contact plan for pl.
func (r *Runtime) contacts(pl *plan.Plan, b *Bundles) ([]cgr.Contact, error) {
	return dtn.MissionContacts(r.cfg.Mission, pl, b.Terrestrial, r.cfg.Start, r.cfg.Start.Add(r.cfg.Duration))
}

// run starts the agent's goroutines in wg; they stop when ctx ends.
func (a *agent) run(ctx context.Context, wg *sync.WaitGroup) {
	n, b, clk, log := a.node, a.b, a.r.cfg.Clock, a.r.cfg.Log
	if b.Admin != "" {
		wg.Go(func() {
			if err := n.ServeAdmin(ctx, b.Admin, clk.Now); err != nil && ctx.Err() == nil {
				fmt.Fprintln(log, "bundles: admin socket:", err)
			}
		})
	}
	if b.Outbox != "" {
		if err := os.MkdirAll(b.Outbox, 0o755); err != nil {
			fmt.Fprintln(log, "bundles: outbox:", err)
		}
		// the outbox is a folder people and programs drop files in: it is
		// looked at twice a wall second, whatever the clock's speed
		wg.Go(func() {
			t := time.NewTicker(500 * time.Millisecond)
			defer t.Stop()
			for {
				if _, err := n.TakeOutbox(b.Outbox, clk.Now()); err != nil {
					fmt.Fprintln(log, "bundles: outbox:", err)
				}
				n.Expire(clk.Now())
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
			}
		})
	}
	// peers over LTP (NASA's ION): the station's engine on its ltp address
	st := a.r.cfg.Mission.Stations[a.r.cfg.Station]
	ltpPeers := map[uint64]string{}
	for _, p := range st.DTNPeers {
		if p.Protocol == "ltp" && p.PeerNumber() > 0 {
			ltpPeers[uint64(p.PeerNumber())] = p.Address
		}
	}
	if st.LTP != "" && len(ltpPeers) > 0 {
		l, err := n.ListenLTP(st.LTP, ltpPeers, clk, strings.TrimSuffix(b.Store, filepath.Ext(b.Store))+"-ltp")
		if err != nil {
			fmt.Fprintln(log, "bundles: LTP:", err)
		} else {
			fmt.Fprintf(log, "bundles: LTP engine %d on %s for %d peer engine(s)\n", n.Num, st.LTP, len(ltpPeers))
			wg.Go(func() {
				if err := l.Run(ctx); err != nil {
					fmt.Fprintln(log, "bundles: LTP:", err)
				}
			})
			for peer := range ltpPeers {
				wg.Go(func() { n.WorkLTP(ctx, l, peer) })
			}
		}
	}
	if b.TLS == nil {
		return
	}
	cfg := n.TCPCLConfig(b.TLS, clk.Now)
	cfg.Dial = b.Dial
	// peers outside the mission: those named as having no TLS may come
	// without it; those with an address are dialled
	peers := a.r.cfg.Mission.Stations[a.r.cfg.Station].DTNPeers
	cfg.PlainPeer = func(id string) bool {
		for _, p := range peers {
			if p.Node == id && p.TLS == "optional" {
				return true
			}
		}
		return false
	}
	cfg.LocalID = func(id string) string {
		for _, p := range peers {
			if p.Node == id {
				return p.As
			}
		}
		return ""
	}
	// TCPCL version 3 peers (NASA's ION): dialled, or taken on the same
	// listener, which tells the versions apart by the contact header
	self := dtn.NodeID(n.Num)
	cfg3 := n.TCPCL3Config(self, clk.Now)
	cfg3.LocalID = cfg.LocalID
	v3 := func(id string) bool {
		for _, p := range peers {
			if p.Node == id && p.Protocol == "tcpclv3" {
				return true
			}
		}
		return false
	}
	cfg.Version3 = func(c net.Conn) { n.Serve3(ctx, c, cfg3, v3, clk.Now) }
	for _, p := range peers {
		if p.Address == "" || p.Protocol == "ltp" {
			continue
		}
		if p.Protocol == "tcpclv3" {
			pcfg := cfg3
			pcfg.LocalID = nil
			if p.As != "" {
				pcfg.EID = p.As
			}
			wg.Go(func() { n.Peer3(ctx, p.Address, uint64(p.PeerNumber()), pcfg, clk.Now) })
			continue
		}
		pcfg := cfg
		if p.As != "" {
			pcfg.NodeID = p.As
		}
		wg.Go(func() { n.Peer(ctx, p.Address, uint64(p.PeerNumber()), pcfg, clk.Now) })
	}
	if b.Listener != nil {
		wg.Go(func() {
			if err := n.ServeGround(ctx, b.Listener, cfg, clk.Now); err != nil && !errors.Is(err, context.Canceled) {
				fmt.Fprintln(log, "bundles: TCPCL:", err)
			}
		})
	}
	for _, p := range b.Peers {
		wg.Go(func() { n.Peer(ctx, p.Addr, p.Node, cfg, clk.Now) })
	}
}

func (a *agent) close() {
	if a.b.Listener != nil {
		a.b.Listener.Close()
	}
	a.store.Close()
}
