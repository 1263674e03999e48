package tc

import (
	"bytes"
	"testing"
)

// TestFrameAndCLTU: a frame through a CLTU and back, whole; the frame's
// header fields as 232.0-B lays them out; a one-bit error in a codeblock
// corrected, two ending the CLTU (the frame's FECF then fails).
func TestFrameAndCLTU(t *testing.T) {
	f := &Frame{SCID: 0x1ab, VCID: 3, Seq: 200, Data: []byte("SET_HEATER on=true setpoint=25")}
	raw, err := f.Encode(nil)
	if err != nil {
		t.Fatal(err)
	}
	// version 00, bypass 0, control 0, spare 00, SCID 0x1ab: 01 ab;
	// VCID 3 and length-1
	if raw[0] != 0x01 || raw[1] != 0xab || raw[2]>>2 != 3 || int(raw[2]&3)<<8|int(raw[3]) != len(raw)-1 || raw[4] != 200 {
		t.Fatalf("header % X", raw[:5])
	}
	cltu := CLTU(raw)
	if !bytes.HasPrefix(cltu, []byte{0xeb, 0x90}) || !bytes.HasSuffix(cltu, []byte{0xc5, 0xc5, 0xc5, 0xc5, 0xc5, 0xc5, 0xc5, 0x79}) {
		t.Fatalf("CLTU % X", cltu)
	}
	data, fixed, err := ReadCLTU(cltu, true)
	if err != nil || fixed != 0 {
		t.Fatal(err)
	}
	g, _, err := Decode(data)
	if err != nil || g.SCID != f.SCID || g.VCID != f.VCID || g.Seq != f.Seq || !bytes.Equal(g.Data, f.Data) {
		t.Fatalf("%+v, %v", g, err)
	}
	one := bytes.Clone(cltu)
	one[2+8+3] ^= 0x10 // a bit in the second codeblock
	if data, fixed, err := ReadCLTU(one, true); err != nil || fixed != 1 {
		t.Fatalf("one bit: %d fixed, %v", fixed, err)
	} else if _, _, err := Decode(data); err != nil {
		t.Fatalf("one bit corrected, yet: %v", err)
	}
	two := bytes.Clone(cltu)
	two[2+8+3] ^= 0x11
	if data, _, _ := ReadCLTU(two, true); len(data) != 7 {
		t.Fatalf("two bits in the second codeblock: %d bytes read, want the first block's 7", len(data))
	}
}

// TestBCHAllZero: the codeblock of seven zero bytes has parity
// 1111111 (the complement of zero) and the filler bit 0: FE.
func TestBCHAllZero(t *testing.T) {
	if p := bchParity(make([]byte, 7)); p != 0xfe {
		t.Fatalf("parity %02X, want FE", p)
	}
}

func TestControlCommands(t *testing.T) {
	for _, cc := range [][]byte{Unlock, SetVR(42)} {
		raw, err := (&Frame{Bypass: true, Control: true, SCID: 5, VCID: 1, Data: cc}).Encode(nil)
		if err != nil {
			t.Fatal(err)
		}
		g, _, err := Decode(raw)
		if err != nil || !g.Bypass || !g.Control || !bytes.Equal(g.Data, cc) {
			t.Fatalf("%+v %v", g, err)
		}
	}
}

func FuzzDecode(f *testing.F) {
	raw, _ := (&Frame{SCID: 1, VCID: 1, Data: []byte{1, 2, 3}}).Encode(nil)
	f.Add(raw)
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, rest, err := Decode(b)
		if err == nil && (len(fr.Data) == 0 || len(rest) > len(b)) {
			t.Fatal("a bad frame")
		}
	})
}

func FuzzCLTU(f *testing.F) {
	raw, _ := (&Frame{SCID: 1, VCID: 1, Data: []byte{1, 2, 3}}).Encode(nil)
	f.Add(CLTU(raw))
	f.Fuzz(func(t *testing.T, b []byte) {
		data, _, err := ReadCLTU(b, true)
		if err == nil && len(data)%7 != 0 {
			t.Fatal("a CLTU's data is not whole codeblocks")
		}
	})
}
