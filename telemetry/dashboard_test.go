package telemetry

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	influxdb2 "github.com/influxdata/influxdb-client-go/v2"

	"github.com/ipgs/ipgs/telemetry/influxd/influxdtest"
)

// TestGrafanaDashboard runs every Flux query of the shipped dashboard
// against a real InfluxDB holding a store's points, Grafana's macros
// replaced as Grafana would, and checks each returns the series it shows.
func TestGrafanaDashboard(t *testing.T) {
	b, err := os.ReadFile("../deploy/grafana/dashboards/ipgs.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			ID      int
			Title   string
			Targets []struct{ Query string }
		}
		Templating struct {
			List []struct{ Name, Query string }
		}
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("dashboard JSON: %v", err)
	}
	srv := influxdtest.Start(t)
	st, err := OpenStore(t.TempDir(), exampleDict(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// two drones' housekeeping, one low battery (an alarm), and a pass
	for no := uint32(0); no < 100; no++ {
		st.Ingest(hkPacket(90001, no))
		p := hkPacket(90002, no)
		if no >= 50 {
			p.Data[4], p.Data[5] = 0x18, 0x9c // 6.3 V: red
		}
		st.Ingest(p)
	}
	st.Record("pass", [][2]string{{"sat", "90001"}, {"station", "tromso"}}, []Field{{"packets", 100}, {"duration_s", 600.0}, {"gaps", 0},
		{"frame_errors", 1}, {"commands_verified", 2}, {"name", "DRONE-01"}}, epoch.Add(990*time.Second))
	st.Sync()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go (&Shipper{Spool: st.Spool, To: Influx{URL: srv.URL(), Bucket: srv.Bucket()}}).Run(ctx)
	for st.Spool.State().Acked < st.Spool.State().Synced {
		time.Sleep(20 * time.Millisecond)
	}
	grafana := strings.NewReplacer(
		"${bucket}", srv.Bucket(), "${sat}", "90002",
		"v.timeRangeStart", epoch.Add(-time.Hour).Format(time.RFC3339),
		"v.timeRangeStop", epoch.Add(2*time.Hour).Format(time.RFC3339),
		"v.windowPeriod", "1m")
	c := influxdb2.NewClient(srv.URL(), "")
	defer c.Close()
	run := func(name, q string) (rows int, fields map[string]bool, series map[string]bool) {
		t.Helper()
		res, err := c.QueryAPI("").Query(ctx, grafana.Replace(q))
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, grafana.Replace(q))
		}
		fields, series = map[string]bool{}, map[string]bool{}
		for res.Next() {
			rows++
			r := res.Record()
			if f, ok := r.ValueByKey("_field").(string); ok {
				fields[f] = true
			}
			if s, ok := r.ValueByKey("sat").(string); ok {
				series[s] = true
			}
			if s, ok := r.ValueByKey("_value").(string); ok && name == "variable sat" {
				series[s] = true
			}
		}
		if res.Err() != nil {
			t.Fatalf("%s: %v", name, res.Err())
		}
		return rows, fields, series
	}
	for _, v := range dash.Templating.List {
		if v.Query == "" || v.Name == "bucket" {
			continue
		}
		if _, _, s := run("variable "+v.Name, v.Query); !s["90001"] || !s["90002"] {
			t.Errorf("variable %s lists %v", v.Name, s)
		}
	}
	n := 0
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			n++
			rows, fields, series := run(p.Title, tg.Query)
			t.Logf("%-45s %4d rows, fields %v, sats %v", p.Title, rows, keys(fields), keys(series))
			if rows == 0 {
				t.Errorf("panel %q returned nothing", p.Title)
			}
			switch p.Title {
			case "Battery, last value per drone":
				if rows != 2 || len(series) != 2 {
					t.Errorf("%s: %d rows for %v, want one per drone", p.Title, rows, series)
				}
			case "Battery voltage", "Temperature":
				if len(series) != 1 || !series["90002"] {
					t.Errorf("%s: series %v, want the selected drone only", p.Title, series)
				}
			}
		}
	}
	if n < 8 {
		t.Errorf("only %d queries in the dashboard", n)
	}
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
