package sgp4

import (
	"os"
	"testing"
	"time"

	"github.com/ipgs/ipgs/mission/tle"
)

// TestReepoch: the example drones' element sets moved three days on put
// each drone within a few kilometres of where the original set puts it,
// at the new epoch and a day later.
func TestReepoch(t *testing.T) {
	raw, err := os.ReadFile("../../examples/drones.tle")
	if err != nil {
		t.Fatal(err)
	}
	res := tle.Parse(raw, tle.Options{})
	if len(res.Errors) > 0 || len(res.Elements) != 12 {
		t.Fatalf("%d element sets, errors %v", len(res.Elements), res.Errors)
	}
	els := res.Elements
	worst := 0.0
	for _, e := range els {
		at := e.Epoch.Add(72 * time.Hour)
		n, err := Reepoch(e, at)
		if err != nil {
			t.Fatal(err)
		}
		if !n.Epoch.Equal(at) {
			t.Fatalf("epoch %s", n.Epoch)
		}
		p0, _ := New(e)
		p1, err := New(n)
		if err != nil {
			t.Fatal(err)
		}
		for _, dt := range []time.Duration{0, 95 * time.Minute, 24 * time.Hour} {
			r0, _, _ := p0.At(at.Add(dt))
			r1, _, _ := p1.At(at.Add(dt))
			d := r0.Sub(r1).Norm()
			worst = max(worst, d)
			if d > 5 {
				t.Errorf("%s: %.2f km apart %s after the new epoch", e.Label(), d, dt)
			}
		}
	}
	t.Logf("worst separation %.3f km over %d drones", worst, len(els))
}
