package sgp4

import (
	"errors"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/ipgs/ipgs/internal/shared"

	"github.com/ipgs/ipgs/mission/tle"
)

// loadVerification parses Vallado's verification TLEs in file order (the
// CSV's case number is the index).
func loadVerification(t *testing.T) []*tle.Elements {
	t.Helper()
	f, err := os.Open(shared.Orbit(t, "SGP4-VER.TLE"))
	if err != nil {
		t.Fatalf("verification set: %v", err)
	}
	defer f.Close()
	res := tle.ParseTLE(f, tle.Options{Source: "SGP4-VER.TLE", AllowBadChecksum: true})
	for _, err := range res.Errors {
		t.Errorf("parse: %v", err)
	}
	return res.Elements
}

func TestVallado(t *testing.T) {
	sets := loadVerification(t)
	rows := shared.ReadCSV(t, shared.Orbit(t, "vallado_expected.csv"))
	props := map[int]*Propagator{}
	var worstR, worstV float64
	checked := 0
	for _, row := range rows[1:] {
		c, _ := strconv.Atoi(row[0])
		satnum, _ := strconv.Atoi(row[1])
		if c >= len(sets) {
			t.Fatalf("case %d: only %d element sets", c, len(sets))
		}
		e := sets[c]
		if e.CatalogNumber != satnum {
			t.Fatalf("case %d: element set is %d, CSV says %d", c, e.CatalogNumber, satnum)
		}
		if satnum == 33334 {
			// The reference fails at epoch with error 3 (perturbed
			// eccentricity above 1); its driver then prints the previous
			// case's last state, which is what the CSV row holds.
			if _, err := New(e); !errors.Is(err, ErrPerturbedEcc) {
				t.Errorf("case %d sat 33334: want error code 3, got %v", c, err)
			}
			continue
		}
		p := props[c]
		if p == nil {
			var err error
			p, err = New(e)
			if err != nil {
				t.Errorf("case %d sat %d: init: %v", c, satnum, err)
				continue
			}
			props[c] = p
		}
		var want [6]float64
		for i := range want {
			want[i], _ = strconv.ParseFloat(strings.TrimSpace(row[3+i]), 64)
		}
		tsince, _ := strconv.ParseFloat(row[2], 64)
		r, v, err := p.Propagate(tsince)
		if err != nil && !errors.Is(err, ErrDecayed) {
			t.Errorf("case %d sat %d t=%g: %v", c, satnum, tsince, err)
			continue
		}
		dr := math.Sqrt(sq(r.X-want[0]) + sq(r.Y-want[1]) + sq(r.Z-want[2]))
		dv := math.Sqrt(sq(v.X-want[3]) + sq(v.Y-want[4]) + sq(v.Z-want[5]))
		worstR = max(worstR, dr)
		worstV = max(worstV, dv)
		if dr > 1e-6 || dv > 1e-6 {
			t.Errorf("case %d sat %d t=%g: |dr| = %.3g km, |dv| = %.3g km/s", c, satnum, tsince, dr, dv)
		}
		checked++
	}
	// 33333 is reported only to 20 min: past that the reference fails.
	if p := props[29]; p != nil {
		if _, _, err := p.Propagate(25); err == nil {
			t.Errorf("sat 33333 at 25 min: want an error, got none")
		} else {
			t.Logf("sat 33333 at 25 min: %v", err)
		}
	}
	t.Logf("%d rows, worst |dr| %.3g mm, worst |dv| %.3g mm/s", checked, worstR*1e6, worstV*1e6)
}

func sq(x float64) float64 { return x * x }
