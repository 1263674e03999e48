package dtn

import (
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/ipgs/ipgs/uplink/bstore"
	"github.com/ipgs/ipgs/uplink/bundle"
	"github.com/ipgs/ipgs/uplink/cgr"
)

// minFragment is the smallest fragment the node cuts (bytes): below it
// the blocks every fragment repeats cost more than the payload they
// carry.
const minFragment = 1024

// fragmentUnroutable cuts into fragments each held bundle that has no
// route only because no contact can carry all of it (RFC 9171 5.8): the
// largest size a route exists for, found by halving, is the fragments'
// size. The fragments take the bundle's place in the store, each routed
// on its own, and keep when it was received, so the bundle age counts
// the time held before the cut.
//
// A fragment is probed in the bundle's place in the queue, behind the
// bundles sent before it: a bundle that waits only because the contacts
// ahead are full of other bundles is not cut (cutting every waiting
// bundle in halves, and the halves again, took the bundle goodput of a
// full pass from 0.90 to 0.49). Only the first such bundle in sending
// order is cut, at the end of what a contact can carry, to fill it; the
// next call looks again with its fragments in the queue.
func (n *Node) fragmentUnroutable(now time.Time) {
	held, as := n.Routes(now)
	r := n.Router()
	var queue []cgr.Bundle
	at := map[string]int{}
	for _, e := range held {
		if e.DestNode != n.Num {
			at[e.ID] = len(queue)
			queue = append(queue, cgr.Bundle{ID: e.ID, Dest: e.DestNode, Size: e.Size + 64, Class: e.Class, Created: e.Created, Deadline: e.Expires, Avoid: e.From})
		}
	}
	// in the order Assign sends them
	order := slices.Clone(held)
	slices.SortStableFunc(order, func(a, b bstore.Entry) int {
		switch {
		case a.Class != b.Class:
			return b.Class - a.Class
		case !a.Created.Equal(b.Created):
			return a.Created.Compare(b.Created)
		}
		return strings.Compare(a.ID, b.ID)
	})
	for _, e := range order {
		a, ok := as[e.ID]
		if !ok || a.Route != nil || e.NoFragment || e.Size < 2*minFragment || e.DestNode == n.Num {
			continue
		}
		size := 0
		for s := e.Size / 2; s >= minFragment; s /= 2 {
			probe := slices.Clone(queue)
			probe[at[e.ID]].Size = s + 64
			if p := r.Assign(n.Num, now, probe)[e.ID]; p.Route != nil {
				size = s
				break
			}
		}
		if size == 0 {
			continue // no route at any size: not a matter of volume
		}
		raw, _, ok, err := n.Store.Get(e.ID)
		if err != nil || !ok {
			continue
		}
		frags, err := bundle.Fragment(raw, size)
		if err != nil || len(frags) < 2 {
			continue
		}
		if _, err := n.Store.Replace(e.ID, frags, e.From, e.Received, now); err != nil {
			n.logf("dtn: node %d: fragments of %s: %v (the bundle is kept whole)\n", n.Num, e.ID, err)
			continue
		}
		n.mu.Lock()
		n.stats.Fragmented++
		n.mu.Unlock()
		n.logf("dtn: node %d: %s (%d bytes) cut into %d fragments of at most %d bytes: no contact carries it whole\n", n.Num, e.ID, e.Size, len(frags), size)
		return
	}
}

// reassemble takes a fragment for this node (RFC 9171 5.9): once the
// fragments held cover the whole bundle, it is rebuilt, stored and
// delivered, and the fragments are done with. It returns the whole
// bundle's entry (false while fragments are missing).
func (n *Node) reassemble(e bstore.Entry) (bstore.Entry, bool) {
	if n.Store.Seen(e.Whole) {
		// the bundle is here already, or was delivered: a late fragment
		// (one cut differently on another route) has nothing to add
		n.Store.Delivered(e.ID)
		return bstore.Entry{}, false
	}
	held, err := n.Store.List()
	if err != nil {
		return bstore.Entry{}, false
	}
	var ids []string
	var raws [][]byte
	for _, h := range held {
		if h.Fragment && h.Whole == e.Whole {
			raw, _, ok, err := n.Store.Get(h.ID)
			if err == nil && ok {
				ids, raws = append(ids, h.ID), append(raws, raw)
			}
		}
	}
	whole, ok, err := bundle.Reassemble(raws)
	if err != nil {
		n.logf("dtn: node %d: reassembling %s: %v\n", n.Num, e.Whole, err)
		return bstore.Entry{}, false
	}
	if !ok {
		return bstore.Entry{}, false
	}
	we, err := n.Store.Put(whole, e.From, n.now())
	switch {
	case errors.Is(err, bstore.ErrDuplicate):
		// delivered before (fragments cut differently came again)
	case err != nil:
		n.logf("dtn: node %d: reassembled %s: %v (its fragments are kept)\n", n.Num, e.Whole, err)
		return bstore.Entry{}, false
	}
	for _, id := range ids {
		n.Store.Delivered(id)
	}
	n.mu.Lock()
	n.stats.Reassembled++
	n.mu.Unlock()
	n.logf("dtn: node %d: %s reassembled from %d fragments (%d bytes)\n", n.Num, e.Whole, len(ids), len(whole))
	return we, err == nil
}
