// Package dict is the telemetry dictionary: which packets a satellite
// sends (by APID), where each field sits in a packet, how its raw bits
// become a calibrated value, its units, states and limits. It follows the
// concepts of XTCE and COSMOS packet definitions, written as YAML:
//
//	packets:
//	  - name: hk
//	    apid: 100
//	    mode_field: mode          # selects limits_by_mode
//	    fields:
//	      - {name: vbat, type: uint16, offset: 4, units: V,
//	         calibration: {polynomial: [0, 0.001]},
//	         limits: {yellow: [7.0, 8.3], red: [6.6, 8.5]}}
//	      - {name: mode, type: uint8, offset: 13,
//	         states: {0: SAFE, 1: NOMINAL, 2: SCIENCE}}
//	      - {name: heater, type: uint1, offset: 14, bit: 0}
//
// Types are uintN (N 1-64), intN (N 2-64), float32, float64 and string
// (length bytes). offset is the byte offset in the packet's user data, bit
// the bit offset (0 = most significant) for fields that do not start on a
// byte; order is big (default) or little (whole bytes only).
package dict

import (
	"fmt"
	"maps"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/ipgs/ipgs/mission"
)

// Kind is a field's stored type.
type Kind uint8

const (
	Unsigned Kind = iota
	Signed
	Float
	String
)

// Range is a [Lo, Hi] pair of limits.
type Range struct{ Lo, Hi float64 }

// Limits are a value's yellow (warning) and red (alarm) ranges; a value
// outside a range is in that severity.
type Limits struct {
	Yellow *Range
	Red    *Range
}

// Field is one value in a packet.
type Field struct {
	Name   string
	Kind   Kind
	Bits   int // width in bits (strings: 8 x length)
	Offset int // byte offset in the user data
	Bit    int // bit offset from the most significant bit of Offset
	Little bool
	Poly   []float64    // calibration polynomial, c0 + c1 x + ...
	Table  [][2]float64 // calibration table (raw, value), raw ascending
	Valid  *Range       // valid raw range (outside: kept raw, counted)
	Units  string
	States map[int64]string
	Limits Limits
	// ByMode are limits that replace Limits while the packet's mode field
	// is in the named state.
	ByMode map[string]Limits
	end    int // bytes of data the field needs
}

// Calibrated reports whether the field has a calibration.
func (f *Field) Calibrated() bool { return len(f.Poly) > 0 || len(f.Table) > 0 }

// Packet is one packet type.
type Packet struct {
	Name        string
	APID        uint16
	Measurement string
	Fields      []*Field
	ModeField   *Field
	need        int
}

// Dictionary is a loaded telemetry dictionary. A mission's default
// dictionary also holds its buses' dictionaries, by satellite.
type Dictionary struct {
	Packets []*Packet
	byAPID  [2048]*Packet
	buses   map[int]*Dictionary // by NORAD number
}

// SetBus makes bus the dictionary of satellite sat.
func (d *Dictionary) SetBus(sat int, bus *Dictionary) {
	if d.buses == nil {
		d.buses = map[int]*Dictionary{}
	}
	d.buses[sat] = bus
}

// For is the dictionary of satellite sat: its bus's, else d.
func (d *Dictionary) For(sat int) *Dictionary {
	if b, ok := d.buses[sat]; ok {
		return b
	}
	return d
}

// ByAPID is the dictionary that defines apid, d's own first, then its
// buses' (nil: none): for a packet whose satellite is not known.
func (d *Dictionary) ByAPID(apid uint16) *Dictionary {
	if d.Packet(apid) != nil {
		return d
	}
	for _, sat := range slices.Sorted(maps.Keys(d.buses)) { // the lowest NORAD number's: the same answer every time
		if b := d.buses[sat]; b.Packet(apid) != nil {
			return b
		}
	}
	return nil
}

// Packet returns the packet type of apid (nil: not in the dictionary).
func (d *Dictionary) Packet(apid uint16) *Packet {
	if int(apid) >= len(d.byAPID) {
		return nil
	}
	return d.byAPID[apid]
}

// The YAML form.
type yamlDict struct {
	Packets []yamlPacket `yaml:"packets"`
}

type yamlPacket struct {
	Name        string      `yaml:"name"`
	APID        int         `yaml:"apid,omitempty"`
	Measurement string      `yaml:"measurement,omitempty"`
	ModeField   string      `yaml:"mode_field,omitempty"`
	Fields      []yamlField `yaml:"fields"`
}

type yamlField struct {
	Name         string                `yaml:"name"`
	Type         string                `yaml:"type"`
	Offset       *int                  `yaml:"offset,omitempty"`
	Bit          int                   `yaml:"bit,omitempty"`
	Length       int                   `yaml:"length,omitempty"`
	Order        string                `yaml:"order,omitempty"`
	Calibration  *yamlCalibration      `yaml:"calibration,omitempty"`
	ValidRange   []float64             `yaml:"valid_range,omitempty"`
	Units        string                `yaml:"units,omitempty"`
	States       map[int64]string      `yaml:"states,omitempty"`
	Limits       *yamlLimits           `yaml:"limits,omitempty"`
	LimitsByMode map[string]yamlLimits `yaml:"limits_by_mode,omitempty"`
}

type yamlCalibration struct {
	Polynomial []float64    `yaml:"polynomial,omitempty"`
	Table      [][2]float64 `yaml:"table,omitempty"`
}

type yamlLimits struct {
	Yellow []float64 `yaml:"yellow,omitempty"`
	Red    []float64 `yaml:"red,omitempty"`
}

// Load reads a dictionary file.
func Load(path string) (*Dictionary, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, mission.BadInput(err)
	}
	return Parse(data, path)
}

// Parse reads a dictionary; errors name source, line and field.
func Parse(data []byte, source string) (*Dictionary, error) {
	var y yamlDict
	doc, err := mission.DecodeYAML(data, source, "telemetry dictionary", &y)
	if err != nil {
		return nil, err
	}
	d := &Dictionary{}
	if len(y.Packets) == 0 {
		doc.At("no packets defined", "packets")
	}
	names := map[string]bool{}
	for i, yp := range y.Packets {
		at := func(msg string, path ...any) { doc.At(msg, append([]any{"packets", i}, path...)...) }
		p := &Packet{Name: yp.Name, Measurement: yp.Measurement}
		if !validName(yp.Name) {
			at(fmt.Sprintf("packet name %q: use letters, digits and _", yp.Name), "name")
		} else if names[yp.Name] {
			at(fmt.Sprintf("packet %q is defined twice", yp.Name), "name")
		}
		names[yp.Name] = true
		if p.Measurement == "" {
			p.Measurement = p.Name
		}
		if yp.APID < 0 || yp.APID > 2047 {
			at(fmt.Sprintf("APID %d is outside 0-2047", yp.APID), "apid")
		} else {
			p.APID = uint16(yp.APID)
			if q := d.byAPID[p.APID]; q != nil {
				at(fmt.Sprintf("APID %d is also packet %q", yp.APID, q.Name), "apid")
			}
			d.byAPID[p.APID] = p
		}
		if len(yp.Fields) == 0 {
			at("no fields defined", "fields")
		}
		fnames := map[string]bool{}
		for j, yf := range yp.Fields {
			fat := func(msg string, path ...any) { at(msg, append([]any{"fields", j}, path...)...) }
			f, problems := field(yf)
			for _, pr := range problems {
				fat(pr.msg, pr.key)
			}
			if fnames[yf.Name] {
				fat(fmt.Sprintf("field %q is defined twice", yf.Name), "name")
			}
			fnames[yf.Name] = true
			if f != nil {
				p.Fields = append(p.Fields, f)
				p.need = max(p.need, f.end)
			}
		}
		if yp.ModeField != "" {
			for _, f := range p.Fields {
				if f.Name == yp.ModeField {
					p.ModeField = f
				}
			}
			if p.ModeField == nil || p.ModeField.States == nil {
				at(fmt.Sprintf("mode field %q is not a field with states", yp.ModeField), "mode_field")
			}
		}
		d.Packets = append(d.Packets, p)
	}
	if err := doc.Err(); err != nil {
		return nil, err
	}
	return d, nil
}

type problem struct{ key, msg string }

func validName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

func field(y yamlField) (*Field, []problem) {
	var ps []problem
	bad := func(key, format string, a ...any) { ps = append(ps, problem{key, fmt.Sprintf(format, a...)}) }
	f := &Field{Name: y.Name, Units: y.Units, States: y.States, Bit: y.Bit}
	if !validName(y.Name) {
		bad("name", "field name %q: use letters, digits and _", y.Name)
	}
	switch t := y.Type; {
	case t == "float32" || t == "float64":
		f.Kind, f.Bits = Float, 32
		if t == "float64" {
			f.Bits = 64
		}
	case t == "string":
		f.Kind = String
		if y.Length <= 0 || y.Length > 256 {
			bad("length", "a string needs a length of 1-256 bytes")
		}
		f.Bits = 8 * y.Length
	case strings.HasPrefix(t, "uint") || strings.HasPrefix(t, "int"):
		f.Kind = Unsigned
		num := strings.TrimPrefix(t, "uint")
		if strings.HasPrefix(t, "int") {
			f.Kind, num = Signed, strings.TrimPrefix(t, "int")
		}
		n, err := strconv.Atoi(num)
		lo := 1
		if f.Kind == Signed {
			lo = 2
		}
		if err != nil || n < lo || n > 64 {
			bad("type", "type %q: the width must be %d-64 bits", t, lo)
		}
		f.Bits = n
	default:
		bad("type", "unknown type %q (uintN, intN, float32, float64, string)", t)
	}
	if y.Offset == nil || *y.Offset < 0 || *y.Offset > 65535 {
		bad("offset", "a byte offset of 0-65535 is required")
	} else {
		f.Offset = *y.Offset
	}
	if y.Bit < 0 || y.Bit > 7 {
		bad("bit", "bit offset %d is outside 0-7", y.Bit)
	}
	switch y.Order {
	case "", "big":
	case "little":
		f.Little = true
		if f.Bit != 0 || f.Bits%8 != 0 {
			bad("order", "little-endian fields must be whole bytes on a byte boundary")
		}
	default:
		bad("order", "byte order %q: want big or little", y.Order)
	}
	if (f.Kind == Float || f.Kind == String) && f.Bit != 0 {
		bad("bit", "%s fields start on a byte boundary", y.Type)
	}
	f.end = f.Offset + (f.Bit+f.Bits+7)/8
	if c := y.Calibration; c != nil {
		if len(c.Polynomial) > 0 && len(c.Table) > 0 {
			bad("calibration", "give a polynomial or a table, not both")
		}
		if f.Kind == String {
			bad("calibration", "strings are not calibrated")
		}
		f.Poly = c.Polynomial
		for k, pt := range c.Table {
			if k > 0 && !(pt[0] > c.Table[k-1][0]) {
				bad("calibration", "table raw values must ascend (row %d)", k)
				break
			}
		}
		if len(c.Table) == 1 {
			bad("calibration", "a table needs at least two rows")
		}
		f.Table = c.Table
		for _, v := range slices.Concat(c.Polynomial) {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				bad("calibration", "coefficients must be finite numbers")
			}
		}
	}
	if y.ValidRange != nil {
		if r, ok := rng(y.ValidRange); ok {
			f.Valid = &r
		} else {
			bad("valid_range", "want [low, high] with low <= high")
		}
	}
	lim := func(key string, yl *yamlLimits) Limits {
		var l Limits
		if yl == nil {
			return l
		}
		if yl.Yellow != nil {
			if r, ok := rng(yl.Yellow); ok {
				l.Yellow = &r
			} else {
				bad(key, "yellow: want [low, high] with low <= high")
			}
		}
		if yl.Red != nil {
			if r, ok := rng(yl.Red); ok {
				l.Red = &r
			} else {
				bad(key, "red: want [low, high] with low <= high")
			}
		}
		if l.Yellow != nil && l.Red != nil && (l.Red.Lo > l.Yellow.Lo || l.Red.Hi < l.Yellow.Hi) {
			bad(key, "the red range must contain the yellow one")
		}
		if (l.Yellow != nil || l.Red != nil) && f.Kind == String {
			bad(key, "strings have no limits")
		}
		return l
	}
	f.Limits = lim("limits", y.Limits)
	if len(y.LimitsByMode) > 0 {
		f.ByMode = map[string]Limits{}
		for mode, yl := range y.LimitsByMode {
			f.ByMode[mode] = lim("limits_by_mode", &yl)
		}
	}
	return f, ps
}

func rng(v []float64) (Range, bool) {
	if len(v) != 2 || !(v[0] <= v[1]) {
		return Range{}, false
	}
	return Range{v[0], v[1]}, true
}
