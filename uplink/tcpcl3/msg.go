// Package tcpcl3 is the TCP convergence layer, version 3 (RFC 7242),
// which NASA's ION speaks (its bpv7 build included): contact headers
// naming each end's endpoint, bundles sent as data segments and
// acknowledged as they arrive, refusals, keepalives and shutdown. ipgs
// speaks version 4 (package tcpcl) to its own stations and version 3 to a
// peer that has nothing newer. There is no TLS in version 3: name such a
// peer only on a network you trust.
package tcpcl3

import (
	"bufio"
	"errors"
	"fmt"
	"io"

	"github.com/ipgs/ipgs/uplink/sdnv"
)

// Version is the protocol version of the contact header.
const Version = 3

// Contact header flags (RFC 7242 section 4.1).
const (
	FlagAckSegments = 0x01 // request acknowledgement of bundle segments
	FlagReactive    = 0x02 // request enabling of reactive fragmentation
	FlagRefusal     = 0x04 // indicate support for bundle refusal
	FlagLength      = 0x08 // request sending of LENGTH messages
)

// Message types (RFC 7242 section 4.2), in a message's high four bits.
const (
	MsgDataSegment = 0x1
	MsgAckSegment  = 0x2
	MsgRefuse      = 0x3
	MsgKeepalive   = 0x4
	MsgShutdown    = 0x5
	MsgLength      = 0x6
)

// DATA_SEGMENT flags.
const (
	SegEnd   = 0x1
	SegStart = 0x2
)

// Refusal reasons (RFC 7242 section 5.4).
const (
	RefuseUnknown     = 0x0
	RefuseCompleted   = 0x1
	RefuseNoResources = 0x2
	RefuseRetransmit  = 0x3
)

// ContactHeader is one end's introduction.
type ContactHeader struct {
	Flags     uint8
	Keepalive uint16 // seconds; 0: none
	EID       string
}

// Append appends the header's encoding.
func (h *ContactHeader) Append(b []byte) []byte {
	b = append(b, 'd', 't', 'n', '!', Version, h.Flags, byte(h.Keepalive>>8), byte(h.Keepalive))
	b = AppendSDNV(b, uint64(len(h.EID)))
	return append(b, h.EID...)
}

// Error is a malformed message: what was wrong and at which byte of the
// session's input.
type Error struct {
	Offset int64
	Msg    string
}

func (e *Error) Error() string { return fmt.Sprintf("tcpcl3: byte %d: %s", e.Offset, e.Msg) }

// ErrVersion is a peer that speaks another version.
var ErrVersion = errors.New("tcpcl3: the peer speaks another TCPCL version")

// MaxEID bounds a contact header's endpoint id.
const MaxEID = 1024

// Msg is one message after the contact header.
type Msg struct {
	Type   uint8
	Flags  uint8
	Data   []byte // DATA_SEGMENT
	Value  uint64 // ACK_SEGMENT's acknowledged length, LENGTH's, SHUTDOWN's delay
	Reason uint8  // SHUTDOWN's, with its flag
}

// Append appends the message's encoding.
func (m *Msg) Append(b []byte) []byte {
	b = append(b, m.Type<<4|m.Flags&0xf)
	switch m.Type {
	case MsgDataSegment:
		b = AppendSDNV(b, uint64(len(m.Data)))
		b = append(b, m.Data...)
	case MsgAckSegment, MsgLength:
		b = AppendSDNV(b, m.Value)
	case MsgShutdown:
		if m.Flags&0x2 != 0 {
			b = append(b, m.Reason)
		}
		if m.Flags&0x1 != 0 {
			b = AppendSDNV(b, m.Value)
		}
	}
	return b
}

// Reader reads a session's input, counting bytes for errors.
type Reader struct {
	r      *bufio.Reader
	off    int64
	MaxSeg uint64 // the largest data segment taken
}

// NewReader reads from r.
func NewReader(r io.Reader, maxSeg uint64) *Reader {
	return &Reader{r: bufio.NewReaderSize(r, 64<<10), MaxSeg: maxSeg}
}

func (r *Reader) byte() (byte, error) {
	b, err := r.r.ReadByte()
	if err == nil {
		r.off++
	}
	return b, err
}

func (r *Reader) sdnv() (uint64, error) {
	at := r.off
	var v uint64
	for i := 0; ; i++ {
		b, err := r.byte()
		if err != nil {
			return 0, err
		}
		if i == 9 || v>>57 != 0 {
			return 0, &Error{at, "an SDNV longer than 64 bits"}
		}
		v = v<<7 | uint64(b&0x7f)
		if b&0x80 == 0 {
			return v, nil
		}
	}
}

// ContactHeader reads the peer's contact header.
func (r *Reader) ContactHeader() (*ContactHeader, error) {
	var fixed [8]byte
	n, err := io.ReadFull(r.r, fixed[:5]) // the magic and the version, as every version starts
	r.off += int64(n)
	if err != nil {
		return nil, err
	}
	if string(fixed[:4]) != "dtn!" {
		return nil, &Error{0, fmt.Sprintf("magic %q, not \"dtn!\"", fixed[:4])}
	}
	if fixed[4] != Version {
		return nil, fmt.Errorf("%w (%d)", ErrVersion, fixed[4])
	}
	n, err = io.ReadFull(r.r, fixed[5:])
	r.off += int64(n)
	if err != nil {
		return nil, err
	}
	h := &ContactHeader{Flags: fixed[5], Keepalive: uint16(fixed[6])<<8 | uint16(fixed[7])}
	at := r.off
	l, err := r.sdnv()
	if err != nil {
		return nil, err
	}
	if l > MaxEID {
		return nil, &Error{at, fmt.Sprintf("an endpoint id of %d bytes (at most %d)", l, MaxEID)}
	}
	eid := make([]byte, l)
	n, err = io.ReadFull(r.r, eid)
	r.off += int64(n)
	if err != nil {
		return nil, err
	}
	h.EID = string(eid)
	return h, nil
}

// Next reads the next message.
func (r *Reader) Next() (*Msg, error) {
	at := r.off
	b, err := r.byte()
	if err != nil {
		return nil, err
	}
	m := &Msg{Type: b >> 4, Flags: b & 0xf}
	switch m.Type {
	case MsgDataSegment:
		l, err := r.sdnv()
		if err != nil {
			return nil, err
		}
		if l > r.MaxSeg {
			return nil, &Error{at, fmt.Sprintf("a %d-byte data segment (at most %d)", l, r.MaxSeg)}
		}
		m.Data = make([]byte, l)
		n, err := io.ReadFull(r.r, m.Data)
		r.off += int64(n)
		if err != nil {
			return nil, err
		}
	case MsgAckSegment, MsgLength:
		if m.Value, err = r.sdnv(); err != nil {
			return nil, err
		}
	case MsgRefuse, MsgKeepalive:
	case MsgShutdown:
		if m.Flags&0x2 != 0 {
			if m.Reason, err = r.byte(); err != nil {
				return nil, err
			}
		}
		if m.Flags&0x1 != 0 {
			if m.Value, err = r.sdnv(); err != nil {
				return nil, err
			}
		}
	default:
		return nil, &Error{at, fmt.Sprintf("message type %#x", m.Type)}
	}
	return m, nil
}

// AppendSDNV appends v as a self-delimiting numeric value (RFC 6256).
func AppendSDNV(b []byte, v uint64) []byte { return sdnv.Append(b, v) }
