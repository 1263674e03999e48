package mission

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ipgs/ipgs/mission/geo"
)

// DefaultMinElevation is the station minimum elevation when neither the
// station nor the scheduling policy gives one.
const DefaultMinElevation = 10.0

// PassStations returns the stations as pass prediction uses them.
func (m *Mission) PassStations() []Station {
	def := DefaultMinElevation
	if m.Scheduling.MinElevation != nil {
		def = *m.Scheduling.MinElevation
	}
	out := make([]Station, len(m.Stations))
	for i, s := range m.Stations {
		minEl := def
		if s.MinElevation != nil {
			minEl = *s.MinElevation
		}
		mask, _ := NewHorizonMask(maskPoints(s.HorizonMask)) // validated on load
		out[i] = Station{
			Name:         s.Name,
			Location:     geo.Geodetic{LatDeg: s.Lat, LonDeg: s.Lon, AltM: s.AltM},
			MinElevation: minEl,
			Mask:         mask,
		}
	}
	return out
}

// StaleAfter is the age past which element sets are flagged.
func (m *Mission) StaleAfter() time.Duration {
	d := 3.0
	if m.Catalog.StaleDays != nil {
		d = *m.Catalog.StaleDays
	}
	return time.Duration(d * float64(24*time.Hour))
}

// Priority returns a satellite's scheduling weight (default 1).
func (s *SatelliteConfig) Weight() float64 {
	if s.Priority == nil {
		return 1
	}
	return *s.Priority
}

// Sources returns every element source of the mission, resolved: each
// satellite's own, then the shared ones, without repeats.
func (m *Mission) Sources() []string {
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		r := m.Resolve(s)
		if !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	for _, s := range m.Satellites {
		for _, src := range s.TLESources {
			add(src)
		}
	}
	for _, src := range m.Catalog.Sources {
		add(src)
	}
	return out
}

// IPNNode returns the node number of an ipn endpoint ("ipn:101.0" → 101).
func IPNNode(eid string) (int, error) {
	rest, ok := strings.CutPrefix(eid, "ipn:")
	if !ok {
		return 0, fmt.Errorf("DTN node id %q must be an ipn:NODE.SERVICE endpoint", eid)
	}
	node, _, _ := strings.Cut(rest, ".")
	n, err := strconv.Atoi(node)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("DTN node id %q: node %q is not a positive number", eid, node)
	}
	return n, nil
}

// BitRate returns a satellite's link rate: bit_rate, else the modem's, else 9600.
func (s *SatelliteConfig) LinkRate() float64 {
	if s.BitRate > 0 {
		return s.BitRate
	}
	if r, ok := Modems[s.Modem]; ok {
		return r
	}
	return 9600
}

// Baud is the FM packet modem ipgs's SDR receiver uses for the
// satellite's link rate: 9600 (G3RUH) from 4800 bit/s up, else 1200 (AFSK).
func (s *SatelliteConfig) Baud() int {
	return BaudFor(s.LinkRate())
}

// BaudFor is Baud for a link rate in bit/s.
func BaudFor(bitRate float64) int {
	if bitRate >= 4800 {
		return 9600
	}
	return 1200
}

// TerrestrialLinks lists the ground links between stations, each pair
// once (named by either station), in the order of the stations.
func (m *Mission) TerrestrialLinks() [][2]string {
	var out [][2]string
	seen := map[[2]string]bool{}
	for _, s := range m.Stations {
		for _, p := range s.Terrestrial {
			k := [2]string{min(s.Name, p), max(s.Name, p)}
			if !seen[k] {
				seen[k] = true
				out = append(out, [2]string{s.Name, p})
			}
		}
	}
	return out
}
