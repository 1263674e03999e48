package ground

import (
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/mission/tle"
	"github.com/ipgs/ipgs/scheduler/clock"
	"github.com/ipgs/ipgs/scheduler/plan"
	"github.com/ipgs/ipgs/uplink/station"
)

func example(t *testing.T) (*mission.Mission, []*tle.Elements) {
	t.Helper()
	m, err := mission.Load("../../examples/mission.yaml")
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile("../../examples/drones.tle")
	if err != nil {
		t.Fatal(err)
	}
	res := tle.Parse(b, tle.Options{})
	if len(res.Errors) > 0 {
		t.Fatal(res.Errors)
	}
	return m, res.Elements
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
		m, els := example(t)
		start := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
		const window = 6 * time.Hour
		pl, err := plan.Run(context.Background(), plan.NetworkOptions(m, els, start, window, io.Discard))
		if err != nil {
			t.Fatal(err)
		}
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
