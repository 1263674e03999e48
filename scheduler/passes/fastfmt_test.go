package passes

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
)

// TestFastFormatsMatchStandard holds the CSV writer's fast formatting to
// time.AppendFormat and strconv.AppendFloat byte for byte.
func TestFastFormatsMatchStandard(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	times := []time.Time{
		time.Date(2024, 2, 29, 23, 59, 59, 999500000, time.UTC),
		time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 999600000, time.UTC),
		time.Date(2100, 3, 1, 0, 0, 0, 0, time.FixedZone("x", 3600)),
		time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-5, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999900000, time.UTC),
	}
	for range 200000 {
		times = append(times, time.Unix(rng.Int64N(1<<37)-1<<36, rng.Int64N(1e9)))
	}
	for _, tm := range times {
		want := tm.UTC().Round(time.Millisecond).AppendFormat(nil, TimeLayout)
		if got := appendTime(nil, tm); string(got) != string(want) {
			t.Fatalf("%v: got %s, want %s", tm, got, want)
		}
	}
	vals := []float64{0, 0.00005, 0.00015, 89.99995, 359.99995, 1e9, -0.00001, -3, math.NaN(), math.Inf(1), 12.34565, 0.5}
	for range 500000 {
		vals = append(vals, rng.Float64()*360, float64(rng.IntN(3600000))/1e4+0.00005)
	}
	for _, v := range vals {
		want := strconv.AppendFloat(nil, v, 'f', 4, 64)
		if got := appendFixed4(nil, v); string(got) != string(want) {
			t.Fatalf("%v: got %s, want %s", v, got, want)
		}
	}
}
