package plan

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ipgs/ipgs/mission"
)

// TestStationCapabilities: in the example mission DRONE-05 downlinks in
// S band and Wallops hears UHF only; Perth may not transmit. The plan
// has no contact of DRONE-05 at Wallops, and --explain says why for
// each of its passes there; Perth's contacts say they are receive only;
// DRONE-05 still gets contacts elsewhere.
func TestStationCapabilities(t *testing.T) {
	m, els := exampleMission(t)
	no := false
	for i := range m.Satellites {
		if m.Satellites[i].NORAD == 90005 {
			m.Satellites[i].DownlinkHz = 2245e6
		}
	}
	for i := range m.Stations {
		switch m.Stations[i].Name {
		case "Wallops":
			m.Stations[i].Capabilities = &mission.Capabilities{Bands: []string{"UHF"}}
		case "Perth":
			m.Stations[i].Capabilities = &mission.Capabilities{Uplink: &no}
		}
	}
	var out bytes.Buffer
	o := Options{Elements: els, Mission: m, Stations: m.PassStations(),
		Start: time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC), Duration: 24 * time.Hour, MinContactS: m.Scheduling.MinContactS,
		MaxPerSat: 1, SlewDegS: 6, SettleS: 5, Format: "table", Explain: true, Out: &out, Log: discard{}}
	pl, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	p := pl.Problem
	elsewhere := 0
	for _, c := range pl.Contacts {
		cd := p.Candidates[c.Cand]
		if p.Sats[cd.Sat].NORAD != 90005 {
			continue
		}
		if p.Stations[cd.Station].Name == "Wallops" {
			t.Errorf("DRONE-05 scheduled at Wallops %s", p.Time(c.Start))
		}
		elsewhere++
	}
	if elsewhere == 0 {
		t.Error("DRONE-05 got no contact anywhere")
	}
	why := "90005 Wallops"
	reason := "the station cannot hear its downlink at 2245.000 MHz (S band): it receives UHF"
	lines := 0
	for _, l := range strings.Split(out.String(), "\n") {
		if strings.Contains(l, "not scheduled: "+why) {
			lines++
			if !strings.Contains(l, reason) {
				t.Errorf("explain: %s", l)
			}
		}
	}
	if lines == 0 {
		t.Errorf("no explanation for DRONE-05 at Wallops:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "receive only: the station may not transmit") {
		t.Errorf("Perth's contacts are not marked receive only:\n%s", out.String())
	}
	t.Logf("%d passes of DRONE-05 over Wallops explained; %d contacts elsewhere", lines, elsewhere)
}

// TestCapabilitiesValidated: bad bands, ranges and modems are named.
func TestCapabilitiesValidated(t *testing.T) {
	y := `version: 1
name: caps
stations:
  - name: A
    lat: 10
    lon: 10
    capabilities: {bands: [UHF, Q], frequencies: [[438e6, 435e6]], modems: [fsk9k6]}
satellites: []
`
	_, err := mission.Parse([]byte(y), "caps.yaml")
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{`stations[0].capabilities.bands[1]: unknown band "Q"`, "stations[0].capabilities.frequencies[0]: range [4.38e+08, 4.35e+08] Hz", `capabilities.modems[0]: unknown modem "fsk9k6"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%v\nwant %q", err, want)
		}
	}
}
