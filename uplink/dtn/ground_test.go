package dtn

import (
	"context"
	"crypto/x509"
	"net"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ipgs/ipgs/uplink/bstore"
	"github.com/ipgs/ipgs/uplink/bundle"
	"github.com/ipgs/ipgs/uplink/cgr"
	"github.com/ipgs/ipgs/uplink/tcpcl"
)

var t0 = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

func mkBundle(t testing.TB, dest, seq uint64, size int) []byte {
	b := &bundle.Bundle{
		Primary: bundle.Primary{CRCType: bundle.CRC32C, Dest: bundle.IPN(dest, 1), Source: bundle.IPN(1, 1), ReportTo: bundle.IPN(1, 1),
			Created: uint64(t0.Sub(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)).Milliseconds()), Seq: seq, Lifetime: 86400000},
		Blocks: []bundle.Block{{Type: bundle.TypePayload, Number: 1, CRCType: bundle.CRC32C, Data: make([]byte, size)}},
	}
	raw, err := b.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

type delivered struct {
	mu  sync.Mutex
	ids []string
}

func (d *delivered) deliver(raw []byte, e bstore.Entry) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.ids = append(d.ids, e.ID)
	return nil
}

func (d *delivered) count() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.ids)
}

// Two ground nodes joined by TCPCL over TLS: a bundle for the peer goes
// straight to it, one for a drone whose only route enters at the peer
// goes there too, and one the peer already holds is dropped here.
func TestGroundRelay(t *testing.T) {
	dir := t.TempDir()
	now := func() time.Time { return t0.Add(time.Minute) }
	mk := func(num uint64) (*Node, *delivered) {
		s, err := bstore.Open(filepath.Join(dir, NodeID(num)+".db"), bstore.Options{NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		n := NewNode(num, s, nil)
		d := &delivered{}
		n.Deliver = d.deliver
		n.SetContacts([]cgr.Contact{
			{From: 1, To: 2, Start: t0, End: t0.Add(24 * time.Hour), Rate: 1e6},
			{From: 2, To: 1, Start: t0, End: t0.Add(24 * time.Hour), Rate: 1e6},
			{From: 2, To: 101, Start: t0.Add(2 * time.Hour), End: t0.Add(2*time.Hour + 10*time.Minute), Rate: 100},
		})
		return n, d
	}
	a, _ := mk(1)
	b, db := mk(2)
	ia, _ := tcpcl.NewIdentity(NodeID(1))
	ib, _ := tcpcl.NewIdentity(NodeID(2))
	pool := []*x509.Certificate{ia.Leaf, ib.Leaf}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go b.ServeGround(ctx, ln, b.TCPCLConfig(tcpcl.TLSConfig(ib, pool), now), now)
	go a.Peer(ctx, ln.Addr().String(), 2, a.TCPCLConfig(tcpcl.TLSConfig(ia, pool), now), now)

	forB, forDrone := mkBundle(t, 2, 1, 5000), mkBundle(t, 101, 2, 300)
	for _, raw := range [][]byte{forB, forDrone} {
		if _, err := a.Submit(raw, now()); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "both bundles to leave node 1", func() bool { l, _ := a.Store.List(); return len(l) == 0 })
	if db.count() != 1 {
		t.Fatalf("node 2 delivered %d bundles, want 1", db.count())
	}
	l, _ := b.Store.List()
	if len(l) != 1 || l[0].DestNode != 101 {
		t.Fatalf("node 2 holds %+v, want the drone's bundle", l)
	}
	// the same bundle again: node 2 answers "completed", node 1 drops it
	if _, err := a.Submit(forDrone, now()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the copy to be dropped", func() bool { l, _ := a.Store.List(); return len(l) == 0 })
	if l, _ := b.Store.List(); len(l) != 1 {
		t.Fatalf("node 2 holds %d bundles after a copy", len(l))
	}
	if st := a.Stats(); st.Sent != 3 {
		t.Errorf("node 1 stats %+v", st)
	}
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if ok() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}
