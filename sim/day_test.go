package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ipgs/ipgs/internal/example"
	"github.com/ipgs/ipgs/pqlink/keys"
	"github.com/ipgs/ipgs/uplink/station"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/mission/tle"
	"github.com/ipgs/ipgs/uplink/command"
)

func exampleMission(t testing.TB) (*mission.Mission, []*tle.Elements) { return example.Mission(t) }

// queueSome queues a few commands for every satellite: a ping, a mode
// change, a time-tagged log line, and one that must fail onboard.
func queueSome(start time.Time) func(h *command.History, d *command.Dictionary) error {
	return func(h *command.History, d *command.Dictionary) error {
		for i := 0; i < 12; i++ {
			sat := 90001 + i
			for _, c := range []struct {
				name string
				args []string
				at   time.Time
			}{
				{"PING", nil, time.Time{}},
				{"SET_HK_PERIOD", []string{"seconds=15"}, time.Time{}},
				{"LOG", []string{"text=hello from the ground"}, start.Add(2 * time.Hour)},
				{"SET_HEATER", []string{"on=true", "setpoint=35"}, time.Time{}},
			} {
				def, _ := d.For(sat).Lookup(c.name)
				vals, err := def.Validate(c.args)
				if err != nil {
					return err
				}
				payload, _ := def.Encode(vals)
				if _, err := h.Queue(command.Record{Sat: sat, Name: def.Name, Opcode: def.Opcode, Payload: payload, At: c.at, Time: start}); err != nil {
					return err
				}
			}
		}
		return nil
	}
}

// runDay flies the example mission for dur on a simulated clock (in a
// synctest bubble), or with serial stations on the scaled wall clock.
func runDay(t *testing.T, dur time.Duration, speed float64, faults Faults, serial ...string) *DayResult {
	t.Helper()
	if len(serial) > 0 {
		return flyDay(t, dur, speed, faults, serial...) // a pseudo-terminal is real I/O
	}
	var res *DayResult
	synctest.Test(t, func(t *testing.T) { res = flyDay(t, dur, speed, faults) })
	return res
}

// flyDay is runDay in the caller's bubble, if any.
func flyDay(t *testing.T, dur time.Duration, speed float64, faults Faults, serial ...string) *DayResult {
	t.Helper()
	m, els := exampleMission(t)
	start := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	res, err := RunDay(context.Background(), DayOptions{
		Mission: m, Elements: els, Start: start, Duration: dur, Speed: speed, Faults: faults,
		InMemory: len(serial) == 0, DataDir: t.TempDir(), Seed: 7, Queue: queueSome(start), Out: testWriter{t}, Serial: serial,
	})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	if testing.Verbose() {
		w.t.Log(string(b))
	}
	return len(b), nil
}

func checkDay(t *testing.T, res *DayResult) {
	t.Helper()
	var sb stringsBuilder
	res.Summary(&sb)
	t.Log(sb.String())
	for _, a := range res.Accounts {
		if len(a.Lost) > 0 || a.Overflow > 0 {
			t.Errorf("%s: %d packets neither on the ground nor onboard (first %v), overflow %d", a.Name, len(a.Lost), a.Lost[:min(5, len(a.Lost))], a.Overflow)
		}
		if a.OnGround == 0 {
			t.Errorf("%s: nothing reached the ground", a.Name)
		}
	}
	if len(res.Reports) != len(res.Plan.Contacts) {
		t.Errorf("%d pass reports for %d planned contacts", len(res.Reports), len(res.Plan.Contacts))
	}
	// every report is a planned contact: same satellite, station and times
	p := res.Plan.Problem
	planned := map[string]bool{}
	for _, c := range res.Plan.Contacts {
		cd := &p.Candidates[c.Cand]
		planned[fmt.Sprint(p.Sats[cd.Sat].NORAD, p.Stations[cd.Station].Name, p.Time(c.Start).Unix(), p.Time(c.End).Unix())] = true
	}
	for _, r := range res.Reports {
		if !planned[fmt.Sprint(r.Sat, r.Station, r.Start.Unix(), r.End.Unix())] {
			t.Errorf("pass report %s %d %v-%v is not in the plan", r.Station, r.Sat, r.Start, r.End)
		}
		if r.FramesRx > 0 && r.Packets == 0 && r.Duplicates == 0 {
			t.Logf("note: %s %d heard frames but no packets of its satellite", r.Station, r.Sat)
		}
	}
}

type stringsBuilder struct{ b []byte }

func (s *stringsBuilder) Write(p []byte) (int, error) { s.b = append(s.b, p...); return len(p), nil }
func (s *stringsBuilder) String() string              { return string(s.b) }

// TestDay: one simulated day of the 12-drone constellation over the 3
// example stations, at 2000x (about 43 s wall): every telemetry packet is on the ground
// or onboard, every command reaches a final state, one report per contact.
func TestDay(t *testing.T) {
	if testing.Short() {
		t.Skip("a simulated day")
	}
	res := runDay(t, 24*time.Hour, 2000, Faults{})
	checkDay(t, res)
	checkCommands(t, res)
}

// TestDayWithFaults: the same with 10% frame loss each way, bit errors,
// an onboard reboot and a station outage.
func TestDayWithFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("a simulated day")
	}
	start := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	res := runDay(t, 24*time.Hour, 2000, Faults{
		FrameLoss: 0.10, BitErrors: 0.02, BurstEvery: 20 * time.Minute, BurstLength: 30 * time.Second,
		Reboots: []Reboot{{NORAD: 90003, At: start.Add(5 * time.Hour)}},
		Outages: []Outage{{Station: "Perth", From: start.Add(9 * time.Hour), To: start.Add(10 * time.Hour)}},
	})
	checkDay(t, res)
	checkCommands(t, res)
	if res.Stats.LostDown == 0 || res.Stats.CorruptDown == 0 || res.Stats.BurstLost == 0 {
		t.Errorf("faults were not injected: %+v", res.Stats)
	}
}

func checkCommands(t *testing.T, res *DayResult) {
	t.Helper()
	failed := 0
	for _, c := range res.Commands {
		if !command.Final(c.State()) {
			t.Errorf("command %d %s for %d ended the day %s", c.ID, c.Name, c.Sat, c.State())
		}
		if c.State() == command.Failed {
			failed++
		}
	}
	if len(res.Commands) != 48 {
		t.Errorf("%d commands in the history, 48 queued", len(res.Commands))
	}
	if failed != 12 {
		t.Errorf("%d commands failed, want the 12 SET_HEATER above the onboard limit", failed)
	}
	for _, c := range res.Commands {
		if c.Name == "SET_HEATER" && c.State() == command.Failed && c.Last().Reason != "heater setpoint above the 30 degC thermal limit" {
			t.Errorf("failure reason %q", c.Last().Reason)
		}
	}
	t.Logf("%d commands, %d failed onboard with the reason", len(res.Commands), failed)
}

// TestSerialTNC: Tromso talks to the emulator through a pseudo-terminal
// opened with go-serial, as a station opens a hardware TNC.
func TestSerialTNC(t *testing.T) {
	res := runDay(t, 3*time.Hour, 2000, Faults{}, "Tromso")
	got := 0
	for _, r := range res.Reports {
		if r.Station == "Tromso" {
			got += r.Packets
		}
	}
	if got == 0 {
		t.Fatal("no telemetry reached Tromso over the serial TNC")
	}
	for _, a := range res.Accounts {
		if len(a.Lost) > 0 {
			t.Errorf("%s: %d packets lost", a.Name, len(a.Lost))
		}
	}
	t.Logf("Tromso received %d packets over the serial TNC", got)
}

// TestDayDeterministic: the same seed gives the same day, to the byte:
// pass reports, the link's counters and the accounting of every packet,
// with faults drawing on the seed all along. (On the scaled wall clock a
// loaded machine changed all three from run to run.)
func TestDayDeterministic(t *testing.T) {
	start := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	faults := Faults{FrameLoss: 0.05, BitErrors: 0.02, BurstEvery: 20 * time.Minute, BurstLength: 30 * time.Second,
		Reboots: []Reboot{{NORAD: 90003, At: start.Add(2 * time.Hour)}}}
	day := func() []byte {
		res := runDay(t, 6*time.Hour, 2000, faults)
		b, err := json.Marshal(struct {
			Reports  []station.Report
			Stats    Stats
			Accounts []SatAccount
		}{res.Reports, res.Stats, res.Accounts})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a, b := day(), day()
	if !bytes.Equal(a, b) {
		i := 0
		for i < min(len(a), len(b)) && a[i] == b[i] {
			i++
		}
		t.Fatalf("two runs with the same seed differ at byte %d of %d:\n%s\n%s", i, len(a), a[max(0, i-200):min(len(a), i+100)], b[max(0, i-200):min(len(b), i+100)])
	}
	t.Logf("two runs, %d bytes of reports, counters and accounting, identical", len(a))
}

// newKey makes a key of kind for owner.
func newKey(t testing.TB, kind, owner string) *keys.Private {
	k, err := keys.Generate(kind, owner)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
