package dict

import (
	"cmp"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/mission/xtce"
)

// primaryHeaderBits is a CCSDS space packet's primary header: the
// dictionary's offsets count from the end of it.
const primaryHeaderBits = 48

// FromXTCE turns an XTCE database's packet containers into a dictionary
// in this package's YAML form: each container restricted to an APID is a
// packet; its parameters past the primary header are fields. It returns
// the YAML and what it could not map.
func FromXTCE(db *xtce.Database) ([]byte, []string) {
	notes := append([]string(nil), db.Notes...)
	var y yamlDict
	usedAPID := map[int]string{}
	usedName := map[string]bool{}
	for _, p := range db.Packets() {
		notes = append(notes, p.Notes...)
		c := p.Container
		apid, ok := apidOf(&p)
		if !ok {
			notes = append(notes, fmt.Sprintf("container %s: no restriction on the packet's APID; not a packet type the dictionary can select", c.Name))
			continue
		}
		if other, dup := usedAPID[apid]; dup {
			notes = append(notes, fmt.Sprintf("container %s: APID %d is also container %s's (told apart by other fields); only %s is mapped", c.Name, apid, other, other))
			continue
		}
		yp := yamlPacket{Name: uniqueName(sanitize(c.Name), usedName), APID: apid}
		if yp.Name != c.Name {
			notes = append(notes, fmt.Sprintf("container %s: named %s in the dictionary", c.Name, yp.Name))
		}
		fieldNames := map[string]bool{}
		for _, f := range p.Fields {
			if f.Bit < primaryHeaderBits {
				continue // the primary header: the link layer reads it
			}
			yf, why := xtceField(f, f.Bit-primaryHeaderBits)
			if why != "" {
				notes = append(notes, fmt.Sprintf("container %s: parameter %s: %s; left out", c.Name, f.Parameter.Name, why))
				continue
			}
			yf.Name = uniqueName(sanitize(f.Parameter.Name), fieldNames)
			if yf.Name != f.Parameter.Name {
				notes = append(notes, fmt.Sprintf("container %s: parameter %s is field %s", c.Name, f.Parameter.Name, yf.Name))
			}
			yp.Fields = append(yp.Fields, yf)
		}
		if len(yp.Fields) == 0 {
			notes = append(notes, fmt.Sprintf("container %s: no field past the primary header could be mapped; left out", c.Name))
			continue
		}
		usedAPID[apid] = c.Name
		y.Packets = append(y.Packets, yp)
	}
	return db.YAML("Telemetry dictionary", notes, &y), notes
}

// apidOf finds the APID the packet is restricted to: a restriction on the
// parameter that sits where a CCSDS primary header's APID does (bits 5 to
// 15), or on one named like an APID.
func apidOf(p *xtce.Packet) (int, bool) {
	for _, f := range p.Fields {
		if f.Bit == 5 && f.Parameter.Type.Bits == 11 {
			if v, ok := p.Restrictions[f.Parameter.Name]; ok {
				return parseAPID(v)
			}
		}
	}
	for k, v := range p.Restrictions {
		if strings.Contains(strings.ToUpper(k), "APID") {
			return parseAPID(v)
		}
	}
	return 0, false
}

func parseAPID(v string) (int, bool) {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 0, 32)
	return int(n), err == nil && n >= 0 && n <= 2047
}

// xtceField maps a placed parameter to a field at bit (from the start of
// the user data); why says why it cannot be.
func xtceField(f xtce.Placed, bit int) (yamlField, string) {
	t := f.Parameter.Type
	off := bit / 8
	yf := yamlField{Offset: &off, Bit: bit % 8, Units: t.Units}
	if off > 65535 {
		return yf, "beyond the dictionary's 64 KiB"
	}
	switch {
	case t.FloatBits > 0:
		if yf.Bit != 0 {
			return yf, "a float not on a byte boundary"
		}
		yf.Type = fmt.Sprintf("float%d", t.FloatBits)
	case t.Kind == xtce.String:
		if yf.Bit != 0 || t.Bits%8 != 0 || t.Bits/8 > 256 {
			return yf, fmt.Sprintf("a %d-bit string not on a byte boundary, or over 256 bytes", t.Bits)
		}
		yf.Type, yf.Length = "string", t.Bits/8
		yf.Units = ""
		return yf, ""
	case t.Kind == xtce.Binary:
		return yf, fmt.Sprintf("%d bits of binary data (the dictionary holds numbers, states and strings)", t.Bits)
	case t.Bits < 1 || t.Bits > 64:
		return yf, fmt.Sprintf("a %d-bit integer", t.Bits)
	case t.Signed && t.Bits >= 2:
		yf.Type = fmt.Sprintf("int%d", t.Bits)
	default:
		yf.Type = fmt.Sprintf("uint%d", t.Bits)
	}
	if t.Little {
		if yf.Bit != 0 || t.Bits%8 != 0 {
			return yf, "a little-endian value that is not whole bytes on a byte boundary"
		}
		yf.Order = "little"
	}
	if len(t.States) > 0 && t.FloatBits == 0 {
		yf.States = t.States
	}
	switch {
	case len(t.Poly) > 0:
		yf.Calibration = &yamlCalibration{Polynomial: t.Poly}
	case len(t.Spline) >= 2:
		tab := slices.Clone(t.Spline)
		slices.SortFunc(tab, func(a, b [2]float64) int { return cmp.Compare(a[0], b[0]) })
		tab = slices.CompactFunc(tab, func(a, b [2]float64) bool { return a[0] == b[0] })
		yf.Calibration = &yamlCalibration{Table: tab}
	}
	lim := &yamlLimits{}
	if r := t.Warning; r != nil {
		lim.Yellow = []float64{finite(r.Lo), finite(r.Hi)}
	}
	if r := t.Critical; r != nil {
		lim.Red = []float64{finite(r.Lo), finite(r.Hi)}
		if lim.Yellow != nil && (lim.Red[0] > lim.Yellow[0] || lim.Red[1] < lim.Yellow[1]) {
			lim.Red = nil // XTCE allows it; the dictionary's red range must hold the yellow
		}
	}
	if lim.Yellow != nil || lim.Red != nil {
		yf.Limits = lim
	}
	return yf, ""
}

// finite keeps an open alarm bound as the largest float, which YAML and
// the dictionary both take.
func finite(v float64) float64 {
	switch {
	case math.IsInf(v, 1):
		return math.MaxFloat64
	case math.IsInf(v, -1):
		return -math.MaxFloat64
	}
	return v
}

// sanitize makes a name the dictionary takes: letters, digits and _.
func sanitize(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			b[i] = '_'
		}
	}
	if len(b) == 0 {
		return "x"
	}
	if len(b) > 60 {
		b = b[:60]
	}
	return string(b)
}

func uniqueName(s string, used map[string]bool) string {
	n := s
	for i := 2; used[n]; i++ {
		n = fmt.Sprintf("%s_%d", s, i)
	}
	used[n] = true
	return n
}

// ParseXTCE reads an XTCE document as a dictionary, with what it could
// not map.
func ParseXTCE(data []byte, source string) (*Dictionary, []string, error) {
	db, err := xtce.Parse(data, source)
	if err != nil {
		return nil, nil, mission.BadInput(err)
	}
	y, notes := FromXTCE(db)
	d, err := Parse(y, source+" (as a dictionary)")
	if err != nil {
		return nil, notes, err
	}
	return d, notes, nil
}

// LoadAny reads a dictionary file: YAML, or XTCE when it ends in .xml or
// .xtce (with what could not be mapped).
func LoadAny(path string) (*Dictionary, []string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, mission.BadInput(err)
	}
	if IsXTCE(path) {
		return ParseXTCE(data, path)
	}
	d, err := Parse(data, path)
	return d, nil, err
}

// IsXTCE says whether a file is named as an XTCE document.
func IsXTCE(path string) bool {
	p := strings.ToLower(path)
	return strings.HasSuffix(p, ".xml") || strings.HasSuffix(p, ".xtce")
}
