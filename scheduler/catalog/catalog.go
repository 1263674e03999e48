package catalog

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/ipgs/ipgs/internal/durable"
	"github.com/ipgs/ipgs/mission/tle"
)

// Catalog loads element sets from sources and caches what it fetched.
// The zero value is not usable: set Dir.
type Catalog struct {
	Dir    string       // cache directory; created on first write
	Client *http.Client // nil: a client with a 30 s timeout
	Now    func() time.Time
	// AllowBadChecksum accepts TLE lines with wrong checksums, warning.
	AllowBadChecksum bool
	// SpaceTrack and CelesTrak are the services' base URLs (defaults:
	// theirs); Env reads credentials (default os.Getenv).
	SpaceTrack, CelesTrak string
	Env                   func(string) string
}

// Entry is one element set with its provenance.
type Entry struct {
	*tle.Elements
	Source    string
	FetchedAt time.Time
}

// SourceStatus is what happened to one source in a load.
type SourceStatus struct {
	Source    string
	FetchedAt time.Time // of the data used (the cache's when it was used)
	Count     int       // element sets it gave
	Rejected  []error   // element sets it had that did not parse
	FromCache bool      // the data came from the cache
	Err       error     // the fetch failed (the cache, if any, was used)
}

// Warning is the operator-facing line for a failed or partial source.
func (s *SourceStatus) Warning() string {
	switch {
	case s.Err != nil && s.FromCache:
		return fmt.Sprintf("source %s failed (%v); using the copy fetched %s", s.Source, s.Err, s.FetchedAt.Format(time.RFC3339))
	case s.Err != nil:
		return fmt.Sprintf("source %s failed: %v", s.Source, s.Err)
	case len(s.Rejected) > 0:
		return fmt.Sprintf("source %s: %d element set(s) rejected", s.Source, len(s.Rejected))
	}
	return ""
}

// indexEntry is one cached source in index.json.
type indexEntry struct {
	Source      string    `json:"source"`
	File        string    `json:"file"`
	FetchedAt   time.Time `json:"fetched_at"`
	SHA256      string    `json:"sha256"`
	Count       int       `json:"count"`
	LastAttempt time.Time `json:"last_attempt"`
	LastError   string    `json:"last_error,omitempty"`
}

// IsURL reports whether a source is fetched over HTTP.
func IsURL(s string) bool {
	if strings.HasPrefix(s, SpaceTrackScheme) || strings.HasPrefix(s, SupGPScheme) {
		return true
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

func (c *Catalog) now() time.Time {
	if c.Now != nil {
		return c.Now().UTC()
	}
	return time.Now().UTC()
}

// Load reads every source. Files are read as they are now; URLs are
// fetched when refresh is set or nothing is cached, and otherwise read
// from the cache. A failed fetch falls back to the cache. The result keeps,
// for each catalogue number, the element set with the latest epoch.
func (c *Catalog) Load(ctx context.Context, sources []string, refresh bool) ([]Entry, []SourceStatus) {
	idx, _ := c.readIndex()
	var all []Entry
	var stats []SourceStatus
	for _, src := range sources {
		st := SourceStatus{Source: src}
		var data []byte
		var err error
		if IsURL(src) {
			ie, cached := idx[src]
			if refresh || !cached {
				data, err = c.fetch(ctx, src)
				if ctx.Err() != nil {
					st.Err = ctx.Err()
					stats = append(stats, st)
					break
				}
				if err == nil {
					st.FetchedAt = c.now()
					var serr error
					if ie, serr = c.store(src, data, st.FetchedAt); serr != nil {
						// the data fetched is used; only the cache for a later offline run is missing
						st.Err = fmt.Errorf("fetched, but not cached: %w", serr)
					} else {
						idx[src] = ie
					}
				} else {
					st.Err = err
					ie.LastAttempt, ie.LastError = c.now(), err.Error()
					if cached {
						idx[src] = ie
						// the failure is reported in st.Err; an index not written
						// only loses the note of this attempt
						_ = c.writeIndex(idx)
					}
				}
			}
			if data == nil && cached {
				data, err = os.ReadFile(filepath.Join(c.Dir, ie.File))
				if err != nil {
					st.Err = errors.Join(st.Err, fmt.Errorf("cached copy: %w", err))
				} else {
					st.FromCache, st.FetchedAt = true, ie.FetchedAt
					if st.Err == nil && ie.LastError != "" {
						st.Err = fmt.Errorf("last fetch at %s failed: %s", ie.LastAttempt.Format(time.RFC3339), ie.LastError)
					}
				}
			}
		} else {
			data, err = os.ReadFile(src)
			if err != nil {
				st.Err = err
			} else if fi, serr := os.Stat(src); serr == nil {
				st.FetchedAt = fi.ModTime().UTC()
			}
		}
		if data != nil {
			res := tle.Parse(data, tle.Options{Source: src, AllowBadChecksum: c.AllowBadChecksum})
			st.Rejected = res.Errors
			st.Count = len(res.Elements)
			for _, e := range res.Elements {
				all = append(all, Entry{Elements: e, Source: src, FetchedAt: st.FetchedAt})
			}
		}
		stats = append(stats, st)
	}
	return newest(all), stats
}

// newest keeps the latest epoch per catalogue number, in order of first
// appearance.
func newest(in []Entry) []Entry {
	pos := map[int]int{}
	var out []Entry
	for _, e := range in {
		if i, ok := pos[e.CatalogNumber]; ok {
			if e.Epoch.After(out[i].Epoch) {
				out[i] = e
			}
			continue
		}
		pos[e.CatalogNumber] = len(out)
		out = append(out, e)
	}
	return out
}

const maxDownload = 64 << 20

func (c *Catalog) client() *http.Client {
	if c.Client != nil {
		return c.Client
	}
	return &http.Client{Timeout: 30 * time.Second}
}

func (c *Catalog) fetch(ctx context.Context, src string) ([]byte, error) {
	switch {
	case strings.HasPrefix(src, SpaceTrackScheme):
		data, err := c.fetchSpaceTrack(ctx, strings.TrimPrefix(src, SpaceTrackScheme))
		if err != nil {
			return nil, err
		}
		return checkElements(data, src)
	case strings.HasPrefix(src, SupGPScheme):
		src = c.supGPURL(strings.TrimPrefix(src, SupGPScheme))
	}
	cl := c.client()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", "ipgs (ground station; element sets)")
	resp, err := cl.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %s", resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxDownload+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxDownload {
		return nil, fmt.Errorf("response larger than %d MiB", maxDownload>>20)
	}
	return checkElements(data, src)
}

// checkElements refuses a response with no element sets.
func checkElements(data []byte, src string) ([]byte, error) {
	// a source that answers with no element sets (an error page, "No GP
	// data found") must not replace a good cached copy
	res := tle.Parse(data, tle.Options{Source: src, AllowBadChecksum: true})
	if len(res.Elements) == 0 {
		return nil, fmt.Errorf("response has no element sets (%d bytes)", len(data))
	}
	return data, nil
}

// store writes a fetched copy atomically and records it in the index.
func (c *Catalog) store(src string, data []byte, at time.Time) (indexEntry, error) {
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return indexEntry{}, err
	}
	h := sha256.Sum256([]byte(src))
	name := hex.EncodeToString(h[:8]) + ".txt"
	if err := durable.WriteFile(filepath.Join(c.Dir, name), data, 0o644); err != nil {
		return indexEntry{}, err
	}
	sum := sha256.Sum256(data)
	res := tle.Parse(data, tle.Options{Source: src, AllowBadChecksum: true})
	ie := indexEntry{Source: src, File: name, FetchedAt: at, LastAttempt: at, SHA256: hex.EncodeToString(sum[:]), Count: len(res.Elements)}
	idx, _ := c.readIndex()
	idx[src] = ie
	return ie, c.writeIndex(idx)
}

func (c *Catalog) indexPath() string { return filepath.Join(c.Dir, "index.json") }

func (c *Catalog) readIndex() (map[string]indexEntry, error) {
	idx := map[string]indexEntry{}
	data, err := os.ReadFile(c.indexPath())
	if err != nil {
		return idx, err
	}
	var list []indexEntry
	if err := json.Unmarshal(data, &list); err != nil {
		return idx, fmt.Errorf("%s: %v", c.indexPath(), err)
	}
	for _, e := range list {
		idx[e.Source] = e
	}
	return idx, nil
}

func (c *Catalog) writeIndex(idx map[string]indexEntry) error {
	list := make([]indexEntry, 0, len(idx))
	for _, e := range idx {
		list = append(list, e)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Source < list[j].Source })
	data, err := json.MarshalIndent(list, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return err
	}
	return durable.WriteFile(c.indexPath(), append(data, '\n'), 0o644)
}

// Stale reports whether an element set is older than maxAge at t.
func Stale(e *tle.Elements, t time.Time, maxAge time.Duration) bool {
	return maxAge > 0 && e.Age(t) > maxAge
}
