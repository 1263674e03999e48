package sim

import (
	"context"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"io"
	"path/filepath"
	"sync"
	"time"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/mission/geo"
	"github.com/ipgs/ipgs/scheduler/clock"
	"github.com/ipgs/ipgs/scheduler/deepspace"
	"github.com/ipgs/ipgs/scheduler/plan"
	"github.com/ipgs/ipgs/uplink/bstore"
	"github.com/ipgs/ipgs/uplink/dtn"
	"github.com/ipgs/ipgs/uplink/ltp"
)

// DeepSpaceOptions is a run of a mission's deep-space network: its
// stations and relays as bundle nodes, routing on the plan's relay
// contacts (CGR with their light times) and sending over LTP. A link
// carries a segment while the plan has the contact, arriving after the
// light time of the moment (the distance from the ephemeris), and loses
// FrameLoss of them, each way.
type DeepSpaceOptions struct {
	Mission   *mission.Mission
	Start     time.Time
	Duration  time.Duration
	DataDir   string
	Clock     clock.Clock // virtual time (nil: reads Start now, at 1x)
	FrameLoss float64
	Seed      uint64
	Log       io.Writer
	// Ready is called once the nodes run: submit bundles there.
	Ready func(nodes map[string]*dtn.Node, c clock.Clock) error
	// Deliver takes each bundle delivered at a node (by its name). An
	// error leaves the bundle in the node's store.
	Deliver func(node string, raw []byte, e bstore.Entry) error
}

// DeepSpaceResult is what a run did.
type DeepSpaceResult struct {
	Segments, Lost int // LTP segments sent on the links, and lost on them
	Nodes          map[string]dtn.Stats
}

// RunDeepSpace runs the network for the duration.
func RunDeepSpace(ctx context.Context, o DeepSpaceOptions) (*DeepSpaceResult, error) {
	if o.Log == nil {
		o.Log = io.Discard
	}
	clk := o.Clock
	if clk == nil {
		clk = clock.NewScaled(o.Start, 1)
	}
	end := o.Start.Add(o.Duration)
	pl, err := plan.Run(ctx, plan.NetworkOptions(o.Mission, nil, o.Start, o.Duration, io.Discard))
	if err != nil {
		return nil, err
	}
	contacts, err := dtn.MissionContacts(o.Mission, pl, nil, o.Start, end)
	if err != nil {
		return nil, err
	}
	// the links: each pair's contacts, in time order
	type pair struct{ from, to uint64 }
	links := map[pair][]deepspace.Contact{}
	for _, c := range pl.Relays {
		k := pair{uint64(c.From), uint64(c.To)}
		links[k] = append(links[k], c)
	}
	at := func(k pair, t time.Time) *deepspace.Contact {
		for i := range links[k] {
			if c := &links[k][i]; !t.Before(c.Start) && t.Before(c.End) {
				return c
			}
		}
		return nil
	}
	// the nodes
	names := map[uint64]string{}
	for _, s := range o.Mission.Stations {
		if n, err := mission.IPNNode(s.DTNNode); err == nil {
			names[uint64(n)] = s.Name
		}
	}
	for _, r := range o.Mission.Relays {
		if n, err := mission.IPNNode(r.DTNNode); err == nil {
			names[uint64(n)] = r.Name
		}
	}
	res := &DeepSpaceResult{Nodes: map[string]dtn.Stats{}}
	var mu sync.Mutex // res's counters
	nodes := map[string]*dtn.Node{}
	byNum := map[uint64]*dtn.Node{}
	mems := map[uint64]*ltp.Mem{}
	ltps := map[uint64]*dtn.LTPLink{}
	var stores []*bstore.Store
	defer func() {
		for _, s := range stores {
			s.Close()
		}
	}()
	for num, name := range names {
		st, err := bstore.Open(filepath.Join(o.DataDir, name+".db"), bstore.Options{})
		if err != nil {
			return nil, err
		}
		stores = append(stores, st)
		n := dtn.NewNode(num, st, o.Log)
		n.Now = clk.Now
		n.SetContacts(contacts)
		if o.Deliver != nil {
			n.Deliver = func(raw []byte, e bstore.Entry) error { return o.Deliver(name, raw, e) }
		}
		nodes[name], byNum[num] = n, n
		send := func(to uint64, seg []byte) {
			now := clk.Now()
			c := at(pair{num, to}, now)
			// lost or not by a hash of what is sent when, not by a shared
			// random sequence: the engines' goroutines draw in no fixed
			// order, and a run must come out the same each time
			lost := c == nil || lossDraw(o.Seed, num, to, now, seg) < o.FrameLoss
			mu.Lock()
			res.Segments++
			if lost {
				res.Lost++
			}
			mu.Unlock()
			if lost {
				return
			}
			seg = append([]byte(nil), seg...)
			clk.AfterFunc(time.Duration(c.Range(now)/geo.SpeedOfLight*float64(time.Second)), func() {
				if m := mems[to]; m != nil {
					m.Input(seg)
				}
			})
		}
		rt := func(peer uint64) time.Duration {
			now := clk.Now()
			light := time.Second
			if c := at(pair{num, peer}, now); c != nil {
				light = c.OWLT
			} else if cs := links[pair{num, peer}]; len(cs) > 0 {
				light = cs[0].OWLT
			}
			return 2*light + dtn.LTPReportSlack
		}
		up := func(peer uint64, t time.Time) bool {
			return at(pair{num, peer}, t) != nil && at(pair{peer, num}, t) != nil
		}
		l, m, err := n.LTPOver(send, rt, up, clk, filepath.Join(o.DataDir, name+"-ltp"))
		if err != nil {
			return nil, err
		}
		ltps[num], mems[num] = l, m
	}
	runCtx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	for num, l := range ltps {
		wg.Go(func() { l.Run(runCtx) })
		for k := range links {
			if k.from == num {
				n := byNum[num]
				wg.Go(func() {
					if err := n.WorkLTP(runCtx, l, k.to); err != nil && runCtx.Err() == nil {
						fmt.Fprintf(o.Log, "deep space: %s to %s: %v\n", names[num], names[k.to], err)
					}
				})
			}
		}
	}
	if o.Ready != nil {
		if err := o.Ready(nodes, clk); err != nil {
			return nil, err
		}
	}
	if err := clk.Sleep(ctx, end.Sub(clk.Now())); err != nil {
		return nil, err
	}
	cancel()
	wg.Wait()
	for name, n := range nodes {
		res.Nodes[name] = n.Stats()
	}
	return res, nil
}

// lossDraw is a number in [0, 1) drawn from a segment's sender,
// receiver and time, and what its header says (type, session, offset,
// length, serials): not its data, which holds random nonces.
func lossDraw(seed, from, to uint64, at time.Time, seg []byte) float64 {
	h := fnv.New64a()
	var b []byte
	for _, v := range []uint64{seed, from, to, uint64(at.UnixNano())} {
		b = binary.BigEndian.AppendUint64(b, v)
	}
	if s, err := ltp.Decode(seg); err == nil {
		for _, v := range []uint64{uint64(s.Type), s.Session.Engine, s.Session.Number, s.Offset, uint64(len(s.Data)), s.Checkpoint, s.Serial, s.Lower, s.Upper} {
			b = binary.BigEndian.AppendUint64(b, v)
		}
	}
	h.Write(b)
	return float64(h.Sum64()>>11) / (1 << 53)
}
