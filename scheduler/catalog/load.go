// Package catalog keeps the element sets ipgs flies on: files and URLs
// (the CelesTrak GP API shape), fetched copies cached with their
// provenance, and the staleness checks every view relies on.
package catalog

import (
	"context"
	"os"
	"path/filepath"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/mission/tle"
)

// LoadFile parses a TLE or OMM (JSON or XML) file. Element sets that fail
// to parse are returned as errors (each naming its line); the others are
// kept, the newest epoch for each catalogue number.
func LoadFile(path string, allowBadChecksum bool) ([]*tle.Elements, []error, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, mission.BadInput(err)
	}
	res := tle.Parse(data, tle.Options{Source: path, AllowBadChecksum: allowBadChecksum})
	entries := make([]Entry, len(res.Elements))
	for i, e := range res.Elements {
		entries[i] = Entry{Elements: e, Source: path}
	}
	out := make([]*tle.Elements, 0, len(entries))
	for _, e := range newest(entries) {
		out = append(out, e.Elements)
	}
	return out, res.Errors, nil
}

// ForMission opens the mission's catalogue (its cache_dir, or data/catalog
// in the working directory).
func ForMission(m *mission.Mission) *Catalog {
	dir := filepath.Join("data", "catalog")
	if m.Catalog.CacheDir != "" {
		dir = m.Resolve(m.Catalog.CacheDir)
	}
	return &Catalog{Dir: dir}
}

// MissionSet is the element sets of a mission's satellites.
type MissionSet struct {
	Entries []Entry                   // in the mission's satellite order
	Missing []mission.SatelliteConfig // satellites no source gave elements for
	Sources []SourceStatus
}

// LoadMission loads every source of the mission and picks its satellites.
func (c *Catalog) LoadMission(ctx context.Context, m *mission.Mission, refresh bool) MissionSet {
	entries, stats := c.Load(ctx, m.Sources(), refresh)
	byID := map[int]Entry{}
	for _, e := range entries {
		byID[e.CatalogNumber] = e
	}
	set := MissionSet{Sources: stats}
	for _, s := range m.Satellites {
		e, ok := byID[s.NORAD]
		if !ok {
			set.Missing = append(set.Missing, s)
			continue
		}
		if e.Name == "" {
			e.Name = s.Name
		}
		set.Entries = append(set.Entries, e)
	}
	return set
}
