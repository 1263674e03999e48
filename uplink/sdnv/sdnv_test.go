package sdnv

import (
	"math"
	"testing"
)

// TestRFC6256Examples: the RFC's own encodings, and every width round trip.
func TestRFC6256Examples(t *testing.T) {
	for _, c := range []struct {
		v    uint64
		want []byte
	}{
		{0xABC, []byte{0x95, 0x3C}},
		{0x1234, []byte{0xA4, 0x34}},
		{0x4234, []byte{0x81, 0x84, 0x34}},
		{0x7F, []byte{0x7F}},
		{0, []byte{0}},
	} {
		if got := Append(nil, c.v); string(got) != string(c.want) {
			t.Errorf("%#x: % x, want % x", c.v, got, c.want)
		}
	}
	for _, v := range []uint64{0, 1, 127, 128, 16383, 16384, 1 << 32, math.MaxUint64} {
		b := Append(nil, v)
		got, n, err := Decode(append(b, 0xFF))
		if err != nil || got != v || n != len(b) {
			t.Errorf("%d: %d, %d, %v", v, got, n, err)
		}
	}
	if _, _, err := Decode([]byte{0x81, 0x82}); err == nil {
		t.Error("a value cut short decoded")
	}
	if _, _, err := Decode([]byte{0x82, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0}); err == nil {
		t.Error("a 71-bit value decoded")
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte{0x95, 0x3C})
	f.Add([]byte{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F})
	f.Fuzz(func(t *testing.T, b []byte) {
		v, n, err := Decode(b)
		if err != nil {
			return
		}
		if got := Append(nil, v); n < len(got) {
			t.Fatalf("% x: %d in %d bytes, its encoding takes %d", b, v, n, len(got))
		}
	})
}
