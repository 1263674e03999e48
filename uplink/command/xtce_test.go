package command

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// TestCommandsFromXTCE: the example's second bus, shipped as XTCE,
// becomes a command dictionary: opcodes from the assignments, the enum's
// wire codes kept (1, 2, 5), ranges, units, the critical REBOOT
// hazardous, the abstract base left out.
func TestCommandsFromXTCE(t *testing.T) {
	data, err := os.ReadFile("../../examples/bus-b.xtce.xml")
	if err != nil {
		t.Fatal(err)
	}
	d, notes, err := ParseXTCE(data, "bus-b.xtce.xml")
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) != 0 {
		t.Errorf("notes: %v", notes)
	}
	if len(d.Commands) != 6 {
		t.Fatalf("%d commands", len(d.Commands))
	}
	sm, _ := d.Lookup("SET_MODE")
	if sm.Opcode != 33 || sm.Args[0].Type != "enum" || strings.Join(sm.Args[0].Values, ",") != "nominal,safe,science" {
		t.Fatalf("SET_MODE %+v", sm)
	}
	vals, err := sm.Validate([]string{"mode=science"})
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := sm.Encode(vals); !bytes.Equal(b, []byte{5}) {
		t.Errorf("science encodes as %x, want 05", b)
	}
	if back, err := sm.Decode([]byte{2}); err != nil || back[0].Text != "safe" {
		t.Errorf("02 decodes as %v %v", back, err)
	}
	hk, _ := d.Lookup("SET_HK_PERIOD")
	if _, err := hk.Validate([]string{"seconds=0"}); err == nil || !strings.Contains(err.Error(), "outside 1..3600 s") {
		t.Errorf("range: %v", err)
	}
	if rb, _ := d.Lookup("REBOOT"); !rb.Hazardous || rb.Opcode != 47 {
		t.Errorf("REBOOT %+v", rb)
	}
	if lg, _ := d.Lookup("LOG"); lg.Args[0].MaxLen != 80 {
		t.Errorf("LOG %+v", lg)
	}
	if _, ok := d.Lookup("BusBCommand"); ok {
		t.Error("the abstract base is a command")
	}
}
