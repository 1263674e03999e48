// Package xtce reads XTCE (CCSDS 660.0 / OMG XML Telemetric and Command
// Exchange) databases, the format Yamcs, COSMOS, cFS tools and F′ ship
// their telemetry and command definitions in, into a plain model:
// parameters with their types (encodings, calibrators, units, states,
// alarm ranges), packet containers laid out in bits, and commands with
// their arguments. What the model cannot hold is listed in Notes, never
// dropped silently. It does no I/O beyond parsing what it is given.
package xtce

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Kind is a type's kind.
type Kind int

const (
	Integer Kind = iota
	Float
	Enumerated
	Boolean
	String
	Binary
	Time
)

func (k Kind) String() string {
	return [...]string{"integer", "float", "enumerated", "boolean", "string", "binary", "time"}[k]
}

// Range is [Lo, Hi]; an open end is ±Inf.
type Range struct{ Lo, Hi float64 }

// Type is a parameter's or argument's type, resolved.
type Type struct {
	Name   string
	Kind   Kind
	Bits   int  // encoded size; 0 when only known at run time
	Signed bool // two's complement
	Little bool // least significant byte first
	// FloatBits is 32 or 64 when the raw value is an IEEE 754 float.
	FloatBits int
	Units     string
	Poly      []float64    // calibration c0 + c1 x + ...
	Spline    [][2]float64 // linear calibration table (raw, value)
	States    map[int64]string
	Warning   *Range // alarm ranges (yellow)
	Critical  *Range // (red)
	Valid     *Range // arguments: allowed range
	Initial   string
}

// Parameter is a named value.
type Parameter struct {
	Name        string
	Type        *Type
	Description string
}

// Entry is one item of a container, in order.
type Entry struct {
	Parameter *Parameter // or
	Container string     // a container included here
	// At, when set, is the entry's position in bits from the container's
	// start (or from the previous entry's end when FromPrevious).
	At           *int
	FromPrevious bool
}

// Comparison restricts a container to packets whose parameter has a
// value (a CCSDS packet's APID, typically).
type Comparison struct {
	Parameter string
	Value     string
}

// Container is a sequence container.
type Container struct {
	Name         string
	Description  string
	Abstract     bool
	Base         string
	Restrictions []Comparison
	Entries      []Entry
}

// Argument is a command argument.
type Argument struct {
	Name    string
	Type    *Type
	Initial string
}

// Command is a meta-command, its base's arguments and assignments
// folded in.
type Command struct {
	Name        string
	Description string
	Abstract    bool
	Base        string
	Arguments   []Argument
	// Assigned are arguments a derived command fixes (the opcode,
	// often), by name.
	Assigned map[string]string
	// Fixed are the fixed-value entries of its container, in order
	// (their bits as hex, their size in bits).
	Fixed []FixedValue
	// Order is the container's entries: argument names, or "=hex/bits"
	// for fixed values.
	Order       []string
	Hazardous   bool
	Consequence string
}

// FixedValue is a constant in a command container.
type FixedValue struct {
	Hex  string
	Bits int
}

// Database is a parsed XTCE document: all its space systems flattened.
type Database struct {
	Name       string
	Parameters map[string]*Parameter
	Containers map[string]*Container
	// ContainerOrder and CommandOrder keep the document's order.
	ContainerOrder []string
	Commands       map[string]*Command
	CommandOrder   []string
	// Notes are what the model does not hold, each naming where.
	Notes []string
}

// Error is a document that did not parse.
type Error struct {
	Source string
	Line   int
	Msg    string
}

func (e *Error) Error() string { return fmt.Sprintf("%s:%d: %s", e.Source, e.Line, e.Msg) }

// maxDepth bounds nested space systems.
const maxDepth = 32

// Parse reads an XTCE document.
func Parse(data []byte, source string) (*Database, error) {
	var root xSpaceSystem
	dec := xml.NewDecoder(bytes.NewReader(data))
	// Find the root element, then decode it.
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil, &Error{source, 1, "no SpaceSystem element: not an XTCE document"}
		}
		if err != nil {
			line, _ := dec.InputPos()
			return nil, &Error{source, line, "XML: " + err.Error()}
		}
		if se, ok := tok.(xml.StartElement); ok {
			if se.Name.Local != "SpaceSystem" {
				line, _ := dec.InputPos()
				return nil, &Error{source, line, fmt.Sprintf("the document's root is <%s>, not an XTCE <SpaceSystem>", se.Name.Local)}
			}
			if err := dec.DecodeElement(&root, &se); err != nil {
				line, _ := dec.InputPos()
				var syn *xml.SyntaxError
				if errors.As(err, &syn) {
					line = syn.Line
				}
				return nil, &Error{source, line, "XML: " + err.Error()}
			}
			break
		}
	}
	db := &Database{Name: root.Name, Parameters: map[string]*Parameter{}, Containers: map[string]*Container{}, Commands: map[string]*Command{}}
	b := &builder{db: db, types: map[string]*Type{}, argTypes: map[string]*Type{}}
	if err := b.system(&root, 0); err != nil {
		return nil, &Error{source, 0, err.Error()}
	}
	b.resolveCommands()
	return db, nil
}

type builder struct {
	db       *Database
	types    map[string]*Type
	argTypes map[string]*Type
	rawCmds  []*xMetaCommand
}

func (b *builder) note(format string, a ...any) {
	b.db.Notes = append(b.db.Notes, fmt.Sprintf(format, a...))
}

func (b *builder) system(s *xSpaceSystem, depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("space systems nested over %d deep", maxDepth)
	}
	if t := s.Telemetry; t != nil {
		b.typeSet(t.Types.Types, b.types, "parameter")
		b.parameters(t.Parameters, s.Name)
		for i := range t.Containers {
			b.container(&t.Containers[i])
		}
	}
	if c := s.Command; c != nil {
		b.typeSet(c.ParamTypes.Types, b.types, "parameter")
		b.parameters(c.Parameters, s.Name)
		b.typeSet(c.ArgTypes.Types, b.argTypes, "argument")
		for i := range c.Commands {
			b.rawCmds = append(b.rawCmds, &c.Commands[i])
		}
	}
	for _, ch := range s.Children {
		if err := b.system(ch, depth+1); err != nil {
			return err
		}
	}
	return nil
}

func (b *builder) parameters(ps []xParameter, system string) {
	for _, p := range ps {
		t := b.types[p.TypeRef]
		if t == nil {
			// A type path ("/sys/T" or "sys/T"): its last part.
			t = b.types[p.TypeRef[strings.LastIndex(p.TypeRef, "/")+1:]]
		}
		if t == nil {
			b.note("parameter %s: type %q is not defined (in %s); left out", p.Name, p.TypeRef, system)
			continue
		}
		b.db.Parameters[p.Name] = &Parameter{Name: p.Name, Type: t, Description: p.ShortDesc}
	}
}

func num(s string) (float64, bool) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	return v, err == nil && !math.IsNaN(v) && !math.IsInf(v, 0)
}

// typeSet resolves types of every kind.
func (b *builder) typeSet(xs []xType, into map[string]*Type, what string) {
	for i := range xs {
		x := &xs[i]
		kindName := strings.TrimSuffix(strings.TrimSuffix(x.XMLName.Local, "ParameterType"), "ArgumentType")
		t := &Type{Name: x.Name, Signed: x.Signed == "true", Initial: x.InitialValue}
		if len(x.Units) > 0 {
			t.Units = strings.TrimSpace(x.Units[0])
		}
		where := fmt.Sprintf("%s type %s", what, x.Name)
		switch kindName {
		case "Integer":
			t.Kind = Integer
		case "Float":
			t.Kind = Float
		case "Enumerated":
			t.Kind = Enumerated
			t.States = map[int64]string{}
			for _, e := range x.Enums {
				v, err := strconv.ParseInt(strings.TrimSpace(e.Value), 0, 64)
				if err != nil {
					b.note("%s: enumeration value %q is not a whole number; left out", where, e.Value)
					continue
				}
				t.States[v] = e.Label
			}
		case "Boolean":
			t.Kind = Boolean
			zero, one := x.ZeroString, x.OneString
			if zero == "" {
				zero = "False"
			}
			if one == "" {
				one = "True"
			}
			t.States = map[int64]string{0: zero, 1: one}
		case "String":
			t.Kind = String
		case "Binary":
			t.Kind = Binary
		case "AbsoluteTime", "RelativeTime":
			t.Kind = Time
			b.note("%s: %s types are not mapped (their encoding is read as its integer or float)", where, kindName)
		case "Aggregate", "Array":
			b.note("%s: %s types are not mapped; parameters of it are left out", where, kindName)
			continue
		default:
			b.note("%s: <%s> is not a type this reads; left out", where, x.XMLName.Local)
			continue
		}
		b.encoding(t, x, where)
		b.alarms(t, x, where)
		if r := x.ValidRange; r != nil {
			t.Valid = rng(r)
		} else if len(x.ValidRanges) > 0 {
			t.Valid = rng(&x.ValidRanges[0])
			if len(x.ValidRanges) > 1 {
				b.note("%s: only the first of %d valid ranges is kept", where, len(x.ValidRanges))
			}
		}
		into[x.Name] = t
	}
}

func rng(r *xRange) *Range {
	out := &Range{math.Inf(-1), math.Inf(1)}
	if v, ok := num(r.MinInclusive); ok {
		out.Lo = v
	} else if v, ok := num(r.MinExclusive); ok {
		out.Lo = math.Nextafter(v, math.Inf(1))
	}
	if v, ok := num(r.MaxInclusive); ok {
		out.Hi = v
	} else if v, ok := num(r.MaxExclusive); ok {
		out.Hi = math.Nextafter(v, math.Inf(-1))
	}
	return out
}

func (b *builder) encoding(t *Type, x *xType, where string) {
	switch {
	case x.IntEnc != nil:
		e := x.IntEnc
		t.Bits = e.SizeInBits
		if t.Bits == 0 {
			t.Bits = 8 // XTCE's default
		}
		switch e.Encoding {
		case "", "unsigned":
			t.Signed = false
		case "twosComplement", "twosCompliment":
			t.Signed = true
		default:
			b.note("%s: integer encoding %s is read as two's complement", where, e.Encoding)
			t.Signed = true
		}
		t.Little = e.ByteOrder == "leastSignificantByteFirst"
		b.calibrator(t, e.Calibrator, where)
		if e.Context != nil {
			b.note("%s: context calibrators are not mapped; the default calibrator is used", where)
		}
	case x.FloatEnc != nil:
		e := x.FloatEnc
		t.Bits = e.SizeInBits
		if t.Bits == 0 {
			t.Bits = 32
		}
		if e.Encoding != "" && e.Encoding != "IEEE754_1985" && e.Encoding != "IEEE754" {
			b.note("%s: float encoding %s is read as IEEE 754", where, e.Encoding)
		}
		if t.Bits != 32 && t.Bits != 64 {
			b.note("%s: %d-bit floats are not read; left out", where, t.Bits)
			t.Bits = 0
		}
		t.FloatBits = t.Bits
		t.Little = e.ByteOrder == "leastSignificantByteFirst"
		b.calibrator(t, e.Calibrator, where)
	case x.StrEnc != nil:
		t.Bits = sizeBits(x.StrEnc.Size, x.StrEnc.Fixed)
		if t.Bits == 0 {
			b.note("%s: a string whose size is known only at run time is not mapped", where)
		}
	case x.BinEnc != nil:
		t.Bits = sizeBits(x.BinEnc.Size, nil)
		if t.Bits == 0 {
			b.note("%s: binary data whose size is known only at run time is not mapped", where)
		}
	case t.Kind == Time:
	default:
		b.note("%s: no data encoding; left unsized", where)
	}
}

func sizeBits(s *xSizeBits, fixed *xFixedSize) int {
	var v string
	switch {
	case s != nil && s.FixedValue != "":
		v = s.FixedValue
	case s != nil && s.Fixed != nil:
		v = s.Fixed.FixedValue
	case fixed != nil:
		v = fixed.FixedValue
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n <= 0 || n > 1<<20 {
		return 0
	}
	return n
}

func (b *builder) calibrator(t *Type, c *xCalibrator, where string) {
	switch {
	case c == nil:
	case c.Polynomial != nil:
		for _, term := range c.Polynomial.Terms {
			co, ok1 := num(term.Coefficient)
			ex, ok2 := num(term.Exponent)
			if !ok1 || !ok2 || ex < 0 || ex > 16 || ex != math.Trunc(ex) {
				b.note("%s: polynomial term %s x^%s is not read; calibration left out", where, term.Coefficient, term.Exponent)
				t.Poly = nil
				return
			}
			for len(t.Poly) <= int(ex) {
				t.Poly = append(t.Poly, 0)
			}
			t.Poly[int(ex)] += co
		}
	case c.Spline != nil:
		if c.Spline.Order > 1 {
			b.note("%s: a spline calibrator of order %d is read as linear", where, c.Spline.Order)
		}
		for _, p := range c.Spline.Points {
			r, ok1 := num(p.Raw)
			v, ok2 := num(p.Calibrated)
			if !ok1 || !ok2 {
				b.note("%s: spline point (%s, %s) is not numeric; calibration left out", where, p.Raw, p.Calibrated)
				t.Spline = nil
				return
			}
			t.Spline = append(t.Spline, [2]float64{r, v})
		}
	case c.Math != nil:
		b.note("%s: math operation calibrators are not mapped; the value is left raw", where)
	}
}

func (b *builder) alarms(t *Type, x *xType, where string) {
	if x.ContextAlarm != nil {
		b.note("%s: context alarms (by mode) are not mapped; the default alarm is used", where)
	}
	a := x.Alarm
	if a == nil {
		return
	}
	if a.Static == nil {
		if len(a.Other) > 0 {
			b.note("%s: alarm <%s> is not mapped", where, a.Other[0].Local)
		}
		return
	}
	s := a.Static
	// XTCE has five levels; ipgs has two: watch and warning are yellow,
	// distress, critical and severe red. The innermost of each is kept.
	for _, r := range []*xRange{s.Warning, s.Watch} {
		if r != nil {
			t.Warning = rng(r)
			break
		}
	}
	for _, r := range []*xRange{s.Critical, s.Distress, s.Severe} {
		if r != nil {
			t.Critical = rng(r)
			break
		}
	}
}

func (b *builder) container(x *xContainer) {
	c := &Container{Name: x.Name, Description: x.ShortDesc, Abstract: x.Abstract}
	if c.Description == "" {
		c.Description = strings.TrimSpace(x.LongDesc)
	}
	where := "container " + x.Name
	if x.Base != nil {
		c.Base = x.Base.ContainerRef[strings.LastIndex(x.Base.ContainerRef, "/")+1:]
		if x.Base.Comparison != nil {
			c.Restrictions = append(c.Restrictions, Comparison{x.Base.Comparison.ParameterRef, x.Base.Comparison.Value})
		}
		for _, cmp := range x.Base.Comparisons {
			if cmp.Operator != "" && cmp.Operator != "==" {
				b.note("%s: restriction %s %s %s is not mapped", where, cmp.ParameterRef, cmp.Operator, cmp.Value)
				continue
			}
			c.Restrictions = append(c.Restrictions, Comparison{cmp.ParameterRef, cmp.Value})
		}
		if x.Base.Boolean != nil {
			b.note("%s: a boolean restriction expression is not mapped", where)
		}
	}
	for _, e := range x.Entries.Entries {
		ent, ok := b.entry(e, where)
		if ok {
			c.Entries = append(c.Entries, ent)
		}
	}
	if _, dup := b.db.Containers[c.Name]; dup {
		b.note("%s: defined twice; the later kept", where)
	} else {
		b.db.ContainerOrder = append(b.db.ContainerOrder, c.Name)
	}
	b.db.Containers[c.Name] = c
}

func (b *builder) entry(e xEntry, where string) (Entry, bool) {
	var ent Entry
	if e.Include != nil || e.Repeat != nil {
		b.note("%s: entry %s%s has a condition or repeat; not mapped", where, e.ParameterRef, e.ContainerRef)
	}
	if l := e.Location; l != nil {
		v, err := strconv.Atoi(strings.TrimSpace(l.FixedValue))
		if err == nil {
			ent.At = &v
			ent.FromPrevious = l.Reference == "" || l.Reference == "previousEntry"
		}
	}
	switch e.XMLName.Local {
	case "ParameterRefEntry":
		p := b.db.Parameters[e.ParameterRef]
		if p == nil {
			p = b.db.Parameters[e.ParameterRef[strings.LastIndex(e.ParameterRef, "/")+1:]]
		}
		if p == nil {
			b.note("%s: parameter %q is not defined; the container's layout stops there", where, e.ParameterRef)
			return Entry{Parameter: &Parameter{Name: e.ParameterRef, Type: &Type{}}}, true
		}
		ent.Parameter = p
	case "ContainerRefEntry":
		ent.Container = e.ContainerRef[strings.LastIndex(e.ContainerRef, "/")+1:]
	default:
		b.note("%s: <%s> entries are not mapped; the container's layout stops there", where, e.XMLName.Local)
		return Entry{Parameter: &Parameter{Name: e.XMLName.Local, Type: &Type{}}}, true
	}
	return ent, true
}

// resolveCommands folds each command's base into it.
func (b *builder) resolveCommands() {
	for _, x := range b.rawCmds {
		c := &Command{Name: x.Name, Abstract: x.Abstract, Description: x.ShortDesc, Assigned: map[string]string{}}
		if c.Description == "" {
			c.Description = strings.TrimSpace(x.LongDesc)
		}
		where := "command " + x.Name
		if x.Base != nil {
			c.Base = x.Base.MetaCommand[strings.LastIndex(x.Base.MetaCommand, "/")+1:]
			for _, a := range x.Base.Assignments {
				c.Assigned[a.Name] = a.Value
			}
		}
		for _, a := range x.Arguments {
			t := b.argTypes[a.TypeRef[strings.LastIndex(a.TypeRef, "/")+1:]]
			if t == nil {
				b.note("%s: argument %s has type %q, not defined; the command is left out", where, a.Name, a.TypeRef)
				c = nil
				break
			}
			c.Arguments = append(c.Arguments, Argument{Name: a.Name, Type: t, Initial: a.InitialValue})
		}
		if c == nil {
			continue
		}
		if x.Container != nil {
			for _, e := range x.Container.Entries.Entries {
				switch e.XMLName.Local {
				case "ArgumentRefEntry":
					c.Order = append(c.Order, e.ArgumentRef)
				case "FixedValueEntry":
					c.Fixed = append(c.Fixed, FixedValue{e.BinaryValue, e.SizeInBits})
					c.Order = append(c.Order, fmt.Sprintf("=%s/%d", e.BinaryValue, e.SizeInBits))
				case "ParameterRefEntry":
					b.note("%s: a parameter in the command container (%s) is not mapped", where, e.ParameterRef)
				default:
					b.note("%s: <%s> in the command container is not mapped", where, e.XMLName.Local)
				}
			}
		}
		if s := x.Significance; s != nil {
			c.Consequence = s.Level
			c.Hazardous = s.Level == "critical" || s.Level == "severe" || s.Level == "distress"
		}
		b.db.Commands[c.Name] = c
		b.db.CommandOrder = append(b.db.CommandOrder, c.Name)
	}
	// Inherit arguments and fixed values from bases, base first.
	done := map[string]bool{}
	var fold func(c *Command, depth int)
	fold = func(c *Command, depth int) {
		if done[c.Name] || depth > maxDepth {
			return
		}
		done[c.Name] = true
		base := b.db.Commands[c.Base]
		if base == nil {
			if c.Base != "" {
				b.note("command %s: base %q is not defined", c.Name, c.Base)
			}
			return
		}
		fold(base, depth+1)
		c.Arguments = append(append([]Argument(nil), base.Arguments...), c.Arguments...)
		c.Fixed = append(append([]FixedValue(nil), base.Fixed...), c.Fixed...)
		c.Order = append(append([]string(nil), base.Order...), c.Order...)
		for k, v := range base.Assigned {
			if _, ok := c.Assigned[k]; !ok {
				c.Assigned[k] = v
			}
		}
		c.Hazardous = c.Hazardous || base.Hazardous
	}
	for _, n := range b.db.CommandOrder {
		fold(b.db.Commands[n], 0)
	}
}
