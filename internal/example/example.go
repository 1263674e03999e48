// Package example loads the example constellation (examples/ at the
// module root) for tests.
package example

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/mission/tle"
)

// Dir is the module's examples folder, found from the test's directory.
func Dir(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "examples")
		}
		up := filepath.Dir(dir)
		if up == dir {
			tb.Fatal("no go.mod above the test's directory")
		}
		dir = up
	}
}

// Mission loads examples/mission.yaml and the drones' element sets.
func Mission(tb testing.TB) (*mission.Mission, []*tle.Elements) {
	tb.Helper()
	m, err := mission.Load(filepath.Join(Dir(tb), "mission.yaml"))
	if err != nil {
		tb.Fatal(err)
	}
	return m, Elements(tb, filepath.Join(Dir(tb), "drones.tle"))
}

// Elements parses a TLE file that must be clean.
func Elements(tb testing.TB, path string) []*tle.Elements {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	res := tle.Parse(b, tle.Options{})
	if len(res.Errors) > 0 {
		tb.Fatal(res.Errors)
	}
	return res.Elements
}
