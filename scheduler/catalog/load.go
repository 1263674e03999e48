// Package catalog keeps the element sets ipgs flies on: files and URLs
// (the CelesTrak GP API shape), fetched copies cached with their
// provenance, and the staleness checks every view relies on.
package catalog

import (
	"fmt"
	"os"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/mission/tle"
)

// LoadFile parses a TLE or OMM (JSON or XML) file. Element sets that fail
// to parse are returned as errors (each naming its line); the others are
// kept. Duplicate catalogue numbers keep the newest epoch.
func LoadFile(path string, allowBadChecksum bool) ([]*tle.Elements, []error, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, mission.BadInput(err)
	}
	res := tle.Parse(data, tle.Options{Source: path, AllowBadChecksum: allowBadChecksum})
	return Dedup(res.Elements), res.Errors, nil
}

// Dedup keeps, for each catalogue number, the element set with the latest
// epoch, in order of first appearance.
func Dedup(in []*tle.Elements) []*tle.Elements {
	idx := map[int]int{}
	var out []*tle.Elements
	for _, e := range in {
		if i, ok := idx[e.CatalogNumber]; ok {
			if e.Epoch.After(out[i].Epoch) {
				out[i] = e
			}
			continue
		}
		idx[e.CatalogNumber] = len(out)
		out = append(out, e)
	}
	return out
}

// Describe is a one-line summary of a load for logs.
func Describe(path string, n int, errs []error) string {
	return fmt.Sprintf("%s: %d element sets, %d rejected", path, n, len(errs))
}
