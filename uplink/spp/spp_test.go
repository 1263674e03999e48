package spp

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

func TestRoundTrip(t *testing.T) {
	at := time.Date(2026, 11, 22, 3, 4, 5, 500_000_000, time.UTC)
	p := &Packet{Type: TM, APID: 100, Seq: 16383, Time: at, Data: []byte{1, 2, 3}}
	b, err := p.Encode(nil)
	if err != nil {
		t.Fatal(err)
	}
	// version 0, TM, secondary header flag, APID 100 = 0x0864; unsegmented, seq 0x3FFF; length 6+3-1 = 8
	if !bytes.Equal(b[:6], []byte{0x08, 0x64, 0xFF, 0xFF, 0x00, 0x08}) {
		t.Fatalf("header % x", b[:6])
	}
	q, rest, err := Decode(append(b, 0xAA))
	if err != nil || len(rest) != 1 || q.APID != 100 || q.Seq != 16383 || !q.Time.Equal(at) || !bytes.Equal(q.Data, p.Data) {
		t.Fatalf("%+v %v %v", q, rest, err)
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, c := range []struct {
		b    []byte
		want error
	}{
		{[]byte{0, 1}, ErrShort},
		{[]byte{0x20, 0, 0xC0, 0, 0, 5, 1}, ErrVersion},
		{[]byte{0x00, 1, 0xC0, 0, 0, 9, 1, 2}, ErrShort},
		{[]byte{0x08, 1, 0xC0, 0, 0, 1, 1, 2}, ErrShort}, // secondary header flag, 2-byte data field
	} {
		var e *Error
		if _, _, err := Decode(c.b); !errors.As(err, &e) || !errors.Is(err, c.want) {
			t.Errorf("% x: got %v, want %v", c.b, err, c.want)
		}
	}
}

func FuzzDecode(f *testing.F) {
	b, _ := (&Packet{APID: 7, Time: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), Data: []byte("x")}).Encode(nil)
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		p, rest, err := Decode(b)
		if err != nil {
			return
		}
		enc, err := p.Encode(nil)
		if err != nil {
			if len(p.Data) == 0 && p.Time.IsZero() {
				return
			}
			t.Fatalf("decoded packet does not encode: %v", err)
		}
		if len(enc)+len(rest) != len(b) && p.SeqFlags == SeqUnsegmented {
			t.Fatalf("lengths: %d + %d != %d", len(enc), len(rest), len(b))
		}
	})
}
