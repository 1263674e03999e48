package mission

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Transmitter is one of a satellite's radios as SatNOGS DB lists it.
type Transmitter struct {
	UUID        string  `yaml:"uuid" json:"uuid"`
	Description string  `yaml:"description" json:"description"`
	DownlinkHz  float64 `yaml:"downlink_hz,omitempty" json:"-"`
	UplinkHz    float64 `yaml:"uplink_hz,omitempty" json:"-"`
	Mode        string  `yaml:"mode,omitempty" json:"mode"`
	Baud        float64 `yaml:"baud,omitempty" json:"-"`
	// Status is SatNOGS DB's: active, inactive or invalid.
	Status string `yaml:"status" json:"status"`
	// Updated is when SatNOGS DB last changed it.
	Updated string `yaml:"updated,omitempty" json:"updated"`
}

// Active says whether the transmitter is in use.
func (t *Transmitter) Active() bool { return t.Status == "" || t.Status == "active" }

// satnogsTransmitter is a record of SatNOGS DB's transmitters API
// (db.satnogs.org/api/transmitters/): frequencies in Hz, null when
// absent; status active, inactive or invalid; alive false for a dead
// satellite.
type satnogsTransmitter struct {
	Transmitter
	NORAD        *int     `json:"norad_cat_id"`
	Alive        *bool    `json:"alive"`
	DownlinkLow  *float64 `json:"downlink_low"`
	DownlinkHigh *float64 `json:"downlink_high"`
	UplinkLow    *float64 `json:"uplink_low"`
	UplinkHigh   *float64 `json:"uplink_high"`
	BaudRate     *float64 `json:"baud"`
	Type         string   `json:"type"`
}

// SatNOGSTransmitters maps NORAD numbers to their transmitters.
type SatNOGSTransmitters map[int][]Transmitter

// ParseSatNOGSTransmitters reads SatNOGS DB's transmitter list (a JSON
// array of its API's records). Records without a NORAD number or a
// frequency are skipped; an error names the record and field.
func ParseSatNOGSTransmitters(data []byte, source string) (SatNOGSTransmitters, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		var off int64
		switch e := err.(type) {
		case *json.SyntaxError:
			off = e.Offset
		case *json.UnmarshalTypeError:
			off = e.Offset
		}
		line := 1 + bytes.Count(data[:min(max(int(off)-1, 0), len(data))], []byte("\n"))
		return nil, BadInput(fmt.Errorf("%s:%d: not SatNOGS DB's transmitter list (a JSON array): %v", source, line, err))
	}
	out := SatNOGSTransmitters{}
	for i, r := range raw {
		var s satnogsTransmitter
		if err := json.Unmarshal(r, &s); err != nil {
			return nil, BadInput(fmt.Errorf("%s: record %d: %v", source, i+1, err))
		}
		if s.NORAD == nil || *s.NORAD <= 0 {
			continue
		}
		t := s.Transmitter
		for _, f := range []struct {
			name string
			v    *float64
			dst  *float64
		}{{"downlink_low", s.DownlinkLow, &t.DownlinkHz}, {"uplink_low", s.UplinkLow, &t.UplinkHz}, {"baud", s.BaudRate, &t.Baud}} {
			if f.v == nil {
				continue
			}
			if !(*f.v >= 0 && *f.v < 1e12) {
				return nil, BadInput(fmt.Errorf("%s: record %d (%s, NORAD %d): %s %v", source, i+1, t.UUID, *s.NORAD, f.name, *f.v))
			}
			*f.dst = *f.v
		}
		if s.Alive != nil && !*s.Alive && t.Status == "active" {
			t.Status = "inactive" // the satellite is dead
		}
		if t.DownlinkHz == 0 && t.UplinkHz == 0 {
			continue
		}
		out[*s.NORAD] = append(out[*s.NORAD], t)
	}
	return out, nil
}

// ModemFor is the ipgs modem for a SatNOGS mode at a baud ("" if none).
func ModemFor(mode string, baud float64) string {
	m := strings.ToUpper(mode)
	switch {
	case (m == "AFSK" || m == "AFSK1K2") && (baud == 1200 || baud == 0):
		return "afsk1200"
	case (m == "FSK" || m == "GFSK") && baud == 9600:
		return "g3ruh9600"
	case m == "GMSK" && baud == 9600:
		return "gmsk9600"
	case m == "BPSK" && baud == 1200:
		return "bpsk1200"
	}
	return ""
}

// primary picks the transmitter a satellite is worked on: the active one
// on the frequency the mission already has, else the first active one
// with a modem ipgs has, else the first active downlink.
func primary(txs []Transmitter, downlinkHz float64) *Transmitter {
	var best *Transmitter
	rank := 0
	for i := range txs {
		t := &txs[i]
		if !t.Active() || t.DownlinkHz == 0 {
			continue
		}
		r := 1
		if ModemFor(t.Mode, t.Baud) != "" {
			r = 2
		}
		if math.Abs(t.DownlinkHz-downlinkHz) < 1 {
			r = 3
		}
		if r > rank {
			best, rank = t, r
		}
	}
	return best
}

// TransmitterChange is what importing did to one satellite.
type TransmitterChange struct {
	Name    string
	NORAD   int
	Fields  []string // "downlink_hz 437.800 MHz -> 437.825 MHz", ...
	Count   int      // transmitters listed
	Missing bool     // SatNOGS DB has no transmitter for it
}

// ImportTransmitters writes SatNOGS DB's transmitters into a mission
// file's satellites, keeping the file's comments, order and style: each
// satellite's transmitters list is replaced, and its downlink_hz,
// uplink_hz, modem and bit_rate are set from its primary transmitter.
// It returns the new file and what changed.
func ImportTransmitters(file []byte, source string, txs SatNOGSTransmitters) ([]byte, []TransmitterChange, error) {
	// yaml.v3 drops blank lines; they are carried through as comments.
	lines := strings.Split(string(file), "\n")
	for i, l := range lines {
		if strings.TrimSpace(l) == "" && i < len(lines)-1 {
			lines[i] = blankMark
		}
	}
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(strings.Join(lines, "\n")), &root); err != nil {
		return nil, nil, BadInput(fmt.Errorf("%s: %s", source, cleanYAMLError(err.Error())))
	}
	if len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return nil, nil, BadInput(fmt.Errorf("%s: not a mission file", source))
	}
	sats := mapValue(root.Content[0], "satellites")
	if sats == nil || sats.Kind != yaml.SequenceNode {
		return nil, nil, BadInput(fmt.Errorf("%s: no satellites list", source))
	}
	var changes []TransmitterChange
	for _, sn := range sats.Content {
		if sn.Kind != yaml.MappingNode {
			continue
		}
		var sc SatelliteConfig
		if err := sn.Decode(&sc); err != nil {
			return nil, nil, BadInput(fmt.Errorf("%s:%d: %v", source, sn.Line, err))
		}
		ch := TransmitterChange{Name: sc.Name, NORAD: sc.NORAD}
		list := txs[sc.NORAD]
		ch.Count = len(list)
		if len(list) == 0 {
			ch.Missing = true
			changes = append(changes, ch)
			continue
		}
		set := func(key, val, show, was string) {
			if show == was {
				return // as written, in the file's own notation
			}
			ch.Fields = append(ch.Fields, fmt.Sprintf("%s %s -> %s", key, orNone(was), show))
			setMapValue(sn, key, &yaml.Node{Kind: yaml.ScalarNode, Value: val})
		}
		if p := primary(list, sc.DownlinkHz); p != nil {
			set("downlink_hz", fmtHz(p.DownlinkHz), mhz(p.DownlinkHz), mhz(sc.DownlinkHz))
			if p.UplinkHz > 0 {
				set("uplink_hz", fmtHz(p.UplinkHz), mhz(p.UplinkHz), mhz(sc.UplinkHz))
			}
			if m := ModemFor(p.Mode, p.Baud); m != "" {
				set("modem", m, m, sc.Modem)
				if _, ok := Modems[m]; ok && sc.BitRate != 0 && sc.BitRate != p.Baud {
					set("bit_rate", strconv.FormatFloat(p.Baud, 'g', -1, 64), fmt.Sprint(p.Baud), fmt.Sprint(sc.BitRate))
				}
			}
		}
		tn := transmitterNodes(list)
		if !slices.EqualFunc(list, sc.Transmitters, func(a, b Transmitter) bool { return a == b }) {
			ch.Fields = append(ch.Fields, fmt.Sprintf("transmitters: %d listed", len(list)))
		}
		setMapValue(sn, "transmitters", tn)
		changes = append(changes, ch)
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&root); err != nil {
		return nil, nil, err
	}
	enc.Close()
	out := b.String()
	out = blankLine.ReplaceAllString(out, "")
	return []byte(out), changes, nil
}

const blankMark = "#ipgs:blank"

var blankLine = regexp.MustCompile(`(?m)^[ \t]*` + blankMark + `[ \t]*$`)

// transmitterNodes writes a transmitter list in flow style, frequencies
// as the mission files write them (437.825e6).
func transmitterNodes(list []Transmitter) *yaml.Node {
	seq := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
	for _, t := range list {
		m := &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle}
		add := func(k, v string, quote bool) {
			vn := &yaml.Node{Kind: yaml.ScalarNode, Value: v}
			if quote {
				vn.Style = yaml.DoubleQuotedStyle
			}
			m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: k}, vn)
		}
		add("uuid", t.UUID, true)
		add("description", t.Description, true)
		if t.DownlinkHz > 0 {
			add("downlink_hz", fmtHz(t.DownlinkHz), false)
		}
		if t.UplinkHz > 0 {
			add("uplink_hz", fmtHz(t.UplinkHz), false)
		}
		if t.Mode != "" {
			add("mode", t.Mode, true)
		}
		if t.Baud > 0 {
			add("baud", strconv.FormatFloat(t.Baud, 'f', -1, 64), false)
		}
		add("status", t.Status, false)
		if t.Updated != "" {
			add("updated", t.Updated, true)
		}
		seq.Content = append(seq.Content, m)
	}
	return seq
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func mhz(hz float64) string {
	if hz == 0 {
		return ""
	}
	return fmt.Sprintf("%.3f MHz", hz/1e6)
}

// fmtHz writes a frequency as the mission files do: 437.8e6.
func fmtHz(hz float64) string {
	return strconv.FormatFloat(hz/1e6, 'f', -1, 64) + "e6"
}

func mapValue(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func setMapValue(m *yaml.Node, key string, v *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content[i+1] = v
			return
		}
	}
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: key}, v)
}

// InactiveTransmitters says, for ipgs tle check, which of a satellite's
// listed transmitters are marked inactive, and whether the one it is
// worked on is among them.
func (s *SatelliteConfig) InactiveTransmitters() (inactive []Transmitter, worked bool) {
	for _, t := range s.Transmitters {
		if !t.Active() {
			inactive = append(inactive, t)
			if s.DownlinkHz > 0 && math.Abs(t.DownlinkHz-s.DownlinkHz) < 1 {
				worked = true
			}
		}
	}
	return inactive, worked
}
