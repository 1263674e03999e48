// Package tcpcl is the TCP convergence layer, version 4 (RFC 9174), that
// ground nodes use to pass bundles to each other over the terrestrial
// network: contact headers, TLS 1.3 (Go's default key exchange, the
// hybrid X25519MLKEM768), session negotiation, keepalive, transfers cut
// into segments and acknowledged as they arrive, refusals with their
// reason codes, and an orderly session termination.
//
// A transfer is acknowledged in full only once the receiver's Receive
// callback returned nil, which the bundle agent does after its store
// committed the bundle: the sender may then forget it.
package tcpcl

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
)

// Message types (RFC 9174 section 9.4).
const (
	MsgXferSegment = 0x01
	MsgXferAck     = 0x02
	MsgXferRefuse  = 0x03
	MsgKeepalive   = 0x04
	MsgSessTerm    = 0x05
	MsgReject      = 0x06
	MsgSessInit    = 0x07
)

// XFER_SEGMENT and XFER_ACK flags.
const (
	FlagEnd   = 0x01
	FlagStart = 0x02
)

// SESS_TERM flag.
const FlagReply = 0x01

// Reason is an XFER_REFUSE reason code (RFC 9174 section 5.2.4).
type Reason uint8

// Transfer refusal reasons.
const (
	RefuseUnknown       Reason = 0x00
	RefuseCompleted     Reason = 0x01 // the receiver already holds the bundle
	RefuseNoResources   Reason = 0x02
	RefuseRetransmit    Reason = 0x03
	RefuseNotAcceptable Reason = 0x04
	RefuseExtension     Reason = 0x05
	RefuseTerminating   Reason = 0x06
)

func (r Reason) String() string {
	switch r {
	case RefuseCompleted:
		return "completed (already held)"
	case RefuseNoResources:
		return "no resources"
	case RefuseRetransmit:
		return "retransmit"
	case RefuseNotAcceptable:
		return "not acceptable"
	case RefuseExtension:
		return "extension failure"
	case RefuseTerminating:
		return "session terminating"
	}
	return fmt.Sprintf("unknown (%d)", uint8(r))
}

// TermReason is a SESS_TERM reason code (RFC 9174 section 6.1).
type TermReason uint8

// Session termination reasons.
const (
	TermUnknown         TermReason = 0x00
	TermIdleTimeout     TermReason = 0x01
	TermVersionMismatch TermReason = 0x02
	TermBusy            TermReason = 0x03
	TermContactFailure  TermReason = 0x04
	TermResources       TermReason = 0x05
)

func (r TermReason) String() string {
	switch r {
	case TermIdleTimeout:
		return "idle timeout"
	case TermVersionMismatch:
		return "version mismatch"
	case TermBusy:
		return "busy"
	case TermContactFailure:
		return "contact failure"
	case TermResources:
		return "resource exhaustion"
	}
	return fmt.Sprintf("unknown (%d)", uint8(r))
}

// MSG_REJECT reasons.
const (
	RejectTypeUnknown = 0x01
	RejectUnsupported = 0x02
	RejectUnexpected  = 0x03
)

// Extension item types and flags.
const (
	ExtTransferLength = 0x0001
	ExtCritical       = 0x01
)

// Error is input that did not decode: what, and at which byte of the
// stream.
type Error struct {
	What string
	At   int64
	Msg  string
}

func (e *Error) Error() string { return fmt.Sprintf("tcpcl: %s at byte %d: %s", e.What, e.At, e.Msg) }

// Ext is an extension item.
type Ext struct {
	Flags uint8
	Type  uint16
	Value []byte
}

// Msg is one decoded message; which fields mean something depends on
// Type.
type Msg struct {
	Type   uint8
	Flags  uint8
	ID     uint64 // transfer id
	Length uint64 // XFER_ACK: bytes acknowledged
	Data   []byte // XFER_SEGMENT data
	Exts   []Ext  // session or transfer extension items
	Reason uint8  // XFER_REFUSE, SESS_TERM, MSG_REJECT
	Header uint8  // MSG_REJECT: the rejected message type

	// SESS_INIT
	Keepalive   uint16
	SegmentMRU  uint64
	TransferMRU uint64
	NodeID      string
}

// Limits bound what a reader accepts before it allocates.
type Limits struct {
	Segment uint64 // largest XFER_SEGMENT data
	NodeID  int
	Exts    uint32 // bytes of extension items
}

// DefaultLimits are generous for bundles of governance and telemetry.
var DefaultLimits = Limits{Segment: 1 << 20, NodeID: 1024, Exts: 4096}

// Append encodes m.
func Append(b []byte, m *Msg) []byte {
	b = append(b, m.Type)
	switch m.Type {
	case MsgXferSegment:
		b = append(b, m.Flags)
		b = binary.BigEndian.AppendUint64(b, m.ID)
		if m.Flags&FlagStart != 0 {
			b = appendExts(b, m.Exts)
		}
		b = binary.BigEndian.AppendUint64(b, uint64(len(m.Data)))
		b = append(b, m.Data...)
	case MsgXferAck:
		b = append(b, m.Flags)
		b = binary.BigEndian.AppendUint64(b, m.ID)
		b = binary.BigEndian.AppendUint64(b, m.Length)
	case MsgXferRefuse:
		b = append(b, m.Reason)
		b = binary.BigEndian.AppendUint64(b, m.ID)
	case MsgSessTerm:
		b = append(b, m.Flags, m.Reason)
	case MsgReject:
		b = append(b, m.Reason, m.Header)
	case MsgSessInit:
		b = binary.BigEndian.AppendUint16(b, m.Keepalive)
		b = binary.BigEndian.AppendUint64(b, m.SegmentMRU)
		b = binary.BigEndian.AppendUint64(b, m.TransferMRU)
		b = binary.BigEndian.AppendUint16(b, uint16(len(m.NodeID)))
		b = append(b, m.NodeID...)
		b = appendExts(b, m.Exts)
	}
	return b
}

func appendExts(b []byte, es []Ext) []byte {
	n := 0
	for _, e := range es {
		n += 5 + len(e.Value)
	}
	b = binary.BigEndian.AppendUint32(b, uint32(n))
	for _, e := range es {
		b = append(b, e.Flags)
		b = binary.BigEndian.AppendUint16(b, e.Type)
		b = binary.BigEndian.AppendUint16(b, uint16(len(e.Value)))
		b = append(b, e.Value...)
	}
	return b
}

// Reader decodes messages from a stream, counting bytes so that errors
// say where.
type Reader struct {
	r   *bufio.Reader
	off int64
	lim Limits
}

// NewReader reads messages from r within lim.
func NewReader(r io.Reader, lim Limits) *Reader {
	return &Reader{r: bufio.NewReaderSize(r, 64<<10), lim: lim}
}

func (r *Reader) full(b []byte) error {
	n, err := io.ReadFull(r.r, b)
	r.off += int64(n)
	if err == io.ErrUnexpectedEOF {
		return &Error{"message", r.off, "stream ended inside a message"}
	}
	return err
}

func (r *Reader) u8() (uint8, error) {
	var b [1]byte
	err := r.full(b[:])
	return b[0], err
}

func (r *Reader) u16() (uint16, error) {
	var b [2]byte
	err := r.full(b[:])
	return binary.BigEndian.Uint16(b[:]), err
}

func (r *Reader) u32() (uint32, error) {
	var b [4]byte
	err := r.full(b[:])
	return binary.BigEndian.Uint32(b[:]), err
}

func (r *Reader) u64() (uint64, error) {
	var b [8]byte
	err := r.full(b[:])
	return binary.BigEndian.Uint64(b[:]), err
}

func (r *Reader) exts(what string) ([]Ext, error) {
	at := r.off
	n, err := r.u32()
	if err != nil {
		return nil, err
	}
	if n > r.lim.Exts {
		return nil, &Error{what, at, fmt.Sprintf("%d bytes of extension items, more than the %d allowed", n, r.lim.Exts)}
	}
	b := make([]byte, n)
	if err := r.full(b); err != nil {
		return nil, err
	}
	var out []Ext
	for i := 0; i < len(b); {
		if len(b)-i < 5 {
			return nil, &Error{what, at + 4 + int64(i), "extension item header cut short"}
		}
		e := Ext{Flags: b[i], Type: binary.BigEndian.Uint16(b[i+1:])}
		l := int(binary.BigEndian.Uint16(b[i+3:]))
		i += 5
		if l > len(b)-i {
			return nil, &Error{what, at + 4 + int64(i), fmt.Sprintf("extension item of %d bytes with %d left", l, len(b)-i)}
		}
		e.Value = b[i : i+l]
		i += l
		out = append(out, e)
	}
	return out, nil
}

// Offset returns how many bytes were read.
func (r *Reader) Offset() int64 { return r.off }

// Next reads one message. An unknown message type is an *Error whose
// message says so (the session answers MSG_REJECT and ends: the length
// of an unknown message cannot be known). io.EOF means the stream ended
// between messages.
func (r *Reader) Next() (*Msg, error) {
	at := r.off
	t, err := r.u8()
	if err != nil {
		return nil, err
	}
	m := &Msg{Type: t}
	eof := func(err error) error {
		if err == io.EOF {
			return &Error{"message", r.off, fmt.Sprintf("stream ended inside a message of type %#02x", t)}
		}
		return err
	}
	switch t {
	case MsgXferSegment:
		if m.Flags, err = r.u8(); err != nil {
			return nil, eof(err)
		}
		if m.ID, err = r.u64(); err != nil {
			return nil, eof(err)
		}
		if m.Flags&FlagStart != 0 {
			if m.Exts, err = r.exts("XFER_SEGMENT"); err != nil {
				return nil, eof(err)
			}
		}
		lat := r.off
		n, err := r.u64()
		if err != nil {
			return nil, eof(err)
		}
		if n > r.lim.Segment {
			return nil, &Error{"XFER_SEGMENT", lat, fmt.Sprintf("segment of %d bytes, more than the %d this node accepts", n, r.lim.Segment)}
		}
		m.Data = make([]byte, n)
		if err := r.full(m.Data); err != nil {
			return nil, eof(err)
		}
	case MsgXferAck:
		if m.Flags, err = r.u8(); err != nil {
			return nil, eof(err)
		}
		if m.ID, err = r.u64(); err != nil {
			return nil, eof(err)
		}
		if m.Length, err = r.u64(); err != nil {
			return nil, eof(err)
		}
	case MsgXferRefuse:
		if m.Reason, err = r.u8(); err != nil {
			return nil, eof(err)
		}
		if m.ID, err = r.u64(); err != nil {
			return nil, eof(err)
		}
	case MsgKeepalive:
	case MsgSessTerm:
		if m.Flags, err = r.u8(); err != nil {
			return nil, eof(err)
		}
		if m.Reason, err = r.u8(); err != nil {
			return nil, eof(err)
		}
	case MsgReject:
		if m.Reason, err = r.u8(); err != nil {
			return nil, eof(err)
		}
		if m.Header, err = r.u8(); err != nil {
			return nil, eof(err)
		}
	case MsgSessInit:
		if m.Keepalive, err = r.u16(); err != nil {
			return nil, eof(err)
		}
		if m.SegmentMRU, err = r.u64(); err != nil {
			return nil, eof(err)
		}
		if m.TransferMRU, err = r.u64(); err != nil {
			return nil, eof(err)
		}
		nat := r.off
		n, err := r.u16()
		if err != nil {
			return nil, eof(err)
		}
		if int(n) > r.lim.NodeID {
			return nil, &Error{"SESS_INIT", nat, fmt.Sprintf("node id of %d bytes, more than %d", n, r.lim.NodeID)}
		}
		id := make([]byte, n)
		if err := r.full(id); err != nil {
			return nil, eof(err)
		}
		m.NodeID = string(id)
		if m.Exts, err = r.exts("SESS_INIT"); err != nil {
			return nil, eof(err)
		}
	default:
		return m, &Error{"message", at, fmt.Sprintf("unknown message type %#02x", t)}
	}
	return m, nil
}

// Contact header (RFC 9174 section 4.2).
var magic = [4]byte{'d', 't', 'n', '!'}

// Version is the protocol version this package speaks.
const Version = 4

// FlagCanTLS is the contact header's CAN_TLS flag.
const FlagCanTLS = 0x01

// ContactHeader encodes a contact header.
func ContactHeader(canTLS bool) []byte {
	f := byte(0)
	if canTLS {
		f = FlagCanTLS
	}
	return []byte{magic[0], magic[1], magic[2], magic[3], Version, f}
}

// ParseContactHeader checks a contact header's magic and returns its
// version and flags.
func ParseContactHeader(b []byte) (version, flags uint8, err error) {
	if len(b) < 6 {
		return 0, 0, &Error{"contact header", int64(len(b)), "cut short"}
	}
	for i := range magic {
		if b[i] != magic[i] {
			return 0, 0, &Error{"contact header", int64(i), fmt.Sprintf("magic %q, want \"dtn!\" (not a TCPCL peer)", b[:4])}
		}
	}
	return b[4], b[5], nil
}
