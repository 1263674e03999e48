// Package slcl is ipgs's space-link convergence layer for bundles: a
// bundle is cut into segments that each fill one frame, the receiver
// acknowledges the byte ranges it holds, and the sender resends only what
// is missing. Both ends keep their state in the node's bundle store, so a
// transfer cut off by LOS, or by a crash at either end, resumes at the
// next contact without resending what was acknowledged.
//
// Wire format (the data field of a space packet):
//
//	segment: key(8) total(4) offset(4) data
//	ack:     count(1) then per bundle: key(8) status(1) ranges
//
// where key is the bundle id's short key (bstore.KeyOf), ranges are
// bstore.Ranges' encoding, and status is StatusPartial, StatusAccepted
// (the bundle is durable at the receiver: custody has passed, the sender
// may delete it), StatusRefused (the receiver's store is full: try
// another route later) or StatusExpired.
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
)

// SegHeader is the segment header length.
const SegHeader = 16

// DefaultSegment is the data carried per segment by default: with the
// header and a space packet's 6-byte header it makes a 256-byte frame
// information field.
const DefaultSegment = 256 - SegHeader - 6

// Error is a message that did not decode.
type Error struct {
	What string
	Msg  string
	At   int // byte offset
}

func (e *Error) Error() string { return fmt.Sprintf("slcl: %s: byte %d: %s", e.What, e.At, e.Msg) }

// AppendSegment encodes a segment.
func AppendSegment(b []byte, g *bstore.Segment) []byte {
	b = append(b, g.Key[:]...)
	b = binary.BigEndian.AppendUint32(b, g.Total)
	b = binary.BigEndian.AppendUint32(b, g.Off)
	return append(b, g.Data...)
}

// DecodeSegment parses a segment; Data aliases b.
func DecodeSegment(b []byte) (bstore.Segment, error) {
	if len(b) < SegHeader+1 {
		return bstore.Segment{}, &Error{"segment", fmt.Sprintf("%d bytes, a segment has a %d-byte header and data", len(b), SegHeader), len(b)}
	}
	g := bstore.Segment{Key: bstore.Key(b[:8]), Total: binary.BigEndian.Uint32(b[8:]), Off: binary.BigEndian.Uint32(b[12:]), Data: b[16:]}
	if uint64(g.Off)+uint64(len(g.Data)) > uint64(g.Total) {
		return bstore.Segment{}, &Error{"segment", fmt.Sprintf("bytes %d..%d of a %d-byte bundle", g.Off, uint64(g.Off)+uint64(len(g.Data)), g.Total), 12}
	}
	return g, nil
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
		if e.Status > StatusExpired {
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
}

// Receive takes a segment's bytes (copied).
func (r *Receiver) Receive(data []byte, now time.Time) error {
	g, err := DecodeSegment(data)
	if err != nil {
		return err
	}
	if r.touched == nil {
		r.touched, r.done = map[bstore.Key]bool{}, map[bstore.Key]uint8{}
	}
	if len(r.buf) == 0 {
		r.since = now
	}
	r.mem = append(r.mem, g.Data...)
	g.Data = r.mem[len(r.mem)-len(g.Data):]
	r.buf = append(r.buf, g)
	r.touched[g.Key] = true
	return nil
}

// Due reports whether an acknowledgement should be sent now: enough
// segments are waiting, or the oldest has waited long enough.
func (r *Receiver) Due(now time.Time, every int, wait time.Duration) bool {
	return len(r.touched) > 0 && (len(r.buf) >= every || now.Sub(r.since) >= wait)
}

// Flush commits what was received and returns the acknowledgement to
// send (nil when nothing was received since the last one).
func (r *Receiver) Flush(now time.Time) ([]byte, error) {
	if len(r.touched) == 0 {
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
	b, n := AppendAck(nil, es)
	for _, e := range es[n:] {
		r.touched[e.Key] = true // the rest go in the next one
	}
	return b, nil
}
