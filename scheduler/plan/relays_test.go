package plan

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/ipgs/ipgs/mission"
)

// TestRelaysInExports: a mission's deep-space relays' contacts are in the
// table (once each, with the light time), in ION's contacts and ranges
// and in HDTN's plan, beside (here without) the passes.
func TestRelaysInExports(t *testing.T) {
	m, err := mission.Load("../../examples/interplanetary.yaml")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)
	pl, err := Run(context.Background(), NetworkOptions(m, nil, start, 48*time.Hour, io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	var table, ion, hdtn bytes.Buffer
	if err := pl.WriteTable(&table, nil, false); err != nil {
		t.Fatal(err)
	}
	pl.WriteION(&ion)
	pl.WriteHDTN(&hdtn)
	for what, want := range map[string]string{
		"table": "MARS-1       LUNAR-1          2026-12-05 00:00:00 UTC 2026-12-07 00:00:00      48h00m       9m30s",
		"ion":   "a range 2026/12/05-00:00:00 2026/12/07-00:00:00 201 202 570",
		"hdtn":  `"source": 202,`,
	} {
		got := map[string]string{"table": table.String(), "ion": ion.String(), "hdtn": hdtn.String()}[what]
		if !strings.Contains(got, want) {
			t.Errorf("%s lacks %q:\n%s", what, want, got)
		}
	}
	if n := strings.Count(table.String(), "\n") - 5; n != len(pl.Relays)/2 {
		t.Errorf("%d table rows for %d relay contacts", n, len(pl.Relays)/2)
	}
}
