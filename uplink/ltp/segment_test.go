package ltp

import (
	"bytes"
	"reflect"
	"testing"
)

// TestSegmentsRoundTrip encodes every segment type and reads it back.
func TestSegmentsRoundTrip(t *testing.T) {
	sid := SessionID{Engine: 900, Number: 1 << 40}
	for _, s := range []*Segment{
		{Type: RedData, Session: sid, Client: 1, Offset: 0, Data: []byte("hello")},
		{Type: RedCPEORPEOB, Session: sid, Client: 1, Offset: 1400, Data: []byte("world"), Checkpoint: 77, Serial: 0},
		{Type: RedCP, Session: sid, Client: 1, Offset: 10, Data: []byte{1}, Checkpoint: 78, Serial: 5, Headers: []Extension{{Tag: 0, Value: []byte{1, 2}}}},
		{Type: GreenEOB, Session: sid, Client: 2, Offset: 3, Data: []byte("g")},
		{Type: Report, Session: sid, Serial: 5, Checkpoint: 77, Upper: 1405, Lower: 0, Claims: []Claim{{0, 1000}, {1200, 205}}},
		{Type: ReportAck, Session: sid, Serial: 5, Trailer: []Extension{{Tag: 1, Value: []byte("t")}}},
		{Type: CancelSender, Session: sid, Reason: ReasonRLEXC},
		{Type: CancelAckToS, Session: sid},
		{Type: CancelRecv, Session: sid, Reason: ReasonSystemCancel},
		{Type: CancelAckToR, Session: sid},
	} {
		b := s.Append(nil)
		got, err := Decode(b)
		if err != nil {
			t.Fatalf("type %d: %v (% x)", s.Type, err, b)
		}
		if !reflect.DeepEqual(got, s) {
			t.Fatalf("type %d: got %+v, want %+v", s.Type, got, s)
		}
	}
}

// TestRFCLayout pins the first bytes to RFC 5326 section 3.1: version 0
// and the type in one byte, the session id as two SDNVs, the extension
// counts in one byte, then a data segment's client service id, offset
// and length.
func TestRFCLayout(t *testing.T) {
	s := &Segment{Type: RedCPEORPEOB, Session: SessionID{Engine: 2, Number: 200}, Client: 1, Offset: 0, Data: []byte{0xAA}, Checkpoint: 3, Serial: 0}
	want := []byte{0x03, 0x02, 0x81, 0x48, 0x00, 0x01, 0x00, 0x01, 0x03, 0x00, 0xAA}
	if got := s.Append(nil); !bytes.Equal(got, want) {
		t.Fatalf("% x, want % x", got, want)
	}
}

func TestDecodeErrorsSayWhere(t *testing.T) {
	for _, c := range []struct {
		b    []byte
		want string
	}{
		{nil, "empty"},
		{[]byte{0x13}, "version 1"},
		{[]byte{0x05}, "undefined segment type 5"},
		{[]byte{0x00, 0x02}, "session number"},
		{[]byte{0x00, 0x02, 0x01, 0x00, 0x01, 0x00, 0x09}, "9 bytes of data"},
		{[]byte{0x08, 0x02, 0x01, 0x00, 0x01, 0x01, 0x05, 0x00, 0xFF, 0xFF, 0x7F}, "reception claims"},
		{[]byte{0x08, 0x02, 0x01, 0x00, 0x01, 0x01, 0x05, 0x00, 0x01, 0x03, 0x04}, "outside the report"},
		{[]byte{0x09, 0x02, 0x01, 0x00, 0x01, 0x00}, "after the segment"},
	} {
		_, err := Decode(c.b)
		if err == nil || !bytes.Contains([]byte(err.Error()), []byte(c.want)) {
			t.Errorf("% x: %v, want %q", c.b, err, c.want)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add((&Segment{Type: RedCPEORPEOB, Session: SessionID{2, 9}, Client: 1, Data: []byte("abc"), Checkpoint: 4}).Append(nil))
	f.Add((&Segment{Type: Report, Session: SessionID{2, 9}, Serial: 1, Checkpoint: 4, Upper: 3, Claims: []Claim{{0, 3}}}).Append(nil))
	f.Add((&Segment{Type: CancelRecv, Session: SessionID{2, 9}, Reason: 1, Headers: []Extension{{1, []byte("x")}}}).Append(nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := Decode(b)
		if err != nil {
			return
		}
		again, err := Decode(s.Append(nil))
		if err != nil {
			t.Fatalf("% x decoded, its re-encoding did not: %v", b, err)
		}
		if !reflect.DeepEqual(normal(again), normal(s)) {
			t.Fatalf("% x: %+v, re-encoded %+v", b, s, again)
		}
	})
}

// normal makes empty slices nil, for comparing.
func normal(s *Segment) *Segment {
	c := *s
	if len(c.Headers) == 0 {
		c.Headers = nil
	}
	if len(c.Trailer) == 0 {
		c.Trailer = nil
	}
	if len(c.Claims) == 0 {
		c.Claims = nil
	}
	return &c
}
