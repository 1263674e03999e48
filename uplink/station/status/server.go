package status

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ipgs/ipgs/telemetry"
	"github.com/ipgs/ipgs/uplink/station"
)

// Server serves a Board and the operator's actions. Ack, Replan and
// History may be nil: the action is then refused (501).
//
// Every request must carry the station's token (Authorization: Bearer)
// and name one of Hosts in its Host header (a page that rebinds its own
// name to this address names its own host); a request from a browser
// page (Origin set) must come from the endpoint's own origin; a POST must
// be application/json (a page cannot send that cross-origin without
// asking first). All of it is checked before anything is read or done.
type Server struct {
	Board   *Board
	Ack     func(id, who string) error
	Replan  func(ctx context.Context, pins []Pass) error
	History func(q telemetry.Query) ([]telemetry.Sample, error)
	// Radio, if set, carries out an operator's hand on the radios
	// (POST /api/radio, a station.Manual).
	Radio func(ctx context.Context, m station.Manual) error
	// Token is the secret every client presents (empty: every request is
	// refused).
	Token string
	// Hosts are the host:port names a request may give in Host.
	Hosts []string
}

// guard refuses a request that is not the operator's own: it reports
// false after answering.
func (s *Server) guard(w http.ResponseWriter, r *http.Request) bool {
	fail := func(code int, msg string) bool {
		http.Error(w, msg, code)
		return false
	}
	if !slices.Contains(s.Hosts, r.Host) {
		return fail(http.StatusMisdirectedRequest, fmt.Sprintf("host %q is not this station's", r.Host))
	}
	if o := r.Header.Get("Origin"); o != "" && o != "http://"+r.Host && o != "https://"+r.Host {
		return fail(http.StatusForbidden, fmt.Sprintf("origin %q may not use this station", o))
	}
	if r.Method == http.MethodPost {
		if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
			return fail(http.StatusUnsupportedMediaType, "a request body must be application/json")
		}
	}
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if s.Token == "" || !ok || subtle.ConstantTimeCompare([]byte(got), []byte(s.Token)) != 1 {
		w.Header().Set("WWW-Authenticate", `Bearer realm="ipgs station"`)
		return fail(http.StatusUnauthorized, "the station's token is needed (ipgs gui --attach presents it)")
	}
	return true
}

// ReplanRequest is the body of POST /api/replan.
type ReplanRequest struct {
	Pins []Pass `json:"pins"`
}

// AckRequest is the body of POST /api/alarms/ack.
type AckRequest struct {
	ID  string `json:"id"`
	Who string `json:"who"`
}

// maxBody bounds a request or response body.
const maxBody = 16 << 20

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !s.guard(w, r) {
		return
	}
	fail := func(code int, err error) {
		http.Error(w, err.Error(), code)
	}
	method := func(m string) bool {
		if r.Method != m {
			w.Header().Set("Allow", m)
			fail(http.StatusMethodNotAllowed, fmt.Errorf("%s wants %s", r.URL.Path, m))
			return false
		}
		return true
	}
	switch r.URL.Path {
	case "/api/status":
		if method(http.MethodGet) {
			writeJSON(w, s.Board.Snapshot())
		}
	case "/api/alarms/ack":
		if !method(http.MethodPost) {
			return
		}
		if s.Ack == nil {
			fail(http.StatusNotImplemented, errors.New("this station has no alarms"))
			return
		}
		var req AckRequest
		if err := decode(r.Body, &req, "ack request"); err != nil {
			fail(http.StatusBadRequest, err)
			return
		}
		if req.ID == "" {
			fail(http.StatusBadRequest, errors.New("ack request: no alarm id"))
			return
		}
		if err := s.Ack(req.ID, req.Who); err != nil {
			fail(http.StatusNotFound, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	case "/api/replan":
		if !method(http.MethodPost) {
			return
		}
		if s.Replan == nil {
			fail(http.StatusNotImplemented, errors.New("this station cannot re-plan"))
			return
		}
		var req ReplanRequest
		if err := decode(r.Body, &req, "re-plan request"); err != nil {
			fail(http.StatusBadRequest, err)
			return
		}
		if req.Pins == nil {
			fail(http.StatusBadRequest, errors.New(`re-plan request: no "pins" (an empty list re-plans without pins)`))
			return
		}
		for i, p := range req.Pins {
			if p.Sat <= 0 || p.Station == "" || !p.End.After(p.Start) {
				fail(http.StatusBadRequest, fmt.Errorf("re-plan request: pins[%d]: want a satellite, a station and an interval", i))
				return
			}
		}
		if err := s.Replan(r.Context(), req.Pins); err != nil {
			fail(http.StatusUnprocessableEntity, err)
			return
		}
		writeJSON(w, s.Board.Snapshot())
	case "/api/radio":
		if !method(http.MethodPost) {
			return
		}
		if s.Radio == nil {
			fail(http.StatusNotImplemented, errors.New("this station has no radios to take in hand"))
			return
		}
		var req station.Manual
		if err := decode(r.Body, &req, "radio request"); err != nil {
			fail(http.StatusBadRequest, err)
			return
		}
		if err := req.Check(); err != nil {
			fail(http.StatusBadRequest, err)
			return
		}
		if err := s.Radio(r.Context(), req); err != nil {
			fail(http.StatusUnprocessableEntity, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	case "/api/history":
		if !method(http.MethodGet) {
			return
		}
		if s.History == nil {
			fail(http.StatusNotImplemented, errors.New("this station keeps no telemetry store"))
			return
		}
		q, err := historyQuery(r.URL.Query())
		if err != nil {
			fail(http.StatusBadRequest, err)
			return
		}
		samples, err := s.History(q)
		if err != nil {
			fail(http.StatusInternalServerError, err)
			return
		}
		writeJSON(w, samples)
	default:
		fail(http.StatusNotFound, fmt.Errorf("no %s: try /api/status", r.URL.Path))
	}
}

func historyQuery(v url.Values) (telemetry.Query, error) {
	q := telemetry.Query{Sat: v.Get("sat"), Measurement: v.Get("packet"), Field: v.Get("field"), Limit: 2000}
	if _, err := strconv.Atoi(q.Sat); err != nil || q.Field == "" {
		return q, fmt.Errorf("history: want sat=NORAD and field= (and packet=, since=)")
	}
	if s := v.Get("since"); s != "" {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return q, fmt.Errorf("history: since %q is not an RFC 3339 time", s)
		}
		q.Since = t
	}
	return q, nil
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// decode reads one JSON value of at most maxBody bytes into v; errors
// name what was read and where it went wrong.
func decode(r io.Reader, v any, what string) error {
	data, err := io.ReadAll(io.LimitReader(r, maxBody+1))
	if err != nil {
		return fmt.Errorf("%s: %v", what, err)
	}
	if len(data) > maxBody {
		return fmt.Errorf("%s: longer than %d bytes", what, maxBody)
	}
	if err := json.Unmarshal(data, v); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return fmt.Errorf("%s: byte %d: %v", what, se.Offset, err)
		case errors.As(err, &te):
			return fmt.Errorf("%s: %s (byte %d): want %s, got %s", what, te.Field, te.Offset, te.Type, te.Value)
		}
		return fmt.Errorf("%s: %v", what, err)
	}
	return nil
}

// DecodeSnapshot reads a Snapshot (a GET /api/status body).
func DecodeSnapshot(r io.Reader) (*Snapshot, error) {
	var s Snapshot
	if err := decode(r, &s, "status"); err != nil {
		return nil, err
	}
	return &s, nil
}

// Client talks to a station's status endpoint.
type Client struct {
	Addr  string // host:port, or a URL
	Token string // the station's token
	HTTP  *http.Client
}

func (c *Client) url(path string) string {
	base := c.Addr
	if !strings.Contains(base, "://") {
		base = "http://" + base
	}
	return strings.TrimSuffix(base, "/") + path
}

func (c *Client) do(ctx context.Context, method, path string, body any, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.url(path), rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("station %s: %w", c.Addr, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("station %s: %s: %s", c.Addr, resp.Status, strings.TrimSpace(string(msg)))
	}
	if out == nil {
		return nil
	}
	if err := decode(resp.Body, out, "station "+c.Addr+" "+path); err != nil {
		return err
	}
	return nil
}

// Snapshot fetches the station's state.
func (c *Client) Snapshot(ctx context.Context) (*Snapshot, error) {
	var s Snapshot
	if err := c.do(ctx, http.MethodGet, "/api/status", nil, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// Radio asks the station to carry out an operator's hand on its radios.
func (c *Client) Radio(ctx context.Context, m station.Manual) error {
	return c.do(ctx, http.MethodPost, "/api/radio", m, nil)
}

// Ack acknowledges an alarm.
func (c *Client) Ack(ctx context.Context, id, who string) error {
	return c.do(ctx, http.MethodPost, "/api/alarms/ack", AckRequest{ID: id, Who: who}, nil)
}

// Replan asks the station to re-plan with pins.
func (c *Client) Replan(ctx context.Context, pins []Pass) (*Snapshot, error) {
	var s Snapshot
	if err := c.do(ctx, http.MethodPost, "/api/replan", ReplanRequest{Pins: pins}, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// History fetches a field's values since a time (at most 2,000, the
// latest).
func (c *Client) History(ctx context.Context, sat int, packet, field string, since time.Time) ([]telemetry.Sample, error) {
	v := url.Values{"sat": {strconv.Itoa(sat)}, "packet": {packet}, "field": {field}}
	if !since.IsZero() {
		v.Set("since", since.UTC().Format(time.RFC3339Nano))
	}
	var out []telemetry.Sample
	if err := c.do(ctx, http.MethodGet, "/api/history?"+v.Encode(), nil, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// NewToken makes a station token: 32 random bytes, hex.
func NewToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// LoadToken reads the token at path, making it (mode 0600) when there is
// none. A token file others may read is refused.
func LoadToken(path string) (string, error) {
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return "", err
		}
		tok := NewToken()
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return "", err
		}
		_, err = f.WriteString(tok + "\n")
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return tok, err
	}
	if err != nil {
		return "", err
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("%s: mode %v lets others read the station's token: chmod 600 it", path, fi.Mode().Perm())
	}
	tok := strings.TrimSpace(string(b))
	if len(tok) < 32 {
		return "", fmt.Errorf("%s: a token of %d characters is too short (want 32 or more)", path, len(tok))
	}
	return tok, nil
}

// LoopbackHosts are the names a client on this machine gives for a
// listener at addr (127.0.0.1:PORT, localhost:PORT, [::1]:PORT).
func LoopbackHosts(addr string) []string {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil
	}
	return []string{net.JoinHostPort("127.0.0.1", port), net.JoinHostPort("localhost", port), net.JoinHostPort("::1", port), addr}
}
