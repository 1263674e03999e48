// Package slcl is ipgs's space-link convergence layer for bundles: a
// bundle is cut into segments that each fill one frame, the receiver
// acknowledges the byte ranges it holds, and the sender resends only what
// is missing. Both ends keep their state in the node's bundle store, so a
// transfer cut off by LOS, or by a crash at either end, resumes at the
// next contact without resending what was acknowledged.
//
// Wire format (the data field of a space packet):
//
//	segment, bound: 0x80|slot(1) key(8) total(4) data      (data from byte 0)
//	segment, short: slot(1) offset(3) data                 (offsets < 16 MiB)
//	segment, long:  0x40|slot(1) offset(4) data
//	ack:            count(1) then per bundle: key(8) status(1) ranges
//
// where key is the bundle id's short key (bstore.KeyOf), ranges are
// bstore.Ranges' encoding, and status is StatusPartial, StatusAccepted
// (the bundle is durable at the receiver: custody has passed, the sender
// may delete it), StatusRefused (the receiver's store is full: try
// another route later), StatusExpired or StatusUnbound.
//
// A sender gives each bundle it has in flight one of 64 slots, and the
// first segment it sends of a bundle binds the slot to the bundle's key
// and length; the segments after it name only the slot and their offset.
// A 16-byte header on every segment (key, length, offset) was 6.3 % of a
// 256-byte frame's information field; the short header is 1.6 %. A short
// segment whose slot the receiver has no binding for (the binding was
// lost, or the receiver restarted) is held aside and reported with
// StatusUnbound (the key's first byte is the slot); the sender binds the
// slot again and the held segments are placed then. The link delivers in
// order, so a binding always arrives before segments sent after it.
//
// Acknowledgements are sent only after the segments they cover are
// committed to the receiver's store.
package slcl

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/ipgs/ipgs/uplink/bstore"
)

// Acknowledgement statuses.
const (
	StatusPartial  = 0
	StatusAccepted = 1
	StatusRefused  = 2
	StatusExpired  = 3
	// StatusHopLimit is the sender's own outcome, never on the air: the
	// bundle's hop count would pass its limit, so it was deleted here
	// rather than sent (RFC 9171 4.4.3).
	StatusHopLimit = 4
	// StatusUnbound: segments came for a slot the receiver knows no
	// bundle for (the entry's key holds the slot in its first byte).
	StatusUnbound = 5
)

// Segment header lengths.
const (
	ShortHeader = 4
	LongHeader  = 5
	BoundHeader = 13
	// SegHeader is the header of the segments that fill a frame.
	SegHeader = ShortHeader
	// Slots is how many bundles a sender may have bound at once.
	Slots = 64
	// shortLimit is where short offsets end.
	shortLimit = 1 << 24
)

// DefaultSegment is the data carried per segment by default: with the
// short header and a space packet's 6-byte header it makes a 256-byte
// frame information field.
const DefaultSegment = 256 - SegHeader - 6

// Error is a message that did not decode.
type Error struct {
	What string
	Msg  string
	At   int // byte offset
}

func (e *Error) Error() string { return fmt.Sprintf("slcl: %s: byte %d: %s", e.What, e.At, e.Msg) }

// Wire is a segment as sent: a bound one names its bundle (Key, Total;
// Off is 0), the others only the slot.
type Wire struct {
	Slot  uint8
	Bound bool
	Key   bstore.Key
	Total uint32
	Off   uint32
	Data  []byte
}

// HeaderLen is the header w takes on the air.
func (w *Wire) HeaderLen() int {
	switch {
	case w.Bound:
		return BoundHeader
	case w.Off >= shortLimit:
		return LongHeader
	}
	return ShortHeader
}

// AppendSegment encodes a segment.
func AppendSegment(b []byte, w *Wire) []byte {
	switch w.HeaderLen() {
	case BoundHeader:
		b = append(b, 0x80|w.Slot)
		b = append(b, w.Key[:]...)
		b = binary.BigEndian.AppendUint32(b, w.Total)
	case LongHeader:
		b = append(b, 0x40|w.Slot)
		b = binary.BigEndian.AppendUint32(b, w.Off)
	default:
		b = append(b, w.Slot, byte(w.Off>>16), byte(w.Off>>8), byte(w.Off))
	}
	return append(b, w.Data...)
}

// DecodeSegment parses a segment; Data aliases b. A bound segment may
// carry no data (a binding alone); the others carry some.
func DecodeSegment(b []byte) (Wire, error) {
	if len(b) == 0 {
		return Wire{}, &Error{"segment", "empty", 0}
	}
	var w Wire
	w.Slot = b[0] & (Slots - 1)
	var hdr int
	switch b[0] >> 6 {
	case 2:
		hdr = BoundHeader
	case 1:
		hdr = LongHeader
	case 0:
		hdr = ShortHeader
	default:
		return Wire{}, &Error{"segment", fmt.Sprintf("unknown form 0x%02x", b[0]), 0}
	}
	if len(b) < hdr || (hdr != BoundHeader && len(b) == hdr) {
		return Wire{}, &Error{"segment", fmt.Sprintf("%d bytes, a segment of this form has a %d-byte header and data", len(b), hdr), len(b)}
	}
	switch hdr {
	case BoundHeader:
		w.Bound, w.Key, w.Total = true, bstore.Key(b[1:9]), binary.BigEndian.Uint32(b[9:])
		if uint64(len(b)-hdr) > uint64(w.Total) {
			return Wire{}, &Error{"segment", fmt.Sprintf("%d bytes of a %d-byte bundle", len(b)-hdr, w.Total), 9}
		}
	case LongHeader:
		if w.Off = binary.BigEndian.Uint32(b[1:]); w.Off < shortLimit {
			return Wire{}, &Error{"segment", fmt.Sprintf("the long form for offset %d, which the short form holds", w.Off), 1}
		}
	default:
		w.Off = uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	}
	w.Data = b[hdr:]
	return w, nil
}

// AckEntry is what a receiver says of one bundle.
type AckEntry struct {
	Key    bstore.Key
	Status uint8
	Ranges bstore.Ranges
}

// MaxAckBytes bounds an encoded acknowledgement.
const MaxAckBytes = 480

// AppendAck encodes as many entries as fit MaxAckBytes (ranges beyond
// what fits are left out: the sender resends them, which is safe) and
// returns how many went in.
func AppendAck(b []byte, es []AckEntry) ([]byte, int) {
	start := len(b)
	b = append(b, 0)
	n := 0
	for _, e := range es {
		need := 8 + 1 + 2 + 8*len(e.Ranges)
		room := MaxAckBytes - (len(b) - start)
		if room < 8+1+2+8 && n > 0 {
			break
		}
		rs := e.Ranges
		if need > room {
			rs = rs[:max(0, (room-11)/8)]
		}
		b = append(b, e.Key[:]...)
		b = append(b, e.Status)
		b = rs.AppendBinary(b)
		n++
		if n == 255 {
			break
		}
	}
	b[start] = byte(n)
	return b, n
}

// DecodeAck parses an acknowledgement.
func DecodeAck(b []byte) ([]AckEntry, error) {
	if len(b) < 1 {
		return nil, &Error{"ack", "empty", 0}
	}
	n := int(b[0])
	rest := b[1:]
	out := make([]AckEntry, 0, n)
	for i := 0; i < n; i++ {
		at := len(b) - len(rest)
		if len(rest) < 9 {
			return nil, &Error{"ack", fmt.Sprintf("entry %d of %d is cut short", i+1, n), at}
		}
		e := AckEntry{Key: bstore.Key(rest[:8]), Status: rest[8]}
		if e.Status > StatusExpired && e.Status != StatusUnbound {
			return nil, &Error{"ack", fmt.Sprintf("entry %d: unknown status %d", i+1, e.Status), at + 8}
		}
		var err error
		if e.Ranges, rest, err = bstore.DecodeRanges(rest[9:]); err != nil {
			return nil, &Error{"ack", fmt.Sprintf("entry %d: %v", i+1, err), at + 9}
		}
		out = append(out, e)
	}
	if len(rest) != 0 {
		return nil, &Error{"ack", fmt.Sprintf("%d bytes after %d entries", len(rest), n), len(b) - len(rest)}
	}
	return out, nil
}

// ack status for a RxFinish error
func refusal(err error) uint8 {
	switch {
	case errors.Is(err, bstore.ErrFull):
		return StatusRefused
	case errors.Is(err, bstore.ErrExpired):
		return StatusExpired
	}
	// a duplicate is held already, and a bundle that does not decode
	// would not decode on a resend either: both are done with
	return StatusAccepted
}

// Receiver is the receiving end of a link from one peer. It is not safe
// for concurrent use.
type Receiver struct {
	Store *bstore.Store
	Peer  uint64
	// Accepted is called for each bundle stored complete (not for
	// duplicates).
	Accepted func(bstore.Entry)
	// Refused is called when a complete bundle is refused, with why.
	Refused func(key bstore.Key, err error)

	buf     []bstore.Segment
	mem     []byte
	touched map[bstore.Key]bool
	since   time.Time
	done    map[bstore.Key]uint8 // recently finished keys → status, to answer resends
	slots   [Slots]binding
	unbound uint64      // slots to report
	held    []heldShort // short segments waiting for their slot's binding
	heldMem int
}

type binding struct {
	key   bstore.Key
	total uint32
	ok    bool
}

type heldShort struct {
	slot uint8
	off  uint32
	data []byte
}

// maxHeld bounds the bytes of segments held for a binding.
const maxHeld = 64 << 10

// Receive takes a segment's bytes (copied).
func (r *Receiver) Receive(data []byte, now time.Time) error {
	w, err := DecodeSegment(data)
	if err != nil {
		return err
	}
	if r.touched == nil {
		r.touched, r.done = map[bstore.Key]bool{}, map[bstore.Key]uint8{}
	}
	if w.Bound {
		if total, _ := r.Store.RxRanges(w.Key); total != 0 && total != w.Total {
			// part of another forwarding of this bundle (another route:
			// other extension blocks, another length) is held: the two
			// cannot combine, and the one arriving now goes on
			if err := r.Store.RxDrop(w.Key); err != nil {
				return err
			}
		}
		r.slots[w.Slot] = binding{key: w.Key, total: w.Total, ok: true}
		r.unbound &^= 1 << w.Slot
		if len(w.Data) > 0 {
			r.take(bstore.Segment{Key: w.Key, Total: w.Total, Data: w.Data}, now)
		}
		// what came before its binding
		keep := r.held[:0]
		for _, h := range r.held {
			if h.slot != w.Slot {
				keep = append(keep, h)
				continue
			}
			r.heldMem -= len(h.data)
			if uint64(h.off)+uint64(len(h.data)) <= uint64(w.Total) {
				r.take(bstore.Segment{Key: w.Key, Total: w.Total, Off: h.off, Data: h.data}, now)
			}
		}
		clear(r.held[len(keep):])
		r.held = keep
		if !r.touched[w.Key] { // a binding alone is answered too
			if len(r.buf) == 0 {
				r.since = now
			}
			r.touched[w.Key] = true
		}
		return nil
	}
	b := r.slots[w.Slot]
	if !b.ok {
		r.unbound |= 1 << w.Slot
		if r.heldMem+len(w.Data) <= maxHeld {
			r.held = append(r.held, heldShort{slot: w.Slot, off: w.Off, data: append([]byte(nil), w.Data...)})
			r.heldMem += len(w.Data)
		}
		return nil
	}
	if uint64(w.Off)+uint64(len(w.Data)) > uint64(b.total) {
		return &Error{"segment", fmt.Sprintf("slot %d: bytes %d..%d of a %d-byte bundle", w.Slot, w.Off, uint64(w.Off)+uint64(len(w.Data)), b.total), 1}
	}
	r.take(bstore.Segment{Key: b.key, Total: b.total, Off: w.Off, Data: w.Data}, now)
	return nil
}

// take buffers a placed segment (its data copied) until the next Flush.
func (r *Receiver) take(g bstore.Segment, now time.Time) {
	if len(r.buf) == 0 && len(r.touched) == 0 {
		r.since = now
	}
	r.mem = append(r.mem, g.Data...)
	g.Data = r.mem[len(r.mem)-len(g.Data):]
	r.buf = append(r.buf, g)
	r.touched[g.Key] = true
}

// Due reports whether an acknowledgement should be sent now: enough
// segments are waiting, or the oldest has waited long enough, or a slot
// needs binding again (at once: the sender holds back nothing for it).
func (r *Receiver) Due(now time.Time, every int, wait time.Duration) bool {
	return r.unbound != 0 || len(r.touched) > 0 && (len(r.buf) >= every || now.Sub(r.since) >= wait)
}

// Flush commits what was received and returns the acknowledgement to
// send (nil when nothing was received since the last one).
func (r *Receiver) Flush(now time.Time) ([]byte, error) {
	if len(r.touched) == 0 && r.unbound == 0 {
		return nil, nil
	}
	// segments of bundles already held (a resend after a lost
	// acknowledgement, or after a restart) are answered, not stored
	keep := r.buf[:0]
	for _, g := range r.buf {
		if _, ok := r.done[g.Key]; ok {
			continue
		}
		if r.Store.SeenKey(g.Key) {
			r.done[g.Key] = StatusAccepted
			continue
		}
		keep = append(keep, g)
	}
	if len(keep) > 0 {
		if err := r.Store.RxAdd(keep, r.Peer); err != nil {
			return nil, err
		}
	}
	r.buf, r.mem = r.buf[:0], r.mem[:0]
	var es []AckEntry
	for k := range r.touched {
		if st, ok := r.done[k]; ok {
			total, _ := r.Store.RxRanges(k)
			if total == 0 { // a resend of a finished bundle
				es = append(es, AckEntry{Key: k, Status: st})
				continue
			}
		}
		total, rs := r.Store.RxRanges(k)
		if total == 0 {
			if r.Store.SeenKey(k) { // a binding alone, of a bundle held already
				r.done[k] = StatusAccepted
				es = append(es, AckEntry{Key: k, Status: StatusAccepted})
			}
			continue
		}
		if rs.Covers(bstore.Range{Lo: 0, Hi: total}) {
			e, _, err := r.Store.RxFinish(k, now)
			st := uint8(StatusAccepted)
			if err != nil {
				st = refusal(err)
				if !errors.Is(err, bstore.ErrDuplicate) && r.Refused != nil {
					r.Refused(k, err)
				}
			} else if r.Accepted != nil {
				r.Accepted(e)
			}
			r.done[k] = st
			es = append(es, AckEntry{Key: k, Status: st})
			continue
		}
		es = append(es, AckEntry{Key: k, Status: StatusPartial, Ranges: rs})
	}
	clear(r.touched)
	slices.SortFunc(es, func(a, b AckEntry) int { return bytes.Compare(a.Key[:], b.Key[:]) })
	for slot := range uint8(Slots) {
		if r.unbound&(1<<slot) != 0 {
			es = append([]AckEntry{{Key: bstore.Key{slot}, Status: StatusUnbound}}, es...)
		}
	}
	r.unbound = 0
	b, n := AppendAck(nil, es)
	for _, e := range es[n:] {
		if e.Status == StatusUnbound {
			r.unbound |= 1 << e.Key[0]
			continue
		}
		r.touched[e.Key] = true // the rest go in the next one
	}
	return b, nil
}
