package radio

import (
	"context"
	"math"
	"os"
	"testing"
	"time"

	"github.com/ipgs/ipgs/mission/geo"
	"github.com/ipgs/ipgs/mission/sgp4"
	"github.com/ipgs/ipgs/mission/tle"
	"github.com/ipgs/ipgs/scheduler/clock"
	"github.com/ipgs/ipgs/sdr/hamlib"
	"github.com/ipgs/ipgs/sdr/hamlib/hamlibtest"
	"github.com/ipgs/ipgs/sdr/track"
	"github.com/ipgs/ipgs/uplink/station"
)

// TestTrackAgainstHamlib follows 12 s of a real pass with the dummy rig
// and rotator: the rotator keeps on the satellite and the rig on the
// Doppler-corrected downlink.
func TestTrackAgainstHamlib(t *testing.T) {
	rigAddr := hamlibtest.Daemon(t, "rigctld")
	rotAddr := hamlibtest.Daemon(t, "rotctld")
	data, err := os.ReadFile("../../examples/drones.tle")
	if err != nil {
		t.Fatal(err)
	}
	res := tle.Parse(data, tle.Options{})
	tromso := geo.Geodetic{LatDeg: 69.6625, LonDeg: 18.9408, AltM: 130}
	topo := geo.NewTopocentric(tromso)
	// a moment low in the north: near the dummy rotator's rest at 0/0
	var sat Sat
	var norad int
	var at time.Time
	base := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
search:
	for _, e := range res.Elements {
		p, _ := sgp4.New(e)
		for s := 0; s < 86400; s += 10 {
			tt := base.Add(time.Duration(s) * time.Second)
			r, v, err := p.At(tt)
			if err != nil {
				continue
			}
			re, ve := geo.TEMEToECEF(tt, r, v)
			l := topo.Look(re, ve)
			if l.ElDeg > 12 && l.ElDeg < 25 && (l.AzDeg < 25 || l.AzDeg > 345) {
				sat, norad, at = Sat{Prop: p, DownlinkHz: 437.8e6}, e.CatalogNumber, tt
				break search
			}
		}
	}
	if norad == 0 {
		t.Fatal("no suitable moment found")
	}
	ctx := context.Background()
	rig := hamlib.DialRig(rigAddr, 0)
	rot := hamlib.DialRotator(rotAddr, 0)
	defer rig.Close()
	defer rot.Close()
	clk := clock.NewScaled(at, 1)
	st := &Station{Rig: rig, Rotator: rot, Location: tromso, Sats: map[int]Sat{norad: sat}, Clock: clk, Park: track.AzEl{Az: 0, El: 90}}
	c := station.Contact{NORAD: norad, Start: clk.Now(), End: clk.Now().Add(12 * time.Second)}
	if err := st.Prepare(ctx, c); err != nil {
		t.Fatal(err)
	}
	clock.Until(ctx, clk, c.End)
	// where the satellite is now, and where the antenna and the rig are
	now := clk.Now()
	want, rr, _ := st.look(sat, &topo, now)
	az, el, err := rot.Position(ctx)
	if err != nil {
		t.Fatal(err)
	}
	f, err := rig.Frequency(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Release(ctx, c); err != nil {
		t.Fatal(err)
	}
	stats := st.RadioStats()
	e := separation(track.AzEl{Az: math.Mod(az+360, 360), El: el}, want)
	t.Logf("satellite at %.1f/%.1f, antenna at %.1f/%.1f: %.2f° off; rig %.0f Hz; stats %+v", want.Az, want.El, az, el, e, f, stats)
	if e > 3 {
		t.Errorf("antenna %.1f° off the satellite at the end", e)
	}
	if d := math.Abs(f - geo.DownlinkHz(437.8e6, rr)); d > 30 {
		t.Errorf("rig %.0f Hz is %.0f Hz off the Doppler-corrected frequency", f, d)
	}
	if stats.Retunes == 0 || stats.DopplerMaxHz == 0 {
		t.Errorf("no Doppler applied: %+v", stats)
	}
}
