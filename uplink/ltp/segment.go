// Package ltp is the Licklider Transmission Protocol (RFC 5326), the
// convergence layer for links whose round trip is minutes: a block is
// sent as data segments, the last of its red (reliable) part a checkpoint;
// the receiver answers a checkpoint with a report of what it holds, the
// sender acknowledges the report and sends again what the report says is
// missing, with a new checkpoint, until the whole red part is claimed.
// Green data is sent once and never resent.
//
// This file is the segment format (RFC 5326 section 3); engine.go is the
// sessions.
package ltp

import (
	"fmt"

	"github.com/ipgs/ipgs/uplink/sdnv"
)

// Segment types (RFC 5326 section 3.1.1).
const (
	RedData      = 0  // red data, not a checkpoint
	RedCP        = 1  // red data, checkpoint
	RedCPEORP    = 2  // red data, checkpoint, end of red part
	RedCPEORPEOB = 3  // red data, checkpoint, end of red part, end of block
	GreenData    = 4  // green data
	GreenEOB     = 7  // green data, end of block
	Report       = 8  // report segment
	ReportAck    = 9  // report-acknowledgment segment
	CancelSender = 12 // cancel segment from the block sender
	CancelAckToS = 13 // cancel-acknowledgment segment to the block sender
	CancelRecv   = 14 // cancel segment from the block receiver
	CancelAckToR = 15 // cancel-acknowledgment segment to the block receiver
)

// Cancel reason codes (RFC 5326 section 3.2.4).
const (
	ReasonUserCancelled = 0
	ReasonUnreachable   = 1
	ReasonRLEXC         = 2 // retransmission limit exceeded
	ReasonMiscolored    = 3
	ReasonSystemCancel  = 4
	ReasonRXMTCycExc    = 5
)

// SessionID names a session: the engine that started it and its number
// there.
type SessionID struct {
	Engine, Number uint64
}

// Extension is a header or trailer extension: a tag and its value.
type Extension struct {
	Tag   byte
	Value []byte
}

// Claim is a reception claim of a report: Length bytes from Offset,
// relative to the report's lower bound.
type Claim struct {
	Offset, Length uint64
}

// Segment is one LTP segment. Which fields mean something depends on
// Type: data segments use Client..Data (and the serial numbers when a
// checkpoint), reports Serial, Checkpoint, Upper, Lower and Claims,
// report-acknowledgments Serial, cancels Reason.
type Segment struct {
	Type    byte
	Session SessionID
	Headers []Extension
	Trailer []Extension

	Client     uint64 // client service id
	Offset     uint64
	Data       []byte
	Checkpoint uint64 // checkpoint serial number (checkpoints, reports)
	Serial     uint64 // report serial number (checkpoints, reports, report-acks)

	Upper, Lower uint64
	Claims       []Claim

	Reason byte
}

// IsData reports whether t is a data segment type.
func IsData(t byte) bool { return t <= 7 && t != 5 && t != 6 }

// IsCheckpoint reports whether t is a red checkpoint.
func IsCheckpoint(t byte) bool { return t >= RedCP && t <= RedCPEORPEOB }

// IsRed reports whether t is red data.
func IsRed(t byte) bool { return t <= RedCPEORPEOB }

// Error is a segment that did not decode: what, and at which byte.
type Error struct {
	At  int
	Msg string
}

func (e *Error) Error() string { return fmt.Sprintf("ltp: segment byte %d: %s", e.At, e.Msg) }

// Append encodes s.
func (s *Segment) Append(b []byte) []byte {
	b = append(b, s.Type&0x0f) // version 0
	b = sdnv.Append(b, s.Session.Engine)
	b = sdnv.Append(b, s.Session.Number)
	b = append(b, byte(len(s.Headers))<<4|byte(len(s.Trailer))&0x0f)
	b = appendExt(b, s.Headers)
	switch {
	case IsData(s.Type):
		b = sdnv.Append(b, s.Client)
		b = sdnv.Append(b, s.Offset)
		b = sdnv.Append(b, uint64(len(s.Data)))
		if IsCheckpoint(s.Type) {
			b = sdnv.Append(b, s.Checkpoint)
			b = sdnv.Append(b, s.Serial)
		}
		b = append(b, s.Data...)
	case s.Type == Report:
		b = sdnv.Append(b, s.Serial)
		b = sdnv.Append(b, s.Checkpoint)
		b = sdnv.Append(b, s.Upper)
		b = sdnv.Append(b, s.Lower)
		b = sdnv.Append(b, uint64(len(s.Claims)))
		for _, c := range s.Claims {
			b = sdnv.Append(b, c.Offset)
			b = sdnv.Append(b, c.Length)
		}
	case s.Type == ReportAck:
		b = sdnv.Append(b, s.Serial)
	case s.Type == CancelSender || s.Type == CancelRecv:
		b = append(b, s.Reason)
	}
	return appendExt(b, s.Trailer)
}

func appendExt(b []byte, es []Extension) []byte {
	for _, e := range es {
		b = append(b, e.Tag)
		b = sdnv.Append(b, uint64(len(e.Value)))
		b = append(b, e.Value...)
	}
	return b
}

// maxClaims bounds a report's claim count before it is read: each takes
// at least two bytes.
const maxClaims = 1 << 16

// Decode parses one segment; Data and extension values alias b.
func Decode(b []byte) (*Segment, error) {
	d := decoder{b: b}
	if len(b) < 1 {
		return nil, &Error{0, "empty"}
	}
	if v := b[0] >> 4; v != 0 {
		return nil, &Error{0, fmt.Sprintf("version %d (this is LTP version 0)", v)}
	}
	s := &Segment{Type: b[0] & 0x0f}
	if s.Type == 5 || s.Type == 6 || s.Type == 10 || s.Type == 11 {
		return nil, &Error{0, fmt.Sprintf("undefined segment type %d", s.Type)}
	}
	d.i = 1
	s.Session.Engine = d.sdnv("session originator")
	s.Session.Number = d.sdnv("session number")
	counts := d.byte("extension counts")
	s.Headers = d.ext(int(counts>>4), "header extension")
	switch {
	case IsData(s.Type):
		s.Client = d.sdnv("client service id")
		s.Offset = d.sdnv("offset")
		n := d.sdnv("length")
		if IsCheckpoint(s.Type) {
			s.Checkpoint = d.sdnv("checkpoint serial number")
			s.Serial = d.sdnv("report serial number")
		}
		if d.err == nil && n > uint64(len(b)-d.i) {
			d.fail(fmt.Sprintf("%d bytes of data, %d left", n, len(b)-d.i))
		}
		if d.err == nil {
			if n == 0 {
				d.fail("a data segment with no data")
			} else if s.Offset+n < s.Offset {
				d.fail("offset and length overflow")
			} else {
				s.Data = b[d.i : d.i+int(n)]
				d.i += int(n)
			}
		}
	case s.Type == Report:
		s.Serial = d.sdnv("report serial number")
		s.Checkpoint = d.sdnv("checkpoint serial number")
		s.Upper = d.sdnv("upper bound")
		s.Lower = d.sdnv("lower bound")
		n := d.sdnv("reception claim count")
		if d.err == nil && (n > maxClaims || n > uint64(len(b)-d.i)/2) {
			d.fail(fmt.Sprintf("%d reception claims in %d bytes", n, len(b)-d.i))
		}
		if d.err == nil && s.Upper < s.Lower {
			d.fail(fmt.Sprintf("upper bound %d below lower bound %d", s.Upper, s.Lower))
		}
		for range int(n) {
			if d.err != nil {
				break
			}
			c := Claim{Offset: d.sdnv("claim offset"), Length: d.sdnv("claim length")}
			if d.err == nil && (c.Length == 0 || c.Offset > s.Upper-s.Lower || c.Length > s.Upper-s.Lower-c.Offset) {
				d.fail(fmt.Sprintf("claim of %d bytes at %d outside the report's %d..%d", c.Length, c.Offset, s.Lower, s.Upper))
			}
			s.Claims = append(s.Claims, c)
		}
	case s.Type == ReportAck:
		s.Serial = d.sdnv("report serial number")
	case s.Type == CancelSender || s.Type == CancelRecv:
		s.Reason = d.byte("reason code")
	}
	s.Trailer = d.ext(int(counts&0x0f), "trailer extension")
	if d.err != nil {
		return nil, d.err
	}
	if d.i != len(b) {
		return nil, &Error{d.i, fmt.Sprintf("%d bytes after the segment", len(b)-d.i)}
	}
	return s, nil
}

type decoder struct {
	b   []byte
	i   int
	err error
}

func (d *decoder) fail(msg string) {
	if d.err == nil {
		d.err = &Error{d.i, msg}
	}
}

func (d *decoder) sdnv(what string) uint64 {
	if d.err != nil {
		return 0
	}
	v, n, err := sdnv.Decode(d.b[d.i:])
	if err != nil {
		d.fail(what + ": " + err.Error())
		return 0
	}
	d.i += n
	return v
}

func (d *decoder) byte(what string) byte {
	if d.err != nil {
		return 0
	}
	if d.i >= len(d.b) {
		d.fail(what + ": the segment ends")
		return 0
	}
	d.i++
	return d.b[d.i-1]
}

func (d *decoder) ext(n int, what string) []Extension {
	var es []Extension
	for range n {
		tag := d.byte(what + " tag")
		l := d.sdnv(what + " length")
		if d.err != nil {
			return nil
		}
		if l > uint64(len(d.b)-d.i) {
			d.fail(fmt.Sprintf("%s of %d bytes, %d left", what, l, len(d.b)-d.i))
			return nil
		}
		es = append(es, Extension{Tag: tag, Value: d.b[d.i : d.i+int(l)]})
		d.i += int(l)
	}
	return es
}
