package station

import (
	"bytes"
	"testing"

	"github.com/ipgs/ipgs/uplink/proto"
)

func TestAddRangeMergesRuns(t *testing.T) {
	var rs []proto.Range
	for _, no := range []uint32{1, 2, 3, 7, 8, 10} {
		rs = addRange(rs, no)
	}
	want := []proto.Range{{Lo: 1, Hi: 3}, {Lo: 7, Hi: 8}, {Lo: 10, Hi: 10}}
	if len(rs) != len(want) {
		t.Fatalf("%v", rs)
	}
	for i := range want {
		if rs[i] != want[i] {
			t.Fatalf("%v, want %v", rs, want)
		}
	}
}

type syncBuf struct {
	bytes.Buffer
	syncs int
}

func (s *syncBuf) Sync() error { s.syncs++; return nil }

func TestFileSinkDurableOnSync(t *testing.T) {
	var b syncBuf
	s := NewFileSink(&b)
	s.Write(&TM{Sat: 1, No: 1})
	if b.Len() != 0 {
		t.Fatalf("written before Sync: %q", b.String())
	}
	if err := s.Sync(); err != nil || b.Len() == 0 || b.syncs != 1 {
		t.Fatalf("after Sync: %d bytes, %d syncs, %v", b.Len(), b.syncs, err)
	}
	s.Sync()
	if b.syncs != 1 {
		t.Errorf("Sync with nothing new synced again")
	}
}
