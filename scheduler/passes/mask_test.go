package passes

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/mission/geo"
)

// TestHorizonMaskAgainstBruteForce checks passes over a station with an
// uneven horizon mask against a 1-second scan of exact SGP4.
func TestHorizonMaskAgainstBruteForce(t *testing.T) {
	props := loadProps(t, "tles_100.txt")[:20]
	mask, err := mission.NewHorizonMask([]mission.MaskPoint{{AzDeg: 0, ElDeg: 3}, {AzDeg: 60, ElDeg: 25}, {AzDeg: 120, ElDeg: 8}, {AzDeg: 200, ElDeg: 18}, {AzDeg: 300, ElDeg: 1}})
	if err != nil {
		t.Fatal(err)
	}
	st := mission.Station{Name: "Masked", Location: geo.Geodetic{LatDeg: 45, LonDeg: 10, AltM: 300}, MinElevation: 5, Mask: mask}
	start := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	const window = 86400
	var got []Pass
	err = Stream(context.Background(), props, []mission.Station{st}, start, window*time.Second, 1, func(r SatResult) error {
		got = append(got, r.Passes...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	topo := geo.NewTopocentric(st.Location)
	type span struct{ aos, los float64 }
	var want []span
	sat := []int{}
	for i, p := range props {
		tr := newTrack(p, start, window, 60, nil)
		in := false
		var aos float64
		for s := 0.0; s <= window; s++ {
			r, err := tr.exact(s)
			if err != nil {
				t.Fatal(err)
			}
			el, az := topo.ElevationAzimuth(r)
			up := el >= st.Threshold(az)
			if up && !in {
				in, aos = true, s
			}
			if !up && in {
				in = false
				want = append(want, span{aos, s})
				sat = append(sat, i)
			}
		}
		if in {
			want = append(want, span{aos, window})
			sat = append(sat, i)
		}
	}
	if len(want) == 0 {
		t.Fatal("brute force found no passes: the test is not testing")
	}
	matched := 0
	for j, w := range want {
		for _, g := range got {
			if g.SatIndex != sat[j] {
				continue
			}
			a := g.AOS.Sub(start).Seconds()
			l := g.LOS.Sub(start).Seconds()
			if math.Abs(a-w.aos) <= 1.01 && math.Abs(l-w.los) <= 1.01 {
				matched++
				break
			}
		}
	}
	// passes shorter than the 1 s scan can exist in ours only
	if matched != len(want) {
		t.Errorf("matched %d of %d brute-force passes (ours: %d)", matched, len(want), len(got))
	}
	t.Logf("%d masked passes matched a 1 s exact scan", matched)
}
