package station

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ipgs/ipgs/scheduler/clock"
	"github.com/ipgs/ipgs/uplink/ax25"
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

// logRadio records Prepare and Release.
type logRadio struct {
	mu  sync.Mutex
	log []string
}

func (r *logRadio) Prepare(_ context.Context, c Contact) error {
	r.add("prepare " + c.Name)
	return nil
}
func (r *logRadio) Release(_ context.Context, c Contact) error {
	r.add("release " + c.Name)
	return nil
}
func (r *logRadio) add(s string) {
	r.mu.Lock()
	r.log = append(r.log, s)
	r.mu.Unlock()
}

// TestSetContacts re-plans a running engine: the contact it is preparing
// for is dropped and released, a new one is worked, one in progress goes
// on to its end, and a contact moved earlier is worked at its new time.
// On a simulated clock (a synctest bubble): the re-plans land at exactly
// the virtual times they are made for, however busy the machine.
func TestSetContacts(t *testing.T) { synctest.Test(t, testSetContacts) }

func testSetContacts(t *testing.T) {
	t0 := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	clk := clock.NewScaled(t0, 200) // 200 virtual seconds a second
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	sats := map[int]ax25.Address{1: {Call: "SAT1"}, 2: {Call: "SAT2"}, 3: {Call: "SAT3"}, 4: {Call: "SAT4"}}
	var mu sync.Mutex
	var worked []string
	rad := &logRadio{}
	tnc := func(context.Context) (io.ReadWriteCloser, error) {
		ground, tnc := net.Pipe()
		go io.Copy(io.Discard, tnc) // a TNC that hears nothing (ends when the engine closes its side)
		return ground, nil
	}
	e := New(Options{Name: "T", Call: ax25.Address{Call: "GND"}, Dial: tnc, Sats: sats, Clock: clk, Radio: rad,
		Contacts: []Contact{{1, "A", at(40), at(100)}, {2, "B", at(300), at(400)}},
		Reports: func(r Report) {
			mu.Lock()
			worked = append(worked, fmt.Sprintf("%s %s-%s", r.Name, r.Start.Format("15:04:05"), r.End.Format("15:04:05")))
			mu.Unlock()
		}})
	done := make(chan error, 1)
	go func() { done <- e.Run(context.Background()) }()
	// during A: drop B (being nobody's next yet), add C and D
	clock.Until(context.Background(), clk, at(60))
	e.SetContacts([]Contact{{1, "A", at(40), at(100)}, {3, "C", at(200), at(260)}, {4, "D", at(500), at(560)}})
	// while preparing for C (30 s ahead): move C out, D earlier
	clock.Until(context.Background(), clk, at(185))
	e.SetContacts([]Contact{{1, "A", at(40), at(100)}, {3, "C", at(600), at(660)}, {4, "D", at(240), at(300)}})
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	want := []string{"A 12:00:40-12:01:40", "D 12:04:00-12:05:00", "C 12:10:00-12:11:00"}
	if !slices.Equal(worked, want) {
		t.Errorf("worked %q, want %q", worked, want)
	}
	wantRadio := []string{"prepare A", "release A", "prepare C", "release C", "prepare D", "release D", "prepare C", "release C"}
	if !slices.Equal(rad.log, wantRadio) {
		t.Errorf("radio %q, want %q", rad.log, wantRadio)
	}
	if got := e.Contacts(); len(got) != 3 || got[0].Name != "A" || got[1].Name != "D" {
		t.Errorf("Contacts() = %v", got)
	}
}
