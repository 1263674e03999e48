package status

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ipgs/ipgs/telemetry"
	"github.com/ipgs/ipgs/uplink/station"
)

var t0 = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

func TestServerAndClient(t *testing.T) {
	alarms := []telemetry.Alarm{{ID: "90001/hk/battery", Sat: 90001, Severity: "red", Raised: t0}}
	b := &Board{Station: "Tromso", Clock: func() time.Time { return t0 }, Alarms: func() []telemetry.Alarm { return alarms }}
	b.SetPlan([]Pass{{Sat: 90001, Name: "DRONE-01", Station: "Tromso", Start: t0, End: t0.Add(8 * time.Minute), MaxEl: 40}},
		[]Pass{{Sat: 90002, Name: "DRONE-02", Station: "Tromso", Start: t0.Add(time.Hour), End: t0.Add(70 * time.Minute), Reason: "station busy"}})
	b.Progress(station.Progress{Station: "Tromso", Sat: 90001, Time: t0.Add(time.Minute), FramesRx: 12, Packets: 11})
	b.Value(Value{Sat: 90001, Packet: "hk", Field: "battery", Value: 6.1, Units: "V", Severity: "red", At: t0})
	b.Value(Value{Sat: 90001, Packet: "hk", Field: "battery", Value: 6.2, Units: "V", Severity: "red", At: t0.Add(time.Second)})
	var acked string
	var pinned []Pass
	srv := serve(&Server{Board: b,
		Ack: func(id, who string) error {
			if id != alarms[0].ID {
				return errors.New("no alarm " + id)
			}
			acked = id + " by " + who
			return nil
		},
		Replan: func(_ context.Context, pins []Pass) error {
			pinned = pins
			b.SetPlan(pins, nil)
			return nil
		},
		History: func(q telemetry.Query) ([]telemetry.Sample, error) {
			return []telemetry.Sample{{Time: t0, Sat: q.Sat, Measurement: q.Measurement, Field: q.Field, Value: 6.1}}, nil
		}})
	defer srv.Close()
	c := &Client{Addr: strings.TrimPrefix(srv.URL, "http://"), Token: testToken}
	ctx := context.Background()

	s, err := c.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s.Station != "Tromso" || !s.Now.Equal(t0) || len(s.Plan) != 1 || len(s.LeftOut) != 1 || s.Progress == nil || s.Progress.Packets != 11 ||
		len(s.Values) != 1 || s.Values[0].Value != 6.2 || len(s.Alarms) != 1 {
		t.Fatalf("snapshot %+v", s)
	}
	if err := c.Ack(ctx, "90001/hk/battery", "alice"); err != nil || acked != "90001/hk/battery by alice" {
		t.Fatalf("ack: %v (%q)", err, acked)
	}
	if err := c.Ack(ctx, "nope", "alice"); err == nil || !strings.Contains(err.Error(), "no alarm nope") {
		t.Fatalf("ack of an unknown alarm: %v", err)
	}
	pin := s.LeftOut[0]
	pin.Reason = ""
	s2, err := c.Replan(ctx, []Pass{pin})
	if err != nil || len(pinned) != 1 || len(s2.Plan) != 1 || s2.Plan[0].Sat != 90002 {
		t.Fatalf("re-plan: %v, pins %v, plan %v", err, pinned, s2)
	}
	if _, err := c.Replan(ctx, []Pass{{Sat: 90002}}); err == nil || !strings.Contains(err.Error(), "pins[0]") {
		t.Fatalf("a pin without a station: %v", err)
	}
	h, err := c.History(ctx, 90001, "hk", "battery", t0.Add(-time.Hour))
	if err != nil || len(h) != 1 || h[0].Field != "battery" || h[0].Sat != "90001" {
		t.Fatalf("history: %v %v", h, err)
	}
	b.Report(station.Report{Station: "Tromso", Sat: 90001, RadioError: "rotator: timeout"})
	s, _ = c.Snapshot(ctx)
	if s.Progress != nil || len(s.Reports) != 1 || len(s.Problems) != 1 {
		t.Fatalf("after the report: %+v", s)
	}
	// a station that is not there
	bad := &Client{Addr: "127.0.0.1:1"}
	if _, err := bad.Snapshot(ctx); err == nil || !strings.Contains(err.Error(), "station 127.0.0.1:1") {
		t.Fatalf("unreachable: %v", err)
	}
}

func TestDecodeSnapshotErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{"station": 5}`, "want string"},
		{`{"plan": [{"sat": "x"}]}`, "plan.sat"},
		{`{"now": "yesterday"}`, "status"},
		{`{"station": "a"`, "status"},
		{``, "status"},
	} {
		_, err := DecodeSnapshot(strings.NewReader(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want an error naming %q", c.in, err, c.want)
		}
	}
}

func FuzzDecodeSnapshot(f *testing.F) {
	f.Add([]byte(`{"station":"Tromso","now":"2026-11-22T12:00:00Z","plan":[{"sat":1,"start":"2026-11-22T12:00:00Z","end":"2026-11-22T12:08:00Z"}]}`))
	f.Add([]byte(`{"values":[{"sat":1,"value":1e308}],"reports":[{"radio":{}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := DecodeSnapshot(strings.NewReader(string(data)))
		if err == nil && s == nil {
			t.Fatal("no snapshot and no error")
		}
	})
}

// TestReplanRefusesNull (issue finding: a null body was a re-plan with
// no pins, answered 200): a re-plan request must carry "pins"; an empty
// list is a re-plan without pins.
func TestReplanRefusesNull(t *testing.T) {
	calls := 0
	srv := serve(&Server{Board: &Board{Station: "A", Clock: time.Now},
		Replan: func(context.Context, []Pass) error { calls++; return nil }})
	defer srv.Close()
	for _, c := range []struct {
		body string
		code int
	}{{"null", 400}, {"{}", 400}, {`{"pins": null}`, 400}, {`{"pins": []}`, 200}} {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/replan", strings.NewReader(c.body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+testToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.code {
			t.Errorf("%s: %d, want %d", c.body, resp.StatusCode, c.code)
		}
	}
	if calls != 1 {
		t.Errorf("%d re-plans, want 1", calls)
	}
}

const testToken = "0123456789abcdef0123456789abcdef0123456789abcdef"

// serve starts srv on loopback with the test token, answering to its own
// address.
func serve(srv *Server) *httptest.Server {
	ts := httptest.NewUnstartedServer(srv)
	srv.Token, srv.Hosts = testToken, LoopbackHosts(ts.Listener.Addr().String())
	ts.Start()
	return ts
}

// TestHostilePage (issue: the status endpoint obeyed any web page: a
// page the operator visits could POST text/plain to /api/replan and
// /api/alarms/ack, and read /api/status and /api/history by DNS
// rebinding): every such request is refused with 4xx before anything is
// done; the operator's own client, with the token, still works.
func TestHostilePage(t *testing.T) {
	acted := 0
	srv := serve(&Server{Board: &Board{Station: "A", Clock: time.Now},
		Ack:    func(string, string) error { acted++; return nil },
		Replan: func(context.Context, []Pass) error { acted++; return nil }})
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	auth := "Bearer " + testToken
	for _, c := range []struct {
		name, method, path, ctype, origin, host, auth string
		code                                          int
	}{
		{"text/plain POST from a foreign page", "POST", "/api/replan", "text/plain", "http://evil.example", host, "", 403},
		{"text/plain POST, no origin", "POST", "/api/alarms/ack", "text/plain", "", host, auth, 415},
		{"form POST from a foreign page with the token", "POST", "/api/replan", "application/x-www-form-urlencoded", "http://evil.example", host, auth, 403},
		{"JSON POST without the token", "POST", "/api/replan", "application/json", "", host, "", 401},
		{"JSON POST with a wrong token", "POST", "/api/replan", "application/json", "", host, "Bearer 0000000000000000000000000000000000000000", 401},
		{"DNS rebinding: a foreign Host", "GET", "/api/status", "", "", "evil.example:80", auth, 421},
		{"DNS rebinding of history", "GET", "/api/history?sat=1&packet=hk&field=battery", "", "http://evil.example", "evil.example:80", auth, 421},
		{"status without the token", "GET", "/api/status", "", "", host, "", 401},
		{"the operator's own request", "GET", "/api/status", "", "", host, auth, 200},
		{"the operator's own JSON POST", "POST", "/api/replan", "application/json", "http://" + host, host, auth, 200},
	} {
		req, _ := http.NewRequest(c.method, srv.URL+c.path, strings.NewReader(`{"pins": []}`))
		req.Host = c.host
		for k, v := range map[string]string{"Content-Type": c.ctype, "Origin": c.origin, "Authorization": c.auth} {
			if v != "" {
				req.Header.Set(k, v)
			}
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.code {
			t.Errorf("%s: %d, want %d", c.name, resp.StatusCode, c.code)
		}
	}
	if acted != 1 {
		t.Errorf("%d actions taken, want the operator's one", acted)
	}
}
