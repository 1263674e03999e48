package dict

import (
	"encoding/binary"
	"math"
	"sort"
)

// Value is one decoded field.
type Value struct {
	Field *Field
	Raw   uint64  // the raw bits (signed fields sign-extended)
	Num   float64 // the calibrated value (the raw number when uncalibrated)
	Str   []byte  // string fields: the bytes, NULs trimmed (aliases the packet)
	State string  // fields with states: the state's name ("" unknown)
	// OK is false when the raw value is outside the valid range, outside
	// the calibration table, not a finite float, or an unknown state: the
	// value is kept raw only.
	OK bool
}

// Int returns a signed field's raw value.
func (v *Value) Int() int64 { return int64(v.Raw) }

// Decoded is a decoded packet. Reuse one across calls: Decode allocates
// nothing once Values has grown to the largest packet.
type Decoded struct {
	Packet  *Packet // nil: the APID is not in the dictionary
	APID    uint16
	Values  []Value
	Short   bool // the data ended before the last field: those are missing
	Invalid int  // values not OK
}

// Decode decodes the user data of a packet with apid into out.
func (d *Dictionary) Decode(apid uint16, data []byte, out *Decoded) {
	out.APID, out.Values, out.Short, out.Invalid = apid, out.Values[:0], false, 0
	out.Packet = d.Packet(apid)
	p := out.Packet
	if p == nil {
		return
	}
	if len(data) < p.need {
		out.Short = true
	}
	for _, f := range p.Fields {
		if f.end > len(data) {
			continue
		}
		out.Values = append(out.Values, Value{Field: f})
		v := &out.Values[len(out.Values)-1]
		f.decode(data, v)
		if !v.OK {
			out.Invalid++
		}
	}
}

// ModeState returns the state name of the packet's mode field ("" none).
func (out *Decoded) ModeState() string {
	if out.Packet == nil || out.Packet.ModeField == nil {
		return ""
	}
	for i := range out.Values {
		if out.Values[i].Field == out.Packet.ModeField {
			return out.Values[i].State
		}
	}
	return ""
}

func (f *Field) decode(data []byte, v *Value) {
	if f.Kind == String {
		s := data[f.Offset : f.Offset+f.Bits/8]
		for len(s) > 0 && s[len(s)-1] == 0 {
			s = s[:len(s)-1]
		}
		v.Str, v.OK = s, true
		return
	}
	raw := f.bits(data)
	v.Raw = raw
	var x float64
	switch f.Kind {
	case Unsigned:
		x = float64(raw)
	case Signed:
		if f.Bits < 64 {
			shift := 64 - f.Bits
			raw = uint64(int64(raw<<shift) >> shift)
			v.Raw = raw
		}
		x = float64(int64(raw))
	case Float:
		if f.Bits == 32 {
			x = float64(math.Float32frombits(uint32(raw)))
		} else {
			x = math.Float64frombits(raw)
		}
		if math.IsNaN(x) || math.IsInf(x, 0) {
			v.Num, v.OK = 0, false
			return
		}
	}
	v.OK = true
	if f.Valid != nil && (x < f.Valid.Lo || x > f.Valid.Hi) {
		v.OK = false
	}
	if f.States != nil {
		s, ok := f.States[int64(raw)]
		v.State = s
		v.OK = v.OK && ok
	}
	switch {
	case len(f.Poly) > 0:
		y, p := 0.0, f.Poly
		for i := len(p) - 1; i >= 0; i-- {
			y = y*x + p[i]
		}
		x = y
		if math.IsNaN(x) || math.IsInf(x, 0) {
			v.OK = false
			x = 0
		}
	case len(f.Table) > 0:
		y, ok := interpolate(f.Table, x)
		if !ok {
			v.OK = false
		}
		x = y
	}
	v.Num = x
}

// bits extracts the field's raw bits.
func (f *Field) bits(data []byte) uint64 {
	b := data[f.Offset:]
	if f.Bit == 0 {
		switch f.Bits {
		case 8:
			return uint64(b[0])
		case 16:
			if f.Little {
				return uint64(binary.LittleEndian.Uint16(b))
			}
			return uint64(binary.BigEndian.Uint16(b))
		case 32:
			if f.Little {
				return uint64(binary.LittleEndian.Uint32(b))
			}
			return uint64(binary.BigEndian.Uint32(b))
		case 64:
			if f.Little {
				return binary.LittleEndian.Uint64(b)
			}
			return binary.BigEndian.Uint64(b)
		}
	}
	n := (f.Bit + f.Bits + 7) / 8
	if f.Little {
		var v uint64
		for i := n - 1; i >= 0; i-- {
			v = v<<8 | uint64(b[i])
		}
		return v
	}
	// big-endian bit field: take the bytes it spans (at most 9), MSB first
	var hi, lo uint64 // 128-bit accumulator
	for i := 0; i < n; i++ {
		hi = hi<<8 | lo>>56
		lo = lo<<8 | uint64(b[i])
	}
	drop := uint(n*8 - f.Bit - f.Bits) // bits after the field in the last byte
	v := lo>>drop | hi<<(64-drop)
	if drop == 0 {
		v = lo
	}
	if f.Bits < 64 {
		v &= 1<<f.Bits - 1
	}
	return v
}

// interpolate looks raw up in a calibration table (linear between rows);
// outside the table it reports false.
func interpolate(t [][2]float64, x float64) (float64, bool) {
	if x < t[0][0] || x > t[len(t)-1][0] {
		return 0, false
	}
	i := sort.Search(len(t), func(i int) bool { return t[i][0] >= x })
	if t[i][0] == x {
		return t[i][1], true
	}
	a, b := t[i-1], t[i]
	return a[1] + (x-a[0])*(b[1]-a[1])/(b[0]-a[0]), true
}

// Severity of a limit violation.
type Severity uint8

const (
	Nominal Severity = iota
	Yellow
	Red
)

func (s Severity) String() string {
	return [...]string{"nominal", "yellow", "red"}[s]
}

// LimitsIn returns the limits in force while the packet's mode is mode.
func (f *Field) LimitsIn(mode string) Limits {
	if m, ok := f.ByMode[mode]; ok && mode != "" {
		return m
	}
	return f.Limits
}

// Check returns the severity of a value under the limits that apply in
// mode (the packet's mode state, "" none).
func (f *Field) Check(v float64, mode string) (Severity, Range) {
	l := f.LimitsIn(mode)
	if l.Red != nil && (v < l.Red.Lo || v > l.Red.Hi) {
		return Red, *l.Red
	}
	if l.Yellow != nil && (v < l.Yellow.Lo || v > l.Yellow.Hi) {
		return Yellow, *l.Yellow
	}
	return Nominal, Range{}
}
