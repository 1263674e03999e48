// Package command is commanding as Yamcs and COSMOS do it: a command
// dictionary with typed, range-checked arguments; validation before
// anything is queued; encoding for the space link; and a persistent
// history of every command's verification stages.
package command

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Dictionary is the set of commands a satellite accepts.
type Dictionary struct {
	Commands []Def `yaml:"commands"`
	byName   map[string]*Def
	byOp     map[uint16]*Def
	buses    map[int]*Dictionary // a mission's other buses, by NORAD number
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

// Def defines one command.
type Def struct {
	Name        string   `yaml:"name"`
	Opcode      uint16   `yaml:"opcode"`
	Description string   `yaml:"description"`
	Hazardous   bool     `yaml:"hazardous"`
	Args        []ArgDef `yaml:"args"`
}

// ArgDef defines an argument.
type ArgDef struct {
	Name   string   `yaml:"name"`
	Type   string   `yaml:"type"` // uint8..uint32, int8..int32, float32, float64, bool, enum, string
	Min    *float64 `yaml:"min,omitempty"`
	Max    *float64 `yaml:"max,omitempty"`
	Values []string `yaml:"values,omitempty"` // enum
	// Codes are the enum's values on the wire, one per name (default:
	// each name's index), 0-255.
	Codes  []int64 `yaml:"codes,omitempty"`
	MaxLen int     `yaml:"max_len,omitempty"` // string, default 64
	Unit   string  `yaml:"unit,omitempty"`
}

var intRange = map[string][2]float64{
	"uint8": {0, math.MaxUint8}, "uint16": {0, math.MaxUint16}, "uint32": {0, math.MaxUint32},
	"int8": {math.MinInt8, math.MaxInt8}, "int16": {math.MinInt16, math.MaxInt16}, "int32": {math.MinInt32, math.MaxInt32},
}

// LoadDictionary reads a dictionary file.
func LoadDictionary(path string) (*Dictionary, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseDictionary(data, path)
}

// ParseDictionary parses and checks a dictionary; errors name the file,
// the line and the command.
func ParseDictionary(data []byte, source string) (*Dictionary, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("%s: %v", source, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	d := &Dictionary{}
	if err := dec.Decode(d); err != nil {
		return nil, fmt.Errorf("%s: %v", source, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	line := func(i int) int {
		n := &root
		if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
			n = n.Content[0]
		}
		for j := 0; j+1 < len(n.Content); j += 2 {
			if n.Content[j].Value == "commands" && i < len(n.Content[j+1].Content) {
				return n.Content[j+1].Content[i].Line
			}
		}
		return 0
	}
	d.byName = map[string]*Def{}
	d.byOp = map[uint16]*Def{}
	var errs []error
	bad := func(i int, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s:%d: commands[%d]: %s", source, line(i), i, fmt.Sprintf(format, args...)))
	}
	for i := range d.Commands {
		c := &d.Commands[i]
		if c.Name == "" {
			bad(i, "name is empty")
			continue
		}
		if d.byName[strings.ToUpper(c.Name)] != nil {
			bad(i, "command %s is defined twice", c.Name)
		}
		if o := d.byOp[c.Opcode]; o != nil {
			bad(i, "opcode %#x of %s is also %s's", c.Opcode, c.Name, o.Name)
		}
		d.byName[strings.ToUpper(c.Name)] = c
		d.byOp[c.Opcode] = c
		for j, a := range c.Args {
			switch {
			case a.Name == "":
				bad(i, "args[%d]: name is empty", j)
			case a.Type == "enum" && len(a.Values) == 0:
				bad(i, "args[%d] %s: an enum needs values", j, a.Name)
			case a.Type == "enum" && len(a.Values) > 256:
				bad(i, "args[%d] %s: an enum has at most 256 values", j, a.Name)
			case a.Codes != nil && (a.Type != "enum" || len(a.Codes) != len(a.Values)):
				bad(i, "args[%d] %s: codes need an enum and one code per value", j, a.Name)
			case a.Type == "string", a.Type == "bool", a.Type == "float32", a.Type == "float64", a.Type == "enum":
			default:
				if _, ok := intRange[a.Type]; !ok {
					bad(i, "args[%d] %s: unknown type %q (uint8-32, int8-32, float32, float64, bool, enum, string)", j, a.Name, a.Type)
				}
			}
			for _, code := range a.Codes {
				if code < 0 || code > 255 {
					bad(i, "args[%d] %s: code %d is outside 0-255", j, a.Name, code)
				}
			}
			if a.Min != nil && a.Max != nil && *a.Min > *a.Max {
				bad(i, "args[%d] %s: min %g is above max %g", j, a.Name, *a.Min, *a.Max)
			}
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return d, nil
}

// Lookup finds a command by name (case-insensitive).
func (d *Dictionary) Lookup(name string) (*Def, bool) {
	c, ok := d.byName[strings.ToUpper(name)]
	return c, ok
}

// ByOpcode finds a command by opcode.
func (d *Dictionary) ByOpcode(op uint16) (*Def, bool) {
	c, ok := d.byOp[op]
	return c, ok
}

// Value is a validated argument value.
type Value struct {
	Name string
	Text string  // as given, normalised
	Num  float64 // numbers, bools (0/1), enums (index)
}

// Validate checks arguments given as "name=value" or positionally, and
// returns them in definition order. Bad arguments never reach a queue.
func (c *Def) Validate(args []string) ([]Value, error) {
	named := map[string]string{}
	var pos []string
	for _, a := range args {
		if k, v, ok := strings.Cut(a, "="); ok {
			named[strings.ToLower(k)] = v
		} else {
			pos = append(pos, a)
		}
	}
	if len(pos) > 0 && len(named) > 0 {
		return nil, fmt.Errorf("%s: give arguments all by name or all by position", c.Name)
	}
	out := make([]Value, len(c.Args))
	for i, a := range c.Args {
		var s string
		var ok bool
		if len(pos) > 0 {
			if i < len(pos) {
				s, ok = pos[i], true
			}
		} else {
			s, ok = named[strings.ToLower(a.Name)]
			delete(named, strings.ToLower(a.Name))
		}
		if !ok {
			return nil, fmt.Errorf("%s: argument %s (%s) is missing", c.Name, a.Name, a.describe())
		}
		v, err := a.parse(s)
		if err != nil {
			return nil, fmt.Errorf("%s: argument %s: %v", c.Name, a.Name, err)
		}
		out[i] = v
	}
	if len(pos) > len(c.Args) {
		return nil, fmt.Errorf("%s takes %d arguments, got %d", c.Name, len(c.Args), len(pos))
	}
	for k := range named {
		return nil, fmt.Errorf("%s has no argument %q", c.Name, k)
	}
	return out, nil
}

func (a *ArgDef) describe() string {
	switch a.Type {
	case "enum":
		return "one of " + strings.Join(a.Values, ", ")
	case "string":
		return fmt.Sprintf("text up to %d bytes", a.maxLen())
	}
	lo, hi := a.bounds()
	return fmt.Sprintf("%s %g..%g", a.Type, lo, hi)
}

func (a *ArgDef) maxLen() int {
	if a.MaxLen > 0 {
		return min(a.MaxLen, 255)
	}
	return 64
}

func (a *ArgDef) bounds() (float64, float64) {
	lo, hi := math.Inf(-1), math.Inf(1)
	if r, ok := intRange[a.Type]; ok {
		lo, hi = r[0], r[1]
	} else if a.Type == "float32" {
		lo, hi = -math.MaxFloat32, math.MaxFloat32
	}
	if a.Min != nil {
		lo = math.Max(lo, *a.Min)
	}
	if a.Max != nil {
		hi = math.Min(hi, *a.Max)
	}
	return lo, hi
}

func (a *ArgDef) parse(s string) (Value, error) {
	v := Value{Name: a.Name, Text: s}
	switch a.Type {
	case "enum":
		for i, e := range a.Values {
			if strings.EqualFold(e, s) {
				v.Num, v.Text = float64(i), e
				return v, nil
			}
		}
		return v, fmt.Errorf("%q is not one of %s", s, strings.Join(a.Values, ", "))
	case "bool":
		b, err := strconv.ParseBool(s)
		if err != nil {
			return v, fmt.Errorf("%q is not true or false", s)
		}
		if b {
			v.Num = 1
		}
		v.Text = strconv.FormatBool(b)
		return v, nil
	case "string":
		if len(s) > a.maxLen() {
			return v, fmt.Errorf("%d bytes, at most %d", len(s), a.maxLen())
		}
		return v, nil
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return v, fmt.Errorf("%q is not a number", s)
	}
	if _, isInt := intRange[a.Type]; isInt && x != math.Trunc(x) {
		return v, fmt.Errorf("%q is not a whole number", s)
	}
	lo, hi := a.bounds()
	if x < lo || x > hi {
		return v, fmt.Errorf("%g is outside %g..%g%s", x, lo, hi, unit(a.Unit))
	}
	v.Num = x
	return v, nil
}

// code is the wire value of an enum's k-th name.
func (a *ArgDef) code(k int) int64 {
	if a.Codes != nil {
		return a.Codes[k]
	}
	return int64(k)
}

// index is the name index of an enum's wire value (-1: none).
func (a *ArgDef) index(code int64) int {
	for k := range a.Values {
		if a.code(k) == code {
			return k
		}
	}
	return -1
}

func unit(u string) string {
	if u == "" {
		return ""
	}
	return " " + u
}

// Encode writes validated values as the command's argument bytes
// (big-endian, strings length-prefixed).
func (c *Def) Encode(vals []Value) ([]byte, error) {
	if len(vals) != len(c.Args) {
		return nil, fmt.Errorf("%s: %d values for %d arguments", c.Name, len(vals), len(c.Args))
	}
	var b []byte
	for i, a := range c.Args {
		v := vals[i]
		switch a.Type {
		case "enum":
			b = append(b, byte(a.code(int(v.Num))))
		case "uint8", "int8", "bool":
			b = append(b, byte(int64(v.Num)))
		case "uint16", "int16":
			b = binary.BigEndian.AppendUint16(b, uint16(int64(v.Num)))
		case "uint32", "int32":
			b = binary.BigEndian.AppendUint32(b, uint32(int64(v.Num)))
		case "float32":
			b = binary.BigEndian.AppendUint32(b, math.Float32bits(float32(v.Num)))
		case "float64":
			b = binary.BigEndian.AppendUint64(b, math.Float64bits(v.Num))
		case "string":
			b = append(b, byte(len(v.Text)))
			b = append(b, v.Text...)
		}
	}
	return b, nil
}

// Decode reads argument bytes back (onboard), checking them as the
// ground does: a corrupted or forged command never executes with values
// outside the dictionary.
func (c *Def) Decode(b []byte) ([]Value, error) {
	out := make([]Value, len(c.Args))
	for i, a := range c.Args {
		need := map[string]int{"uint8": 1, "int8": 1, "bool": 1, "enum": 1, "uint16": 2, "int16": 2, "uint32": 4, "int32": 4, "float32": 4, "float64": 8}[a.Type]
		if a.Type == "string" {
			if len(b) < 1 || len(b) < 1+int(b[0]) {
				return nil, fmt.Errorf("%s: argument %s truncated", c.Name, a.Name)
			}
			out[i] = Value{Name: a.Name, Text: string(b[1 : 1+int(b[0])])}
			b = b[1+int(b[0]):]
			continue
		}
		if len(b) < need {
			return nil, fmt.Errorf("%s: argument %s truncated", c.Name, a.Name)
		}
		var x float64
		switch a.Type {
		case "uint8", "bool", "enum":
			x = float64(b[0])
		case "int8":
			x = float64(int8(b[0]))
		case "uint16":
			x = float64(binary.BigEndian.Uint16(b))
		case "int16":
			x = float64(int16(binary.BigEndian.Uint16(b)))
		case "uint32":
			x = float64(binary.BigEndian.Uint32(b))
		case "int32":
			x = float64(int32(binary.BigEndian.Uint32(b)))
		case "float32":
			x = float64(math.Float32frombits(binary.BigEndian.Uint32(b)))
		case "float64":
			x = math.Float64frombits(binary.BigEndian.Uint64(b))
		}
		b = b[need:]
		text := strconv.FormatFloat(x, 'g', -1, 64)
		switch a.Type {
		case "enum":
			k := a.index(int64(x))
			if k < 0 {
				return nil, fmt.Errorf("%s: argument %s: enum code %d is not one of its values", c.Name, a.Name, int(x))
			}
			text = a.Values[k]
		case "bool":
			if x > 1 {
				return nil, fmt.Errorf("%s: argument %s: %d is not a bool", c.Name, a.Name, int(x))
			}
			text = strconv.FormatBool(x == 1)
		}
		v, err := a.parse(text)
		if err != nil {
			return nil, fmt.Errorf("%s: argument %s: %v", c.Name, a.Name, err)
		}
		out[i] = v
	}
	if len(b) != 0 {
		return nil, fmt.Errorf("%s: %d bytes after the arguments", c.Name, len(b))
	}
	return out, nil
}
