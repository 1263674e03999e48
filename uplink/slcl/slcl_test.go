package slcl

import (
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/ipgs/ipgs/uplink/bstore"
	"github.com/ipgs/ipgs/uplink/bundle"
)

var t0 = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

func mkBundle(t testing.TB, seq uint64, size int) []byte {
	b := &bundle.Bundle{
		Primary: bundle.Primary{CRCType: bundle.CRC32C, Dest: bundle.IPN(2, 1), Source: bundle.IPN(1, 1), ReportTo: bundle.IPN(1, 1),
			Created: uint64(t0.Sub(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)).Milliseconds()), Seq: seq, Lifetime: 86400000},
		Blocks: []bundle.Block{{Type: bundle.TypePayload, Number: 1, CRCType: bundle.CRC32C, Data: make([]byte, size)}},
	}
	for i := range b.Blocks[0].Data {
		b.Blocks[0].Data[i] = byte(i*7 + int(seq))
	}
	raw, err := b.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func openStore(t testing.TB, path string) *bstore.Store {
	s, err := bstore.Open(path, bstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// link runs a sender and a receiver over a channel of rate bytes/s
// (the segment frames' information fields) with frame loss p each way,
// for d of virtual time; it returns when everything was accepted or d
// ran out.
type link struct {
	snd  *Sender
	rcv  *Receiver
	rng  *rand.Rand
	loss float64
	drop func(seg []byte) bool // a segment lost on purpose
	now  time.Time
	// counters
	frames int
}

func (l *link) run(d time.Duration, rate float64, cut func(frames int) bool) {
	end := l.now.Add(d)
	var acks []struct {
		at time.Time
		b  []byte
	}
	buf := make([]byte, 0, 600)
	for l.now.Before(end) {
		for len(acks) > 0 && !acks[0].at.After(l.now) {
			l.snd.OnAck(acks[0].b, l.now)
			acks = acks[1:]
		}
		seg, ok := l.snd.Next(buf[:0], l.now)
		if !ok {
			if l.snd.Idle() {
				return
			}
			l.now = l.now.Add(100 * time.Millisecond)
		} else {
			l.frames++
			l.now = l.now.Add(time.Duration(float64(len(seg)+6) / rate * float64(time.Second)))
			if l.rng.Float64() >= l.loss && (l.drop == nil || !l.drop(seg)) {
				l.rcv.Receive(seg, l.now)
			}
		}
		if cut != nil && cut(l.frames) {
			return
		}
		if l.rcv.Due(l.now, 8, time.Second) {
			ack, err := l.rcv.Flush(l.now)
			if err != nil {
				panic(err)
			}
			if ack != nil && l.rng.Float64() >= l.loss {
				acks = append(acks, struct {
					at time.Time
					b  []byte
				}{l.now.Add(50 * time.Millisecond), ack}) // ack path: its own frequency, light time
			}
		}
	}
}

func TestTransferGoodput(t *testing.T) {
	for _, loss := range []float64{0, 0.05, 0.2} {
		dir := t.TempDir()
		a, b := openStore(t, filepath.Join(dir, "a.db")), openStore(t, filepath.Join(dir, "b.db"))
		var offered []bstore.Entry
		var total int64
		for i := range 20 {
			e, err := a.Put(mkBundle(t, uint64(i), 3000+97*i), 0, t0)
			if err != nil {
				t.Fatal(err)
			}
			offered = append(offered, e)
			total += int64(e.Size)
		}
		accepted := 0
		l := &link{
			snd:  &Sender{Store: a, Peer: 2, RTO: 5 * time.Second},
			rcv:  &Receiver{Store: b, Peer: 1, Accepted: func(bstore.Entry) { accepted++ }},
			rng:  rand.New(rand.NewPCG(1, uint64(loss*100))),
			loss: loss, now: t0,
		}
		l.snd.Offer(offered)
		const rate = 1200.0 // bytes/s of information field
		l.run(time.Hour, rate, nil)
		el := l.now.Sub(t0).Seconds()
		good := float64(total) / el / rate
		t.Logf("loss %.0f%%: %d bundles, %d bytes in %.1f s: goodput %.1f%% of the link's payload rate; %d frames, %d resent", loss*100, accepted, total, el, 100*good, l.frames, l.snd.Resent)
		if accepted != 20 {
			t.Fatalf("loss %v: %d of 20 accepted", loss, accepted)
		}
		if left, _ := a.List(); len(left) != 0 {
			t.Fatalf("sender still holds %d", len(left))
		}
		for _, e := range offered {
			got, _, ok, _ := b.Get(e.ID)
			if !ok || len(got) != e.Size {
				t.Fatalf("%s not at the receiver whole", e.ID)
			}
		}
		// the floor the issue sets for the space link
		if floor := map[float64]float64{0: 0.9, 0.05: 0.8}[loss]; good < floor*(float64(DefaultSegment)/float64(DefaultSegment+SegHeader+6)) {
			t.Errorf("loss %v: goodput %.3f", loss, good)
		}
		a.Close()
		b.Close()
	}
}

// TestResumeAfterCrash cuts a transfer, closes both stores as a crash
// would leave them (what was committed is all there is), and resumes with
// new endpoints: nothing acknowledged is sent again.
func TestResumeAfterCrash(t *testing.T) {
	dir := t.TempDir()
	pa, pb := filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db")
	a, b := openStore(t, pa), openStore(t, pb)
	raw := mkBundle(t, 1, 20000)
	e, err := a.Put(raw, 0, t0)
	if err != nil {
		t.Fatal(err)
	}
	l := &link{snd: &Sender{Store: a, Peer: 2}, rcv: &Receiver{Store: b, Peer: 1}, rng: rand.New(rand.NewPCG(1, 2)), now: t0}
	l.snd.Offer([]bstore.Entry{e})
	l.run(time.Hour, 1200, func(n int) bool { return n == 25 })
	sent1 := l.snd.SegmentsSent
	a.Close()
	b.Close()

	a, b = openStore(t, pa), openStore(t, pb)
	defer a.Close()
	defer b.Close()
	acked := a.TxAcked(e.Key, 2)
	if acked.Bytes() == 0 {
		t.Fatal("nothing acknowledged before the cut")
	}
	accepted := 0
	l2 := &link{snd: &Sender{Store: a, Peer: 2}, rcv: &Receiver{Store: b, Peer: 1, Accepted: func(bstore.Entry) { accepted++ }}, rng: rand.New(rand.NewPCG(1, 3)), now: l.now.Add(time.Hour)}
	l2.snd.Offer([]bstore.Entry{e})
	l2.run(time.Hour, 1200, nil)
	segs := (len(raw) + DefaultSegment - 1) / DefaultSegment
	t.Logf("%d segments: %d sent before the cut, %d bytes acknowledged, %d sent after", segs, sent1, acked.Bytes(), l2.snd.SegmentsSent)
	if accepted != 1 {
		t.Fatal("not accepted after the resume")
	}
	if want := segs - int(acked.Bytes())/DefaultSegment; l2.snd.SegmentsSent > want {
		t.Fatalf("resent acknowledged segments: %d sent after the resume, %d were missing", l2.snd.SegmentsSent, want)
	}
	got, _, _, _ := b.Get(e.ID)
	if string(got) != string(raw) {
		t.Fatal("the bundle differs")
	}
}

func TestAckEncoding(t *testing.T) {
	var es []AckEntry
	for i := range 40 {
		var rs bstore.Ranges
		for j := range 5 {
			rs = rs.Add(bstore.Range{Lo: uint32(j * 100), Hi: uint32(j*100 + 50)})
		}
		es = append(es, AckEntry{Key: bstore.Key{byte(i)}, Ranges: rs})
	}
	b, n := AppendAck(nil, es)
	if len(b) > MaxAckBytes || n == 0 || n == 40 {
		t.Fatalf("%d bytes, %d entries", len(b), n)
	}
	back, err := DecodeAck(b)
	if err != nil || len(back) != n || len(back[0].Ranges) != 5 {
		t.Fatalf("%v %d", err, len(back))
	}
	for _, bad := range [][]byte{{}, {1}, {1, 0, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0}, {1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 5, 0, 0, 0, 1}, {0, 1}} {
		if _, err := DecodeAck(bad); err == nil {
			t.Errorf("% x decoded", bad)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1})
	f.Add(AppendSegment(nil, &Wire{Slot: 3, Bound: true, Total: 10, Data: []byte{1, 2}}))
	f.Add(AppendSegment(nil, &Wire{Slot: 3, Off: 2, Data: []byte{1, 2}}))
	f.Add(AppendSegment(nil, &Wire{Slot: 63, Off: 1 << 25, Data: []byte{1, 2}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		if es, err := DecodeAck(b); err == nil {
			back, n := AppendAck(nil, es)
			if n == len(es) && len(b) <= MaxAckBytes && string(back) != string(b) {
				// ranges are normalised (merged, sorted): decode again
				again, err := DecodeAck(back)
				if err != nil || len(again) != len(es) {
					t.Fatalf("re-encoded ack does not decode: %v", err)
				}
			}
		}
		if g, err := DecodeSegment(b); err == nil {
			if g.Bound && uint64(len(g.Data)) > uint64(g.Total) {
				t.Fatal("segment past its bundle's end")
			}
			if back := AppendSegment(nil, &g); string(back) != string(b) {
				t.Fatalf("% x re-encoded as % x", b, back)
			}
		}
	})
}

// TestResumeForwarded: a sender that forwards (Node set) sends the
// bundle as RFC 9171 5.4 has it (previous node, age grown by the time
// held), and a transfer cut and resumed an hour later sends the same
// bytes it began with: the receiver reassembles a whole, valid bundle
// whose age is the time held before the first segment left.
func TestResumeForwarded(t *testing.T) {
	dir := t.TempDir()
	a, b := openStore(t, filepath.Join(dir, "a.db")), openStore(t, filepath.Join(dir, "b.db"))
	defer a.Close()
	defer b.Close()
	bd, _ := bundle.Decode(mkBundle(t, 1, 20000))
	bd.Blocks = append([]bundle.Block{bundle.AgeBlock(2, 0), bundle.HopCountBlock(3, 5, 0)}, bd.Blocks...)
	raw, _ := bd.Encode()
	e, err := a.Put(raw, 0, t0)
	if err != nil {
		t.Fatal(err)
	}
	start := t0.Add(10 * time.Minute) // held ten minutes before the contact
	l := &link{snd: &Sender{Store: a, Peer: 2, Node: 1}, rcv: &Receiver{Store: b, Peer: 1}, rng: rand.New(rand.NewPCG(1, 2)), now: start}
	l.snd.Offer([]bstore.Entry{e})
	l.run(time.Hour, 1200, func(n int) bool { return n == 25 })
	if a.TxAcked(e.Key, 2).Bytes() == 0 {
		t.Fatal("nothing acknowledged before the cut")
	}
	var got []byte
	l2 := &link{snd: &Sender{Store: a, Peer: 2, Node: 1}, rcv: &Receiver{Store: b, Peer: 1, Accepted: func(x bstore.Entry) { got, _, _, _ = b.Get(x.ID) }},
		rng: rand.New(rand.NewPCG(1, 3)), now: l.now.Add(time.Hour)}
	l2.snd.Offer([]bstore.Entry{e})
	l2.run(time.Hour, 1200, nil)
	if got == nil {
		t.Fatal("not accepted after the resume")
	}
	f, err := bundle.Decode(got)
	if err != nil {
		t.Fatalf("the reassembled bundle: %v", err)
	}
	prev, _ := f.PreviousNode()
	age, _ := f.Age()
	_, hops, _ := f.Hops()
	if prev != bundle.IPN(1, 0) || age != uint64((10*time.Minute).Milliseconds()) || hops != 1 {
		t.Errorf("previous node %v, age %d ms, %d hops; want ipn:1.0, 600000 ms (held before the first segment), 1", prev, age, hops)
	}
}

// TestLostBinding loses the segment that binds a bundle's slot, and then
// restarts the receiver mid-transfer (a new Receiver on the same store,
// as after a reboot): the short segments that came without a binding are
// held and placed when the sender, told of them, binds the slot again;
// nothing but the binding is sent twice.
func TestLostBinding(t *testing.T) {
	dir := t.TempDir()
	a, b := openStore(t, filepath.Join(dir, "a.db")), openStore(t, filepath.Join(dir, "b.db"))
	defer a.Close()
	defer b.Close()
	raw := mkBundle(t, 1, 20000)
	e, err := a.Put(raw, 0, t0)
	if err != nil {
		t.Fatal(err)
	}
	accepted := 0
	rcv := func() *Receiver { return &Receiver{Store: b, Peer: 1, Accepted: func(bstore.Entry) { accepted++ }} }
	firstLost := false
	l := &link{snd: &Sender{Store: a, Peer: 2}, rcv: rcv(), rng: rand.New(rand.NewPCG(1, 2)), now: t0,
		drop: func(seg []byte) bool {
			if w, _ := DecodeSegment(seg); w.Bound && len(w.Data) > 0 && !firstLost {
				firstLost = true
				return true
			}
			return false
		}}
	l.snd.Offer([]bstore.Entry{e})
	l.run(time.Hour, 1200, func(n int) bool { return n == 40 })
	if _, rs := b.RxRanges(e.Key); rs.Bytes() == 0 {
		t.Fatal("nothing placed before the restart")
	}
	uncommitted := len(l.rcv.buf)
	l.rcv = rcv() // the receiver restarts: its bindings are gone, and what it had not committed
	l.run(time.Hour, 1200, nil)
	if accepted != 1 {
		t.Fatal("not accepted")
	}
	got, _, _, _ := b.Get(e.ID)
	if string(got) != string(raw) {
		t.Fatal("the bundle differs")
	}
	first := DefaultSegment - (BoundHeader - ShortHeader)
	segs := 1 + (len(raw)-first+DefaultSegment-1)/DefaultSegment
	t.Logf("%d segments: %d sent, %d resent (%d uncommitted at the restart), %d bindings alone", segs, l.snd.SegmentsSent, l.snd.Resent, uncommitted, l.snd.Binds)
	if l.snd.Binds < 1 || l.snd.SegmentsSent > segs+1+uncommitted {
		t.Errorf("%d segments sent for %d, %d bindings alone: the held segments were not placed", l.snd.SegmentsSent, segs, l.snd.Binds)
	}
}

// TestAnotherForwarding: the receiver holds part of a bundle as another
// node forwarded it (its extension blocks differ, and so its length);
// the same bundle arriving from this sender, another length, replaces
// that part instead of being ignored segment by segment (which left a
// fragment of TestBigBundleFragments resent for a whole day).
func TestAnotherForwarding(t *testing.T) {
	dir := t.TempDir()
	a, b := openStore(t, filepath.Join(dir, "a.db")), openStore(t, filepath.Join(dir, "b.db"))
	defer a.Close()
	defer b.Close()
	raw := mkBundle(t, 1, 3000)
	e, err := a.Put(raw, 0, t0)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.RxAdd([]bstore.Segment{{Key: e.Key, Total: uint32(len(raw) + 1), Data: raw[:100]}}, 9); err != nil {
		t.Fatal(err)
	}
	accepted := 0
	l := &link{snd: &Sender{Store: a, Peer: 2}, rcv: &Receiver{Store: b, Peer: 1, Accepted: func(bstore.Entry) { accepted++ }}, rng: rand.New(rand.NewPCG(1, 2)), now: t0}
	l.snd.Offer([]bstore.Entry{e})
	l.run(time.Hour, 1200, nil)
	if accepted != 1 || l.snd.SegmentsSent > 14 {
		t.Fatalf("accepted %d times after %d segments", accepted, l.snd.SegmentsSent)
	}
}
