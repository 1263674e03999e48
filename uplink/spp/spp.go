// Package spp encodes and decodes CCSDS Space Packets (CCSDS 133.0-B-2)
// with ipgs's secondary header: the onboard time as a CCSDS unsegmented
// time code (CUC), 4 bytes of seconds since 2000-01-01T00:00:00Z and 2
// bytes of 1/65536 s.
package spp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"
)

// Type is the packet type bit.
type Type uint8

// Packet types.
const (
	TM Type = 0 // telemetry
	TC Type = 1 // telecommand
)

// Sequence flags.
const (
	SeqContinuation = 0
	SeqFirst        = 1
	SeqLast         = 2
	SeqUnsegmented  = 3
)

// Sizes.
const (
	PrimaryHeaderLen   = 6
	SecondaryHeaderLen = 6
	MaxPacketLen       = PrimaryHeaderLen + 65536
	MaxAPID            = 0x7FF // 0x7FF is the idle packet
	MaxSeq             = 0x3FFF
)

// Epoch is the onboard time origin.
var Epoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// Packet is a space packet.
type Packet struct {
	Type     Type
	APID     uint16 // 0-2047
	SeqFlags uint8  // SeqUnsegmented for whole packets
	Seq      uint16 // 14-bit sequence count
	// Time is the onboard time of the secondary header; the zero time means
	// the packet has no secondary header.
	Time time.Time
	Data []byte // user data field
}

// Encode appends the packet's bytes to dst.
func (p *Packet) Encode(dst []byte) ([]byte, error) {
	if p.APID > MaxAPID {
		return nil, fmt.Errorf("spp: APID %d is over %d", p.APID, MaxAPID)
	}
	if p.Seq > MaxSeq {
		return nil, fmt.Errorf("spp: sequence count %d is over %d", p.Seq, MaxSeq)
	}
	n := len(p.Data)
	shf := !p.Time.IsZero()
	if shf {
		n += SecondaryHeaderLen
	}
	if n == 0 {
		return nil, errors.New("spp: a packet needs at least one byte of data field")
	}
	if n > 65536 {
		return nil, fmt.Errorf("spp: data field of %d bytes is over 65536", n)
	}
	h := uint16(p.Type&1)<<12 | p.APID
	if shf {
		h |= 1 << 11
	}
	flags := p.SeqFlags
	if flags == 0 && p.SeqFlags == 0 {
		flags = SeqUnsegmented
	}
	dst = binary.BigEndian.AppendUint16(dst, h)
	dst = binary.BigEndian.AppendUint16(dst, uint16(flags&3)<<14|p.Seq)
	dst = binary.BigEndian.AppendUint16(dst, uint16(n-1))
	if shf {
		sec, frac := CUC(p.Time)
		dst = binary.BigEndian.AppendUint32(dst, sec)
		dst = binary.BigEndian.AppendUint16(dst, frac)
	}
	return append(dst, p.Data...), nil
}

// CUC returns t as whole seconds since Epoch and 1/65536 s.
func CUC(t time.Time) (uint32, uint16) {
	d := t.Sub(Epoch)
	if d < 0 {
		return 0, 0
	}
	sec := d / time.Second
	frac := (d % time.Second) * 65536 / time.Second
	if sec > math.MaxUint32 {
		return math.MaxUint32, 0
	}
	return uint32(sec), uint16(frac)
}

// CheckCUC reports whether t can be carried as a CUC time: from Epoch to
// 2^32 s later (2136-02-07T06:28:15Z); an error names the range.
func CheckCUC(t time.Time) error {
	last := FromCUC(math.MaxUint32, 0)
	if t.Before(Epoch) || t.After(last) {
		return fmt.Errorf("%s is outside the onboard time code's range %s to %s", t.UTC().Format(time.RFC3339), Epoch.Format(time.RFC3339), last.Format(time.RFC3339))
	}
	return nil
}

// FromCUC is the inverse of CUC.
func FromCUC(sec uint32, frac uint16) time.Time {
	return Epoch.Add(time.Duration(sec)*time.Second + time.Duration(frac)*time.Second/65536)
}

// Decode errors, inside *Error.
var (
	ErrShort   = errors.New("shorter than its header says")
	ErrVersion = errors.New("version is not 0")
)

// Error is a packet that did not decode.
type Error struct {
	Field string
	Err   error
	Info  string
}

func (e *Error) Error() string {
	s := "spp: " + e.Field + ": " + e.Err.Error()
	if e.Info != "" {
		s += " (" + e.Info + ")"
	}
	return s
}
func (e *Error) Unwrap() error { return e.Err }

// Decode parses one packet at the start of b and returns it and the bytes
// after it. The data field aliases b.
func Decode(b []byte) (*Packet, []byte, error) {
	if len(b) < PrimaryHeaderLen {
		return nil, b, &Error{"primary header", ErrShort, fmt.Sprintf("%d of 6 bytes", len(b))}
	}
	h := binary.BigEndian.Uint16(b[0:2])
	if h>>13 != 0 {
		return nil, b, &Error{"version", ErrVersion, fmt.Sprintf("%d", h>>13)}
	}
	s := binary.BigEndian.Uint16(b[2:4])
	n := int(binary.BigEndian.Uint16(b[4:6])) + 1
	if len(b) < PrimaryHeaderLen+n {
		return nil, b, &Error{"data field", ErrShort, fmt.Sprintf("header says %d bytes, %d present", n, len(b)-PrimaryHeaderLen)}
	}
	p := &Packet{Type: Type(h >> 12 & 1), APID: h & 0x7FF, SeqFlags: uint8(s >> 14), Seq: s & 0x3FFF}
	data := b[PrimaryHeaderLen : PrimaryHeaderLen+n]
	if h&(1<<11) != 0 {
		if n < SecondaryHeaderLen {
			return nil, b, &Error{"secondary header", ErrShort, fmt.Sprintf("%d of 6 bytes", n)}
		}
		p.Time = FromCUC(binary.BigEndian.Uint32(data[0:4]), binary.BigEndian.Uint16(data[4:6]))
		data = data[SecondaryHeaderLen:]
	}
	p.Data = data
	return p, b[PrimaryHeaderLen+n:], nil
}
