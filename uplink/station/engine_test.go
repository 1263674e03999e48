package station

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ipgs/ipgs/internal/example"
	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/scheduler/clock"
	"github.com/ipgs/ipgs/scheduler/plan"
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

// memFile is a file in memory; while full is set, a write stores only
// part of what it is given and fails with ENOSPC, as a full disk does.
type memFile struct {
	b     []byte
	syncs int
	full  bool
}

func (f *memFile) WriteAt(p []byte, off int64) (int, error) {
	n := len(p)
	if f.full {
		n = len(p) / 2
	}
	if need := int(off) + n; need > len(f.b) {
		f.b = append(f.b, make([]byte, need-len(f.b))...)
	}
	copy(f.b[off:], p[:n])
	if f.full {
		return n, syscall.ENOSPC
	}
	return n, nil
}
func (f *memFile) Sync() error               { f.syncs++; return nil }
func (f *memFile) Close() error              { return nil }
func (f *memFile) Truncate(size int64) error { f.b = f.b[:size]; return nil }
func (f *memFile) lines() []string           { return strings.SplitAfter(string(f.b), "\n") }

func TestFileSinkDurableOnSync(t *testing.T) {
	var f memFile
	s := NewFileSink(&f)
	s.Write(&TM{Sat: 1, No: 1})
	if len(f.b) != 0 {
		t.Fatalf("written before Sync: %q", f.b)
	}
	if err := s.Sync(); err != nil || len(f.b) == 0 || f.syncs != 1 {
		t.Fatalf("after Sync: %d bytes, %d syncs, %v", len(f.b), f.syncs, err)
	}
	s.Sync()
	if f.syncs != 1 {
		t.Errorf("Sync with nothing new synced again")
	}
}

// TestFullDisk (issue: after ENOSPC the station stored nothing until it
// was restarted, bufio keeping its first error): while the disk is full
// Sync fails, leaves no half line and raises the problem; once there is
// room the next Sync writes every packet, once, and clears it.
func TestFullDisk(t *testing.T) {
	var f memFile
	s := NewFileSink(&f)
	var problems []string
	s.OnProblem = func(text string) { problems = append(problems, text) }
	s.Write(&TM{Sat: 1, No: 1})
	if err := s.Sync(); err != nil {
		t.Fatal(err)
	}
	f.full = true
	s.Write(&TM{Sat: 1, No: 2})
	s.Write(&TM{Sat: 1, No: 3})
	for range 3 {
		if err := s.Sync(); !errors.Is(err, syscall.ENOSPC) {
			t.Fatalf("Sync on a full disk: %v", err)
		}
		if !strings.HasSuffix(string(f.b), "\n") {
			t.Fatalf("a half line left on disk: %q", f.b)
		}
	}
	s.Write(&TM{Sat: 1, No: 3}) // resent by the satellite: not acknowledged yet
	f.full = false
	if err := s.Sync(); err != nil {
		t.Fatalf("Sync once there is room: %v", err)
	}
	if got := len(f.lines()) - 1; got != 3 {
		t.Fatalf("%d lines, want 3: %q", got, f.b)
	}
	if len(problems) != 2 || problems[0] == "" || problems[1] != "" {
		t.Errorf("problems %q: want raised once, then cleared", problems)
	}
}

// TestTornTail (issue: after a full disk and kill -9 telemetry.jsonl had
// a line of two records merged and duplicate rows): opening cuts a torn
// last line, and a packet the file holds is not written again.
func TestTornTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "telemetry.jsonl")
	whole := `{"sat":9,"no":1}` + "\n" + `{"sat":9,"no":2}` + "\n"
	os.WriteFile(path, []byte(whole+`{"sat":9,"n`), 0o644)
	s, err := OpenFileSink(path)
	if err != nil {
		t.Fatal(err)
	}
	if s.Recovered == "" {
		t.Error("the torn line was not reported")
	}
	for _, no := range []uint32{2, 3, 3} {
		s.Write(&TM{Sat: 9, No: no})
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if !strings.HasPrefix(string(b), whole) || len(lines) != 3 || !strings.Contains(lines[2], `"no":3`) {
		t.Fatalf("file after the restart:\n%s", b)
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
		Contacts: []Contact{{NORAD: 1, Name: "A", Start: at(40), End: at(100)}, {NORAD: 2, Name: "B", Start: at(300), End: at(400)}},
		Reports: func(r Report) {
			mu.Lock()
			worked = append(worked, fmt.Sprintf("%s %s-%s", r.Name, r.Start.Format("15:04:05"), r.End.Format("15:04:05")))
			mu.Unlock()
		}})
	done := make(chan error, 1)
	go func() { done <- e.Run(context.Background()) }()
	// during A: drop B (being nobody's next yet), add C and D
	clock.Until(context.Background(), clk, at(60))
	e.SetContacts([]Contact{{NORAD: 1, Name: "A", Start: at(40), End: at(100)}, {NORAD: 3, Name: "C", Start: at(200), End: at(260)}, {NORAD: 4, Name: "D", Start: at(500), End: at(560)}})
	// while preparing for C (30 s ahead): move C out, D earlier
	clock.Until(context.Background(), clk, at(185))
	e.SetContacts([]Contact{{NORAD: 1, Name: "A", Start: at(40), End: at(100)}, {NORAD: 3, Name: "C", Start: at(600), End: at(660)}, {NORAD: 4, Name: "D", Start: at(240), End: at(300)}})
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

// TestUnknownFramesKept (issue: frames from an unknown callsign were
// dropped): a frame from a callsign the mission does not have, and a
// CCSDS TM frame that is no AX.25 frame at all, go to the raw-frame
// archive with the reason, and the pass report counts them; a frame of a
// known satellite does not.
func TestUnknownFramesKept(t *testing.T) {
	type kept struct {
		frame []byte
		why   string
	}
	var got []kept
	e := New(Options{Name: "T", Call: ax25.Address{Call: "GND"}, Sats: map[int]ax25.Address{90001: {Call: "DRN01"}}, Clock: clock.Real{},
		Archive: func(_ time.Time, f []byte, why string) { got = append(got, kept{f, why}) }})
	stranger, _ := (&ax25.Frame{Dst: ax25.Address{Call: "CQ"}, Src: ax25.Address{Call: "OTHER"}, Info: []byte("hello")}).Encode(false)
	ccsds := []byte{0x1a, 0xcf, 0xfc, 0x1d, 0x06, 0xb2, 0x00, 0x00, 0x18, 0x00}
	var rep Report
	e.handle(stranger, &rep, 90001)
	e.handle(ccsds, &rep, 90001)
	if len(got) != 2 || rep.UnknownFrames != 2 {
		t.Fatalf("archived %d, report counts %d, want 2 and 2", len(got), rep.UnknownFrames)
	}
	if !bytes.Equal(got[1].frame, ccsds) || !strings.Contains(got[0].why, "OTHER") || !strings.Contains(got[1].why, "CCSDS frame") {
		t.Fatalf("archive: %+v", got)
	}
}

func examplePlan(t *testing.T) (*mission.Mission, *plan.Plan) {
	m, els := example.Mission(t)
	start := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	pl, err := plan.Run(context.Background(), plan.NetworkOptions(m, els, start, 12*time.Hour, io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	return m, pl
}

// TestLinkWindows: on the example mission's plan, each contact's link
// window lies inside it, where the downlink's predicted frame error rate
// is at most mission.MaxLinkFER; its ends, low in the sky, are left out,
// and a pass that never gets that good has no session at all.
func TestLinkWindows(t *testing.T) {
	m, pl := examplePlan(t)
	cs := PlanContacts(pl, 0)
	ws := LinkWindows(cs, pl, m, 0, mission.MaxLinkFER)
	trimmed, none := 0, 0
	for k, c := range ws {
		if c.LinkFrom.IsZero() {
			t.Fatalf("contact %d has no window set", k)
		}
		if c.LinkFrom.Equal(c.LinkTo) {
			none++
			if c.linkOpen(c.Start) || c.linkOpen(c.Start.Add(time.Minute)) {
				t.Fatalf("contact %d: a session opens in a pass without a link window", k)
			}
			continue
		}
		if c.LinkFrom.Before(c.Start) || c.LinkTo.After(c.End) || !c.LinkFrom.Before(c.LinkTo) {
			t.Fatalf("contact %d: window %v-%v outside %v-%v", k, c.LinkFrom, c.LinkTo, c.Start, c.End)
		}
		if c.LinkFrom.After(c.Start) || c.LinkTo.Before(c.End) {
			trimmed++
		}
		if c != (Contact{NORAD: cs[k].NORAD, Name: cs[k].Name, Start: cs[k].Start, End: cs[k].End, LinkFrom: c.LinkFrom, LinkTo: c.LinkTo}) {
			t.Fatalf("contact %d changed: %+v", k, c)
		}
	}
	t.Logf("%d of %d contacts trimmed to their link windows, %d without one", trimmed, len(ws), none)
	if trimmed == 0 || none == 0 || none == len(ws) {
		t.Error("no contact's poor ends were left out, or no low pass, or nothing but")
	}
}
