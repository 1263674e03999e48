package mission

// SatNodes returns the satellites' DTN node numbers and link bit rates,
// by NORAD number (what a station relays bundles with; the rates pace
// link security handshakes too).
func (m *Mission) SatNodes() (nodes map[int]uint64, bitRates map[int]float64) {
	nodes, bitRates = map[int]uint64{}, map[int]float64{}
	for _, sc := range m.Satellites {
		if n, err := IPNNode(sc.DTNNode); err == nil {
			nodes[sc.NORAD] = uint64(n)
		}
		bitRates[sc.NORAD] = sc.LinkRate()
	}
	return nodes, bitRates
}

// The contact plan's defaults for a station's rotator: slew rate and
// settling time between two contacts.
const (
	DefaultSlewDegS = 6.0
	DefaultSettleS  = 5.0
)
