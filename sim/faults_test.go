package sim

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/scheduler/clock"
	"github.com/ipgs/ipgs/scheduler/plan"
	"github.com/ipgs/ipgs/uplink/bstore"
	"github.com/ipgs/ipgs/uplink/bstore/bstoretest"
	"github.com/ipgs/ipgs/uplink/bundle"
	"github.com/ipgs/ipgs/uplink/ground"
	"github.com/ipgs/ipgs/uplink/station"
)

// fullDisk wraps telemetry.jsonl: while full is set a write stores half
// of what it is given and fails with ENOSPC, and an fsync fails too.
type fullDisk struct {
	*os.File
	full *atomic.Bool
}

func (d fullDisk) WriteAt(p []byte, off int64) (int, error) {
	if d.full.Load() {
		n, _ := d.File.WriteAt(p[:len(p)/2], off)
		return n, syscall.ENOSPC
	}
	return d.File.WriteAt(p, off)
}

func (d fullDisk) Sync() error {
	if d.full.Load() {
		return syscall.ENOSPC
	}
	return d.File.Sync()
}

// TestFaultCampaign: Tromso works 8 hours of passes against the emulator
// on a simulated clock while faults come one after the other: bad re-plan
// requests (four centuries, an unknown satellite and station); its data
// folder fills up for 40 minutes and is freed; the station dies in the
// middle of a write (a torn last line) and its bundle store is found
// damaged, salvaged, and the station starts again. At the end every
// telemetry packet is on the ground exactly once (one line in
// telemetry.jsonl, no torn line) or still onboard, and every contact
// after a fault cleared brought telemetry home. (InfluxDB killed and
// restarted under the shipper: telemetry.TestShipperInfluxRestart, on the
// real server.)
func TestFaultCampaign(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m, els := exampleMission(t)
		start := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
		const window = 8 * time.Hour
		idx := slices.IndexFunc(m.Stations, func(s mission.StationConfig) bool { return s.Name == "Tromso" })
		clk := clock.NewScaled(start, 1000)
		pl, err := plan.Run(context.Background(), plan.NetworkOptions(m, els, start, window, io.Discard))
		if err != nil {
			t.Fatal(err)
		}
		emu, err := New(Options{Mission: m, Elements: els, Clock: clk, InMemory: true, Seed: 5, Faults: Faults{IdealLink: true}})
		if err != nil {
			t.Fatal(err)
		}
		ectx, stopEmu := context.WithCancel(context.Background())
		emuDone := make(chan error, 1)
		go func() { emuDone <- emu.Serve(ectx) }()

		dir := t.TempDir()
		store := filepath.Join(dir, "bundles", "Tromso.db")
		var full atomic.Bool
		var mu sync.Mutex
		var reports []station.Report
		runtime := func() *ground.Runtime {
			rt, err := ground.New(ground.Config{Mission: m, Elements: els, Station: idx, Plan: pl, Start: start, Duration: window, Clock: clk,
				Dir: dir, NoSync: true, Dial: func(context.Context) (io.ReadWriteCloser, error) { return emu.Dial("Tromso") },
				SinkFile: func(f *os.File) station.SinkFile { return fullDisk{f, &full} },
				Bundles:  &ground.Bundles{Store: store, Terrestrial: m.TerrestrialLinks()},
				Reports:  func(r station.Report) { mu.Lock(); reports = append(reports, r); mu.Unlock() }})
			if err != nil {
				t.Fatal(err)
			}
			return rt
		}
		at := func(d time.Duration) { clock.Until(context.Background(), clk, start.Add(d)) }

		// phase 1: bad re-plans, then a full disk from 1 h to 1 h 40
		rt := runtime()
		ctx1, stop1 := context.WithCancel(context.Background())
		done1 := make(chan error, 1)
		go func() { done1 <- rt.Run(ctx1) }()
		// bundles for a node no contact reaches: they stay in the store
		for i := range 20 {
			bb := &bundle.Bundle{
				Primary: bundle.Primary{CRCType: bundle.CRC32C, Dest: bundle.IPN(99, 1), Source: bundle.IPN(1, 1), ReportTo: bundle.IPN(1, 1),
					Created: uint64(start.Sub(bstore.DTNTime(0)).Milliseconds()), Seq: uint64(i + 1), Lifetime: 86400000},
				Blocks: []bundle.Block{{Type: bundle.TypePayload, Number: 1, CRCType: bundle.CRC32C, Data: make([]byte, 3000)}},
			}
			raw, err := bb.Encode()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := rt.Node().Submit(raw, clk.Now()); err != nil {
				t.Fatal(err)
			}
		}
		at(30 * time.Minute)
		sat := m.Satellites[0].NORAD
		for _, pin := range []plan.LockEntry{
			{Sat: sat, Station: "Tromso", Start: time.Date(1800, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)},
			{Sat: 1, Station: "Tromso", Start: start.Add(time.Hour), End: start.Add(time.Hour + 5*time.Minute)},
			{Sat: sat, Station: "Atlantis", Start: start.Add(time.Hour), End: start.Add(time.Hour + 5*time.Minute)},
		} {
			if _, err := rt.Replan(context.Background(), []plan.LockEntry{pin}); !mission.IsBadInput(err) {
				t.Errorf("re-plan with %+v: %v, want it refused", pin, err)
			}
		}
		at(time.Hour)
		full.Store(true)
		at(time.Hour + 35*time.Minute)
		problems := rt.Board().Snapshot().Problems
		at(time.Hour + 40*time.Minute)
		full.Store(false)
		at(2 * time.Hour)
		if len(problems) == 0 || !strings.Contains(problems[0], "no space left") {
			t.Errorf("while the disk was full the station said %q", problems)
		}
		if p := rt.Board().Snapshot().Problems; len(p) != 0 {
			t.Errorf("after the disk was freed the station still says %q", p)
		}
		stop1()
		<-done1

		// the station died in the middle of a write, and its bundle store
		// is damaged: salvaged, and the station starts again
		tm := filepath.Join(dir, "telemetry.jsonl")
		f, err := os.OpenFile(tm, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.WriteString(`{"sat":90001,"station":"Tromso","no":99`)
		f.Close()
		bstoretest.Damage(t, store)
		var ce *bstore.CorruptError
		if _, err := ground.New(ground.Config{Mission: m, Elements: els, Station: idx, Plan: pl, Start: start, Duration: window, Clock: clk,
			Dir: t.TempDir(), Bundles: &ground.Bundles{Store: store}}); !errors.As(err, &ce) {
			t.Fatalf("a station on a damaged bundle store: %v", err)
		}
		sv, err := bstore.Salvage(store, bstore.Options{}, clk.Now())
		if err != nil {
			t.Fatal(err)
		}
		rt = runtime()
		if err := rt.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		stopEmu()
		<-emuDone

		// every packet on the ground exactly once, or onboard
		lines, torn := readLines(t, tm)
		if torn {
			t.Error("telemetry.jsonl ends in a torn line")
		}
		ground := map[[2]uint64]int{}
		for _, l := range lines {
			var p struct {
				Sat int    `json:"sat"`
				No  uint32 `json:"no"`
			}
			if err := json.Unmarshal(l, &p); err != nil {
				t.Fatalf("telemetry.jsonl: a line that is not a packet: %s", l)
			}
			ground[[2]uint64{uint64(p.Sat), uint64(p.No)}]++
		}
		dups, lost, onGround := 0, 0, 0
		for _, n := range ground {
			if n > 1 {
				dups++
			}
		}
		for _, ob := range emu.Onboard() {
			onboard := map[uint32]bool{}
			for _, no := range ob.Stored {
				onboard[no] = true
			}
			for no := uint32(1); no <= ob.Generated; no++ {
				k := [2]uint64{uint64(ob.NORAD), uint64(no)}
				switch {
				case ground[k] > 0:
					onGround++
				case !onboard[no]:
					lost++
				}
			}
		}
		// every contact after a fault cleared with a session (a pass
		// whose downlink closes) brought telemetry home
		worked, after := 0, 0
		for _, r := range reports {
			cleared := !r.Start.Before(start.Add(time.Hour+40*time.Minute)) && r.End.Before(start.Add(2*time.Hour)) || r.Start.After(start.Add(2*time.Hour))
			if !cleared || !r.Session {
				continue
			}
			after++
			if r.Packets > 0 {
				worked++
			} else {
				t.Errorf("%s %s–%s after the faults: %d frames, no packet", r.Name, r.Start.Format("15:04"), r.End.Format("15:04"), r.FramesRx)
			}
		}
		t.Logf("while the disk was full the station said: %q", problems)
		t.Logf("salvage kept %d bundles, could not read %d; %d contacts, %d after the faults cleared, %d with telemetry",
			sv.Kept, len(sv.Lost), len(reports), after, worked)
		t.Logf("%d packets on the ground (%d lines), %d duplicated, %d lost", onGround, len(lines), dups, lost)
		if dups > 0 || lost > 0 || onGround == 0 || after < 3 {
			t.Fatalf("%d duplicated, %d lost, %d on the ground, %d contacts after the faults", dups, lost, onGround, after)
		}
	})
}

// readLines reads a JSON-lines file; torn says its last line has no end.
func readLines(t *testing.T, path string) (lines [][]byte, torn bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		lines = append(lines, bytes.Clone(sc.Bytes()))
	}
	return lines, len(b) > 0 && b[len(b)-1] != '\n'
}
