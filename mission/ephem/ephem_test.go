package ephem

import (
	"encoding/csv"
	"math"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/ipgs/ipgs/mission/geo"
)

// TestAgainstDE compares the Moon and Mars with JPL's DE430 (2015) and
// DE441 (1969) as skyfield gives them (testdata/de.csv, made by
// tools/ephem_ref.py): the direction from the Earth's centre, the
// distance, and the elevation and azimuth from Tromso.
func TestAgainstDE(t *testing.T) {
	f, err := os.Open("testdata/de.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	tromso := geo.NewTopocentric(geo.Geodetic{LatDeg: 69.6627, LonDeg: 18.9408, AltM: 100})
	limits := map[string]struct{ angle, dist, look float64 }{
		"Mars": {0.03, 1e-3, 0.04},   // degrees, share of the distance, degrees
		"Moon": {0.15, 1.5e-3, 0.25}, // (the Moon's distance to 600 km)
	}
	worst := map[string][3]float64{}
	for _, r := range rows[1:] {
		at, err := time.Parse(time.RFC3339, r[0])
		if err != nil {
			t.Fatal(err)
		}
		b := map[string]Body{"Moon": Moon, "Mars": Mars}[r[1]]
		num := func(i int) float64 {
			v, err := strconv.ParseFloat(r[i], 64)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		want := geo.Vec{X: num(2), Y: num(3), Z: num(4)}
		got := Geocentric(b, at)
		angle := math.Acos(min(1, got.Unit().Dot(want.Unit()))) / deg
		dist := math.Abs(got.Norm()-want.Norm()) / want.Norm()
		el, az, _ := Look(b, &tromso, at)
		dEl := math.Abs(el - num(5))
		dAz := math.Abs(math.Remainder(az-num(6), 360)) * math.Cos(el*deg) // on the sky
		look := max(dEl, dAz)
		w := worst[r[1]]
		worst[r[1]] = [3]float64{max(w[0], angle), max(w[1], dist), max(w[2], look)}
		lim := limits[r[1]]
		if angle > lim.angle || dist > lim.dist || look > lim.look {
			t.Errorf("%s %s: %.4f° off in direction, %.2g of the distance, %.4f° in elevation, %.4f° in azimuth", r[1], r[0], angle, dist, dEl, dAz)
		}
	}
	for b, w := range worst {
		t.Logf("%s: worst %.4f° in direction, %.2g of the distance, %.4f° from Tromso", b, w[0], w[1], w[2])
	}
}

// TestMarsLightTime: Mars's light time through 2026-2029 goes from a few
// minutes near opposition to about 20 near conjunction (3 minutes at the
// closest oppositions, 22 at the farthest conjunctions; these years see
// neither extreme).
func TestMarsLightTime(t *testing.T) {
	lo, hi := time.Duration(math.MaxInt64), time.Duration(0)
	var loAt, hiAt time.Time
	for at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC); at.Year() < 2030; at = at.Add(24 * time.Hour) {
		lt := LightTime(Geocentric(Mars, at).Norm())
		if lt < lo {
			lo, loAt = lt, at
		}
		if lt > hi {
			hi, hiAt = lt, at
		}
	}
	t.Logf("light time to Mars 2026-2029: %v (%s) to %v (%s)", lo.Round(time.Second), loAt.Format(time.DateOnly), hi.Round(time.Second), hiAt.Format(time.DateOnly))
	if lo < 3*time.Minute || lo > 7*time.Minute || hi < 19*time.Minute || hi > 23*time.Minute {
		t.Errorf("light time %v to %v", lo, hi)
	}
}
