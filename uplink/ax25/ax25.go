// Package ax25 encodes and decodes AX.25 (v2.2) UI frames: destination,
// source and digipeater addresses, control 0x03, PID and information
// field, with the CRC-16/X.25 frame check sequence when the link carries it
// (KISS TNCs strip it; ipgs's emulator link keeps it to catch bit errors).
package ax25

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Address is a callsign and SSID.
type Address struct {
	Call string // 1-6 characters A-Z, 0-9
	SSID uint8  // 0-15
	// H is the has-been-repeated bit (digipeaters) or the command/response
	// bit (destination and source).
	H bool
}

// ParseAddress reads "CALL" or "CALL-SSID".
func ParseAddress(s string) (Address, error) {
	call, ssid, found := strings.Cut(strings.ToUpper(strings.TrimSpace(s)), "-")
	a := Address{Call: call}
	if found {
		n, err := strconv.Atoi(ssid)
		if err != nil || n < 0 || n > 15 {
			return a, fmt.Errorf("ax25: address %q: SSID must be 0-15", s)
		}
		a.SSID = uint8(n)
	}
	if err := a.check(); err != nil {
		return a, err
	}
	return a, nil
}

// MustAddress is ParseAddress for constants; it panics on a bad address.
func MustAddress(s string) Address {
	a, err := ParseAddress(s)
	if err != nil {
		panic(err)
	}
	return a
}

func (a Address) check() error {
	if len(a.Call) < 1 || len(a.Call) > 6 {
		return fmt.Errorf("ax25: callsign %q must be 1-6 characters", a.Call)
	}
	for i := 0; i < len(a.Call); i++ {
		c := a.Call[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return fmt.Errorf("ax25: callsign %q: %q is not A-Z or 0-9", a.Call, c)
		}
	}
	if a.SSID > 15 {
		return fmt.Errorf("ax25: SSID %d is over 15", a.SSID)
	}
	return nil
}

func (a Address) String() string {
	if a.SSID == 0 {
		return a.Call
	}
	return fmt.Sprintf("%s-%d", a.Call, a.SSID)
}

// Frame is a UI frame.
type Frame struct {
	Dst, Src Address
	Path     []Address // digipeaters, at most 8
	PID      uint8     // 0xF0: no layer 3
	Info     []byte
}

// Control and PID values.
const (
	ControlUI = 0x03
	PIDNone   = 0xF0
	MaxInfo   = 2048
)

// Encode returns the frame's bytes, with the FCS appended when fcs is set.
func (f *Frame) Encode(fcs bool) ([]byte, error) {
	if len(f.Path) > 8 {
		return nil, errors.New("ax25: more than 8 digipeaters")
	}
	if len(f.Info) > MaxInfo {
		return nil, fmt.Errorf("ax25: information field of %d bytes is over %d", len(f.Info), MaxInfo)
	}
	addrs := append([]Address{f.Dst, f.Src}, f.Path...)
	b := make([]byte, 0, 7*len(addrs)+2+len(f.Info)+2)
	for i, a := range addrs {
		if err := a.check(); err != nil {
			return nil, err
		}
		call := a.Call + strings.Repeat(" ", 6-len(a.Call))
		for j := 0; j < 6; j++ {
			b = append(b, call[j]<<1)
		}
		ssid := 0x60 | a.SSID<<1 // reserved bits set
		switch {
		case i == 0: // destination: C bit set for a command frame
			ssid |= 0x80
		case i >= 2 && a.H:
			ssid |= 0x80
		}
		if i == len(addrs)-1 {
			ssid |= 0x01 // end of addresses
		}
		b = append(b, ssid)
	}
	pid := f.PID
	if pid == 0 {
		pid = PIDNone
	}
	b = append(b, ControlUI, pid)
	b = append(b, f.Info...)
	if fcs {
		c := FCS(b)
		b = append(b, byte(c), byte(c>>8))
	}
	return b, nil
}

// FCS is the AX.25 frame check sequence: CRC-16/X.25 (reflected 0x1021,
// init and final XOR 0xFFFF), sent low byte first.
func FCS(b []byte) uint16 {
	crc := uint16(0xFFFF)
	for _, x := range b {
		crc = crc>>8 ^ crcTable[byte(crc)^x]
	}
	return ^crc
}

var crcTable = func() (t [256]uint16) {
	for i := range t {
		c := uint16(i)
		for range 8 {
			if c&1 != 0 {
				c = c>>1 ^ 0x8408
			} else {
				c >>= 1
			}
		}
		t[i] = c
	}
	return t
}()

// Decode errors, wrapped in *Error.
var (
	ErrShort      = errors.New("too short")
	ErrFCS        = errors.New("frame check sequence mismatch")
	ErrAddress    = errors.New("bad address field")
	ErrNotUI      = errors.New("not a UI frame")
	ErrTooManyDig = errors.New("more than 8 digipeaters")
)

// Error is a frame that did not decode.
type Error struct {
	Offset int // byte where the problem is
	Err    error
	Detail string
}

func (e *Error) Error() string {
	s := fmt.Sprintf("ax25: byte %d: %v", e.Offset, e.Err)
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}
func (e *Error) Unwrap() error { return e.Err }

// Decode parses a UI frame; with fcs the last two bytes are the FCS and
// are checked.
func Decode(b []byte, fcs bool) (*Frame, error) {
	if fcs {
		if len(b) < 2 {
			return nil, &Error{0, ErrShort, fmt.Sprintf("%d bytes", len(b))}
		}
		body := b[:len(b)-2]
		got := uint16(b[len(b)-2]) | uint16(b[len(b)-1])<<8
		if want := FCS(body); got != want {
			return nil, &Error{len(b) - 2, ErrFCS, fmt.Sprintf("frame says %04x, content gives %04x", got, want)}
		}
		b = body
	}
	if len(b) < 16 {
		return nil, &Error{0, ErrShort, fmt.Sprintf("%d bytes, a UI frame has at least 16", len(b))}
	}
	var addrs []Address
	i := 0
	for {
		if i+7 > len(b) {
			return nil, &Error{i, ErrAddress, "address field not terminated"}
		}
		a, err := decodeAddress(b[i : i+7])
		if err != nil {
			return nil, &Error{i, ErrAddress, err.Error()}
		}
		addrs = append(addrs, a)
		last := b[i+6]&1 == 1
		i += 7
		if last {
			break
		}
		if len(addrs) == 10 {
			return nil, &Error{i, ErrTooManyDig, ""}
		}
	}
	if len(addrs) < 2 {
		return nil, &Error{0, ErrAddress, "fewer than two addresses"}
	}
	if i+2 > len(b) {
		return nil, &Error{i, ErrShort, "no control and PID"}
	}
	if b[i]&^0x10 != ControlUI { // P/F bit may be set
		return nil, &Error{i, ErrNotUI, fmt.Sprintf("control %02x", b[i])}
	}
	f := &Frame{Dst: addrs[0], Src: addrs[1], Path: addrs[2:], PID: b[i+1]}
	if len(b)-(i+2) > MaxInfo {
		return nil, &Error{i + 2, ErrShort, "information field over the limit"}
	}
	f.Info = append([]byte(nil), b[i+2:]...)
	return f, nil
}

func decodeAddress(b []byte) (Address, error) {
	var call []byte
	for j := 0; j < 6; j++ {
		if b[j]&1 != 0 {
			return Address{}, fmt.Errorf("character %d has the extension bit set", j+1)
		}
		c := b[j] >> 1
		if c == ' ' {
			for k := j + 1; k < 6; k++ {
				if b[k]>>1 != ' ' {
					return Address{}, fmt.Errorf("space inside the callsign")
				}
			}
			break
		}
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return Address{}, fmt.Errorf("character %d is %q", j+1, c)
		}
		call = append(call, c)
	}
	if len(call) == 0 {
		return Address{}, fmt.Errorf("empty callsign")
	}
	return Address{Call: string(call), SSID: (b[6] >> 1) & 0x0F, H: b[6]&0x80 != 0}, nil
}

// String formats the frame as a TNC2 monitor line: SRC>DST[,PATH]:INFO,
// with non-printable bytes of the information field as <0xNN>.
func (f *Frame) String() string {
	var sb strings.Builder
	sb.WriteString(f.Src.String() + ">" + f.Dst.String())
	for _, p := range f.Path {
		sb.WriteString("," + p.String())
		if p.H {
			sb.WriteByte('*')
		}
	}
	sb.WriteByte(':')
	for _, c := range f.Info {
		if c >= 0x20 && c < 0x7F {
			sb.WriteByte(c)
		} else {
			fmt.Fprintf(&sb, "<0x%02x>", c)
		}
	}
	return sb.String()
}

// Plausible reports whether b starts with a well-formed address field:
// two to ten addresses of upper-case letters and digits, space-padded,
// the last one marked. A repaired frame must pass it as well as its FCS.
func Plausible(b []byte) bool {
	for i := 0; i+7 <= len(b) && i < 70; i += 7 {
		if _, err := decodeAddress(b[i : i+7]); err != nil {
			return false
		}
		if b[i+6]&1 == 1 {
			return i >= 7
		}
	}
	return false
}

// AddressOr parses call, or fallback when call is empty or not a valid
// address (a mission's callsign, defaulted).
func AddressOr(call, fallback string) Address {
	if a, err := ParseAddress(call); err == nil && call != "" {
		return a
	}
	return MustAddress(fallback)
}
