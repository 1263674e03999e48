package ax25

import (
	"bytes"
	"errors"
	"testing"
)

func TestEncodeKnownFrame(t *testing.T) {
	f := &Frame{Dst: MustAddress("APRS"), Src: MustAddress("N0CALL-7"), Path: []Address{MustAddress("WIDE1-1")}, Info: []byte(">hello")}
	b, err := f.Encode(false)
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{
		'A' << 1, 'P' << 1, 'R' << 1, 'S' << 1, ' ' << 1, ' ' << 1, 0xE0,
		'N' << 1, '0' << 1, 'C' << 1, 'A' << 1, 'L' << 1, 'L' << 1, 0x60 | 7<<1,
		'W' << 1, 'I' << 1, 'D' << 1, 'E' << 1, '1' << 1, ' ' << 1, 0x60 | 1<<1 | 1,
		0x03, 0xF0, '>', 'h', 'e', 'l', 'l', 'o',
	}
	if !bytes.Equal(b, want) {
		t.Fatalf("got  % x\nwant % x", b, want)
	}
	g, err := Decode(b, false)
	if err != nil || g.String() != "N0CALL-7>APRS,WIDE1-1:>hello" {
		t.Fatalf("%v %v", g, err)
	}
}

func TestFCS(t *testing.T) {
	// CRC-16/X.25 check value of "123456789" is 0x906E
	if c := FCS([]byte("123456789")); c != 0x906E {
		t.Fatalf("FCS = %04x, want 906e", c)
	}
	f := &Frame{Dst: MustAddress("DRN01"), Src: MustAddress("LA1IPG"), Info: []byte{1, 2, 3}}
	b, _ := f.Encode(true)
	if _, err := Decode(b, true); err != nil {
		t.Fatal(err)
	}
	for i := range b { // every single-bit error is caught
		for bit := 0; bit < 8; bit++ {
			c := append([]byte(nil), b...)
			c[i] ^= 1 << bit
			if _, err := Decode(c, true); err == nil {
				t.Fatalf("bit %d of byte %d flipped, frame still decodes", bit, i)
			}
		}
	}
	b[len(b)-1] ^= 0xFF
	var e *Error
	if _, err := Decode(b, true); !errors.As(err, &e) || !errors.Is(err, ErrFCS) {
		t.Fatalf("got %v", err)
	}
}

func TestBadAddresses(t *testing.T) {
	for _, s := range []string{"", "TOOLONGX", "AB-16", "A/B"} {
		if _, err := ParseAddress(s); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
}

func FuzzDecode(f *testing.F) {
	fr := &Frame{Dst: MustAddress("DRN01"), Src: MustAddress("LA1IPG-1"), Info: []byte("x")}
	b, _ := fr.Encode(true)
	f.Add(b, true)
	b, _ = fr.Encode(false)
	f.Add(b, false)
	f.Fuzz(func(t *testing.T, b []byte, fcs bool) {
		g, err := Decode(b, fcs)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error of type %T", err)
			}
			return
		}
		again, err := g.Encode(fcs)
		if err != nil {
			t.Fatalf("decoded frame does not encode: %v (%+v)", err, g)
		}
		h, err := Decode(again, fcs)
		if err != nil || h.String() != g.String() {
			t.Fatalf("round trip %q -> %q %v", g, h, err)
		}
	})
}

func TestFCSCheckValue(t *testing.T) {
	// CRC-16/X.25 check value of "123456789".
	if got := FCS([]byte("123456789")); got != 0x906E {
		t.Fatalf("FCS = %04x, want 906e", got)
	}
}

// TestAirBits counts the stuffed zeros against the HDLC stuffer of
// sdr/hdlc's definition, done by hand here: five ones then a zero.
func TestAirBits(t *testing.T) {
	for _, c := range []struct {
		b     []byte
		extra int // stuffed bits
	}{
		{[]byte{0x00}, 0},
		{[]byte{0x1f}, 1},       // 11111000: five ones, low bit first
		{[]byte{0xff}, 1},       // eight ones: one stuffed after five
		{[]byte{0xff, 0xff}, 3}, // sixteen ones: after 5, 10, 15
		{[]byte{0x7e}, 1},       // a flag's pattern in data: 0111 1110
	} {
		b := append([]byte(nil), c.b...)
		f := FCS(b)
		withFCS := append(b, byte(f), byte(f>>8))
		if got, want := AirBits(b, false), AirBits(withFCS, true); got != want {
			t.Errorf("% x: %d bits without the FCS given, %d with", c.b, got, want)
		}
		if got, want := AirBits(c.b, true), 8*(len(c.b)+Gap)+c.extra; got != want {
			t.Errorf("% x: %d bits, want %d", c.b, got, want)
		}
	}
}
