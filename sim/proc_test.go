package sim

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ipgs/ipgs/internal/example"
	"github.com/ipgs/ipgs/scheduler/clock"
	"github.com/ipgs/ipgs/telemetry"
	"github.com/ipgs/ipgs/telemetry/dict"
	"github.com/ipgs/ipgs/uplink/command"
	"github.com/ipgs/ipgs/uplink/ground"
	"github.com/ipgs/ipgs/uplink/proc"
)

// TestProcedureHeater runs examples/procedures/heater.star against the
// emulator: the heater goes on at DRONE-01's first pass, the procedure
// waits for the temperature to rise 2 degC (or 10 minutes), and the
// heater goes off. The history shows each step with the procedure's
// name, its operator and its verification. A second procedure queues
// two commands and aborts before any pass: it leaves none queued, and
// the drone never executes them.
func TestProcedureHeater(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m, els := exampleMission(t)
		src, err := os.ReadFile(filepath.Join(example.Dir(t), "procedures", "heater.star"))
		if err != nil {
			t.Fatal(err)
		}
		if err := proc.Check("heater.star", src); err != nil {
			t.Fatal(err)
		}
		td, err := dict.Load(filepath.Join(example.Dir(t), "telemetry.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		store, err := telemetry.OpenStore(filepath.Join(dir, "telemetry"), td)
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close()
		var latest proc.Latest
		store.OnDecoded = func(p *telemetry.Packet, d *dict.Decoded) {
			telemetry.Readings(p, d, func(r telemetry.Reading) {
				latest.Record(r.Sat, r.Packet, r.Field, r.Value, r.At)
			})
		}
		start := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
		clk := clock.NewScaled(start, 600)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var procs sync.WaitGroup
		var heater, aborted *proc.Result
		var heaterErr, abortErr error
		res, err := RunDay(ctx, DayOptions{
			Mission: m, Elements: els, Start: start, Duration: 8 * time.Hour, Speed: 600, Clock: clk, InMemory: true,
			DataDir: dir, Seed: 3, Out: testWriter{t}, Telemetry: store,
			Queue: func(h *command.History, d *command.Dictionary) error {
				env := proc.Env{History: h, Dict: d, Sat: 90001, SatName: "DRONE-01", Latest: latest.Get, After: latest.After, Clock: clk, Operator: "ana", Out: testWriter{t}}
				procs.Go(func() { heater, heaterErr = proc.Run(ctx, env, "heater.star", src) })
				env2 := env
				env2.Sat, env2.SatName = 90002, "DRONE-02"
				procs.Go(func() {
					aborted, abortErr = proc.Run(ctx, env2, "abort.star", []byte(`
send("SET_MODE", mode="science")
send("LOG", text="never")
sleep(60)
abort("the operator changed their mind")
`))
				})
				return nil
			},
		})
		cancel()
		procs.Wait()
		if err != nil {
			t.Fatal(err)
		}
		if heaterErr != nil {
			t.Fatalf("heater.star: %v", heaterErr)
		}
		log := strings.Join(heater.Log, "\n")
		if !strings.Contains(log, "the temperature rose 2 degC within 10 minutes") || !strings.Contains(log, "heater off") {
			t.Fatalf("heater.star did not see the heater work:\n%s", log)
		}
		if !errors.Is(abortErr, proc.ErrAborted) || len(aborted.Cancelled) != 2 {
			t.Fatalf("abort.star: %v, cancelled %v", abortErr, aborted.Cancelled)
		}
		steps := 0
		for _, c := range res.Commands {
			t.Logf("command %d %s %s %v: %s (proc %q, operator %q)", c.ID, c.Name, strings.Join(c.Args, " "), c.Sat, c.State(), c.Proc, c.Operator)
			switch c.Sat {
			case 90001:
				if c.Proc == "" || c.State() != command.Executed || c.Operator != "ana" {
					t.Errorf("heater command %d: %s, proc %q", c.ID, c.State(), c.Proc)
				}
				steps++
			case 90002:
				if c.State() != command.Cancelled {
					t.Errorf("aborted command %d: %s", c.ID, c.State())
				}
			}
		}
		if steps != 2 {
			t.Errorf("%d heater commands in the history, want 2", steps)
		}
	})
}

// TestProcedureAtAOS: a procedure given to the stations for DRONE-01
// runs as each contact with it starts, sends its command there and
// waits for it to execute; the history names the procedure and the
// operator.
func TestProcedureAtAOS(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m, els := exampleMission(t)
		src := []byte(`
c = send("PING")
st = wait(c, timeout=120)
log("PING at AOS:", st)
`)
		start := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
		res, err := RunDay(context.Background(), DayOptions{
			Mission: m, Elements: els, Start: start, Duration: 3 * time.Hour, Speed: 600, InMemory: true,
			DataDir: t.TempDir(), Seed: 3, Out: testWriter{t}, Operator: "night shift",
			AtAOS: []ground.AOSProcedure{{Sat: 90001, Name: "ping.star", Source: src}},
		})
		if err != nil {
			t.Fatal(err)
		}
		contacts := 0
		for _, r := range res.Reports {
			if r.Sat == 90001 {
				contacts++
			}
		}
		runs := 0
		for _, c := range res.Commands {
			if c.Sat != 90001 || c.Name != "PING" {
				continue
			}
			runs++
			if c.Proc != "ping.star step 1" || c.Operator != "night shift" || c.State() != command.Executed {
				t.Errorf("command %d: %s, proc %q, operator %q", c.ID, c.State(), c.Proc, c.Operator)
			}
		}
		t.Logf("%d contacts with DRONE-01, %d runs of ping.star", contacts, runs)
		if contacts == 0 || runs != contacts {
			t.Errorf("%d runs at %d contacts", runs, contacts)
		}
	})
}
