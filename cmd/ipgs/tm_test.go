package main

import (
	"encoding/binary"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipgs/ipgs/telemetry"
	"github.com/ipgs/ipgs/telemetry/dict"
)

// tm query prints a table by default and tm export CSV: each has its own
// --format default.
func TestTMQueryAndExportFormats(t *testing.T) {
	data := t.TempDir()
	d, err := dict.Load("../../examples/telemetry.yaml")
	if err != nil {
		t.Fatal(err)
	}
	st, err := telemetry.OpenStore(filepath.Join(data, "telemetry"), d)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Add(-time.Minute)
	for i := 0; i < 3; i++ {
		b := make([]byte, 23)
		binary.BigEndian.PutUint32(b, uint32(i+1))
		binary.BigEndian.PutUint16(b[4:], 7400)
		st.Ingest(&telemetry.Packet{Sat: 90001, Station: "Tromso", APID: 100, Onboard: now.Add(time.Duration(i) * time.Second), Ground: now, Data: b})
	}
	st.Close()
	out, errs, code := run(t, "tm", "query", "90001", "battery", "--config", "../../examples/mission.yaml", "--data", data, "--local")
	if code != 0 || !strings.HasPrefix(out, "TIME (UTC)") || strings.Count(out, " 7.4\n") != 3 { // the value column (a timestamp can hold "7.4" too)
		t.Fatalf("query: %d %q %s", code, out, errs)
	}
	out, errs, code = run(t, "tm", "export", "--config", "../../examples/mission.yaml", "--data", data, "--local")
	if code != 0 || !strings.HasPrefix(out, "time,sat,station,measurement,field,value") {
		t.Fatalf("export: %d %q %s", code, out, errs)
	}
}

// TestTMQueryUnknown (issue: tm query of an unknown field or satellite
// printed nothing with exit 0, as an empty store would): exit 2 and why.
func TestTMQueryUnknown(t *testing.T) {
	for _, c := range []struct{ sat, field, want string }{
		{"90001", "nosuch", "not in the telemetry dictionary"},
		{"12345", "battery", "not in the mission"},
	} {
		_, stderr, code := run(t, "tm", "query", c.sat, c.field, "--config", "../../examples/mission.yaml", "--local", "--data", t.TempDir())
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("tm query %s %s: exit %d, %q", c.sat, c.field, code, stderr)
		}
	}
}

// TestShowDictionary: ipgs tm dictionary converts an XTCE database as
// the station reads it and names what it could not map.
func TestShowDictionary(t *testing.T) {
	out, errOut, code := run(t, "tm", "dictionary", "--commands", "../../examples/bus-b.xtce.xml")
	if code != 0 || !strings.Contains(out, "name: SET_MODE") || !strings.Contains(out, "codes:") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	out, errOut, code = run(t, "tm", "dictionary", "../../telemetry/dict/testdata/xtce/idex_combined_science_definition.xml")
	if code != 0 || !strings.Contains(out, "apid: 1424") || !strings.Contains(errOut, "not mapped: container Sci0TypeNonZero") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	_, errOut, code = run(t, "tm", "dictionary", "../../examples/mission.yaml")
	if code != 2 || !strings.Contains(errOut, "mission.yaml") {
		t.Fatalf("a mission file as a dictionary: exit %d: %s", code, errOut)
	}
}
