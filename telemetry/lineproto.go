// Package telemetry turns downlinked packets into stored, checked values:
// it decodes them with the dictionary, evaluates limits as values arrive,
// writes every point to a durable local spool first and ships the spool to
// InfluxDB in order, removing points only once InfluxDB acknowledged them.
package telemetry

import (
	"encoding/hex"
	"math"
	"strconv"
	"time"

	"github.com/ipgs/ipgs/telemetry/dict"
)

// Packet is one downlinked packet.
type Packet struct {
	Sat     int
	Station string
	APID    uint16
	Onboard time.Time // onboard time (secondary header); zero: unknown
	Ground  time.Time // ground receive time
	Data    []byte    // the user data field
}

// Measurement names for what is not a dictionary packet.
const (
	UnknownMeasurement = "unknown_apid" // APIDs the dictionary lacks, kept as hex
	AlarmMeasurement   = "alarm"
)

// AppendPoint appends the InfluxDB line protocol of a decoded packet: one
// point in the packet's measurement, tagged apid, sat and station (sorted,
// as InfluxDB prefers), with the calibrated values as fields and the
// onboard time (the ground time when unknown) as its timestamp. Values
// that are not OK are kept raw (name_raw) instead of calibrated; enumerated
// fields store the state name and name_raw; a packet the dictionary does
// not know is kept whole as hex.
func AppendPoint(b []byte, d *dict.Decoded, p *Packet) []byte {
	if d.Packet == nil {
		b = append(b, UnknownMeasurement...)
	} else {
		b = appendEscaped(b, d.Packet.Measurement, escMeasurement)
	}
	b = append(b, ",apid="...)
	b = strconv.AppendUint(b, uint64(p.APID), 10)
	b = append(b, ",sat="...)
	b = strconv.AppendInt(b, int64(p.Sat), 10)
	if p.Station != "" {
		b = append(b, ",station="...)
		b = appendEscaped(b, p.Station, escTag)
	}
	b = append(b, ' ')
	n := 0
	sep := func() {
		if n > 0 {
			b = append(b, ',')
		}
		n++
	}
	if d.Packet == nil {
		sep()
		b = append(b, `data="`...)
		b = hex.AppendEncode(b, p.Data)
		b = append(b, '"')
	}
	for i := range d.Values {
		v := &d.Values[i]
		f := v.Field
		switch {
		case f.Kind == dict.String:
			sep()
			b = appendEscaped(b, f.Name, escTag)
			b = append(b, `="`...)
			b = appendEscaped(b, string(v.Str), escString)
			b = append(b, '"')
		case f.States != nil:
			if v.State != "" {
				sep()
				b = appendEscaped(b, f.Name, escTag)
				b = append(b, `="`...)
				b = appendEscaped(b, v.State, escString)
				b = append(b, '"')
			}
			sep()
			b = appendRaw(b, v)
		case !v.OK:
			sep()
			b = appendRaw(b, v)
		case f.Kind == dict.Float || f.Calibrated():
			sep()
			b = appendEscaped(b, f.Name, escTag)
			b = append(b, '=')
			// 15 significant digits: what a float64 carries, without the
			// noise of a calibration's arithmetic (7.0120000000000005)
			x, _ := strconv.ParseFloat(strconv.FormatFloat(v.Num, 'g', 15, 64), 64)
			b = strconv.AppendFloat(b, x, 'g', -1, 64)
			if !hasDotOrExp(x) {
				// keep the field a float in InfluxDB even when the value is whole
				b = append(b, ".0"...)
			}
		default:
			sep()
			b = appendEscaped(b, f.Name, escTag)
			b = append(b, '=')
			b = appendInt(b, v)
		}
	}
	if d.Short {
		sep()
		b = append(b, "short=true"...)
	}
	if !p.Ground.IsZero() && !p.Onboard.IsZero() {
		sep()
		b = append(b, "delay_s="...)
		b = strconv.AppendFloat(b, p.Ground.Sub(p.Onboard).Seconds(), 'f', 3, 64)
	}
	if n == 0 {
		b = append(b, "empty=true"...)
	}
	t := p.Onboard
	if t.IsZero() {
		t = p.Ground
	}
	b = append(b, ' ')
	b = strconv.AppendInt(b, t.UnixNano(), 10)
	return append(b, '\n')
}

func hasDotOrExp(x float64) bool {
	return x != math.Trunc(x) || math.Abs(x) >= 1e21
}

func appendRaw(b []byte, v *dict.Value) []byte {
	b = appendEscaped(b, v.Field.Name, escTag)
	b = append(b, "_raw="...)
	return appendInt(b, v)
}

// appendInt writes a raw integer; unsigned values beyond int64 go as floats.
func appendInt(b []byte, v *dict.Value) []byte {
	if v.Field.Kind == dict.Signed {
		b = strconv.AppendInt(b, v.Int(), 10)
		return append(b, 'i')
	}
	if v.Raw > math.MaxInt64 {
		b = strconv.AppendFloat(b, float64(v.Raw), 'f', 1, 64)
		return b
	}
	b = strconv.AppendUint(b, v.Raw, 10)
	return append(b, 'i')
}

type escaping uint8

const (
	escMeasurement escaping = iota // commas and spaces
	escTag                         // commas, equals signs and spaces (also field keys)
	escString                      // double quotes and backslashes
)

// appendEscaped escapes s for its place in a line; newlines, which line
// protocol cannot carry, become spaces.
func appendEscaped(b []byte, s string, e escaping) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\n' || c == '\r':
			if e == escString {
				b = append(b, ' ')
				continue
			}
			b = append(b, '\\', ' ')
			continue
		case e == escString && (c == '"' || c == '\\'):
			b = append(b, '\\')
		case e != escString && (c == ',' || c == ' ' || (e == escTag && c == '=')):
			b = append(b, '\\')
		case e != escString && c == '\\' && i == len(s)-1:
			b = append(b, '\\') // a trailing backslash would escape the separator
		}
		b = append(b, c)
	}
	return b
}
