package radio

import (
	"context"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ipgs/ipgs/internal/leakcheck"
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
	leakcheck.Check(t)
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
	t.Cleanup(func() { st.Release(context.Background(), c) }) // ends the tracking loop however the test ends
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

// TestUplinkDoppler tunes downlink and uplink at once, on a half-duplex rig
// (split: the TX VFO carries the corrected uplink) and on a full-duplex one
// (rigctld -o: Main receives, Sub transmits).
func TestUplinkDoppler(t *testing.T) {
	data, err := os.ReadFile("../../examples/drones.tle")
	if err != nil {
		t.Fatal(err)
	}
	tromso := geo.Geodetic{LatDeg: 69.6625, LonDeg: 18.9408, AltM: 130}
	topo := geo.NewTopocentric(tromso)
	// the first moment a satellite is up
	var sat Sat
	var e *tle.Elements
	var at time.Time
search:
	for _, e = range tle.Parse(data, tle.Options{}).Elements {
		p, err := sgp4.New(e)
		if err != nil {
			t.Fatal(err)
		}
		sat = Sat{Prop: p, DownlinkHz: 437.8e6, UplinkHz: 145.9e6}
		for at = time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC); at.Before(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)); at = at.Add(10 * time.Second) {
			if l, _, ok := (&Station{}).look(sat, &topo, at); ok && l.El > 10 {
				break search
			}
		}
	}
	if at.IsZero() || at.Day() != 22 {
		t.Fatal("no satellite up over Tromsø")
	}
	for _, c := range []struct {
		duplex string
		args   []string
		rx, tx func(r *hamlib.Rig) (float64, error)
	}{
		{HalfDuplex, nil, func(r *hamlib.Rig) (float64, error) { return r.Frequency(context.Background()) },
			func(r *hamlib.Rig) (float64, error) { return r.SplitFrequency(context.Background()) }},
		{FullDuplex, []string{"-o"}, func(r *hamlib.Rig) (float64, error) { return r.FrequencyOf(context.Background(), "Main") },
			func(r *hamlib.Rig) (float64, error) { return r.FrequencyOf(context.Background(), "Sub") }},
	} {
		t.Run(c.duplex, func(t *testing.T) {
			ctx := context.Background()
			rig := hamlib.DialRig(hamlibtest.Daemon(t, "rigctld", c.args...), 0)
			leakcheck.Check(t)
			defer rig.Close()
			clk := clock.NewScaled(at, 1)
			st := &Station{Rig: rig, Location: tromso, Sats: map[int]Sat{e.CatalogNumber: sat}, Clock: clk, Duplex: c.duplex}
			con := station.Contact{NORAD: e.CatalogNumber, Start: clk.Now(), End: clk.Now().Add(3 * time.Second)}
			t.Cleanup(func() { st.Release(context.Background(), con) })
			if err := st.Prepare(ctx, con); err != nil {
				t.Fatal(err)
			}
			clock.Until(ctx, clk, con.End.Add(-500*time.Millisecond))
			if err := st.Release(ctx, con); err != nil {
				t.Fatal(err)
			}
			_, rr, _ := st.look(sat, &topo, clk.Now())
			rx, err := c.rx(rig)
			if err != nil {
				t.Fatal(err)
			}
			tx, err := c.tx(rig)
			if err != nil {
				t.Fatal(err)
			}
			stats := st.RadioStats()
			wantRX, wantTX := geo.DownlinkHz(sat.DownlinkHz, rr), geo.UplinkHz(sat.UplinkHz, rr)
			t.Logf("range rate %.3f km/s: rx %.0f Hz (want %.0f), tx %.0f Hz (want %.0f); %+v", rr, rx, wantRX, tx, wantTX, stats)
			if math.Abs(rx-wantRX) > 40 || math.Abs(tx-wantTX) > 40 {
				t.Errorf("off the corrected frequencies: rx %.0f Hz, tx %.0f Hz", rx-wantRX, tx-wantTX)
			}
			if stats.UplinkRetunes == 0 || stats.UplinkDopplerMaxHz < 100 || len(stats.Errors) > 0 {
				t.Errorf("uplink not corrected: %+v", stats)
			}
		})
	}
}

// Full duplex on a rigctld without -o is a clear error, not a fight over
// the one VFO.
func TestFullDuplexNeedsVFOMode(t *testing.T) {
	rig := hamlib.DialRig(hamlibtest.Daemon(t, "rigctld"), 0)
	defer rig.Close()
	st := &Station{Rig: rig, Duplex: FullDuplex}
	_, _, err := st.tuners(context.Background(), Sat{DownlinkHz: 1, UplinkHz: 1})
	if err == nil || !strings.Contains(err.Error(), "-o") {
		t.Fatalf("full duplex without VFO mode: %v", err)
	}
}

// The rig goes away mid-pass and comes back: the errors are reported, the
// tracking goes on, and once the rig is back it is on frequency again.
func TestRigGoesAwayMidPass(t *testing.T) {
	data, err := os.ReadFile("../../examples/drones.tle")
	if err != nil {
		t.Fatal(err)
	}
	e := tle.Parse(data, tle.Options{}).Elements[0]
	p, err := sgp4.New(e)
	if err != nil {
		t.Fatal(err)
	}
	leakcheck.Check(t)
	proc := hamlibtest.Start(t, "rigctld")
	ctx := context.Background()
	rig := hamlib.DialRig(proc.Addr, 500*time.Millisecond)
	defer rig.Close()
	// Doppler changes fastest near the pass's middle; any moment works for
	// the dummy rig, which does not care whether the satellite is up
	clk := clock.NewScaled(time.Date(2026, 11, 22, 6, 0, 0, 0, time.UTC), 1)
	sat := Sat{Prop: p, DownlinkHz: 437.8e6}
	loc := geo.Geodetic{LatDeg: 69.6625, LonDeg: 18.9408, AltM: 130}
	st := &Station{Rig: rig, Location: loc, Sats: map[int]Sat{e.CatalogNumber: sat}, Clock: clk}
	c := station.Contact{NORAD: e.CatalogNumber, Start: clk.Now(), End: clk.Now().Add(6 * time.Second)}
	t.Cleanup(func() { st.Release(context.Background(), c) }) // ends the tracking loop however the test ends
	if err := st.Prepare(ctx, c); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	proc.Stop()
	time.Sleep(time.Second)
	proc.Restart(t) // a new rig: it comes up on its own default frequency
	clock.Until(ctx, clk, c.End.Add(-time.Second))
	if err := st.Release(ctx, c); err != nil {
		t.Fatal(err)
	}
	stats := st.RadioStats()
	f, err := rig.Frequency(ctx)
	if err != nil {
		t.Fatal(err)
	}
	topo := geo.NewTopocentric(loc)
	_, rr, _ := st.look(sat, &topo, clk.Now())
	t.Logf("after the outage: rig %.0f Hz, want %.0f; %d errors, first %q", f, geo.DownlinkHz(437.8e6, rr), len(stats.Errors), stats.Errors)
	if len(stats.Errors) != 1 || !strings.Contains(stats.Errors[0], proc.Addr) || !strings.Contains(stats.Errors[0], "times") {
		t.Errorf("the outage was not reported: %+v", stats)
	}
	if d := math.Abs(f - geo.DownlinkHz(437.8e6, rr)); d > 1000 {
		t.Errorf("rig %.0f Hz is %.0f Hz off after it came back", f, d)
	}
}

// TestManualControl drives Hamlib's dummy rotator and rig by hand during
// a pass: stopped and pointed by hand, the antenna stays where the
// operator put it (no tracking) until resume; a satellite's offset set
// by the operator shifts the downlink at once, is reported to be kept,
// and is applied at the next pass of a station that was given it.
func TestManualControl(t *testing.T) {
	rigAddr := hamlibtest.Daemon(t, "rigctld")
	rotAddr := hamlibtest.Daemon(t, "rotctld")
	data, err := os.ReadFile("../../examples/drones.tle")
	if err != nil {
		t.Fatal(err)
	}
	res := tle.Parse(data, tle.Options{})
	p, _ := sgp4.New(res.Elements[0])
	sat := Sat{Prop: p, DownlinkHz: 437.8e6}
	norad := res.Elements[0].CatalogNumber
	tromso := geo.Geodetic{LatDeg: 69.6625, LonDeg: 18.9408, AltM: 130}
	ctx := context.Background()
	rig := hamlib.DialRig(rigAddr, 0)
	rot := hamlib.DialRotator(rotAddr, 0)
	defer rig.Close()
	defer rot.Close()
	start := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	clk := clock.NewScaled(start, 1)
	kept := map[int]float64{}
	st := &Station{Rig: rig, Rotator: rot, Location: tromso, Sats: map[int]Sat{norad: sat}, Clock: clk, Period: 50 * time.Millisecond,
		OnOffset: func(o map[int]float64) { kept = o }}
	c := station.Contact{NORAD: norad, Start: clk.Now(), End: clk.Now().Add(120 * time.Second)}
	t.Cleanup(func() { st.Release(context.Background(), c) })
	if err := st.Prepare(ctx, c); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second) // the dummy rotator turns a few degrees a second
	az0, el0, err := rot.Position(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// a little way from where tracking has it, so the dummy gets there
	az1, el1 := math.Mod(az0+360+5, 360), math.Min(el0+5, 85)
	if el0 > 80 {
		el1 = el0 - 5
	}
	if err := st.Manual(ctx, station.Manual{Action: "point", Az: az1, El: el1, Operator: "ana"}); err != nil {
		t.Fatal(err)
	}
	// polled: the dummy rotator turns at its own pace, slower on a busy machine
	at := func(want track.AzEl, near bool) (float64, float64, bool) {
		deadline := time.Now().Add(20 * time.Second)
		for {
			az, el, err := rot.Position(ctx)
			if err == nil && (separation(track.AzEl{Az: az, El: el}, want) <= 1) == near {
				return az, el, true
			}
			if time.Now().After(deadline) {
				return az, el, false
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	pointed := track.AzEl{Az: az1, El: el1}
	if az, el, ok := at(pointed, true); !ok {
		t.Fatalf("pointed by hand to %.1f/%.1f, the rotator is at %.1f/%.1f", az1, el1, az, el)
	}
	time.Sleep(time.Second) // held there: tracking does not take it back
	if az, el, _ := rot.Position(ctx); separation(track.AzEl{Az: az, El: el}, pointed) > 1 {
		t.Fatalf("held at %.1f/%.1f by hand, the rotator went to %.1f/%.1f: tracking took it back", az1, el1, az, el)
	}
	f0, _ := rig.Frequency(ctx)
	if err := st.Manual(ctx, station.Manual{Action: "offset", Sat: norad, Hz: 1500}); err != nil {
		t.Fatal(err)
	}
	var f1 float64
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if f1, _ = rig.Frequency(ctx); f1-f0 > 1300 {
			break
		}
	}
	if d := f1 - f0; d < 1300 || d > 1700 {
		t.Errorf("offset 1500 Hz moved the rig by %.0f Hz", d)
	}
	if err := st.Manual(ctx, station.Manual{Action: "point", Az: 1000}); err == nil {
		t.Error("azimuth 1000 was taken")
	}
	if err := st.Manual(ctx, station.Manual{Action: "resume"}); err != nil {
		t.Fatal(err)
	}
	if az, el, ok := at(pointed, false); !ok {
		t.Errorf("tracking did not resume: the rotator is still at %.1f/%.1f", az, el)
	}
	if err := st.Release(ctx, c); err != nil {
		t.Fatal(err)
	}
	if kept[norad] != 1500 {
		t.Fatalf("kept offsets %v, want %d: 1500", kept, norad)
	}
	// the next pass, on a station given the kept offsets
	st2 := &Station{Rig: rig, Location: tromso, Sats: map[int]Sat{norad: sat}, Clock: clk, Offsets: kept}
	c2 := station.Contact{NORAD: norad, Start: clk.Now(), End: clk.Now().Add(2 * time.Second)}
	if err := st2.Prepare(ctx, c2); err != nil {
		t.Fatal(err)
	}
	f2, _ := rig.Frequency(ctx)
	st2.Release(ctx, c2)
	topo := geo.NewTopocentric(tromso)
	_, rr, _ := st2.look(sat, &topo, c2.Start)
	if d := f2 - geo.DownlinkHz(437.8e6, rr); math.Abs(d-1500) > 50 {
		t.Errorf("the next pass tuned %.0f Hz off the Doppler-corrected frequency, want the kept 1500", d)
	}
}
