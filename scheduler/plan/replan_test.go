package plan

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/mission/tle"
)

// TestReplanPins is the operator's re-plan: a pin on a pass the plan left
// out forces it in and displaces the contact that had won the station; a
// pin on a contact keeps it exactly; the other contacts stay where they
// still fit.
func TestReplanPins(t *testing.T) {
	m, els := exampleMission(t)
	start := time.Date(2026, 11, 22, 11, 34, 0, 0, time.UTC)
	o := Options{Elements: els, Mission: m, Stations: m.PassStations(), Start: start, Duration: 12 * time.Hour,
		MinContactS: m.Scheduling.MinContactS, MaxPerSat: 1, SlewDegS: 6, SettleS: 5, Format: "json", Out: discard{}, Log: discard{}}
	pl1, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	p1 := pl1.Problem
	// a pass lost to a busy station
	var lost *Unscheduled
	for i, u := range pl1.Unscheduled {
		if u.Cand >= 0 && strings.Contains(u.Reason, "station busy") {
			lost = &pl1.Unscheduled[i]
			break
		}
	}
	if lost == nil {
		t.Fatal("no pass lost to a busy station in the example's 12 hours")
	}
	cd := &p1.Candidates[lost.Cand]
	pin := LockEntry{Sat: p1.Sats[cd.Sat].NORAD, Station: p1.Stations[cd.Station].Name, Start: p1.Time(cd.Start), End: p1.Time(cd.End)}
	t.Logf("pinning %d@%s %s-%s (%s)", pin.Sat, pin.Station, pin.Start.Format("15:04:05"), pin.End.Format("15:04:05"), lost.Reason)
	from := start.Add(10 * time.Minute)
	pl2, err := Replan(context.Background(), o, pl1, []LockEntry{pin}, from)
	if err != nil {
		t.Fatal(err)
	}
	find := func(pl *Plan, e LockEntry) *Contact {
		for i, l := range pl.Locks() {
			if l.Sat == e.Sat && l.Station == e.Station && l.Start.Before(e.End) && e.Start.Before(l.End) {
				return &pl.Contacts[i]
			}
		}
		return nil
	}
	c := find(pl2, pin)
	if c == nil || !c.Pinned {
		t.Fatalf("the pinned pass is not in the new plan as pinned: %+v", c)
	}
	if got := pl2.Problem.Time(c.Start); !got.Equal(pin.Start) {
		t.Errorf("pinned contact starts %s, pinned %s", got, pin.Start)
	}
	// what had the station is gone or trimmed off the pin
	for _, l := range pl2.Locks() {
		if l.Station == pin.Station && l.Sat != pin.Sat && l.Start.Before(pin.End) && pin.Start.Before(l.End) {
			t.Errorf("%d@%s %s overlaps the pin", l.Sat, l.Station, l.Start.Format("15:04:05"))
		}
	}
	// contacts of the first plan after `from` that did not touch the pin's station mostly stay
	kept, moved := 0, 0
	for _, l := range pl1.Locks() {
		if l.Start.Before(from) || l.Station == pin.Station {
			continue
		}
		if k := find(pl2, l); k != nil && pl2.Problem.Time(k.Start).Equal(l.Start) {
			kept++
		} else {
			moved++
		}
	}
	t.Logf("other stations: %d contacts kept, %d moved", kept, moved)
	if kept == 0 || moved > kept/4 {
		t.Errorf("re-plan moved %d of %d contacts it had no reason to move", moved, kept+moved)
	}
	// without the pin, a later re-plan unpins it
	pl3, err := Replan(context.Background(), o, pl2, nil, from.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range pl3.Contacts {
		if c.Pinned {
			t.Errorf("a contact is still pinned after unpinning: %+v", c)
		}
	}
	if Validate(pl3.Problem, pl3.Contacts) != nil {
		t.Errorf("invalid: %v", Validate(pl3.Problem, pl3.Contacts))
	}
}

// exampleMission is the example mission and its element sets.
func exampleMission(t *testing.T) (*mission.Mission, []*tle.Elements) {
	m, err := mission.Load("../../examples/mission.yaml")
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("../../examples/drones.tle")
	if err != nil {
		t.Fatal(err)
	}
	return m, tle.Parse(data, tle.Options{}).Elements
}
