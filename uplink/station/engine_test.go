package station

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ipgs/ipgs/uplink/proto"
)

func TestAddRangeMergesRuns(t *testing.T) {
	var rs []proto.Range
	for _, no := range []uint32{1, 2, 3, 7, 8, 10} {
		rs = addRange(rs, no)
	}
	want := []proto.Range{{Lo: 1, Hi: 3}, {Lo: 7, Hi: 8}, {Lo: 10, Hi: 10}}
	if len(rs) != len(want) {
		t.Fatalf("%v", rs)
	}
	for i := range want {
		if rs[i] != want[i] {
			t.Fatalf("%v, want %v", rs, want)
		}
	}
}

type syncBuf struct {
	bytes.Buffer
	syncs int
}

func (s *syncBuf) Sync() error { s.syncs++; return nil }

func TestFileSinkDurableOnSync(t *testing.T) {
	var b syncBuf
	s := NewFileSink(&b)
	s.Write(&TM{Sat: 1, No: 1})
	if b.Len() != 0 {
		t.Fatalf("written before Sync: %q", b.String())
	}
	if err := s.Sync(); err != nil || b.Len() == 0 || b.syncs != 1 {
		t.Fatalf("after Sync: %d bytes, %d syncs, %v", b.Len(), b.syncs, err)
	}
	s.Sync()
	if b.syncs != 1 {
		t.Errorf("Sync with nothing new synced again")
	}
}

// TestDiversity: a frame heard by both the TNC and an injecting SDR is
// handled once; the satellite sending the same frame again through one
// receiver is kept; so is a copy from the other receiver after the
// window.
func TestDiversity(t *testing.T) {
	e := New(Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e.ctx = ctx
	e.deliver(ctx, []byte("a"), false)
	e.Inject([]byte("a"))              // the SDR's copy: dropped
	e.Inject([]byte("b"))              // only the SDR heard it
	e.deliver(ctx, []byte("b"), false) // the TNC's copy: dropped
	e.deliver(ctx, []byte("a"), false) // sent again: kept
	e.mu.Lock()
	for i := range e.recent {
		e.recent[i].at = e.recent[i].at.Add(-diversityWindow - time.Second)
	}
	e.mu.Unlock()
	e.Inject([]byte("a")) // long after: kept
	var got []string
	for len(e.frames) > 0 {
		got = append(got, string(<-e.frames))
	}
	inj, dup := e.Diversity()
	if strings.Join(got, "") != "abaa" || inj != 2 || dup != 2 {
		t.Fatalf("handled %q, %d injected, %d duplicates; want abaa, 2, 2", got, inj, dup)
	}
	cancel()
	e.Inject([]byte("c")) // after Run: dropped, not blocked
	if len(e.frames) != 0 {
		t.Fatal("a frame injected after the engine stopped was queued")
	}
}
