package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"strings"
)

// Element-set services named in sources by scheme rather than by URL.
const (
	// SpaceTrackScheme: "spacetrack:25544,43017" fetches those satellites'
	// newest GP element sets from Space-Track (18th SDS); after the colon
	// may instead come a query path of its API ("class/gp/...").
	// Credentials come from SPACETRACK_IDENTITY (or SPACETRACK_USER) and
	// SPACETRACK_PASSWORD; SPACETRACK_URL overrides the service's URL.
	SpaceTrackScheme = "spacetrack:"
	// SupGPScheme: "celestrak-sup:starlink" fetches CelesTrak's
	// supplemental GP elements of that file (from operators' own
	// ephemerides), as OMM JSON. CELESTRAK_URL overrides the URL.
	SupGPScheme = "celestrak-sup:"

	defaultSpaceTrack = "https://www.space-track.org"
	defaultCelesTrak  = "https://celestrak.org"
)

func (c *Catalog) env(k string) string {
	if c.Env != nil {
		return c.Env(k)
	}
	return os.Getenv(k)
}

func (c *Catalog) base(set, envKey, def string) string {
	switch {
	case set != "":
		return strings.TrimSuffix(set, "/")
	case c.env(envKey) != "":
		return strings.TrimSuffix(c.env(envKey), "/")
	}
	return def
}

var supName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

func (c *Catalog) supGPURL(file string) string {
	if !supName.MatchString(file) {
		file = url.QueryEscape(file) // the service refuses it by name
	}
	return c.base(c.CelesTrak, "CELESTRAK_URL", defaultCelesTrak) + "/NORAD/elements/supplemental/sup-gp.php?FILE=" + file + "&FORMAT=json"
}

var noradList = regexp.MustCompile(`^\d{1,9}(,\d{1,9})*$`)

// spaceTrackQuery is the API path a source names: satellites' GP
// elements by number, or a query path given whole; always as JSON.
func spaceTrackQuery(q string) (string, error) {
	switch {
	case noradList.MatchString(q):
		return "/basicspacedata/query/class/gp/NORAD_CAT_ID/" + q + "/orderby/NORAD_CAT_ID%20asc/format/json", nil
	case strings.HasPrefix(q, "class/"):
		q = strings.TrimSuffix(q, "/")
		if i := strings.Index(q, "/format/"); i >= 0 {
			q = q[:i]
		}
		return "/basicspacedata/query/" + q + "/format/json", nil
	}
	return "", fmt.Errorf("spacetrack:%s: give NORAD numbers (spacetrack:25544,43017) or a query path (spacetrack:class/gp/...)", q)
}

// fetchSpaceTrack logs in to Space-Track (ajaxauth/login, which answers
// 200 with {"Login":"Failed"} on bad credentials), runs the query with
// the session cookie, and logs out.
func (c *Catalog) fetchSpaceTrack(ctx context.Context, q string) ([]byte, error) {
	path, err := spaceTrackQuery(q)
	if err != nil {
		return nil, err
	}
	user := c.env("SPACETRACK_IDENTITY")
	if user == "" {
		user = c.env("SPACETRACK_USER")
	}
	pass := c.env("SPACETRACK_PASSWORD")
	if user == "" || pass == "" {
		return nil, errors.New("spacetrack: an account is needed: set SPACETRACK_IDENTITY and SPACETRACK_PASSWORD")
	}
	base := c.base(c.SpaceTrack, "SPACETRACK_URL", defaultSpaceTrack)
	jar, _ := cookiejar.New(nil)
	cl := *c.client()
	cl.Jar = jar
	body, status, err := do(ctx, &cl, http.MethodPost, base+"/ajaxauth/login", url.Values{"identity": {user}, "password": {pass}})
	if err != nil {
		return nil, fmt.Errorf("spacetrack: login: %w", err)
	}
	var failed struct{ Login string }
	if status != http.StatusOK || (json.Unmarshal(body, &failed) == nil && failed.Login != "") {
		return nil, fmt.Errorf("spacetrack: login refused (HTTP %d): check SPACETRACK_IDENTITY and SPACETRACK_PASSWORD", status)
	}
	defer do(context.WithoutCancel(ctx), &cl, http.MethodGet, base+"/ajaxauth/logout", nil)
	body, status, err = do(ctx, &cl, http.MethodGet, base+path, nil)
	switch {
	case err != nil:
		return nil, fmt.Errorf("spacetrack: query: %w", err)
	case status == http.StatusTooManyRequests:
		return nil, errors.New("spacetrack: over the rate limit (HTTP 429); the cached copy stands until the next fetch")
	case status != http.StatusOK:
		return nil, fmt.Errorf("spacetrack: query: HTTP %d: %s", status, strings.TrimSpace(string(body[:min(len(body), 200)])))
	}
	var apiErr struct{ Error string }
	if json.Unmarshal(body, &apiErr) == nil && apiErr.Error != "" {
		return nil, fmt.Errorf("spacetrack: %s", apiErr.Error)
	}
	return body, nil
}

func do(ctx context.Context, cl *http.Client, method, u string, form url.Values) ([]byte, int, error) {
	var rd io.Reader
	if form != nil {
		rd = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, 0, err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("User-Agent", "ipgs (ground station; element sets)")
	resp, err := cl.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxDownload+1))
	if len(b) > maxDownload {
		return nil, resp.StatusCode, fmt.Errorf("response larger than %d MiB", maxDownload>>20)
	}
	return b, resp.StatusCode, err
}
