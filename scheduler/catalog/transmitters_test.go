package catalog

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipgs/ipgs/mission"
)

// TestSatNOGSTransmitters imports a SatNOGS DB transmitter list (its
// API's JSON, served over HTTP here) into a copy of the example mission:
// DRONE-01 moves to its active transmitter, its dead one is listed as
// inactive, comments survive, the file still loads, and tle check warns
// of the inactive transmitters.
func TestSatNOGSTransmitters(t *testing.T) {
	js, err := os.ReadFile("testdata/satnogs_transmitters.json")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(js)
	}))
	defer srv.Close()
	dir := t.TempDir()
	orig, err := os.ReadFile("../../examples/mission.yaml")
	if err != nil {
		t.Fatal(err)
	}
	mf := filepath.Join(dir, "mission.yaml")
	os.WriteFile(mf, orig, 0o644)
	for _, f := range []string{"drones.tle", "commands.yaml", "telemetry.yaml", "bus-b.xtce.xml"} {
		b, _ := os.ReadFile(filepath.Join("../../examples", f))
		os.WriteFile(filepath.Join(dir, f), b, 0o644)
	}
	var out bytes.Buffer
	o := TransmittersOptions{MissionPath: mf, Source: srv.URL + "/api/transmitters/?format=json", Catalog: &Catalog{}, Out: &out}
	if err := RunTransmitters(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if now, _ := os.ReadFile(mf); !bytes.Equal(now, orig) || !strings.Contains(out.String(), "would change") {
		t.Fatalf("a dry run changed the file:\n%s", out.String())
	}
	out.Reset()
	o.Write = true
	if err := RunTransmitters(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", out.String())
	for _, want := range []string{"DRONE-01 (90001): 3 transmitters", "downlink_hz 437.800 MHz -> 437.825 MHz", "uplink_hz 145.900 MHz -> 145.925 MHz",
		"DRONE-02 (90002): SatNOGS DB lists no transmitter"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}
	written, _ := os.ReadFile(mf)
	if !strings.Contains(string(written), "# terrain to the south-east") {
		t.Error("comments lost")
	}
	m, err := mission.Load(mf)
	if err != nil {
		t.Fatal(err)
	}
	var d1, d5, d9 *mission.SatelliteConfig
	for i := range m.Satellites {
		switch m.Satellites[i].NORAD {
		case 90001:
			d1 = &m.Satellites[i]
		case 90005:
			d5 = &m.Satellites[i]
		case 90009:
			d9 = &m.Satellites[i]
		}
	}
	if d1.DownlinkHz != 437.825e6 || d1.UplinkHz != 145.925e6 || d1.Modem != "afsk1200" || len(d1.Transmitters) != 3 || d1.Transmitters[0].Status != "inactive" {
		t.Errorf("DRONE-01: %+v", d1)
	}
	if d5.DownlinkHz != 435.5e6 || d5.Modem != "g3ruh9600" || len(d5.Transmitters) != 1 {
		t.Errorf("DRONE-05: %+v", d5)
	}
	if len(d9.Transmitters) != 1 || d9.Transmitters[0].Status != "inactive" || d9.DownlinkHz != 436.1e6 {
		t.Errorf("DRONE-09 (dead): %+v", d9)
	}
	// tle check warns of the inactive transmitters.
	out.Reset()
	err = RunCheck(context.Background(), Options{Mission: m, Catalog: &Catalog{Dir: filepath.Join(dir, "cache"), Now: func() time.Time { return time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC) }},
		MaxAge: 1000 * 24 * time.Hour, Out: &out, Log: &out})
	if !errors.Is(err, ErrWarnings) || !strings.Contains(out.String(), `DRONE-01 (90001): transmitter "Mode V/U FM (old)" at 437.800 MHz is inactive in SatNOGS DB (listed)`) ||
		!strings.Contains(out.String(), `DRONE-09 (90009): transmitter "GMSK 9k6 (satellite silent)" at 436.100 MHz is inactive in SatNOGS DB (the one its downlink_hz is on)`) {
		t.Errorf("check: %v\n%s", err, out.String())
	}
	// Not SatNOGS's JSON: named.
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte("{\"detail\": \"throttled\"}"), 0o644)
	if err := RunTransmitters(context.Background(), TransmittersOptions{MissionPath: mf, Source: bad, Catalog: &Catalog{}, Out: &out}); err == nil || !strings.Contains(err.Error(), "bad.json:1: not SatNOGS DB's transmitter list") {
		t.Errorf("bad list: %v", err)
	}
}

// FuzzSatNOGSTransmitters: no input makes the parser panic.
func FuzzSatNOGSTransmitters(f *testing.F) {
	js, _ := os.ReadFile("testdata/satnogs_transmitters.json")
	f.Add(js)
	f.Add([]byte(`[{"norad_cat_id":1,"downlink_low":-5}]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		txs, err := mission.ParseSatNOGSTransmitters(b, "fuzz")
		if err == nil {
			for _, l := range txs {
				for _, x := range l {
					if x.DownlinkHz < 0 || x.UplinkHz < 0 {
						t.Fatalf("accepted %+v", x)
					}
				}
			}
		}
	})
}
