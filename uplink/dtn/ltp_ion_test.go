package dtn

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipgs/ipgs/internal/iontest"
	"github.com/ipgs/ipgs/uplink/bstore"
	"github.com/ipgs/ipgs/uplink/bundle"
	"github.com/ipgs/ipgs/uplink/cgr"
	"github.com/ipgs/ipgs/uplink/ltp"
)

// TestBundlesOverLTPWithION exchanges bundles with NASA ION 4.1.x
// (IPGS_PEER_ION names its install prefix; skipped without it) over LTP
// on UDP, ION's LTP convergence layer (ltpcli/ltpclo) at the other end:
// three bundles from ION's bpsource, which ION's aggregation (up to
// 4000 bytes or 2 s) puts in fewer blocks, reach node 1's application, and
// a bundle node 1 submits for ipn:900.1 reaches ION's bpsink once.
func TestBundlesOverLTPWithION(t *testing.T) {
	iontest.Prefix(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	s, err := bstore.Open(filepath.Join(t.TempDir(), "n1.db"), bstore.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	n := NewNode(1, s, nil)
	got := &delivered{}
	n.Deliver = got.deliver
	now := time.Now()
	n.SetContacts([]cgr.Contact{{From: 1, To: 900, Start: now.Add(-time.Hour), End: now.Add(24 * time.Hour), Rate: 1e6}})

	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	ionPort := c.LocalAddr().(*net.UDPAddr).Port
	c.Close()
	l, err := n.ListenLTP("127.0.0.1:0", map[uint64]string{900: fmt.Sprintf("127.0.0.1:%d", ionPort)}, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { l.Run(runCtx) })
	wg.Go(func() { n.WorkLTP(runCtx, l, 900) })
	defer wg.Wait()
	defer stop()

	rc := iontest.Node900(10000000) + iontest.LTPSpan(l.u.(*ltp.UDP).Addr().Port, ionPort, 4000, 2) + iontest.BPOverLTP
	ion := iontest.Start(t, rc)

	// ION → ipgs: three bundles within ION's 2 s aggregation time, so
	// that they share an LTP block
	for i := range 3 {
		ion.CmdContext(ctx, "", "bpsource", "ipn:1.1", fmt.Sprintf("directive %d from ION over LTP", i))
	}
	iontest.Poll(t, 60*time.Second, "ION's three bundles at node 1", func() bool { return got.count() >= 3 })
	if got.count() != 3 {
		t.Errorf("%d bundles delivered from ION, want 3", got.count())
	}
	blocks, bundles := l.Received()
	t.Logf("from ION: %d bundles in %d LTP blocks", bundles, blocks)

	// ipgs → ION
	sink := make(chan string, 1)
	sinkCtx, stopSink := context.WithCancel(ctx)
	go func() { sink <- ion.CmdContext(sinkCtx, "", "bpsink", "ipn:900.1") }()
	time.Sleep(2 * time.Second)
	b := &bundle.Bundle{
		Primary: bundle.Primary{CRCType: bundle.CRC32C, Dest: bundle.IPN(900, 1), Source: bundle.IPN(1, 1), ReportTo: bundle.IPN(1, 0),
			Created: bundle.DTNTime(time.Now()), Seq: 1, Lifetime: 3600_000},
		Blocks: []bundle.Block{bundle.HopCountBlock(2, 30, 0), {Type: bundle.TypePayload, Number: 1, CRCType: bundle.CRC32C, Data: []byte("directive from ipgs over LTP")}},
	}
	raw, err := b.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Submit(raw, time.Now()); err != nil {
		t.Fatal(err)
	}
	iontest.Poll(t, 60*time.Second, "node 1's bundle leaving for ION", func() bool { return n.Stats().Sent > 0 })
	time.Sleep(3 * time.Second)
	stopSink()
	out := <-sink
	t.Logf("bpsink: %s", strings.TrimSpace(out))
	if strings.Count(out, "directive from ipgs over LTP") != 1 {
		t.Errorf("ION's bpsink did not get the bundle once")
	}
}
