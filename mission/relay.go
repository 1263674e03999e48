package mission

import "fmt"

// RelayConfig is a deep-space relay: a bundle node in orbit about the
// Moon or Mars. A ground station has it in view while its body is above
// the station's horizon (its minimum elevation and mask); a relay with
// Via also talks to that relay, all the time (the Moon hides Mars from a
// lunar orbiter for an hour of its two, which this plan does not model).
type RelayConfig struct {
	Name    string `yaml:"name"`
	Body    string `yaml:"body"`     // moon or mars
	DTNNode string `yaml:"dtn_node"` // ipn:N.0
	// Rate is each link's bit rate, each way (default DefaultRelayRate).
	Rate float64 `yaml:"rate"`
	Via  string  `yaml:"via"`
}

// DefaultRelayRate is a relay link's bit rate when none is given.
const DefaultRelayRate = 2000

// LinkRate is the relay's link rate, bit/s.
func (r *RelayConfig) LinkRate() float64 {
	if r.Rate > 0 {
		return r.Rate
	}
	return DefaultRelayRate
}

func (m *Mission) validateRelays(v *validator, nodes map[int]string) {
	names := map[string]bool{}
	for _, r := range m.Relays {
		names[r.Name] = true
	}
	seen := map[string]bool{}
	for i, r := range m.Relays {
		switch {
		case r.Name == "":
			v.at("a relay needs a name", "relays", i, "name")
		case seen[r.Name]:
			v.at(fmt.Sprintf("relay %q is defined twice", r.Name), "relays", i, "name")
		}
		seen[r.Name] = true
		if r.Body != "moon" && r.Body != "mars" {
			v.at(fmt.Sprintf("body %q: want moon or mars", r.Body), "relays", i, "body")
		}
		if n, err := IPNNode(r.DTNNode); err != nil {
			v.at(err.Error(), "relays", i, "dtn_node")
		} else if other, ok := nodes[n]; ok {
			v.at(fmt.Sprintf("node %d is %s's too", n, other), "relays", i, "dtn_node")
		} else {
			nodes[n] = r.Name
		}
		if !(r.Rate >= 0 && r.Rate <= 1e9) {
			v.at(fmt.Sprintf("rate %g bit/s is outside [0, 1e9]", r.Rate), "relays", i, "rate")
		}
		if r.Via != "" && (!names[r.Via] || r.Via == r.Name) {
			v.at(fmt.Sprintf("via %q is not another relay of the mission", r.Via), "relays", i, "via")
		}
	}
}
