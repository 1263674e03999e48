package cgr

import (
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

func at(min float64) time.Time { return t0.Add(time.Duration(min * float64(time.Minute))) }

// pass is a two-way contact of len minutes from start (minutes after t0).
func pass(a, b uint64, start, length float64) []Contact {
	return []Contact{
		{From: a, To: b, Start: at(start), End: at(start + length), Rate: 1000, OWLT: time.Millisecond},
		{From: b, To: a, Start: at(start), End: at(start + length), Rate: 1000, OWLT: time.Millisecond},
	}
}

func join(cs ...[]Contact) []Contact {
	var out []Contact
	for _, c := range cs {
		out = append(out, c...)
	}
	return out
}

func TestEarliestDelivery(t *testing.T) {
	// A=1, B=2 ground; X=101, Y=102 drones. Via X: A at 0, B at 60. Via Y:
	// A at 30, B at 50: later out, earlier in.
	r := New(join(pass(1, 101, 0, 10), pass(101, 2, 60, 10), pass(1, 102, 30, 10), pass(102, 2, 50, 10)))
	rs := r.Routes(1, 2, 500, t0, time.Time{}, nil)
	if len(rs) != 2 {
		t.Fatalf("%d routes", len(rs))
	}
	best := rs[0]
	if best.Entry != 102 || len(best.Hops) != 2 {
		t.Fatalf("best route %+v", best)
	}
	// it arrives half a second (500 B at 1000 B/s) into the Y-B contact,
	// plus the light time
	if want := at(50).Add(500*time.Millisecond + time.Millisecond); !best.Arrival.Equal(want) {
		t.Fatalf("arrival %s, want %s", best.Arrival, want)
	}
	if rs[1].Entry != 101 || !rs[1].Arrival.After(best.Arrival) {
		t.Fatalf("second route %+v", rs[1])
	}
	// a deadline before the Y route's arrival leaves none
	if rs := r.Routes(1, 2, 500, t0, at(45), nil); len(rs) != 0 {
		t.Fatalf("routes past the deadline: %+v", rs)
	}
	// at 40 minutes the Y pass with A is over: only X... which is over too
	if rs := r.Routes(1, 2, 500, at(41), time.Time{}, nil); len(rs) != 0 {
		t.Fatalf("routes after both passes: %+v", rs)
	}
}

func TestTieBreaks(t *testing.T) {
	// Two routes arrive at the same time: direct (1 hop) beats relayed
	// (2 hops) even though the relay leaves earlier.
	direct := []Contact{{From: 1, To: 2, Start: at(20), End: at(30), Rate: 1000}}
	relay := join(
		[]Contact{{From: 1, To: 101, Start: at(0), End: at(10), Rate: 1000}},
		[]Contact{{From: 101, To: 2, Start: at(20), End: at(30), Rate: 1000}})
	r := New(join(relay, direct))
	rs := r.Routes(1, 2, 100, t0, time.Time{}, nil)
	if len(rs) != 2 || len(rs[0].Hops) != 1 {
		t.Fatalf("fewest hops should win: %+v", rs)
	}
	// Same arrival, same hops: the later termination wins.
	r = New(join(
		[]Contact{{From: 1, To: 101, Start: at(0), End: at(10), Rate: 1000}, {From: 101, To: 2, Start: at(20), End: at(25), Rate: 1000}},
		[]Contact{{From: 1, To: 102, Start: at(0), End: at(12), Rate: 1000}, {From: 102, To: 2, Start: at(20), End: at(28), Rate: 1000}},
	))
	rs = r.Routes(1, 2, 100, t0, time.Time{}, nil)
	if len(rs) != 2 || rs[0].Entry != 102 {
		t.Fatalf("later termination should win: %+v", rs)
	}
	// Everything equal: the smaller entry node wins.
	r = New(join(
		[]Contact{{From: 1, To: 103, Start: at(0), End: at(10), Rate: 1000}, {From: 103, To: 2, Start: at(20), End: at(25), Rate: 1000}},
		[]Contact{{From: 1, To: 102, Start: at(0), End: at(10), Rate: 1000}, {From: 102, To: 2, Start: at(20), End: at(25), Rate: 1000}},
	))
	rs = r.Routes(1, 2, 100, t0, time.Time{}, nil)
	if rs[0].Entry != 102 {
		t.Fatalf("smaller entry node should win: %+v", rs)
	}
}

func TestCapacityAndBacklog(t *testing.T) {
	// The early pass carries 60 s x 1000 B/s = 60 kB. Bundles of 25 kB:
	// two fit, the third goes the later way.
	r := New(join(
		[]Contact{{From: 1, To: 101, Start: at(0), End: at(1), Rate: 1000}, {From: 101, To: 2, Start: at(10), End: at(20), Rate: 1000}},
		[]Contact{{From: 1, To: 102, Start: at(30), End: at(40), Rate: 1000}, {From: 102, To: 2, Start: at(50), End: at(60), Rate: 1000}},
	))
	var bs []Bundle
	for i, id := range []string{"a", "b", "c"} {
		bs = append(bs, Bundle{ID: id, Dest: 2, Size: 25000, Class: 1, Created: t0.Add(time.Duration(i) * time.Second)})
	}
	// an expedited bundle created last still goes first
	bs = append(bs, Bundle{ID: "x", Dest: 2, Size: 25000, Class: 2, Created: at(5)})
	as := r.Assign(1, t0, bs)
	entry := func(id string) uint64 { return as[id].Route.Entry }
	if entry("x") != 101 || entry("a") != 101 || entry("b") != 102 || entry("c") != 102 {
		t.Fatalf("entries x=%d a=%d b=%d c=%d", entry("x"), entry("a"), entry("b"), entry("c"))
	}
	// the second bundle on a contact leaves after the first
	if d := as["a"].Route.Hops[0].Depart.Sub(at(0)); d != 25*time.Second {
		t.Fatalf("a departs %s after the contact start", d)
	}
	// no route: say why
	as = r.Assign(1, at(45), []Bundle{{ID: "late", Dest: 2, Size: 10}})
	if as["late"].Route != nil || !strings.Contains(as["late"].Reason, "no contacts after") {
		t.Fatalf("late: %+v", as["late"])
	}
}

func TestTerrestrialShortcut(t *testing.T) {
	// The drone meets C before B; C and B are joined on the ground.
	always := func(a, b uint64) []Contact {
		return []Contact{{From: a, To: b, Start: t0, End: at(1e4), Rate: 1e6, Note: "terrestrial"}, {From: b, To: a, Start: t0, End: at(1e4), Rate: 1e6, Note: "terrestrial"}}
	}
	r := New(join(pass(101, 3, 10, 5), pass(101, 2, 40, 5), always(3, 2)))
	rs := r.Routes(101, 2, 1000, t0, time.Time{}, nil)
	if len(rs) == 0 || rs[0].Entry != 3 || len(rs[0].Hops) != 2 {
		t.Fatalf("%+v", rs)
	}
	if !strings.Contains(r.Explain(&rs[0]), "terrestrial") {
		t.Fatal(r.Explain(&rs[0]))
	}
}

// TestMargin: a contact with a margin takes no bundle that would go out
// in its last Margin, counts it as arriving up to Margin late, and still
// predicts delivery by its end plus the light time.
func TestMargin(t *testing.T) {
	t0 := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)
	c := Contact{From: 1, To: 2, Start: t0, End: t0.Add(100 * time.Second), Rate: 1000, OWLT: 10 * time.Second, Margin: 30 * time.Second}
	r := New([]Contact{c})
	if _, ok := r.Best(1, 2, 1000, t0.Add(69*time.Second+500*time.Millisecond), time.Time{}, nil); ok {
		t.Error("routed into the margin")
	}
	rt, ok := r.Best(1, 2, 1000, t0.Add(60*time.Second), time.Time{}, nil)
	if !ok || !rt.Latest.Equal(t0.Add(110*time.Second)) || !rt.Arrival.Equal(t0.Add(101*time.Second)) {
		t.Fatalf("route %+v, %v", rt, ok)
	}
	if rs := r.Routes(1, 2, 1000, t0.Add(75*time.Second), time.Time{}, nil); len(rs) != 0 {
		t.Errorf("Routes found %d in the margin", len(rs))
	}
}
