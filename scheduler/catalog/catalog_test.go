package catalog

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ipgs/ipgs/mission/tle"
)

const gp = `ISS (ZARYA)
1 25544U 98067A   20103.22561606  .00000606  00000-0  19136-4 0  9990
2 25544  51.6438 325.6416 0004180 232.7834 242.0364 15.48651577221597
`

func TestFetchCacheAndFallback(t *testing.T) {
	var fail atomic.Bool
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if fail.Load() {
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte(gp))
	}))
	defer srv.Close()
	src := srv.URL + "/NORAD/elements/gp.php?CATNR=25544&FORMAT=tle"
	now := time.Date(2020, 4, 13, 0, 0, 0, 0, time.UTC)
	c := &Catalog{Dir: t.TempDir(), Now: func() time.Time { return now }}

	entries, stats := c.Load(context.Background(), []string{src}, false)
	if len(entries) != 1 || stats[0].Err != nil || stats[0].FromCache || !stats[0].FetchedAt.Equal(now) {
		t.Fatalf("first load: %d entries, %+v", len(entries), stats[0])
	}
	if entries[0].Source != src || entries[0].CatalogNumber != 25544 {
		t.Errorf("provenance: %+v", entries[0])
	}

	// without refresh the cache answers
	_, stats = c.Load(context.Background(), []string{src}, false)
	if hits.Load() != 1 || !stats[0].FromCache {
		t.Errorf("second load fetched again (%d hits) or not from cache: %+v", hits.Load(), stats[0])
	}

	// a failing source falls back to the cache and says so
	fail.Store(true)
	now = now.Add(time.Hour)
	entries, stats = c.Load(context.Background(), []string{src}, true)
	if len(entries) != 1 || !stats[0].FromCache || stats[0].Err == nil {
		t.Fatalf("fallback: %d entries, %+v", len(entries), stats[0])
	}
	if w := stats[0].Warning(); !strings.Contains(w, "503") || !strings.Contains(w, "using the copy fetched 2020-04-13T00:00:00Z") {
		t.Errorf("warning %q", w)
	}
	// the failure is remembered for views that read the cache
	_, stats = c.Load(context.Background(), []string{src}, false)
	if stats[0].Err == nil {
		t.Errorf("the last fetch failure is not reported from the cache")
	}

	// an answer with no element sets never replaces the cache
	fail.Store(false)
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("No GP data found")) })
	entries, stats = c.Load(context.Background(), []string{src}, true)
	if len(entries) != 1 || stats[0].Err == nil {
		t.Errorf("empty answer: %d entries, %+v", len(entries), stats[0])
	}
}

func TestNewestEpochWins(t *testing.T) {
	dir := t.TempDir()
	older := filepath.Join(dir, "a.tle")
	newer := filepath.Join(dir, "b.tle")
	os.WriteFile(older, []byte(gp), 0o644)
	e, _ := tle.ParseLines("", strings.Split(gp, "\n")[1], strings.Split(gp, "\n")[2])
	e.Epoch = e.Epoch.Add(24 * time.Hour)
	s, _ := tle.Format(e)
	os.WriteFile(newer, []byte(s), 0o644)
	c := &Catalog{Dir: filepath.Join(dir, "cache")}
	entries, _ := c.Load(context.Background(), []string{older, newer}, false)
	if len(entries) != 1 || entries[0].Source != newer {
		t.Fatalf("got %+v", entries)
	}
}

func TestCheckWarnsOnStaleAndFailedSources(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "iss.tle")
	os.WriteFile(f, []byte(gp), 0o644)
	var out strings.Builder
	c := &Catalog{Dir: dir, Now: func() time.Time { return time.Date(2020, 4, 20, 0, 0, 0, 0, time.UTC) }}
	err := RunCheck(context.Background(), Options{Sources: []string{f, filepath.Join(dir, "missing.tle")}, Catalog: c,
		MaxAge: 72 * time.Hour, Out: &out, Log: &out})
	if !errors.Is(err, ErrWarnings) {
		t.Fatalf("err %v", err)
	}
	for _, want := range []string{"ISS (ZARYA) (25544): element set is 7.8d old", "missing.tle failed"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
