package sim

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ipgs/ipgs/scheduler/clock"
	"github.com/ipgs/ipgs/telemetry"
	"github.com/ipgs/ipgs/telemetry/dict"
	"github.com/ipgs/ipgs/uplink/command"
)

// TestBusFlownByXTCE: in the example mission DRONE-07 is of the second
// bus, whose dictionaries exist only as XTCE (examples/bus-b.xtce.xml).
// Over a day its housekeeping comes down on APID 200 and the ground
// decodes it with the XTCE database (battery through its polynomial,
// mode by its states, the one-bit heater), while the other drones'
// decode with the YAML dictionary; a SET_MODE sent with the bus's
// dictionary (science is code 5 there) executes onboard and shows up
// in the next housekeeping.
func TestBusFlownByXTCE(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m, els := exampleMission(t)
		tc := telemetry.ConfigFor(m, t.TempDir())
		td, err := tc.LoadDictionary()
		if err != nil {
			t.Fatal(err)
		}
		if len(tc.Notes) != 0 {
			t.Errorf("the bus's XTCE did not map whole: %v", tc.Notes)
		}
		dir := t.TempDir()
		store, err := telemetry.OpenStore(filepath.Join(dir, "telemetry"), td)
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close()
		var mu sync.Mutex
		busB, busA, unknown := 0, 0, 0
		modes := map[string]int{}
		heater := map[string]int{}
		seen7 := map[uint16]int{}
		store.OnDecoded = func(p *telemetry.Packet, d *dict.Decoded) {
			mu.Lock()
			defer mu.Unlock()
			if p.Sat == 90007 {
				seen7[p.APID]++
			}
			switch {
			case d.Packet == nil:
				unknown++
			case p.Sat == 90007 && d.Packet.Name == "hk_b":
				busB++
				for _, v := range d.Values {
					switch v.Field.Name {
					case "mode":
						modes[v.State]++
					case "heater":
						heater[v.State]++
					case "battery":
						if !v.OK || v.Num < 6.5 || v.Num > 8.5 {
							t.Errorf("DRONE-07 battery %v V (ok %v)", v.Num, v.OK)
						}
					}
				}
			case p.Sat != 90007 && d.Packet.Name == "hk":
				busA++
			}
		}
		start := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
		_, err = RunDay(context.Background(), DayOptions{
			Mission: m, Elements: els, Start: start, Duration: 24 * time.Hour, Speed: 600, Clock: clock.NewScaled(start, 600), InMemory: true,
			DataDir: dir, Seed: 5, Out: testWriter{t}, Telemetry: store,
			Queue: func(h *command.History, d *command.Dictionary) error {
				def, ok := d.For(90007).Lookup("SET_MODE")
				if !ok || def.Opcode != 33 {
					t.Fatalf("DRONE-07's SET_MODE: %+v", def)
				}
				vals, err := def.Validate([]string{"mode=safe"})
				if err != nil {
					return err
				}
				payload, _ := def.Encode(vals)
				_, err = h.Queue(command.Record{Sat: 90007, Name: def.Name, Opcode: def.Opcode, Payload: payload, Time: start})
				return err
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("DRONE-07 packets by APID: %v", seen7)
		t.Logf("DRONE-07 (XTCE bus): %d housekeeping packets, modes %v, heater %v; other drones: %d; unknown %d", busB, modes, heater, busA, unknown)
		if busB == 0 || busA == 0 || unknown != 0 || modes["SAFE"] == 0 || heater["OFF"] == 0 {
			t.Errorf("DRONE-07 %d packets (modes %v, heater %v), others %d, unknown %d", busB, modes, heater, busA, unknown)
		}
	})
}
