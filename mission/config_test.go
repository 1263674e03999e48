package mission

import (
	"os"
	"strings"
	"testing"

	"github.com/ipgs/ipgs/internal/shared"
)

const goodMission = `version: 1
stations:
  - name: A
    lat: 10
    lon: 20
    alt_m: 5
    horizon_mask: [[0, 5], [180, 15]]
satellites:
  - name: S
    norad: 1
    tle_sources: [s.tle]
`

func TestExampleMissionLoads(t *testing.T) {
	m, err := Load("../examples/mission.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Stations) != 3 || len(m.Satellites) != 12 {
		t.Fatalf("stations %d, satellites %d", len(m.Stations), len(m.Satellites))
	}
	sts := m.PassStations()
	if sts[2].MinElevation != 5 || sts[1].MinElevation != 10 {
		t.Errorf("min elevations %v %v", sts[2].MinElevation, sts[1].MinElevation)
	}
	if got := sts[0].Threshold(135); got != 12 {
		t.Errorf("Tromso threshold at 135° = %v, want the mask's 12", got)
	}
	if src := m.Sources(); len(src) != 1 || !strings.HasSuffix(src[0], "examples/drones.tle") {
		t.Errorf("sources %v", src)
	}
}

func TestMissionErrorsNameFileLineField(t *testing.T) {
	for _, c := range []struct{ name, edit, want string }{
		{"type", "lat: 10", "m.yaml:4: stations[0].lat: cannot unmarshal !!str `north` into float64"},
		{"unknown field", "alt_m: 5", "m.yaml:6: stations[0].altitude: field altitude not found"},
		{"range", "lon: 20", "m.yaml:5: stations[0].lon: longitude 720 is outside [-180, 360]"},
		{"mask", "horizon_mask: [[0, 5], [180, 15]]", "m.yaml:7: stations[0].horizon_mask: azimuth 0 appears twice"},
		{"priority", "norad: 1", "m.yaml:11: satellites[0].priority: priority -1 must be a positive number up to 1e6"},
		{"terrestrial", "alt_m: 5", "m.yaml:8: stations[0].terrestrial[0]: \"B\" is not a station of this mission"},
		{"tcpcl", "alt_m: 5", "m.yaml:7: stations[0].tcpcl: tcpcl \"4556\": want host:port"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var repl string
			switch c.name {
			case "type":
				repl = "lat: north"
			case "unknown field":
				repl = "altitude: 5"
			case "range":
				repl = "lon: 720"
			case "mask":
				repl = "horizon_mask: [[0, 5], [0, 15]]"
			case "priority":
				repl = "norad: 1\n    priority: -1"
			case "terrestrial":
				repl = "alt_m: 5\n    dtn_node: ipn:1.0\n    terrestrial: [B]"
			case "tcpcl":
				repl = "alt_m: 5\n    tcpcl: \"4556\""
			}
			_, err := Parse([]byte(strings.Replace(goodMission, c.edit, repl, 1)), "m.yaml")
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want %q", err, c.want)
			}
			if !IsBadInput(err) {
				t.Errorf("not marked as bad input")
			}
		})
	}
	if _, err := Parse([]byte(goodMission), "m.yaml"); err != nil {
		t.Fatal(err)
	}
}

func TestHorizonMaskWrapsNorth(t *testing.T) {
	m, err := NewHorizonMask([]MaskPoint{{90, 10}, {270, 30}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ az, want float64 }{{90, 10}, {180, 20}, {270, 30}, {0, 20}, {360, 20}, {315, 25}, {45, 15}} {
		if got := m.At(c.az); got != c.want {
			t.Errorf("At(%v) = %v, want %v", c.az, got, c.want)
		}
	}
}

func TestStationsCSVErrors(t *testing.T) {
	_, err := ParseStationsCSV(strings.NewReader("name,lat,lon,alt_m\nA,1,2,3\nB,95,2,3\n"), "s.csv", 10)
	if err == nil || !strings.Contains(err.Error(), "s.csv:3: column 2 (lat) of station \"B\": 95 is outside [-90, 90]") {
		t.Fatalf("got %v", err)
	}
	f, err := os.Open(shared.Orbit(t, "stations_100.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sts, err := ParseStationsCSV(f, "stations_100.csv", 10)
	if err != nil || len(sts) != 100 {
		t.Fatalf("%d stations, %v", len(sts), err)
	}
}

func FuzzMission(f *testing.F) {
	f.Add([]byte(goodMission))
	if b, err := os.ReadFile("../examples/mission.yaml"); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse(b, "fuzz.yaml")
		if err == nil {
			m.PassStations()
			m.Sources()
		}
	})
}

func FuzzStationsCSV(f *testing.F) {
	f.Add("name,lat,lon,alt_m\nA,1,2,3\n")
	f.Fuzz(func(t *testing.T, s string) {
		ParseStationsCSV(strings.NewReader(s), "fuzz.csv", 10)
	})
}

// TestMissionRefusesNonFinite (issue: priority .inf was taken and then
// broke schedule --format json and demo with "json: unsupported value:
// +Inf" and no place; downlink_hz .nan was taken; two satellites could
// share a name): every such value is refused at its place.
func TestMissionRefusesNonFinite(t *testing.T) {
	for _, c := range []struct{ repl, want string }{
		{"norad: 1\n    priority: .inf", "satellites[0].priority"},
		{"norad: 1\n    priority: .nan", "satellites[0].priority"},
		{"norad: 1\n    downlink_hz: .nan", "satellites[0].downlink_hz"},
		{"norad: 1\n    uplink_hz: -.inf", "satellites[0].uplink_hz"},
		{"norad: 1\n    bit_rate: .inf", "satellites[0].bit_rate"},
		{"norad: 1\n    demand: {seconds_per_day: .nan}", "satellites[0].demand.seconds_per_day"},
	} {
		_, err := Parse([]byte(strings.Replace(goodMission, "norad: 1", c.repl, 1)), "m.yaml")
		if err == nil || !strings.Contains(err.Error(), "m.yaml:") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want an error at %s", c.repl, err, c.want)
		}
	}
	two := goodMission + "  - name: " + satName(t) + "\n    norad: 2\n    tle_sources: [x.tle]\n"
	if _, err := Parse([]byte(two), "m.yaml"); err == nil || !strings.Contains(err.Error(), "satellites[1].name") {
		t.Errorf("a second satellite of the same name: %v", err)
	}
}

// satName is the good mission's first satellite's name.
func satName(t *testing.T) string {
	m, err := Parse([]byte(goodMission), "m.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return m.Satellites[0].Name
}

// TestFlowMappingField (issue: norad: "abc" in a flow mapping was
// reported at satellites[0].name): the field whose value is wrong is
// named, wherever it stands on its line.
func TestFlowMappingField(t *testing.T) {
	doc := "stations:\n  - {name: A, lat: 1, lon: 2}\nsatellites:\n  - {name: S, norad: \"abc\", tle_sources: [s.tle]}\n"
	_, err := Parse([]byte(doc), "m.yaml")
	if err == nil || !strings.Contains(err.Error(), "m.yaml:4: satellites[0].norad:") {
		t.Fatalf("got %v, want the error at m.yaml:4: satellites[0].norad", err)
	}
}

// TestRelayErrors: a relay's body, node and via are checked, each error
// naming the line and field.
func TestRelayErrors(t *testing.T) {
	for _, c := range []struct{ relay, want string }{
		{`{name: R, body: venus, dtn_node: "ipn:9.0"}`, `relays[0].body: body "venus": want moon or mars`},
		{`{name: R, body: moon, dtn_node: "ipn:x"}`, `relays[0].dtn_node`},
		{`{name: R, body: mars, dtn_node: "ipn:9.0", via: S}`, `relays[0].via: via "S" is not another relay of the mission`},
		{`{name: R, body: mars, dtn_node: "ipn:9.0", rate: -1}`, `relays[0].rate: rate -1 bit/s is outside [0, 1e9]`},
	} {
		_, err := Parse([]byte(goodMission+"relays:\n  - "+c.relay+"\n"), "m.yaml")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", c.relay, err, c.want)
		}
	}
	if _, err := Parse([]byte(goodMission+"relays:\n  - {name: R, body: moon, dtn_node: \"ipn:9.0\"}\n"), "m.yaml"); err != nil {
		t.Fatal(err)
	}
}
