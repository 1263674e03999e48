package catalog

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// spaceTrackGP is two GP records as Space-Track's API gives them: every
// value a string.
const spaceTrackGP = `[{"CCSDS_OMM_VERS":"3.0","OBJECT_NAME":"DRONE-01","OBJECT_ID":"2026-001A","EPOCH":"2026-12-03T21:15:31.123456","MEAN_MOTION":"15.48919755","ECCENTRICITY":"0.00067030","INCLINATION":"51.6416","RA_OF_ASC_NODE":"247.4627","ARG_OF_PERICENTER":"130.5360","MEAN_ANOMALY":"325.0288","EPHEMERIS_TYPE":"0","CLASSIFICATION_TYPE":"U","NORAD_CAT_ID":"90001","ELEMENT_SET_NO":"999","REV_AT_EPOCH":"123","BSTAR":"0.00010270","MEAN_MOTION_DOT":"0.00002182","MEAN_MOTION_DDOT":"0.0000000000000"},
{"CCSDS_OMM_VERS":"3.0","OBJECT_NAME":"DRONE-02","OBJECT_ID":"2026-001B","EPOCH":"2026-12-03T20:00:00.000000","MEAN_MOTION":"15.20000000","ECCENTRICITY":"0.00100000","INCLINATION":"97.5000","RA_OF_ASC_NODE":"10.0000","ARG_OF_PERICENTER":"20.0000","MEAN_ANOMALY":"30.0000","EPHEMERIS_TYPE":"0","CLASSIFICATION_TYPE":"U","NORAD_CAT_ID":"90002","ELEMENT_SET_NO":"999","REV_AT_EPOCH":"10","BSTAR":"0.00020000","MEAN_MOTION_DOT":"0.00001000","MEAN_MOTION_DDOT":"0"}]`

// supGP is a CelesTrak supplemental GP record (numbers as numbers).
const supGP = `[{"OBJECT_NAME":"DRONE-03","OBJECT_ID":"2026-001C","EPOCH":"2026-12-04T01:00:00.000000","MEAN_MOTION":15.06,"ECCENTRICITY":0.0001,"INCLINATION":53.05,"RA_OF_ASC_NODE":100,"ARG_OF_PERICENTER":90,"MEAN_ANOMALY":270,"EPHEMERIS_TYPE":0,"CLASSIFICATION_TYPE":"U","NORAD_CAT_ID":90003,"ELEMENT_SET_NO":999,"REV_AT_EPOCH":1,"BSTAR":0,"MEAN_MOTION_DOT":0,"MEAN_MOTION_DDOT":0}]`

// fakeSpaceTrack behaves as Space-Track's documented API: a form login
// that sets a session cookie (and answers 200 {"Login":"Failed"} to bad
// credentials), queries that need the cookie (401 without), logout, and
// 429 once over its rate limit.
type fakeSpaceTrack struct {
	queries, logins, logouts atomic.Int32
	limit                    int32
}

func (f *fakeSpaceTrack) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/ajaxauth/login" && r.Method == http.MethodPost:
		f.logins.Add(1)
		if r.FormValue("identity") != "ops@example.org" || r.FormValue("password") != "correct horse" {
			w.Write([]byte(`{"Login":"Failed"}`))
			return
		}
		http.SetCookie(w, &http.Cookie{Name: "chocolatechip", Value: "session-1", Path: "/"})
		w.Write([]byte(`""`))
	case r.URL.Path == "/ajaxauth/logout":
		f.logouts.Add(1)
		w.Write([]byte(`"Successfully logged out"`))
	case strings.HasPrefix(r.URL.Path, "/basicspacedata/query/class/gp/"):
		if c, err := r.Cookie("chocolatechip"); err != nil || c.Value != "session-1" {
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"error":"You must be logged in to complete this action"}`))
			return
		}
		if f.queries.Add(1) > f.limit {
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		if r.URL.Path != "/basicspacedata/query/class/gp/NORAD_CAT_ID/90001,90002/orderby/NORAD_CAT_ID asc/format/json" {
			w.Write([]byte(`[]`))
			return
		}
		w.Write([]byte(spaceTrackGP))
	case r.URL.Path == "/NORAD/elements/supplemental/sup-gp.php" && r.URL.Query().Get("FILE") == "starlink" && r.URL.Query().Get("FORMAT") == "json":
		w.Write([]byte(supGP))
	default:
		http.NotFound(w, r)
	}
}

// TestSpaceTrackAndSupGP: Space-Track by login and GP query, CelesTrak's
// supplemental GP by file name, both cached; bad credentials, missing
// credentials and the rate limit are named, and the cached copy stands.
func TestSpaceTrackAndSupGP(t *testing.T) {
	fake := &fakeSpaceTrack{limit: 1}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	env := map[string]string{"SPACETRACK_IDENTITY": "ops@example.org", "SPACETRACK_PASSWORD": "correct horse"}
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	c := &Catalog{Dir: t.TempDir(), Now: func() time.Time { return now }, SpaceTrack: srv.URL, CelesTrak: srv.URL,
		Env: func(k string) string { return env[k] }}
	srcs := []string{"spacetrack:90001,90002", "celestrak-sup:starlink"}
	entries, stats := c.Load(context.Background(), srcs, false)
	for _, s := range stats {
		if s.Err != nil || s.FromCache {
			t.Fatalf("%s: %v", s.Source, s.Err)
		}
	}
	if len(entries) != 3 || entries[0].Name != "DRONE-01" || entries[2].CatalogNumber != 90003 || entries[0].Source != srcs[0] {
		t.Fatalf("entries %+v", entries)
	}
	if fake.logins.Load() != 1 || fake.logouts.Load() != 1 {
		t.Errorf("%d logins, %d logouts", fake.logins.Load(), fake.logouts.Load())
	}
	// Over the rate limit: named, and the cached copy is used.
	entries, stats = c.Load(context.Background(), srcs[:1], true)
	if len(entries) != 2 || !stats[0].FromCache || stats[0].Err == nil || !strings.Contains(stats[0].Err.Error(), "rate limit (HTTP 429)") {
		t.Errorf("rate limited: %d entries, %+v", len(entries), stats[0])
	}
	// Bad and missing credentials.
	env["SPACETRACK_PASSWORD"] = "wrong"
	if _, err := c.fetch(context.Background(), srcs[0]); err == nil || !strings.Contains(err.Error(), "login refused") {
		t.Errorf("bad password: %v", err)
	}
	delete(env, "SPACETRACK_PASSWORD")
	if _, err := c.fetch(context.Background(), srcs[0]); err == nil || !strings.Contains(err.Error(), "set SPACETRACK_IDENTITY and SPACETRACK_PASSWORD") {
		t.Errorf("no password: %v", err)
	}
	if _, err := c.fetch(context.Background(), "spacetrack:ISS"); err == nil || !strings.Contains(err.Error(), "give NORAD numbers") {
		t.Errorf("bad query: %v", err)
	}
}
