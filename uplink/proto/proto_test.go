package proto

import (
	"testing"
	"time"

	"github.com/ipgs/ipgs/uplink/ax25"
	"github.com/ipgs/ipgs/uplink/spp"
)

func TestMessagesRoundTrip(t *testing.T) {
	h := HK{No: 7, BatteryMV: 8123, SoC: 77, SolarCW: 512, TempCC: -1234, Mode: 1, Sunlit: 255, Stored: 9, Reboots: 1, Generated: 99}
	if g, err := DecodeHK(h.Encode()); err != nil || g != h {
		t.Fatalf("%+v %v", g, err)
	}
	a := CmdAck{No: 1, CmdID: 42, Stage: StageFailed, Reason: "battery too low"}
	if g, err := DecodeCmdAck(a.Encode()); err != nil || g != a {
		t.Fatalf("%+v %v", g, err)
	}
	rs := []Range{{1, 5}, {9, 9}}
	if g, err := DecodeAck(EncodeAck(rs)); err != nil || len(g) != 2 || g[1] != rs[1] {
		t.Fatalf("%+v %v", g, err)
	}
	c := Command{ID: 3, Opcode: 0x101, At: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Args: []byte{1}}
	g, err := DecodeCommand(c.Encode())
	if err != nil || g.ID != 3 || !g.At.Equal(c.At) || g.Args[0] != 1 {
		t.Fatalf("%+v %v", g, err)
	}
	for _, fcs := range []bool{false, true} {
		b, err := Frame(ax25.MustAddress("DRN01"), ax25.MustAddress("LA1IPG"), &spp.Packet{APID: APIDHousekeeping, Data: h.Encode()}, fcs)
		if err != nil {
			t.Fatal(err)
		}
		f, p, err := Unframe(b, fcs)
		if err != nil || f.Src.Call != "DRN01" || p.APID != APIDHousekeeping {
			t.Fatalf("fcs %v: %v %+v %v", fcs, f, p, err)
		}
	}
}

func FuzzMessages(f *testing.F) {
	f.Add([]byte{1, 0, 0, 0, 1, 0, 0, 0, 2})
	f.Fuzz(func(t *testing.T, b []byte) {
		DecodeHK(b)
		DecodeCmdAck(b)
		DecodeAck(b)
		DecodeCommand(b)
		PacketNo(b)
		Unframe(b, true)
		Unframe(b, false)
	})
}

// TestSessionOpenEnd: a SessionOpen names the contact's end to the
// millisecond; the old one-byte form names none.
func TestSessionOpenEnd(t *testing.T) {
	end := time.Date(2026, 12, 4, 10, 15, 30, 250e6, time.UTC)
	if got := SessionEnd(EncodeSessionOpen(end)); !got.Equal(end) {
		t.Errorf("%v, want %v", got, end)
	}
	for _, b := range [][]byte{{SessionOpen}, EncodeSessionOpen(time.Time{}), {SessionClose, 1, 2, 3, 4, 5, 6, 7, 8}, {SessionOpen, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}} {
		if got := SessionEnd(b); !got.IsZero() {
			t.Errorf("% x: end %v, want none", b, got)
		}
	}
}
