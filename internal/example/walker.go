package example

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/ipgs/ipgs/internal/shared"
	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/mission/tle"
)

// Walker is a Walker-like constellation of n drones for the scale tests:
// planes of 25, 18° apart in node, at 53° and 97.5° alternately, 15.2
// revolutions a day; catalogue numbers from 80000, names D001...
func Walker(n int, epoch time.Time) []*tle.Elements {
	var els []*tle.Elements
	for i := range n {
		plane, slot := i/25, i%25
		inc := 53.0
		if plane%2 == 1 {
			inc = 97.5
		}
		els = append(els, &tle.Elements{Name: fmt.Sprintf("D%03d", i+1), CatalogNumber: 80000 + i, Classification: 'U', Epoch: epoch,
			Inclination: inc, RAAN: float64(plane) * 18, Eccentricity: 0.0005, MeanAnomaly: float64(slot)*14.4 + float64(plane)*0.7, MeanMotion: 15.2})
	}
	return els
}

// Stations is the first n of the shared list of 100 ground stations, at
// 10° minimum elevation.
func Stations(tb testing.TB, n int) []mission.Station {
	tb.Helper()
	f, err := os.Open(shared.Orbit(tb, "stations_100.csv"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	sts, err := mission.ParseStationsCSV(f, "stations_100.csv", 10)
	if err != nil {
		tb.Fatal(err)
	}
	if n > len(sts) {
		tb.Fatalf("%d stations: the list has %d", n, len(sts))
	}
	return sts[:n]
}
