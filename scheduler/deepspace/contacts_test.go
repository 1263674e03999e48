package deepspace

import (
	"math"
	"testing"
	"time"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/mission/ephem"
	"github.com/ipgs/ipgs/mission/geo"
)

// TestInterplanetaryWeek plans a week of the example interplanetary
// mission: each deep-space station has the Moon and Mars once a day or
// so, each window opens and closes where the body crosses the station's
// horizon (to a hundredth of a degree), the light times are the
// geometry's (a second or two to the Moon, minutes to Mars), and the
// Mars relay has the lunar one all week.
func TestInterplanetaryWeek(t *testing.T) {
	m, err := mission.Load("../../examples/interplanetary.yaml")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)
	end := start.Add(7 * 24 * time.Hour)
	cs, err := Contacts(m, start, end)
	if err != nil {
		t.Fatal(err)
	}
	stations := m.PassStations()
	byName := map[string]int{}
	for i, s := range stations {
		byName[s.Name] = i
	}
	windows := map[[2]string]int{}
	var span time.Duration
	for _, c := range cs {
		if !c.Up {
			continue
		}
		if c.Station == "" {
			if c.Relay != "MARS-1" || !c.Start.Equal(start) || !c.End.Equal(end) {
				t.Errorf("relay link %+v: want MARS-1 with LUNAR-1 all week", c)
			}
			continue
		}
		windows[[2]string{c.Station, c.Relay}]++
		span += c.End.Sub(c.Start)
		b := map[string]ephem.Body{"LUNAR-1": ephem.Moon, "MARS-1": ephem.Mars}[c.Relay]
		st := &stations[byName[c.Station]]
		topo := geo.NewTopocentric(st.Location)
		for _, edge := range []time.Time{c.Start, c.End} {
			if edge.Equal(start) || edge.Equal(end) {
				continue
			}
			el, az, _ := ephem.Look(b, &topo, edge)
			if d := el - st.Threshold(az); math.Abs(d) > 0.01 {
				t.Errorf("%s %s window edge %s: %.4f° from the horizon", c.Station, c.Relay, edge.Format(time.RFC3339), d)
			}
		}
		lo, hi := 3*time.Minute, 22*time.Minute
		if b == ephem.Moon {
			lo, hi = time.Second, 2*time.Second
		}
		if c.OWLT < lo || c.OWLT > hi {
			t.Errorf("%s %s: light time %s", c.Station, c.Relay, c.OWLT)
		}
	}
	for _, st := range []string{"Goldstone", "Madrid", "Canberra"} {
		for _, r := range []string{"LUNAR-1", "MARS-1"} {
			if n := windows[[2]string{st, r}]; n < 6 || n > 9 {
				t.Errorf("%s sees %s %d times in a week", st, r, n)
			}
		}
	}
	t.Logf("%d contacts (both directions), %d station windows, %.0f h of station contact in the week", len(cs), len(windows), span.Hours())
}
