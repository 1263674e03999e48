package ground

import (
	"context"
	"io"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ipgs/ipgs/internal/example"
	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/mission/tle"
	"github.com/ipgs/ipgs/scheduler/clock"
	"github.com/ipgs/ipgs/scheduler/plan"
	"github.com/ipgs/ipgs/uplink/kiss"
	"github.com/ipgs/ipgs/uplink/station"
)

// planned is the example mission and its network plan for window from
// 2026-11-22T00:00Z.
func planned(t *testing.T, window time.Duration) (*mission.Mission, []*tle.Elements, time.Time, *plan.Plan) {
	t.Helper()
	m, els := example.Mission(t)
	start := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	pl, err := plan.Run(context.Background(), plan.NetworkOptions(m, els, start, window, io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	return m, els, start, pl
}

// silentTNC is a TNC that hears nothing and takes everything sent.
func silentTNC(context.Context) (io.ReadWriteCloser, error) {
	ground, tnc := net.Pipe()
	go io.Copy(io.Discard, tnc) // ends when the engine closes its side
	return ground, nil
}

// TestReplanWedge (issue: one pin from 1800 to 2200 made a station with
// its bundle agent spin a core and work no further pass; pins for unknown
// satellites or stations were taken): bad pins are refused with the
// reason, nothing changes, and the station works every contact of its
// plan to the end of the window.
func TestReplanWedge(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const window = 6 * time.Hour
		m, els, start, pl := planned(t, window)
		dir := t.TempDir()
		var mu sync.Mutex
		var reports []station.Report
		rt, err := New(Config{Mission: m, Elements: els, Station: 0, Plan: pl, Start: start, Duration: window,
			Clock: clock.NewScaled(start, 100), Dir: dir, Dial: silentTNC, NoSync: true,
			Bundles: &Bundles{Store: filepath.Join(dir, "bundles.db"), Terrestrial: m.TerrestrialLinks()},
			Reports: func(r station.Report) { mu.Lock(); reports = append(reports, r); mu.Unlock() }})
		if err != nil {
			t.Fatal(err)
		}
		want := len(station.PlanContacts(pl, 0))
		done := make(chan error, 1)
		go func() { done <- rt.Run(context.Background()) }()
		time.Sleep(30 * time.Second) // 50 virtual minutes in
		sat, st := m.Satellites[0].NORAD, m.Stations[0].Name
		for _, c := range []struct {
			name string
			pin  plan.LockEntry
		}{
			{"four centuries", plan.LockEntry{Sat: sat, Station: st, Start: time.Date(1800, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)}},
			{"unknown satellite", plan.LockEntry{Sat: 12345, Station: st, Start: start.Add(2 * time.Hour), End: start.Add(2*time.Hour + 5*time.Minute)}},
			{"unknown station", plan.LockEntry{Sat: sat, Station: "Atlantis", Start: start.Add(2 * time.Hour), End: start.Add(2*time.Hour + 5*time.Minute)}},
			{"empty interval", plan.LockEntry{Sat: sat, Station: st, Start: start.Add(2 * time.Hour), End: start.Add(2 * time.Hour)}},
		} {
			_, err := rt.Replan(context.Background(), []plan.LockEntry{c.pin})
			if !mission.IsBadInput(err) {
				t.Errorf("%s: re-plan error %v, want bad input", c.name, err)
			} else {
				t.Logf("%s: refused: %v", c.name, err)
			}
		}
		if rt.Plan() != pl {
			t.Error("a refused re-plan changed the plan")
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if len(reports) != want {
			t.Fatalf("%d pass reports, %d contacts planned", len(reports), want)
		}
		t.Logf("%d contacts worked to the end of the window", want)
	})
}

// TestSilentPass (issue: a station whose clock was hours off reported
// "rx 0 frames" every pass and never said why): a planned contact that
// hears nothing raises a problem that says so and names what the engine
// can check: here, frames heard while no contact was planned.
func TestSilentPass(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const window = 3 * time.Hour
		m, els, start, pl := planned(t, window)
		cs := station.PlanContacts(pl, 0)
		slices.SortFunc(cs, func(a, b station.Contact) int { return a.Start.Compare(b.Start) })
		first := cs[0]
		clk := clock.NewScaled(start, 100)
		// a TNC that hears the satellite only when no contact is planned:
		// what a station whose clock is off sees
		tnc := func(context.Context) (io.ReadWriteCloser, error) {
			ground, tnc := net.Pipe()
			go io.Copy(io.Discard, tnc)
			go func() {
				if d := first.Start.Add(-5 * time.Minute).Sub(clk.Now()); d > 0 {
					time.Sleep(d / 100)
				}
				kiss.NewWriter(tnc).Data(0, []byte("a frame from a satellite out of plan"))
			}()
			return ground, nil
		}
		var problems []string
		var rt *Runtime
		var err error
		ctx, stop := context.WithCancel(context.Background())
		rt, err = New(Config{Mission: m, Elements: els, Station: 0, Plan: pl, Start: start, Duration: window,
			Clock: clk, Dir: t.TempDir(), Dial: tnc, NoSync: true,
			Reports: func(station.Report) {
				problems = rt.Board().Snapshot().Problems
				stop() // the first contact is enough
			}})
		if err != nil {
			t.Fatal(err)
		}
		if err := rt.Run(ctx); err != nil && ctx.Err() == nil {
			t.Fatal(err)
		}
		if len(problems) != 1 || !strings.Contains(problems[0], "heard nothing in the contact with "+first.Name) ||
			!strings.Contains(problems[0], "1 frames were heard between contacts") {
			t.Fatalf("problems after a silent contact: %q", problems)
		}
		t.Logf("%s", problems[0])
	})
}

// TestStatusLoopbackOnly (threat model, a careless operator): a status
// endpoint on any address but the loopback interface is refused before
// anything listens.
func TestStatusLoopbackOnly(t *testing.T) {
	m, els, start, pl := planned(t, time.Hour)
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.1:8101", "[::]:0"} {
		_, err := New(Config{Mission: m, Elements: els, Station: 0, Plan: pl, Start: start, Duration: time.Hour,
			Clock: clock.NewScaled(start, 100), Dir: t.TempDir(), Dial: silentTNC, NoSync: true, Status: addr, StatusToken: strings.Repeat("x", 40)})
		if err == nil || !strings.Contains(err.Error(), "loopback") {
			t.Errorf("--status %s: %v", addr, err)
		}
	}
	rt, err := New(Config{Mission: m, Elements: els, Station: 0, Plan: pl, Start: start, Duration: time.Hour,
		Clock: clock.NewScaled(start, 100), Dir: t.TempDir(), Dial: silentTNC, NoSync: true, Status: "127.0.0.1:0", StatusToken: strings.Repeat("x", 40)})
	if err != nil {
		t.Fatalf("127.0.0.1: %v", err)
	}
	rt.Close()
}
