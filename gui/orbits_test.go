package gui

import (
	"testing"
	"time"

	"github.com/ipgs/ipgs/mission/sgp4"
	"github.com/ipgs/ipgs/mission/tle"
)

// TestTrackerMatchesFresh: a tracker that kept its tracks across updates
// draws the same marks as one computing them afresh, and the position
// now matches SatMarks.
func TestTrackerMatchesFresh(t *testing.T) {
	var sats []Orbiting
	for i := 0; i < 5; i++ {
		p, err := sgp4.New(&tle.Elements{CatalogNumber: 90001 + i, Epoch: t0, Inclination: 53, RAAN: float64(i) * 60, Eccentricity: 2e-4,
			ArgPerigee: 90, MeanAnomaly: float64(i) * 40, MeanMotion: 15.05, BStar: 4e-5})
		if err != nil {
			t.Fatal(err)
		}
		sats = append(sats, Orbiting{Name: "S", Prop: p})
	}
	kept := NewTracker(sats)
	var at time.Time
	for k := 0; k < 40; k++ { // irregular steps, some past whole minutes, one past the span
		at = t0.Add(time.Duration(k*k*7) * time.Second)
		kept.Marks(at)
	}
	got, want := kept.Marks(at), NewTracker(sats).Marks(at)
	fresh := SatMarks(at, sats)
	for i := range want {
		if len(got[i].Track) != 91 || len(want[i].Track) != 91 {
			t.Fatalf("sat %d: %d and %d track points", i, len(got[i].Track), len(want[i].Track))
		}
		for j := range want[i].Track {
			if got[i].Track[j] != want[i].Track[j] {
				t.Fatalf("sat %d point %d: kept %v, fresh %v", i, j, got[i].Track[j], want[i].Track[j])
			}
		}
		if got[i].At != fresh[i].At || got[i].Footprint != fresh[i].Footprint {
			t.Errorf("sat %d now: %v, SatMarks %v", i, got[i].At, fresh[i].At)
		}
	}
}
