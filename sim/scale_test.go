package sim

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ipgs/ipgs/internal/example"
	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/mission/tle"
	"github.com/ipgs/ipgs/telemetry"
)

// TestConstellationDay flies a constellation of IPGS_SCALE="drones,stations"
// (make bench-scale: 50,10 then 500,30) for a simulated day: the plan
// from the scheduler, every station engine running over in-memory links,
// every packet decoded into the telemetry store, and every packet
// accounted for. It prints the wall time, the CPU and the peak memory,
// per drone-day. Virtual time runs in a synctest bubble, so the day takes
// only the CPU it needs. Skipped without IPGS_SCALE: a measurement, not a
// check of CI's machine.
func TestConstellationDay(t *testing.T) {
	spec := os.Getenv("IPGS_SCALE")
	if spec == "" {
		t.Skip("set IPGS_SCALE=drones,stations (make bench-scale)")
	}
	var drones, stations int
	if _, err := fmt.Sscanf(strings.ReplaceAll(spec, " ", ""), "%d,%d", &drones, &stations); err != nil || drones < 1 || stations < 1 {
		t.Fatalf("IPGS_SCALE=%q: want drones,stations", spec)
	}
	dur := 24 * time.Hour
	if s := os.Getenv("IPGS_SCALE_HOURS"); s != "" {
		h, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatal(err)
		}
		dur = time.Duration(h * float64(time.Hour))
	}
	m, els := constellation(t, drones, stations)
	var res *DayResult
	cpu0 := cpuTime()
	t0 := time.Now()
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		tc := telemetry.ConfigFor(m, dir)
		td, err := tc.LoadDictionary()
		if err != nil {
			t.Fatal(err)
		}
		store, err := telemetry.OpenStore(filepath.Join(dir, "telemetry"), td)
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close()
		start := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
		res, err = RunDay(context.Background(), DayOptions{
			Mission: m, Elements: els, Start: start, Duration: dur, Speed: 600, InMemory: true,
			DataDir: dir, Seed: 11, Telemetry: store,
		})
		if err != nil {
			t.Fatal(err)
		}
	})
	wall := time.Since(t0)
	cpu := cpuTime() - cpu0
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	rss := float64(ru.Maxrss) / 1024
	generated, ground, onboard, lost := 0, 0, 0, 0
	for _, a := range res.Accounts {
		generated += int(a.Generated)
		ground += a.OnGround
		onboard += a.Onboard
		lost += len(a.Lost)
	}
	days := float64(drones) * dur.Hours() / 24
	t.Logf("%d drones, %d stations, %v: %d contacts worked; telemetry: %d packets generated, %d on the ground, %d still onboard, %d lost; %d points stored",
		drones, stations, dur, len(res.Reports), generated, ground, onboard, lost, res.Points)
	t.Logf("wall %.1f s, CPU %.1f s (%.2f of %d cores), peak RSS %.0f MiB (%.2f MiB a drone); per drone-day: %.3f s wall, %.3f s CPU",
		wall.Seconds(), cpu.Seconds(), cpu.Seconds()/wall.Seconds(), runtime.GOMAXPROCS(0), rss, rss/float64(drones), wall.Seconds()/days, cpu.Seconds()/days)
	// a packet received but not yet acknowledged is both on the ground
	// and onboard; a lost one is neither
	if lost > 0 || ground+onboard < generated {
		t.Errorf("telemetry not accounted for: %d generated, %d on the ground, %d onboard, %d lost", generated, ground, onboard, lost)
	}
}

// constellation is the example mission with its drones replaced by a
// Walker-like constellation (planes of 25 at 53° and 97.5° alternately)
// and its stations by the first of the shared list of 100 ground
// stations, each with a callsign and bundles off.
func constellation(tb testing.TB, drones, stations int) (*mission.Mission, []*tle.Elements) {
	m, _ := exampleMission(tb)
	sts := example.Stations(tb, stations)
	tmpl := m.Stations[1] // Wallops: no mask, no maintenance
	m.Stations = nil
	for i, s := range sts {
		c := tmpl
		c.Name, c.Lat, c.Lon, c.AltM = s.Name, s.Location.LatDeg, s.Location.LonDeg, s.Location.AltM
		c.Callsign, c.DTNNode, c.Unavailable, c.Terrestrial, c.TCPCL, c.DTNPeers = fmt.Sprintf("GS%03d", i), "", nil, nil, "", nil
		m.Stations = append(m.Stations, c)
	}
	sat := m.Satellites[11] // DRONE-12: G3RUH 9600, AX.25, the default bus
	m.Satellites = nil
	els := example.Walker(drones, time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC))
	for i, e := range els {
		c := sat
		c.Name, c.NORAD, c.Callsign, c.DTNNode = e.Name, e.CatalogNumber, fmt.Sprintf("D%03d", i+1), ""
		c.Priority, c.Demand = nil, mission.DemandConfig{}
		m.Satellites = append(m.Satellites, c)
	}
	return m, els
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
