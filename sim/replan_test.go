package sim

import (
	"context"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ipgs/ipgs/scheduler/plan"
)

// TestDayReplan pins, in a running day, a pass the plan left out because
// another drone had the station: the station works the pinned pass and
// not the one it displaced.
func TestDayReplan(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m, els := exampleMission(t)
		start := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
		var pin, displaced plan.LockEntry
		replanned := make(chan error, 1)
		res, err := RunDay(context.Background(), DayOptions{
			Mission: m, Elements: els, Start: start, Duration: 4 * time.Hour, Speed: 2000,
			InMemory: true, DataDir: t.TempDir(), Seed: 3, Out: testWriter{t},
			Planned: func(pl *plan.Plan) {
				if pin.Sat != 0 {
					return // the re-plan's
				}
				p := pl.Problem
				for _, u := range pl.Unscheduled {
					if u.Cand < 0 || !strings.Contains(u.Reason, "station busy") || p.Time(u.AOS).Before(start.Add(time.Hour)) {
						continue
					}
					cd := &p.Candidates[u.Cand]
					pin = plan.LockEntry{Sat: p.Sats[cd.Sat].NORAD, Station: p.Stations[cd.Station].Name, Start: p.Time(cd.Start), End: p.Time(cd.End)}
					for _, l := range pl.Locks() {
						// (the station's turnaround counts: slew and settle)
						if l.Station == pin.Station && l.Start.Before(pin.End.Add(time.Minute)) && pin.Start.Add(-time.Minute).Before(l.End) {
							displaced = l
						}
					}
					return
				}
			},
			Replanner: func(replan Replan) {
				if pin.Sat == 0 {
					replanned <- nil
					return
				}
				go func() {
					_, err := replan(context.Background(), []plan.LockEntry{pin})
					replanned <- err
				}()
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		if pin.Sat == 0 || displaced.Sat == 0 {
			t.Fatalf("no pass lost to a busy station after the first hour (pin %+v, displaced %+v)", pin, displaced)
		}
		if err := <-replanned; err != nil {
			t.Fatal(err)
		}
		t.Logf("pinned %d@%s %s; it displaced %d %s", pin.Sat, pin.Station, pin.Start.Format("15:04:05"), displaced.Sat, displaced.Start.Format("15:04:05"))
		worked := func(e plan.LockEntry) bool {
			for _, r := range res.Reports {
				if r.Sat == e.Sat && r.Station == e.Station && r.Start.Before(e.End) && e.Start.Before(r.End) {
					return true
				}
			}
			return false
		}
		if !worked(pin) {
			t.Error("the pinned pass was not worked")
		}
		if worked(displaced) {
			t.Error("the displaced contact was still worked")
		}
	})
}
