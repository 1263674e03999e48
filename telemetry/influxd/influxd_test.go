package influxd_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/ipgs/ipgs/telemetry/influxd/influxdtest"
)

// The 2.x API: a line written through /api/v2/write comes back from a Flux
// query on /api/v2/query, also after a kill and a restart.
func TestWriteQueryRestart(t *testing.T) {
	s := influxdtest.Start(t)
	post := func(path, ctype, body string) string {
		t.Helper()
		req, _ := http.NewRequest("POST", s.URL()+path, strings.NewReader(body))
		req.Header.Set("Content-Type", ctype)
		req.Header.Set("Accept", "application/csv")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode/100 != 2 {
			t.Fatalf("%s: %s: %s", path, resp.Status, b)
		}
		return string(b)
	}
	post("/api/v2/write?bucket="+s.Bucket()+"&precision=s", "text/plain", "hk,sat=90001 vbat=7.4 1795000000\n")
	q := `{"query":"from(bucket:\"` + s.Bucket() + `\") |> range(start: 2026-01-01T00:00:00Z) |> filter(fn: (r) => r._measurement == \"hk\")","type":"flux"}`
	if out := post("/api/v2/query", "application/json", q); !strings.Contains(out, "7.4") {
		t.Fatalf("query: %s", out)
	}
	if err := s.Restart(context.Background()); err != nil {
		t.Fatal(err)
	}
	if out := post("/api/v2/query", "application/json", q); !strings.Contains(out, "7.4") {
		t.Fatalf("after restart: %s", out)
	}
}
