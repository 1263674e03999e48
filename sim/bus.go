package sim

import (
	"fmt"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/telemetry/dict"
	"github.com/ipgs/ipgs/uplink/command"
)

// bus is what the emulator knows of a drone bus flown only by its
// dictionaries (a bus the mission names): its commands, and the
// housekeeping packet it sends, filled from the emulated state by field
// name.
type bus struct {
	commands *command.Dictionary
	hk       *dict.Packet
}

// loadBuses reads the mission's buses' dictionaries, as the ground reads
// them (YAML or XTCE).
func loadBuses(m *mission.Mission) (map[string]*bus, error) {
	out := map[string]*bus{}
	for _, b := range m.Buses {
		x := &bus{}
		if b.Commands != "" {
			d, _, err := command.LoadAny(m.Resolve(b.Commands))
			if err != nil {
				return nil, fmt.Errorf("sim: bus %s: %w", b.Name, err)
			}
			x.commands = d
		}
		if b.Telemetry != "" {
			d, _, err := dict.LoadAny(m.Resolve(b.Telemetry))
			if err != nil {
				return nil, fmt.Errorf("sim: bus %s: %w", b.Name, err)
			}
			x.hk = housekeepingPacket(d)
		}
		out[b.Name] = x
	}
	return out, nil
}

// housekeepingPacket is the packet a bus sends its housekeeping in: the
// one with the most fields the emulator has values for, numbered for
// store-and-forward (packet_no first).
func housekeepingPacket(d *dict.Dictionary) *dict.Packet {
	var best *dict.Packet
	score := 0
	for _, p := range d.Packets {
		if len(p.Fields) == 0 || p.Fields[0].Name != "packet_no" || p.Fields[0].Offset != 0 || p.Fields[0].Bits != 32 {
			continue
		}
		n := 0
		for _, f := range p.Fields {
			if hkQuantities[f.Name] {
				n++
			}
		}
		if n > score {
			best, score = p, n
		}
	}
	return best
}

// hkQuantities are the names the emulator fills a housekeeping packet by.
var hkQuantities = map[string]bool{"battery": true, "soc": true, "solar": true, "temp": true, "mode": true,
	"heater": true, "sunlit": true, "stored": true, "reboots": true, "generated": true}

var modeNames = map[uint8]string{ModeNominal: "NOMINAL", ModeSafe: "SAFE", ModeScience: "SCIENCE"}

// busHousekeeping is a housekeeping packet of the drone's bus.
func (d *drone) busHousekeeping(no uint32) []byte {
	heater := 0.0
	if d.heater {
		heater = 1
	}
	nums := map[string]float64{"packet_no": float64(no), "battery": 6.6 + 1.8*d.soc(), "soc": 100 * d.soc(), "solar": d.solarW,
		"temp": d.tempC, "heater": heater, "sunlit": d.sunlit, "stored": float64(len(d.store)), "reboots": float64(d.reboots),
		"generated": float64(d.generated + 1), "mode": float64(d.mode)}
	states := map[string]string{"mode": modeNames[d.mode]}
	b, err := d.hk.Encode(nums, states)
	if err != nil { // a dictionary the emulator cannot fill: the numbers alone
		b, _ = d.hk.Encode(nums, nil)
	}
	return b
}
