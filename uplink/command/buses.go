package command

import (
	"fmt"

	"github.com/ipgs/ipgs/mission"
)

// LoadBuses loads the command dictionary of each of the mission's buses
// that has one and makes it the dictionary of the bus's satellites in d.
// It returns what the XTCE ones could not map.
func LoadBuses(d *Dictionary, m *mission.Mission) ([]string, error) {
	var notes []string
	loaded := map[string]*Dictionary{}
	for _, b := range m.Buses {
		if b.Commands == "" {
			continue
		}
		bd, n, err := LoadAny(m.Resolve(b.Commands))
		if err != nil {
			return nil, mission.BadInput(fmt.Errorf("bus %s: %w", b.Name, err))
		}
		for _, x := range n {
			notes = append(notes, fmt.Sprintf("bus %s commands: %s", b.Name, x))
		}
		loaded[b.Name] = bd
	}
	for _, s := range m.Satellites {
		if bd := loaded[s.Bus]; bd != nil {
			d.SetBus(s.NORAD, bd)
		}
	}
	return notes, nil
}
