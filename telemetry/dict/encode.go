package dict

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Encode writes a packet's user data from values by field name: numbers
// are calibrated values (the calibration is inverted: polynomials of
// degree one, and tables), states are given by name. Fields without a
// value are zero. It is how the emulator flies a bus it knows only by
// its dictionary.
func (p *Packet) Encode(nums map[string]float64, states map[string]string) ([]byte, error) {
	b := make([]byte, p.need)
	for _, f := range p.Fields {
		var raw float64
		switch {
		case f.States != nil && states[f.Name] != "":
			found := false
			for k, v := range f.States {
				if v == states[f.Name] {
					raw, found = float64(k), true
				}
			}
			if !found {
				return nil, fmt.Errorf("%s.%s: no state %q", p.Name, f.Name, states[f.Name])
			}
		case f.Kind == String:
			continue
		default:
			v, ok := nums[f.Name]
			if !ok {
				continue
			}
			var err error
			if raw, err = f.uncalibrate(v); err != nil {
				return nil, fmt.Errorf("%s.%s: %w", p.Name, f.Name, err)
			}
		}
		f.put(b, raw)
	}
	return b, nil
}

// uncalibrate turns a calibrated value back into its raw one.
func (f *Field) uncalibrate(v float64) (float64, error) {
	switch {
	case len(f.Poly) > 2 && f.Poly[2] != 0:
		return 0, fmt.Errorf("a polynomial of degree %d is not inverted", len(f.Poly)-1)
	case len(f.Poly) >= 2:
		if f.Poly[1] == 0 {
			return 0, fmt.Errorf("a constant calibration is not inverted")
		}
		v = (v - f.Poly[0]) / f.Poly[1]
	case len(f.Poly) == 1:
		v -= f.Poly[0]
	case len(f.Table) >= 2:
		t := f.Table
		for i := 1; i < len(t); i++ {
			a, b := t[i-1], t[i]
			lo, hi := math.Min(a[1], b[1]), math.Max(a[1], b[1])
			if v >= lo && v <= hi && a[1] != b[1] {
				v = a[0] + (v-a[1])*(b[0]-a[0])/(b[1]-a[1])
				break
			}
			if i == len(t)-1 {
				return 0, fmt.Errorf("%g is outside the calibration table", v)
			}
		}
	}
	if f.Kind != Float {
		v = math.Round(v)
	}
	return v, nil
}

// put writes raw into the field's bits.
func (f *Field) put(b []byte, raw float64) {
	if f.Kind == Float {
		s := b[f.Offset : f.Offset+f.Bits/8]
		var order binary.ByteOrder = binary.BigEndian
		if f.Little {
			order = binary.LittleEndian
		}
		if f.Bits == 32 {
			order.PutUint32(s, math.Float32bits(float32(raw)))
		} else {
			order.PutUint64(s, math.Float64bits(raw))
		}
		return
	}
	// Clamp to the field's width.
	var u uint64
	if f.Kind == Signed {
		lo, hi := -math.Ldexp(1, f.Bits-1), math.Ldexp(1, f.Bits-1)-1
		u = uint64(int64(math.Max(lo, math.Min(hi, raw))))
	} else {
		hi := math.Ldexp(1, f.Bits) - 1
		u = uint64(math.Max(0, math.Min(hi, raw)))
	}
	if f.Bits < 64 {
		u &= 1<<f.Bits - 1
	}
	if f.Little {
		for i := 0; i < f.Bits/8; i++ {
			b[f.Offset+i] = byte(u >> (8 * i))
		}
		return
	}
	// Big-endian bits from bit f.Bit of byte f.Offset.
	for i := 0; i < f.Bits; i++ {
		bit := (u >> (f.Bits - 1 - i)) & 1
		pos := f.Bit + i
		idx := f.Offset + pos/8
		mask := byte(0x80 >> (pos % 8))
		if bit != 0 {
			b[idx] |= mask
		} else {
			b[idx] &^= mask
		}
	}
}
