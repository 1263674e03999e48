package mission

import (
	"fmt"
	"slices"
	"strings"
)

// Capabilities are what a station's radios can do: the frequencies it
// hears (by band or by range), its modems, whether it may transmit. A
// station without them is taken to work every satellite.
type Capabilities struct {
	// Bands it receives, by their IEEE letter names: HF, VHF, UHF, L, S,
	// C, X, Ku, K, Ka. Frequencies are receive ranges, [from, to] in Hz;
	// a frequency in either is heard.
	Bands       []string     `yaml:"bands"`
	Frequencies [][2]float64 `yaml:"frequencies"`
	// Modems it has (afsk1200, g3ruh9600, bpsk1200, gmsk9600, ...); empty:
	// any.
	Modems []string `yaml:"modems"`
	// Uplink says whether it may transmit (default true); a station that
	// may not is scheduled for downlink only. UplinkFrequencies are its
	// transmit ranges (default: what it receives).
	Uplink            *bool        `yaml:"uplink"`
	UplinkFrequencies [][2]float64 `yaml:"uplink_frequencies"`
}

// Band is a named frequency band, [From, To) Hz.
type Band struct {
	Name     string
	From, To float64
}

// Bands are IEEE Std 521's radar bands (and HF), the names stations'
// capabilities use.
var Bands = []Band{
	{"HF", 3e6, 30e6}, {"VHF", 30e6, 300e6}, {"UHF", 300e6, 1e9}, {"L", 1e9, 2e9}, {"S", 2e9, 4e9},
	{"C", 4e9, 8e9}, {"X", 8e9, 12e9}, {"Ku", 12e9, 18e9}, {"K", 18e9, 27e9}, {"Ka", 27e9, 40e9},
}

// BandOf names the band hz is in ("" outside them all).
func BandOf(hz float64) string {
	for _, b := range Bands {
		if hz >= b.From && hz < b.To {
			return b.Name
		}
	}
	return ""
}

func findBand(name string) (Band, bool) {
	for _, b := range Bands {
		if strings.EqualFold(b.Name, name) {
			return b, true
		}
	}
	return Band{}, false
}

// limited says whether the capabilities say anything about frequency.
func (c *Capabilities) limited() bool { return len(c.Bands) > 0 || len(c.Frequencies) > 0 }

// Hears says whether the station receives hz.
func (c *Capabilities) Hears(hz float64) bool {
	if c == nil || !c.limited() {
		return true
	}
	for _, n := range c.Bands {
		if b, ok := findBand(n); ok && hz >= b.From && hz < b.To {
			return true
		}
	}
	for _, r := range c.Frequencies {
		if hz >= r[0] && hz <= r[1] {
			return true
		}
	}
	return false
}

// Transmits says whether the station may send on hz.
func (c *Capabilities) Transmits(hz float64) bool {
	if c == nil {
		return true
	}
	if c.Uplink != nil && !*c.Uplink {
		return false
	}
	if len(c.UplinkFrequencies) == 0 {
		return c.Hears(hz)
	}
	for _, r := range c.UplinkFrequencies {
		if hz >= r[0] && hz <= r[1] {
			return true
		}
	}
	return false
}

// describe says what the station hears, for reasons.
func (c *Capabilities) describe() string {
	var parts []string
	parts = append(parts, c.Bands...)
	for _, r := range c.Frequencies {
		parts = append(parts, fmt.Sprintf("%.3f-%.3f MHz", r[0]/1e6, r[1]/1e6))
	}
	return strings.Join(parts, ", ")
}

// Serves says why the station cannot work the satellite: it cannot
// hear its downlink, or lacks its modem. "" when it can.
func (c *Capabilities) Serves(s *SatelliteConfig) string {
	if c == nil {
		return ""
	}
	if s.DownlinkHz > 0 && !c.Hears(s.DownlinkHz) {
		band := BandOf(s.DownlinkHz)
		if band != "" {
			band = " (" + band + " band)"
		}
		return fmt.Sprintf("the station cannot hear its downlink at %.3f MHz%s: it receives %s", s.DownlinkHz/1e6, band, c.describe())
	}
	if s.Modem != "" && len(c.Modems) > 0 && !slices.Contains(c.Modems, s.Modem) {
		return fmt.Sprintf("the station has no %s modem (it has %s)", s.Modem, strings.Join(c.Modems, ", "))
	}
	return ""
}

// ReceiveOnly says why the station works the satellite without an
// uplink ("" when it may command it).
func (c *Capabilities) ReceiveOnly(s *SatelliteConfig) string {
	switch {
	case c == nil || s.UplinkHz == 0:
		return ""
	case c.Uplink != nil && !*c.Uplink:
		return "receive only: the station may not transmit"
	case !c.Transmits(s.UplinkHz):
		return fmt.Sprintf("receive only: the station cannot transmit at %.3f MHz", s.UplinkHz/1e6)
	}
	return ""
}

// check validates the capabilities.
func (c *Capabilities) check(v *validator, i int) {
	for j, n := range c.Bands {
		if _, ok := findBand(n); !ok {
			var names []string
			for _, b := range Bands {
				names = append(names, b.Name)
			}
			v.at(fmt.Sprintf("unknown band %q (known: %s)", n, strings.Join(names, ", ")), "stations", i, "capabilities", "bands", j)
		}
	}
	for _, f := range []struct {
		key    string
		ranges [][2]float64
	}{{"frequencies", c.Frequencies}, {"uplink_frequencies", c.UplinkFrequencies}} {
		for j, r := range f.ranges {
			if !(r[0] > 0 && r[1] >= r[0] && r[1] < 1e12) {
				v.at(fmt.Sprintf("range [%g, %g] Hz: want 0 < from <= to", r[0], r[1]), "stations", i, "capabilities", f.key, j)
			}
		}
	}
	for j, m := range c.Modems {
		if _, ok := Modems[m]; !ok {
			v.at(fmt.Sprintf("unknown modem %q (known: afsk1200, g3ruh9600, bpsk1200, gmsk9600)", m), "stations", i, "capabilities", "modems", j)
		}
	}
}
