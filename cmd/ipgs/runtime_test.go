package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ipgs/ipgs/internal/example"
	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/scheduler/clock"
	"github.com/ipgs/ipgs/scheduler/plan"
	"github.com/ipgs/ipgs/sim"
	"github.com/ipgs/ipgs/uplink/command"
	"github.com/ipgs/ipgs/uplink/ground"
	"github.com/ipgs/ipgs/uplink/station"
)

// TestStationRuntimeInProcessAndProcess: one station runtime
// (uplink/ground) works the same window against the emulator twice: in
// this process, on a simulated clock and in-memory links, as the demo and
// the desktop run it; and as ipgs station run against ipgs sim, two
// processes on the scaled wall clock over TCP. Both work the same planned
// contacts and bring telemetry home on each; the processes' reports are
// the runtime's, to the field.
func TestStationRuntimeInProcessAndProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("runs passes on an accelerated clock")
	}
	t.Parallel() // a process test on the wall clock: alongside the others like it
	dir := t.TempDir()
	mf := relayMission(t, dir)
	start := time.Date(2026, 11, 22, 0, 11, 0, 0, time.UTC) // DRONE-12 is up over Tromso
	const window = 40 * time.Minute

	// in process: the runtime against the emulator in a synctest bubble
	var inProc []station.Report
	synctest.Test(t, func(t *testing.T) {
		m, err := mission.Load(mf)
		if err != nil {
			t.Fatal(err)
		}
		els := example.Elements(t, filepath.Join(dir, "drones.tle"))
		clk := clock.NewScaled(start, 60)
		pl, err := plan.Run(context.Background(), plan.NetworkOptions(m, els, start, window, io.Discard))
		if err != nil {
			t.Fatal(err)
		}
		emu, err := sim.New(sim.Options{Mission: m, Elements: els, Clock: clk, InMemory: true, Dictionary: command.Default()})
		if err != nil {
			t.Fatal(err)
		}
		idx := slices.IndexFunc(m.Stations, func(s mission.StationConfig) bool { return s.Name == "Tromso" })
		rt, err := ground.New(ground.Config{Mission: m, Elements: els, Station: idx, Plan: pl, Start: start, Duration: window, Clock: clk,
			Dir: t.TempDir(), NoSync: true,
			Dial:    func(context.Context) (io.ReadWriteCloser, error) { return emu.Dial("Tromso") },
			Reports: func(r station.Report) { inProc = append(inProc, r) }})
		if err != nil {
			t.Fatal(err)
		}
		ctx, stop := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- emu.Serve(ctx) }()
		if err := rt.Run(context.Background()); err != nil {
			t.Error(err)
		}
		stop()
		<-done
	})

	// as processes: ipgs sim and ipgs station run
	data := filepath.Join(dir, "data")
	anchor := time.Now().Add(4 * time.Second).Truncate(time.Second)
	common := []string{"--config", mf, "--data", data, "--start", start.Format(time.RFC3339), "--wall-start", anchor.Format(time.RFC3339),
		"--speed", "60", "--duration", window.String(), "--bundles=false"}
	base := freePorts(t, 3)
	emu := startProc(t, dir, "sim", append([]string{"sim", "--base-port", fmt.Sprint(base)}, common...)...)
	st := startProc(t, dir, "Tromso", append([]string{"station", "run", "--station", "Tromso", "--tnc", fmt.Sprintf("127.0.0.1:%d", base),
		"--rig", "none", "--rotator", "none"}, common...)...)
	logOnFailure(t, emu, st)
	var asProc []station.Report
	poll(t, time.Until(anchor.Add(window/60+30*time.Second)), "the station's pass reports", func() bool {
		asProc = readReports(t, filepath.Join(data, "stations", "Tromso", "passes.jsonl"))
		return len(asProc) >= len(inProc)
	})

	if len(inProc) == 0 {
		t.Fatal("no contact in the window")
	}
	if len(asProc) != len(inProc) {
		t.Fatalf("%d pass reports as processes, %d in process", len(asProc), len(inProc))
	}
	for i, a := range inProc {
		b := asProc[i]
		t.Logf("%s %s–%s: in process %d frames %d packets; as processes %d frames %d packets", a.Name,
			a.Start.Format(time.TimeOnly), a.End.Format(time.TimeOnly), a.FramesRx, a.Packets, b.FramesRx, b.Packets)
		if a.Station != b.Station || a.Sat != b.Sat || !a.Start.Equal(b.Start) || !a.End.Equal(b.End) {
			t.Errorf("contact %d: in process %s %d %s–%s, as processes %s %d %s–%s", i, a.Station, a.Sat, a.Start, a.End, b.Station, b.Sat, b.Start, b.End)
		}
		if a.Packets == 0 || b.Packets == 0 {
			t.Errorf("%s %s: %d packets in process, %d as processes", a.Name, a.Start.Format(time.TimeOnly), a.Packets, b.Packets)
		}
	}
}

func readReports(t *testing.T, path string) []station.Report {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []station.Report
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r station.Report
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, r)
	}
	return out
}
