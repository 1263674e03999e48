package dtn

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/scheduler/plan"
	"github.com/ipgs/ipgs/uplink/cgr"
)

// TestRoutesToMars: on the example interplanetary mission's week, the
// routers' contact plan carries the relays' contacts with their light
// times, and a bundle from Goldstone to the Mars relay is routed to
// arrive no sooner than the light time of each hop allows (minutes to
// Mars), through Goldstone's own view of Mars or the lunar relay's.
func TestRoutesToMars(t *testing.T) {
	m, err := mission.Load("../../examples/interplanetary.yaml")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)
	pl, err := plan.Run(context.Background(), plan.NetworkOptions(m, nil, start, 7*24*time.Hour, io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	cs, err := MissionContacts(m, pl, nil, start, start.Add(7*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	r := cgr.New(cs)
	for at := start; at.Before(start.Add(48 * time.Hour)); at = at.Add(3 * time.Hour) {
		rt, ok := r.Best(11, 202, 2000, at, at.Add(7*24*time.Hour), nil)
		if !ok {
			t.Fatalf("no route from Goldstone to MARS-1 at %s", at.Format(time.RFC3339))
		}
		var light time.Duration
		for _, h := range rt.Hops {
			c := cs[h.Contact]
			light += c.OWLT
			if h.Arrive.Sub(h.Depart) < c.OWLT {
				t.Errorf("%s: hop %d→%d arrives %s after it leaves, its light time is %s", at.Format(time.RFC3339), c.From, c.To, h.Arrive.Sub(h.Depart), c.OWLT)
			}
		}
		if light < 3*time.Minute || rt.Arrival.Sub(rt.Hops[0].Depart) < light {
			t.Errorf("%s: arrival %s after departure, light time %s", at.Format(time.RFC3339), rt.Arrival.Sub(rt.Hops[0].Depart), light)
		}
		if at.Equal(start) {
			t.Logf("at %s: %d hops, leaves %s, arrives %s (light time %s)", at.Format(time.RFC3339), len(rt.Hops), rt.Hops[0].Depart.Format(time.TimeOnly), rt.Arrival.Format(time.TimeOnly), light)
		}
	}
}
