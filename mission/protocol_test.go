package mission

import (
	"strings"
	"testing"
)

// TestCCSDSProfile: a satellite's link profile parses with its defaults
// filled in, an AX.25 satellite has none, and wrong parameters are named
// where they stand.
func TestCCSDSProfile(t *testing.T) {
	m, err := Parse([]byte(strings.Replace(goodMission, "norad: 1", "norad: 1\n    protocol: ccsds\n    ccsds: {scid: 0x1a3, interleave: 2}", 1)), "m.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p := m.Satellites[0].CCSDSProfile()
	if p == nil || p.SCID != 0x1a3 || p.Coding != "rs+conv" || p.FrameLength != 446 || !*p.FECF || !*p.Randomize || p.SPI != 1 {
		t.Fatalf("profile %+v", p)
	}
	if m, _ := Parse([]byte(goodMission), "m.yaml"); m.Satellites[0].CCSDSProfile() != nil {
		t.Fatal("an AX.25 satellite with a CCSDS profile")
	}
	for _, c := range []struct{ repl, want string }{
		{"protocol: x25", "satellites[0].protocol"},
		{"protocol: ccsds\n    ccsds: {scid: 2000}", "satellites[0].ccsds.scid"},
		{"protocol: ccsds\n    ccsds: {coding: turbo}", "satellites[0].ccsds.coding"},
		{"protocol: ccsds\n    ccsds: {interleave: 9}", "satellites[0].ccsds.interleave"},
		{"protocol: ccsds\n    ccsds: {frame_length: 1115}", "satellites[0].ccsds.frame_length"},
		{"protocol: ccsds\n    ccsds: {coding: none, frame_length: 20}", "satellites[0].ccsds.frame_length"},
		{"protocol: ccsds\n    ccsds: {tm_vc: 6}", "satellites[0].ccsds.tm_vc"},
		{"ccsds: {scid: 1}", "satellites[0].ccsds"},
	} {
		_, err := Parse([]byte(strings.Replace(goodMission, "norad: 1", "norad: 1\n    "+c.repl, 1)), "m.yaml")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want an error at %s", c.repl, err, c.want)
		}
	}
}
