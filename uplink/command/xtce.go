package command

import (
	"fmt"
	"math"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/ipgs/ipgs/mission/xtce"
)

// opcodeName is how XTCE databases name the argument that says which
// command it is: opcode, command code, function code (cFS's FC), ...
var opcodeName = regexp.MustCompile(`(?i)(^|_)(op_?code|cmd_?code|command_?code|function_?code|func_?code|fc|cc|opc)$`)

// FromXTCE makes a command dictionary of an XTCE database's
// meta-commands, in this package's YAML form: each concrete command with
// an opcode (an assigned argument named as one, or the container's last
// fixed value of at most 16 bits before its arguments) and arguments of
// types the dictionary has. It returns the YAML and what it could not map.
func FromXTCE(db *xtce.Database) ([]byte, []string) {
	var notes []string
	d := Dictionary{}
	names := map[string]bool{}
	ops := map[uint16]string{}
	for _, n := range db.CommandOrder {
		c := db.Commands[n]
		if c.Abstract {
			continue
		}
		def, why := xtceCommand(c)
		if why != "" {
			notes = append(notes, fmt.Sprintf("command %s: %s; left out", c.Name, why))
			continue
		}
		if names[strings.ToUpper(def.Name)] {
			notes = append(notes, fmt.Sprintf("command %s: defined twice; the first kept", c.Name))
			continue
		}
		if other, dup := ops[def.Opcode]; dup {
			notes = append(notes, fmt.Sprintf("command %s: opcode %#x is also %s's (told apart by other fields); left out", c.Name, def.Opcode, other))
			continue
		}
		names[strings.ToUpper(def.Name)] = true
		ops[def.Opcode] = def.Name
		d.Commands = append(d.Commands, def)
	}
	return db.YAML("Command dictionary", notes, &d), notes
}

func xtceCommand(c *xtce.Command) (Def, string) {
	def := Def{Name: c.Name, Description: c.Description, Hazardous: c.Hazardous}
	opcode := int64(-1)
	for k, v := range c.Assigned {
		if opcodeName.MatchString(k) {
			if x, err := strconv.ParseInt(strings.TrimSpace(v), 0, 32); err == nil {
				opcode = x
			}
		}
	}
	if opcode < 0 {
		// The container's last fixed value before its first argument.
		for _, e := range c.Order {
			if !strings.HasPrefix(e, "=") {
				if _, assigned := c.Assigned[e]; !assigned {
					break
				}
				continue
			}
			hex, bits, _ := strings.Cut(e[1:], "/")
			n, err1 := strconv.Atoi(bits)
			x, err2 := strconv.ParseUint(hex, 16, 64)
			if err1 == nil && err2 == nil && n <= 16 {
				opcode = int64(x)
			}
		}
	}
	if opcode < 0 || opcode > math.MaxUint16 {
		return def, "no opcode: no assigned argument named as one, and no fixed value of 16 bits or fewer before its arguments"
	}
	def.Opcode = uint16(opcode)
	for _, a := range c.Arguments {
		if _, assigned := c.Assigned[a.Name]; assigned {
			continue // fixed by this command (its opcode, its APID)
		}
		ad, why := xtceArg(a)
		if why != "" {
			return def, fmt.Sprintf("argument %s: %s", a.Name, why)
		}
		def.Args = append(def.Args, ad)
	}
	return def, ""
}

func xtceArg(a xtce.Argument) (ArgDef, string) {
	t := a.Type
	ad := ArgDef{Name: a.Name, Unit: t.Units}
	switch {
	case t.Kind == xtce.Enumerated:
		if len(t.States) > 256 {
			return ad, fmt.Sprintf("%d enumeration values (the dictionary sends one byte)", len(t.States))
		}
		codes := make([]int64, 0, len(t.States))
		for v := range t.States {
			if v < 0 || v > 255 {
				return ad, fmt.Sprintf("enumeration value %d does not fit the byte the dictionary sends", v)
			}
			codes = append(codes, v)
		}
		slices.Sort(codes)
		ad.Type, ad.Codes = "enum", codes
		for _, v := range codes {
			ad.Values = append(ad.Values, t.States[v])
		}
		return ad, ""
	case t.Kind == xtce.Boolean:
		ad.Type = "bool"
		return ad, ""
	case t.Kind == xtce.String:
		ad.Type = "string"
		if t.Bits > 0 {
			ad.MaxLen = min(255, t.Bits/8)
		}
		return ad, ""
	case t.Kind == xtce.Binary || t.Kind == xtce.Time:
		return ad, fmt.Sprintf("%s arguments are not in the dictionary", t.Kind)
	case t.FloatBits > 0:
		ad.Type = fmt.Sprintf("float%d", t.FloatBits)
	case t.Bits > 32:
		return ad, fmt.Sprintf("a %d-bit integer (the dictionary sends at most 32)", t.Bits)
	default:
		size := 8
		for size < t.Bits {
			size *= 2
		}
		ad.Type = fmt.Sprintf("uint%d", size)
		if t.Signed {
			ad.Type = fmt.Sprintf("int%d", size)
		}
		if t.Bits != size && t.Bits > 0 {
			// Range-limited to the XTCE width, sent in whole bytes.
			lo, hi := 0.0, math.Ldexp(1, t.Bits)-1
			if t.Signed {
				lo, hi = -math.Ldexp(1, t.Bits-1), math.Ldexp(1, t.Bits-1)-1
			}
			ad.Min, ad.Max = &lo, &hi
		}
	}
	if r := t.Valid; r != nil {
		if !math.IsInf(r.Lo, 0) {
			lo := r.Lo
			ad.Min = &lo
		}
		if !math.IsInf(r.Hi, 0) {
			hi := r.Hi
			ad.Max = &hi
		}
	}
	return ad, ""
}

// ParseXTCE reads an XTCE document's commands as a dictionary, with
// what it could not map.
func ParseXTCE(data []byte, source string) (*Dictionary, []string, error) {
	db, err := xtce.Parse(data, source)
	if err != nil {
		return nil, nil, err
	}
	y, notes := FromXTCE(db)
	d, err := ParseDictionary(y, source+" (as a command dictionary)")
	return d, notes, err
}

// LoadAny reads a command dictionary: YAML, or XTCE when the file ends
// in .xml or .xtce.
func LoadAny(path string) (*Dictionary, []string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	p := strings.ToLower(path)
	if strings.HasSuffix(p, ".xml") || strings.HasSuffix(p, ".xtce") {
		return ParseXTCE(data, path)
	}
	d, err := ParseDictionary(data, path)
	return d, nil, err
}
