package spool

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func records(t *testing.T, s *Spool, from uint64) []string {
	t.Helper()
	var out []string
	if _, err := s.Read(from, func(_ uint64, rec []byte) bool { out = append(out, string(rec)); return true }); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestAppendSyncReadAckAcrossSegments(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{SegmentBytes: 200})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50; i++ {
		if _, err := s.Append(fmt.Appendf(nil, "point %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if got := records(t, s, 0); len(got) != 0 {
		t.Fatalf("%d records readable before Sync", len(got))
	}
	if err := s.Sync(); err != nil {
		t.Fatal(err)
	}
	got := records(t, s, 0)
	if len(got) != 50 || got[49] != "point 49" {
		t.Fatalf("%d records, last %q", len(got), got[len(got)-1])
	}
	// a reader that follows the spool across segments and appends
	r := s.NewReader(10)
	var seen []string
	r.Read(func(_ uint64, rec []byte) bool { seen = append(seen, string(rec)); return len(seen) < 5 })
	for i := 50; i < 60; i++ {
		s.Append(fmt.Appendf(nil, "point %d", i))
	}
	s.Sync()
	r.Read(func(_ uint64, rec []byte) bool { seen = append(seen, string(rec)); return true })
	r.Close()
	if len(seen) != 50 || seen[0] != "point 10" || seen[49] != "point 59" {
		t.Fatalf("reader saw %d: %q ... %q", len(seen), seen[0], seen[len(seen)-1])
	}
	nseg := len(s.segs)
	if err := s.Ack(40); err != nil {
		t.Fatal(err)
	}
	if len(s.segs) >= nseg {
		t.Errorf("no segment deleted after the ack (%d segments)", len(s.segs))
	}
	s.Close()
	// reopened: acked point and records survive
	s, err = Open(dir, Options{SegmentBytes: 200})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	st := s.State()
	if st.Acked != 40 || st.Next != 60 {
		t.Fatalf("after reopen: %+v", st)
	}
	if got := records(t, s, st.Acked); len(got) != 20 || got[0] != "point 40" {
		t.Fatalf("after reopen: %d records from 40, first %q", len(got), got[0])
	}
}

// A crash in the middle of a write leaves a torn record: Open cuts it off,
// and everything synced before it is there.
func TestTornTail(t *testing.T) {
	dir := t.TempDir()
	s, _ := Open(dir, Options{})
	for i := 0; i < 10; i++ {
		s.Append(fmt.Appendf(nil, "p%d", i))
	}
	s.Sync()
	s.Close()
	segs, _ := filepath.Glob(filepath.Join(dir, "*.seg"))
	f, _ := os.OpenFile(segs[0], os.O_WRONLY|os.O_APPEND, 0)
	f.Write([]byte{40, 0, 0, 0, 1, 2, 3, 4, 'x'}) // a header promising 40 bytes, then the power went
	f.Close()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Recovery == "" {
		t.Error("the repair was not reported")
	}
	if got := records(t, s, 0); len(got) != 10 {
		t.Fatalf("%d records after the repair", len(got))
	}
	s.Append([]byte("p10"))
	s.Sync()
	if got := records(t, s, 0); len(got) != 11 || got[10] != "p10" {
		t.Fatalf("append after the repair: %q", got)
	}
}

func TestDamagedAckFile(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "acked"), []byte("garbage"), 0o644)
	if _, err := Open(dir, Options{}); err == nil {
		t.Fatal("a damaged ack file was accepted")
	}
}

func BenchmarkAppend(b *testing.B) {
	s, _ := Open(b.TempDir(), Options{})
	defer s.Close()
	rec := []byte("hk,apid=100,sat=90001,station=tromso battery=7.412,soc=88i,temp=-12.5 1795000000000000000")
	for i := 0; b.Loop(); i++ {
		s.Append(rec)
		if i%5000 == 0 {
			s.Sync()
		}
	}
}

// TestOneWriter: a second writer is refused (two stations sharing a data
// folder used to overwrite each other's records); a read-only open beside
// the writer reads every durable record and changes nothing.
func TestOneWriter(t *testing.T) {
	dir := t.TempDir()
	w, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		w.Append([]byte(fmt.Sprintf("rec %d", i)))
	}
	w.Sync()
	w.Append([]byte("not yet synced"))
	if _, err := Open(dir, Options{}); !errors.Is(err, ErrLocked) {
		t.Fatalf("a second writer: %v", err)
	}
	r, err := Open(dir, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	if _, err := r.Read(0, func(_ uint64, rec []byte) bool { n++; return true }); err != nil || n != 10 {
		t.Fatalf("read-only: %d records, %v", n, err)
	}
	if _, err := r.Append([]byte("x")); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("append to a read-only spool: %v", err)
	}
	r.Close()
	w.Append([]byte("after the reader"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	w2, err := Open(dir, Options{}) // the lock went with the writer
	if err != nil {
		t.Fatal(err)
	}
	defer w2.Close()
	n = 0
	w2.Read(0, func(_ uint64, rec []byte) bool { n++; return true })
	if n != 12 {
		t.Fatalf("after reopening: %d records, want 12", n)
	}
}
