package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipgs/ipgs/uplink/station/status"
)

// TestStationStatusEndpoint runs the emulator and a station engine with
// --status as processes and reads the station as mission control does:
// its plan, the contact in progress, the pass report, telemetry values and
// a field's history from its store; then re-plans it with a pin.
func TestStationStatusEndpoint(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a pass on an accelerated clock")
	}
	t.Parallel() // a process test on the wall clock: alongside the others like it
	dir := t.TempDir()
	mf := relayMission(t, dir)
	// with the telemetry dictionary (a store of its own) but no InfluxDB
	b, _ := os.ReadFile(mf)
	os.WriteFile(mf, append(b, "\ntelemetry:\n  dictionary: telemetry.yaml\n"...), 0o644)
	data := filepath.Join(dir, "data")
	start := time.Date(2026, 11, 22, 0, 11, 0, 0, time.UTC) // DRONE-12 is up over Tromso
	anchor := time.Now().Add(4 * time.Second).Truncate(time.Second)
	common := []string{"--config", mf, "--data", data, "--start", start.Format(time.RFC3339), "--wall-start", anchor.Format(time.RFC3339), "--speed", "20"}
	base := freePorts(t, 4)
	emu := startProc(t, dir, "sim", append([]string{"sim", "--base-port", fmt.Sprint(base), "--duration", "3h"}, common...)...)
	addr := fmt.Sprintf("127.0.0.1:%d", base+3)
	st := startProc(t, dir, "Tromso", append([]string{"station", "run", "--station", "Tromso", "--tnc", fmt.Sprintf("127.0.0.1:%d", base),
		"--rig", "none", "--rotator", "none", "--duration", "3h", "--status", addr}, common...)...)
	logOnFailure(t, emu, st)
	c := &status.Client{Addr: addr}
	ctx := context.Background()
	var s *status.Snapshot
	poll(t, 30*time.Second, "the status endpoint", func() bool {
		b, err := os.ReadFile(filepath.Join(data, "keys", "status.token"))
		if err != nil {
			return false
		}
		c.Token = strings.TrimSpace(string(b))
		s, err = c.Snapshot(ctx)
		return err == nil
	})
	// without the token, or as a page on another site, nothing
	if _, err := (&status.Client{Addr: addr}).Snapshot(ctx); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("a client without the token: %v", err)
	}
	if s.Station != "Tromso" || len(s.Plan) == 0 {
		t.Fatalf("snapshot: station %q, %d contacts", s.Station, len(s.Plan))
	}
	t.Logf("plan: %d contacts, %d passes left out; now %s", len(s.Plan), len(s.LeftOut), s.Now.Format(time.TimeOnly))
	sawProgress := false
	poll(t, 60*time.Second, "the first pass report", func() bool {
		s, _ = c.Snapshot(ctx)
		sawProgress = sawProgress || s != nil && s.Progress != nil
		return s != nil && len(s.Reports) > 0
	})
	r := s.Reports[0]
	t.Logf("report: %s %s %d packets; %d values, %d alarms", r.Name, r.Start.Format(time.TimeOnly), r.Packets, len(s.Values), len(s.Alarms))
	if r.Packets == 0 || len(s.Values) == 0 || !sawProgress {
		t.Fatalf("after a pass: %d packets, %d values, progress seen %v", r.Packets, len(s.Values), sawProgress)
	}
	v := s.Values[0]
	h, err := c.History(ctx, v.Sat, v.Packet, v.Field, time.Time{})
	if err != nil || len(h) < 2 {
		t.Fatalf("history of %d %s.%s: %d values, %v", v.Sat, v.Packet, v.Field, len(h), err)
	}
	// pin the next contact: a re-plan keeps it, pinned
	var next status.Pass
	for _, p := range s.Plan {
		if p.Start.After(s.Now) {
			next = p
			break
		}
	}
	if next.Sat == 0 {
		t.Fatal("no contact ahead to pin")
	}
	next.By = "ana"
	s2, err := c.Replan(ctx, []status.Pass{next})
	if err != nil {
		t.Fatal(err)
	}
	// who pinned it is on record
	if b, err := os.ReadFile(filepath.Join(data, "stations", "Tromso", "pins.jsonl")); err != nil || !strings.Contains(string(b), `"by":"ana"`) {
		t.Errorf("pins.jsonl: %q, %v", b, err)
	}
	pinned := false
	for _, p := range s2.Plan {
		pinned = pinned || p.Sat == next.Sat && p.Start.Sub(next.Start).Abs() < time.Second && p.Pinned
	}
	if !pinned {
		t.Logf("plan after the re-plan: %+v", s2.Plan)
		t.Errorf("after the re-plan, %s at %s is not in the plan as pinned", next.Name, next.Start.Format(time.TimeOnly))
	}
	if _, err := c.Replan(ctx, []status.Pass{{Sat: 1}}); err == nil {
		t.Error("a pin without a station was taken")
	}
}
