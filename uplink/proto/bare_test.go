package proto

import (
	"bytes"
	"testing"

	"github.com/ipgs/ipgs/uplink/spp"
)

func TestBareFraming(t *testing.T) {
	for _, apid := range []uint16{APIDBundleSeg, APIDBundleAck} {
		b, ok := EncodeBare(apid, []byte("segment"))
		if !ok || len(b) != BareLen+7 {
			t.Fatalf("APID %d: %x", apid, b)
		}
		got, data, ok := DecodeBare(b)
		if !ok || got != apid || !bytes.Equal(data, []byte("segment")) {
			t.Fatalf("APID %d: decoded %d %q %v", apid, got, data, ok)
		}
		if _, _, err := spp.Decode(b); err == nil {
			t.Errorf("APID %d: a bare frame decodes as a space packet", apid)
		}
	}
	if _, ok := EncodeBare(APIDCommand, nil); ok {
		t.Error("a command went bare")
	}
	// no space packet is taken for bare, whatever its APID
	for apid := uint16(0); apid < 2048; apid += 7 {
		for _, typ := range []spp.Type{spp.TM, spp.TC} {
			p, err := (&spp.Packet{Type: typ, APID: apid, Data: []byte{1}}).Encode(nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, ok := DecodeBare(p); ok {
				t.Fatalf("space packet APID %d taken as bare", apid)
			}
		}
	}
	if _, _, ok := DecodeBare([]byte{0xE7}); ok {
		t.Error("an unknown bare kind was taken")
	}
}
