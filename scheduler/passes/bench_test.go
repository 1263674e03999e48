package passes

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/ipgs/ipgs/internal/shared"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/mission/sgp4"
	"github.com/ipgs/ipgs/mission/tle"
)

func loadProps(tb testing.TB, name string) []*sgp4.Propagator {
	tb.Helper()
	data, err := os.ReadFile(shared.Orbit(tb, name))
	if err != nil {
		tb.Fatal(err)
	}
	res := tle.Parse(data, tle.Options{Source: name})
	if len(res.Errors) > 0 {
		tb.Fatal(res.Errors)
	}
	var ps []*sgp4.Propagator
	for _, e := range res.Elements {
		p, err := sgp4.New(e)
		if err != nil {
			tb.Fatal(err)
		}
		ps = append(ps, p)
	}
	return ps
}

func loadStations(tb testing.TB, name string, minEl float64) []mission.Station {
	tb.Helper()
	f, err := os.Open(shared.Orbit(tb, name))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	sts, err := mission.ParseStationsCSV(f, name, minEl)
	if err != nil {
		tb.Fatal(err)
	}
	return sts
}

// BenchmarkPasses100x10x7d is the workload of the satellite.js comparison:
// 100 satellites, 10 stations, 7 days, 10° minimum elevation.
func BenchmarkPasses100x10x7d(b *testing.B) {
	props := loadProps(b, "tles_100.txt")
	sts := loadStations(b, "stations_10.csv", 10)
	start := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	n := 0
	for b.Loop() {
		n = 0
		err := Stream(context.Background(), props, sts, start, 7*24*time.Hour, 0, func(r SatResult) error {
			n += len(r.Passes)
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n), "passes")
}

func BenchmarkPropagate(b *testing.B) {
	props := loadProps(b, "tles_100.txt")
	p := props[0]
	t := 0.0
	for b.Loop() {
		p.Propagate(t)
		t += 0.5
	}
}
