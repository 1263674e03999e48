package sgp4

import (
	"math"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/ipgs/ipgs/internal/shared"

	"github.com/ipgs/ipgs/mission/tle"
)

// TestAbsoluteTime checks epoch handling: positions at absolute UTC instants
// against python-sgp4, hourly over 7 days, to 1 m.
func TestAbsoluteTime(t *testing.T) {
	rows := shared.ReadCSV(t, shared.Orbit(t, "abs_expected.csv"))
	files := map[string][]*Propagator{}
	load := func(name string) []*Propagator {
		if ps, ok := files[name]; ok {
			return ps
		}
		fh, err := os.Open(shared.Orbit(t, name))
		if err != nil {
			t.Fatal(err)
		}
		defer fh.Close()
		res := tle.ParseTLE(fh, tle.Options{Source: name})
		if len(res.Errors) > 0 {
			t.Fatalf("%s: %v", name, res.Errors)
		}
		var ps []*Propagator
		for _, e := range res.Elements {
			p, err := New(e)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			ps = append(ps, p)
		}
		files[name] = ps
		return ps
	}
	worst := 0.0
	for _, row := range rows[1:] {
		ps := load(row[0])
		i, _ := strconv.Atoi(row[1])
		unix, _ := strconv.ParseFloat(row[3], 64)
		sec, frac := math.Modf(unix)
		at := time.Unix(int64(sec), int64(math.Round(frac*1e9))).UTC()
		r, _, err := ps[i].At(at)
		if row[7] != "0" {
			if err == nil {
				t.Errorf("%s[%d] at %v: want error %s, got none", row[0], i, at, row[7])
			}
			continue
		}
		if err != nil {
			t.Errorf("%s[%d] at %v: %v", row[0], i, at, err)
			continue
		}
		x, _ := strconv.ParseFloat(row[4], 64)
		y, _ := strconv.ParseFloat(row[5], 64)
		z, _ := strconv.ParseFloat(row[6], 64)
		d := math.Sqrt(sq(r.X-x) + sq(r.Y-y) + sq(r.Z-z))
		worst = max(worst, d)
		if d > 1e-3 {
			t.Errorf("%s[%d] norad %s at %v: off by %.3f m", row[0], i, row[2], at, d*1e3)
		}
	}
	t.Logf("%d rows, worst %.3g m", len(rows)-1, worst*1e3)
}
