package passes

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/ipgs/ipgs/internal/shared"
)

// refPass is one row of a reference CSV written by
// ../shared/tools/ref_passes.py --extra (skyfield).
type refPass struct {
	sat, station  string
	aos, tca, los time.Time
	maxEl         float64
}

func readRef(t *testing.T, path string) []refPass {
	t.Helper()
	rows := shared.ReadCSV(t, path)
	var out []refPass
	for _, r := range rows[1:] {
		var p refPass
		p.sat, p.station = r[0], r[1]
		for i, dst := range []*time.Time{&p.aos, &p.tca, &p.los} {
			var err error
			if *dst, err = time.Parse(time.RFC3339Nano, r[2+i]); err != nil {
				t.Fatal(err)
			}
		}
		p.maxEl, _ = strconv.ParseFloat(r[5], 64)
		out = append(out, p)
	}
	return out
}

// TestAgainstSkyfield compares with the committed skyfield reference:
// every pass matched, |dAOS| and |dLOS| at most 0.1 s, |d max el| at most
// 0.001°. Regenerate the reference with `make testdata-passes`.
func TestAgainstSkyfield(t *testing.T) {
	for _, c := range []struct {
		tles, ref string
		start     time.Time
	}{
		{"tles_100.txt", "testdata/ref_tles100_st10_7d.csv.gz", time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)},
		{"tles_real_sample_2020-04.txt", "testdata/ref_real12_st10_7d.csv", time.Date(2020, 4, 12, 0, 0, 0, 0, time.UTC)},
	} {
		t.Run(c.tles, func(t *testing.T) {
			props := loadProps(t, c.tles)
			sts := loadStations(t, "stations_10.csv", 10)
			ref := readRef(t, c.ref)
			var got []refPass
			err := Stream(context.Background(), props, sts, c.start, 7*24*time.Hour, 0, func(r SatResult) error {
				if r.Err != nil {
					t.Errorf("sat %d: %v", props[r.Index].CatalogNumber(), r.Err)
				}
				for _, p := range r.Passes {
					got = append(got, refPass{strconv.Itoa(p.Sat), sts[p.Station].Name,
						p.AOS.Round(time.Millisecond), p.TCA.Round(time.Millisecond), p.LOS.Round(time.Millisecond), p.MaxElDeg})
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			comparePasses(t, ref, got)
		})
	}
}

// comparePasses matches passes by satellite, station and overlap.
func comparePasses(t *testing.T, ref, got []refPass) {
	key := func(p refPass) string { return p.sat + "/" + p.station }
	byKey := map[string][]int{}
	for i, p := range got {
		byKey[key(p)] = append(byKey[key(p)], i)
	}
	used := make([]bool, len(got))
	var worstT, worstEl float64
	var worstDesc string
	unmatched := 0
	for _, r := range ref {
		best := -1
		for _, i := range byKey[key(r)] {
			if !used[i] && got[i].aos.Before(r.los.Add(time.Second)) && r.aos.Before(got[i].los.Add(time.Second)) {
				best = i
				break
			}
		}
		if best < 0 {
			unmatched++
			if unmatched <= 5 {
				t.Errorf("reference pass not found: %+v", r)
			}
			continue
		}
		used[best] = true
		g := got[best]
		da := math.Abs(g.aos.Sub(r.aos).Seconds())
		dl := math.Abs(g.los.Sub(r.los).Seconds())
		de := math.Abs(g.maxEl - r.maxEl)
		if m := math.Max(da, dl); m > worstT {
			worstT = m
			worstDesc = fmt.Sprintf("%s %s AOS %v", r.sat, r.station, r.aos)
		}
		worstEl = math.Max(worstEl, de)
		if da > 0.1 || dl > 0.1 || de > 0.001 {
			t.Errorf("%s %s AOS %v: dAOS %.3f s, dLOS %.3f s, dEl %.5f°", r.sat, r.station, r.aos, da, dl, de)
		}
	}
	extra := 0
	for i, u := range used {
		if !u {
			extra++
			if extra <= 5 {
				t.Errorf("pass not in the reference: %+v", got[i])
			}
		}
	}
	if unmatched > 0 || extra > 0 {
		t.Errorf("%d reference passes unmatched, %d extra passes", unmatched, extra)
	}
	t.Logf("%d passes; worst |dAOS|,|dLOS| %.3f s (%s); worst |dEl| %.5f°", len(ref), worstT, worstDesc, worstEl)
}
