package slcl

import (
	"errors"
	"slices"
	"time"

	"github.com/ipgs/ipgs/uplink/bstore"
	"github.com/ipgs/ipgs/uplink/bundle"
)

// Sender is the sending end of a link to one peer. Offer says which
// bundles to send, in order; Next gives the next segment; OnAck takes the
// peer's acknowledgements. A segment is resent when an acknowledgement
// covers a segment sent after it but not it (it was lost), or when it has
// gone unacknowledged for the retransmission timeout (the acknowledgement
// was lost). The timeout adapts to the acknowledgements' round trip as
// TCP's does (RFC 6298: SRTT + 4·RTTVAR, samples only from segments sent
// once): a receiver that acknowledges every 8 segments, over a downlink
// it shares with telemetry, answers in seconds to tens of seconds, and a
// fixed 10 s had whole bundles sent twice (goodput 0.77 of the payload
// rate at no loss). It is not safe for concurrent use.
type Sender struct {
	Store   *bstore.Store
	Peer    uint64
	Segment int           // data bytes per segment (default DefaultSegment)
	Window  int           // bundles in flight at once (default 4)
	RTO     time.Duration // the timeout before any round trip is measured (default 10 s)
	// AckDelay is the longest the peer holds an acknowledgement back to
	// batch it (default 1 s, Receiver.Due's wait as the engines use it).
	AckDelay time.Duration
	// Done is called when the peer has accepted (custody passed: the
	// bundle is already removed from the store), refused (it stays) or
	// found expired (removed) a bundle, and when the sender deleted one
	// whose hop limit it would pass (StatusHopLimit).
	Done func(e bstore.Entry, status uint8)
	// Node is this node's number. Bundles go on as RFC 9171 section 5.4
	// has a forwarding node send them (bundle.Forward): a previous node
	// block naming ipn:Node.0, the bundle age grown by the time held here,
	// the hop count grown by one. The forwarded form is kept per peer so
	// that a transfer resumed at a later contact sends the same bytes.
	// 0 sends bundles as stored.
	Node uint64

	queue  []bstore.Entry
	flight []*txBundle
	seq    uint64 // transmission counter
	size   int    // current segment size (adapts to loss)
	// loss estimate over recent acknowledgements: segments newly
	// acknowledged and segments found lost
	winAcked, winLost int
	// round-trip estimate (0: no sample yet), and how many times the
	// timeout has doubled since the last sample (RFC 6298 5.5)
	srtt, rttvar time.Duration
	backoff      uint
	backedOff    time.Time // when it last doubled

	slot uint8 // the last slot given

	// counters
	SegmentsSent, Resent int
	Binds                int // bindings sent without data
	BytesAccepted        int64
}

type txBundle struct {
	e     bstore.Entry
	raw   []byte
	acked bstore.Ranges
	segs  []txSeg
	slot  uint8
	bind  bool // the receiver needs the slot's binding
	// data bytes in the first (bound) segment and in each after it
	first, step int
}

type txSeg struct {
	seq    uint64 // when it was last sent (0: never)
	sends  int
	at     time.Time
	acked  bool
	lostAt uint64 // seq of the ack evidence that it was lost
}

// MinSegment is the smallest segment the sender shrinks to on a lossy
// link.
const MinSegment = 32

func (s *Sender) maxSize() int {
	if s.Segment <= 0 {
		return DefaultSegment
	}
	return s.Segment
}

func (s *Sender) segSize() int {
	if s.size == 0 {
		s.size = s.maxSize()
	}
	return s.size
}

// adapt halves the segment size when more than a third of recent
// segments were lost (long frames suffer most from bit errors at low
// elevation) and doubles it back when under a tenth were.
func (s *Sender) adapt() {
	n := s.winAcked + s.winLost
	if n < 16 {
		return
	}
	size := s.segSize()
	switch loss := float64(s.winLost) / float64(n); {
	case loss > 1.0/3 && size > MinSegment:
		size = max(MinSegment, size/2)
	case loss < 0.1 && size < s.maxSize():
		size = min(s.maxSize(), size*2)
	}
	s.winAcked, s.winLost = 0, 0
	if size == s.size {
		return
	}
	s.size = size
	for _, t := range s.flight {
		s.split(t)
	}
}

// split (re)cuts a bundle into segments of the current size (the first
// smaller by what its binding adds); those the peer holds are marked
// acknowledged.
func (s *Sender) split(t *txBundle) {
	size := s.segSize()
	t.first, t.step = size-(BoundHeader-ShortHeader), size
	if len(t.raw) > shortLimit {
		t.step = size - (LongHeader - ShortHeader)
	}
	n := 1
	if rest := len(t.raw) - t.first; rest > 0 {
		n += (rest + t.step - 1) / t.step
	}
	t.segs = make([]txSeg, n)
	for i := range t.segs {
		lo, hi := s.bounds(t, i)
		t.segs[i].acked = t.acked.Covers(bstore.Range{Lo: lo, Hi: hi})
	}
}

// SegmentSize is the segment size in use.
func (s *Sender) SegmentSize() int { return s.segSize() }

// Offer replaces the bundles waiting to go (those in flight continue).
func (s *Sender) Offer(es []bstore.Entry) {
	s.queue = s.queue[:0]
	for _, e := range es {
		if s.inFlight(e.Key) == nil {
			s.queue = append(s.queue, e)
		}
	}
}

// Idle reports whether nothing is offered or in flight.
func (s *Sender) Idle() bool { return len(s.queue) == 0 && len(s.flight) == 0 }

func (s *Sender) inFlight(k bstore.Key) *txBundle {
	for _, t := range s.flight {
		if t.e.Key == k {
			return t
		}
	}
	return nil
}

func (s *Sender) fill(now time.Time) {
	w := s.Window
	if w <= 0 {
		w = 4
	}
	for len(s.flight) < w && len(s.queue) > 0 {
		e := s.queue[0]
		s.queue = s.queue[1:]
		raw, _, ok, err := s.Store.Get(e.ID)
		if err != nil || !ok {
			continue // gone (delivered elsewhere, expired)
		}
		acked := s.Store.TxAcked(e.Key, s.Peer)
		if s.Node != 0 {
			if out := s.Store.TxRaw(e.Key, s.Peer); out != nil {
				raw = out
			} else if len(acked) == 0 { // (ranges without a forwarded form: a store from before; sent as stored)
				held := max(0, now.Sub(e.Received).Milliseconds())
				out, err := bundle.Forward(raw, bundle.IPN(s.Node, 0), uint64(held))
				if errors.Is(err, bundle.ErrHopLimit) {
					s.Store.Remove(e.ID)
					if s.Done != nil {
						s.Done(e, StatusHopLimit)
					}
					continue
				}
				if err == nil && s.Store.TxSetRaw(e.Key, s.Peer, out) == nil {
					raw = out
				}
			}
		}
		t := &txBundle{e: e, raw: raw, acked: acked, slot: s.nextSlot(), bind: true}
		s.split(t)
		s.flight = append(s.flight, t)
	}
}

// nextSlot gives the next slot no bundle in flight holds (round the 64,
// so that a slot is used again as late as can be).
func (s *Sender) nextSlot() uint8 {
	for {
		s.slot = (s.slot + 1) % Slots
		if !slices.ContainsFunc(s.flight, func(t *txBundle) bool { return t.slot == s.slot }) {
			return s.slot
		}
	}
}

func (s *Sender) bounds(t *txBundle, i int) (uint32, uint32) {
	lo, hi := 0, t.first
	if i > 0 {
		lo = t.first + (i-1)*t.step
		hi = lo + t.step
	}
	return uint32(lo), uint32(min(hi, len(t.raw)))
}

// appendSeg encodes segment i of t: the first binds the slot.
func (s *Sender) appendSeg(dst []byte, t *txBundle, i int) []byte {
	lo, hi := s.bounds(t, i)
	w := Wire{Slot: t.slot, Off: lo, Data: t.raw[lo:hi]}
	if i == 0 {
		w.Bound, w.Key, w.Total = true, t.e.Key, uint32(len(t.raw))
		t.bind = false
	}
	return AppendSegment(dst, &w)
}

// Next appends the next segment to send to dst and reports whether there
// was one.
func (s *Sender) Next(dst []byte, now time.Time) ([]byte, bool) {
	s.fill(now)
	rto := s.Timeout()
	pick := func(want func(g *txSeg) bool) ([]byte, bool) {
		for _, t := range s.flight {
			for i := range t.segs {
				g := &t.segs[i]
				if g.acked || !want(g) {
					continue
				}
				if g.seq != 0 {
					s.Resent++
				}
				s.seq++
				g.seq, g.at, g.lostAt = s.seq, now, 0
				g.sends++
				s.SegmentsSent++
				return s.appendSeg(dst, t, i), true
			}
		}
		return dst, false
	}
	if b, ok := pick(func(g *txSeg) bool { return g.seq != 0 && g.lostAt != 0 }); ok {
		return b, true
	}
	// bindings go ahead of the data they name: a bundle's first segment
	// as soon as it is in flight, or the binding alone when the peer holds
	// that segment already (a transfer resumed) or lost the binding
	for _, t := range s.flight {
		if !t.bind {
			continue
		}
		if g := &t.segs[0]; !g.acked && g.seq == 0 {
			s.seq++
			g.seq, g.at, g.sends = s.seq, now, 1
			s.SegmentsSent++
			return s.appendSeg(dst, t, 0), true
		}
		t.bind = false
		s.Binds++
		return AppendSegment(dst, &Wire{Slot: t.slot, Bound: true, Key: t.e.Key, Total: uint32(len(t.raw))}), true
	}
	if b, ok := pick(func(g *txSeg) bool { return g.seq == 0 }); ok {
		return b, true
	}
	b, ok := pick(func(g *txSeg) bool { return now.Sub(g.at) >= rto })
	// the timeout doubles once per expiry, not once per segment resent
	if ok && s.srtt != 0 && s.backoff < 3 && now.Sub(s.backedOff) >= rto {
		s.backoff++
		s.backedOff = now
	}
	return b, ok
}

// Limits of the adaptive timeout.
const (
	MinRTO = time.Second
	MaxRTO = 2 * time.Minute
)

// Timeout is the retransmission timeout in use.
func (s *Sender) Timeout() time.Duration {
	if s.srtt == 0 {
		if s.RTO > 0 {
			return s.RTO
		}
		return 10 * time.Second
	}
	delay := s.AckDelay
	if delay <= 0 {
		delay = time.Second
	}
	return min(MaxRTO, max(MinRTO, s.srtt+4*s.rttvar+delay)<<s.backoff)
}

// sample takes a round-trip measurement (RFC 6298 2.2-2.3).
func (s *Sender) sample(r time.Duration) {
	s.backoff = 0
	if s.srtt == 0 {
		s.srtt, s.rttvar = r, r/2
		return
	}
	d := s.srtt - r
	if d < 0 {
		d = -d
	}
	s.rttvar = (3*s.rttvar + d) / 4
	s.srtt = (7*s.srtt + r) / 8
}

// OnAck takes an acknowledgement's bytes.
func (s *Sender) OnAck(data []byte, now time.Time) error {
	es, err := DecodeAck(data)
	if err != nil {
		return err
	}
	for _, a := range es {
		if a.Status == StatusUnbound {
			for _, t := range s.flight {
				if t.slot != a.Key[0] {
					continue
				}
				t.bind = true
				// what the peer held for the binding is acknowledged
				// late: no round-trip sample from it (as Karn's rule)
				for i := range t.segs {
					if g := &t.segs[i]; g.seq != 0 && !g.acked {
						g.sends++
					}
				}
			}
			continue
		}
		t := s.inFlight(a.Key)
		if t == nil {
			continue // an old bundle's late acknowledgement
		}
		if a.Status != StatusPartial {
			s.finish(t, a.Status)
			continue
		}
		for _, r := range a.Ranges {
			t.acked = t.acked.Add(r)
		}
		// the sample is the newest newly acknowledged segment's age (the
		// receiver's batching is AckDelay, added to the timeout), and
		// there is none from an acknowledgement that covers a resent
		// segment (Karn): the one before it may have been lost, and the
		// segments it covers would give their age since then
		var newest, sampled uint64
		var rtt time.Duration = -1
		karn := false
		for i := range t.segs {
			g := &t.segs[i]
			lo, hi := s.bounds(t, i)
			if !g.acked && t.acked.Covers(bstore.Range{Lo: lo, Hi: hi}) {
				g.acked = true
				if g.sends == 1 && g.seq > sampled {
					sampled, rtt = g.seq, now.Sub(g.at)
				}
				karn = karn || g.sends > 1
				newest = max(newest, g.seq)
				s.winAcked++
			}
		}
		if rtt >= 0 && !karn {
			s.sample(rtt)
		}
		for i := range t.segs {
			if g := &t.segs[i]; !g.acked && g.seq != 0 && g.seq < newest && g.lostAt == 0 {
				g.lostAt = newest
				s.winLost++
			}
		}
		s.Store.TxSetAcked(a.Key, s.Peer, t.acked)
	}
	s.adapt()
	return nil
}

func (s *Sender) finish(t *txBundle, status uint8) {
	for i, f := range s.flight {
		if f == t {
			s.flight = append(s.flight[:i], s.flight[i+1:]...)
			break
		}
	}
	switch status {
	case StatusAccepted:
		s.BytesAccepted += int64(len(t.raw))
		s.Store.Remove(t.e.ID)
	case StatusExpired:
		s.Store.Remove(t.e.ID)
	}
	if s.Done != nil {
		s.Done(t.e, status)
	}
}

// Release forgets what is in flight (the contact ended); what the peer
// acknowledged stays in the store for the next contact.
func (s *Sender) Release() {
	s.flight, s.queue = nil, nil
}
