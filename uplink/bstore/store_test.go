package bstore

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ipgs/ipgs/uplink/bundle"
)

var t0 = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

func dtn(t time.Time) uint64 { return uint64(t.Sub(epoch2000).Milliseconds()) }

func mk(t *testing.T, seq uint64, size int, class uint64, life time.Duration) []byte {
	t.Helper()
	b := &bundle.Bundle{
		Primary: bundle.Primary{CRCType: bundle.CRC32C, Dest: bundle.IPN(20, 1), Source: bundle.IPN(10, 1), ReportTo: bundle.IPN(10, 1), Created: dtn(t0), Seq: seq, Lifetime: uint64(life.Milliseconds())},
		Blocks:  []bundle.Block{{Type: bundle.TypePayload, Number: 1, CRCType: bundle.CRC32C, Data: make([]byte, size)}},
	}
	b.SetClass(class)
	raw, err := b.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func open(t *testing.T, path string, o Options) *Store {
	t.Helper()
	s, err := Open(path, o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPutDedupExpireSurvive(t *testing.T) {
	path := filepath.Join(t.TempDir(), "b.db")
	s := open(t, path, Options{})
	raw := mk(t, 1, 100, Expedited, time.Hour)
	e, err := s.Put(raw, 7, t0)
	if err != nil {
		t.Fatal(err)
	}
	if e.Class != Expedited || e.DestNode != 20 || e.From != 7 || e.ID != "ipn:10.1/"+itoa(dtn(t0))+"/1" {
		t.Fatalf("entry %+v", e)
	}
	if _, err := s.Put(raw, 8, t0); !errors.Is(err, ErrDuplicate) {
		t.Fatalf("second put: %v", err)
	}
	if _, err := s.Put(mk(t, 2, 10, Normal, time.Minute), 0, t0.Add(time.Minute)); !errors.Is(err, ErrExpired) {
		t.Fatalf("expired put: %v", err)
	}
	s.Close()

	// what Put returned for is there after a reopen, and still a duplicate
	// after it was removed
	s = open(t, path, Options{})
	defer s.Close()
	got, _, ok, err := s.Get(e.ID)
	if err != nil || !ok || string(got) != string(raw) {
		t.Fatalf("after reopen: ok=%v err=%v", ok, err)
	}
	// forwarded (removed), then back: taken again, custody is never dropped
	if err := s.Remove(e.ID); err != nil {
		t.Fatal(err)
	}
	if s.SeenKey(e.Key) {
		t.Fatal("a forwarded bundle counts as held")
	}
	if _, err := s.Put(raw, 8, t0); err != nil {
		t.Fatalf("put after forwarding: %v", err)
	}
	// delivered here: a later copy is a duplicate
	if err := s.Delivered(e.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(raw, 8, t0); !errors.Is(err, ErrDuplicate) || !s.SeenKey(e.Key) {
		t.Fatalf("put after delivery: %v", err)
	}
	if used, _ := s.Usage(); used != [3]int64{} {
		t.Fatalf("usage after remove %v", used)
	}
	// expiry deletes held bundles and then forgets their ids
	if _, err := s.Put(mk(t, 3, 10, Bulk, 2*time.Hour), 0, t0); err != nil {
		t.Fatal(err)
	}
	gone, err := s.Expire(t0.Add(90 * time.Minute))
	if err != nil || len(gone) != 0 {
		t.Fatalf("early expire: %v %v", gone, err)
	}
	gone, err = s.Expire(t0.Add(3 * time.Hour))
	if err != nil || len(gone) != 1 {
		t.Fatalf("expire: %v %v", gone, err)
	}
	if s.Seen(e.ID) {
		t.Fatal("an expired id is still remembered")
	}
}

func itoa(v uint64) string { return strconv.FormatUint(v, 10) }

func TestQuotaRefusesNewKeepsOld(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "b.db"), Options{Quota: [3]int64{1000, 1000, 1000}})
	defer s.Close()
	for i := range 3 {
		if _, err := s.Put(mk(t, uint64(i), 250, Bulk, time.Hour), 0, t0); err != nil {
			t.Fatal(err)
		}
	}
	_, err := s.Put(mk(t, 9, 250, Bulk, time.Hour), 0, t0)
	if !errors.Is(err, ErrFull) || !strings.Contains(err.Error(), "bulk class holds") {
		t.Fatalf("full: %v", err)
	}
	// another class has its own quota
	if _, err := s.Put(mk(t, 10, 250, Expedited, time.Hour), 0, t0); err != nil {
		t.Fatal(err)
	}
	l, _ := s.List()
	if len(l) != 4 || l[0].Class != Expedited {
		t.Fatalf("list %+v", l)
	}
}

func TestPartialResume(t *testing.T) {
	path := filepath.Join(t.TempDir(), "b.db")
	s := open(t, path, Options{})
	raw := mk(t, 1, 1000, Normal, time.Hour)
	_, e, err := Describe(raw)
	if err != nil {
		t.Fatal(err)
	}
	total := uint32(len(raw))
	seg := func(lo, hi uint32) Segment { return Segment{e.Key, total, lo, raw[lo:hi]} }
	if err := s.RxAdd([]Segment{seg(0, 300), seg(600, 900)}, 10); err != nil {
		t.Fatal(err)
	}
	if _, done, _ := s.RxFinish(e.Key, t0); done {
		t.Fatal("finished with bytes missing")
	}
	s.Close()
	s = open(t, path, Options{})
	defer s.Close()
	tot, rs := s.RxRanges(e.Key)
	if tot != total || len(rs) != 2 || rs[0] != (Range{0, 300}) || rs[1] != (Range{600, 900}) {
		t.Fatalf("after reopen %d %v", tot, rs)
	}
	// a shorter resend at the same offset (smaller segments) keeps what
	// is held: regression for a transfer that never completed
	s.RxAdd([]Segment{seg(0, 100)}, 10)
	if _, rs := s.RxRanges(e.Key); rs[0] != (Range{0, 300}) {
		t.Fatalf("a shorter resend shrank the held range: %v", rs)
	}
	// a segment with another total is ignored
	s.RxAdd([]Segment{{e.Key, total + 1, 300, raw[300:600]}}, 10)
	s.RxAdd([]Segment{seg(300, 600), seg(900, total)}, 10)
	got, done, err := s.RxFinish(e.Key, t0)
	if err != nil || !done || got.ID != e.ID || got.From != 10 {
		t.Fatalf("finish %+v %v %v", got, done, err)
	}
	if len(s.RxPending()) != 0 {
		t.Fatal("partial state left")
	}
	back, _, ok, _ := s.Get(e.ID)
	if !ok || string(back) != string(raw) {
		t.Fatal("assembled bundle differs")
	}
}

func TestRanges(t *testing.T) {
	var rs Ranges
	for _, r := range []Range{{10, 20}, {30, 40}, {20, 30}, {0, 5}, {50, 60}, {4, 11}} {
		rs = rs.Add(r)
	}
	if len(rs) != 2 || rs[0] != (Range{0, 40}) || rs[1] != (Range{50, 60}) || rs.Bytes() != 50 {
		t.Fatalf("%v", rs)
	}
	back, rest, err := DecodeRanges(append(rs.AppendBinary(nil), 9))
	if err != nil || len(back) != 2 || back[1] != rs[1] || len(rest) != 1 {
		t.Fatalf("%v %v %v", back, rest, err)
	}
	if _, _, err := DecodeRanges([]byte{0, 1, 0, 0, 0, 5, 0, 0, 0, 5}); err == nil {
		t.Fatal("an empty range decoded")
	}
}

// TestCorruptStore (issue: one page of a bundle store overwritten made
// ipgs bundle list and ipgs station run panic with "invalid freelist
// page"): a damaged store is an error naming the file, for whichever page
// is hit; Salvage moves it aside, keeps the bundles that can be read, says
// what was lost, and the store opens again.
func TestCorruptStore(t *testing.T) {
	now := t0.Add(time.Minute)
	for _, page := range []int{2, 3, 4, 5, -1} {
		t.Run(fmt.Sprintf("page %d", page), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "Tromso.db")
			s := open(t, path, Options{})
			for i := range 40 {
				if _, err := s.Put(mk(t, uint64(i+1), 3000, 1, time.Hour), 0, now); err != nil {
					t.Fatal(err)
				}
			}
			s.Close()
			b, _ := os.ReadFile(path)
			at := page * 4096
			if page < 0 {
				at = len(b) - 4096
			}
			copy(b[at:at+4096], bytes.Repeat([]byte{0xA5}, 4096))
			os.WriteFile(path, b, 0o600)

			s, err := Open(path, Options{})
			if err == nil {
				// a free page: nothing the store holds was hit
				l, err := s.List()
				s.Close()
				if err != nil || len(l) != 40 {
					t.Fatalf("a store that opens lists %d bundles, %v", len(l), err)
				}
				t.Logf("page %d was free: the store opens with every bundle", page)
				return
			}
			var ce *CorruptError
			if !errors.As(err, &ce) || !strings.Contains(err.Error(), path) {
				t.Fatalf("open of a damaged store: %v; want a CorruptError naming %s", err, path)
			}
			res, err := Salvage(path, Options{}, now)
			if err != nil {
				t.Fatal(err)
			}
			s = open(t, path, Options{})
			defer s.Close()
			if res.Kept == 0 {
				t.Errorf("nothing salvaged of 40 bundles: %q", res.Lost)
			}
			l, _ := s.List()
			if len(l) != res.Kept || res.Kept+len(res.Lost) == 0 {
				t.Fatalf("salvage kept %d, the store holds %d, lost %v", res.Kept, len(l), res.Lost)
			}
			if _, err := os.Stat(res.MovedTo); err != nil {
				t.Errorf("the damaged file is not kept: %v", err)
			}
			t.Logf("%v; kept %d of 40, lost %d (%.60q)", err, res.Kept, len(res.Lost), res.Lost)
		})
	}
}

// TestCreationTimeZero (issue 22: a bundle of creation time 0 with a
// bundle age block was stored as expired in 2000): with an age block it
// is taken and lives its lifetime less its age from when it arrived;
// without one it is refused (RFC 9171 4.4.2).
func TestCreationTimeZero(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "b.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	mk := func(seq uint64, age bool) []byte {
		b := &bundle.Bundle{
			Primary: bundle.Primary{CRCType: bundle.CRC32C, Dest: bundle.IPN(2, 1), Source: bundle.IPN(1, 1), ReportTo: bundle.IPN(1, 1), Created: 0, Seq: seq, Lifetime: 3600_000},
			Blocks:  []bundle.Block{{Type: bundle.TypePayload, Number: 1, CRCType: bundle.CRC32C, Data: []byte("no clock")}},
		}
		if age {
			b.Blocks = append([]bundle.Block{bundle.AgeBlock(2, 600_000)}, b.Blocks...)
		}
		raw, err := b.Encode()
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	e, err := s.Put(mk(1, true), 0, now)
	if err != nil {
		t.Fatalf("creation time 0 with an age block: %v", err)
	}
	if want := now.Add(50 * time.Minute); !e.Expires.Equal(want) {
		t.Fatalf("expires %s, want %s (an hour's lifetime less 10 minutes of age)", e.Expires, want)
	}
	if _, err := s.Put(mk(2, false), 0, now); !errors.Is(err, ErrNoClock) {
		t.Fatalf("creation time 0 without an age block: %v", err)
	}
}

// TestHopLimitRefused: a bundle that arrives with its hop count past its
// hop limit is refused (RFC 9171 4.4.3); at the limit it is taken.
func TestHopLimitRefused(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "s.db"), Options{})
	for _, c := range []struct {
		count uint64
		ok    bool
	}{{3, true}, {4, false}} {
		b, _ := bundle.Decode(mk(t, c.count, 10, 0, time.Hour))
		b.Blocks = append([]bundle.Block{bundle.HopCountBlock(9, 3, c.count)}, b.Blocks...)
		raw, err := b.Encode()
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Put(raw, 7, t0)
		if c.ok != (err == nil) || !c.ok && !errors.Is(err, bundle.ErrHopLimit) {
			t.Errorf("hop %d of 3: %v", c.count, err)
		}
	}
}

// TestReplaceWithSameID cuts a fragment again: its first piece starts at
// the fragment's offset and so has the fragment's id. Storing the pieces
// and then removing the fragment lost that first piece (a 1 MB bundle
// never reassembled in the emulator); Replace keeps every piece.
func TestReplaceWithSameID(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "b.db"), Options{})
	defer s.Close()
	frags, err := bundle.Fragment(mk(t, 1, 40000, Normal, time.Hour), 20000)
	if err != nil || len(frags) < 2 {
		t.Fatal(len(frags), err)
	}
	second := frags[1]
	e, err := s.Put(second, 3, t0)
	if err != nil {
		t.Fatal(err)
	}
	pieces, err := bundle.Fragment(second, 8000)
	if err != nil || len(pieces) < 2 {
		t.Fatal(len(pieces), err)
	}
	es, err := s.Replace(e.ID, pieces, 3, t0, t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if es[0].ID != e.ID {
		t.Fatalf("first piece %s, fragment %s: the case is not shown", es[0].ID, e.ID)
	}
	for i, pe := range es {
		raw, got, ok, err := s.Get(pe.ID)
		if !ok || err != nil || !bytes.Equal(raw, pieces[i]) {
			t.Fatalf("piece %d (%s) not held: %v %v", i, pe.ID, ok, err)
		}
		if !got.Received.Equal(t0) {
			t.Fatalf("piece %d received %v, want the fragment's %v", i, got.Received, t0)
		}
	}
	if used, _ := s.Usage(); used[Normal] != int64(sumSizes(es)) {
		t.Fatalf("usage %d, pieces %d", used[Normal], sumSizes(es))
	}
}

func sumSizes(es []Entry) (n int) {
	for _, e := range es {
		n += e.Size
	}
	return n
}
