// Package shared finds the workplace's shared folder (reference data and
// tools) for tests: $IPGS_SHARED, or ../shared beside the module root.
package shared

import (
	"compress/gzip"
	"encoding/csv"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Dir returns the shared folder. When it is missing the test is skipped,
// except under CI (CI set), where a missing reference must not pass
// silently: the test fails.
func Dir(tb testing.TB) string {
	tb.Helper()
	if d := os.Getenv("IPGS_SHARED"); d != "" {
		return d
	}
	wd, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			s := filepath.Join(d, "..", "shared")
			if _, err := os.Stat(filepath.Join(s, "data", "orbit")); err == nil {
				return s
			}
			break
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	if os.Getenv("CI") != "" {
		tb.Fatalf("shared reference folder not found beside the module (set IPGS_SHARED)")
	}
	tb.Skip("shared reference folder not found beside the module (set IPGS_SHARED)")
	return ""
}

// Orbit returns the path of a file in shared/data/orbit.
func Orbit(tb testing.TB, name string) string {
	tb.Helper()
	return filepath.Join(Dir(tb), "data", "orbit", name)
}

// ReadCSV reads a whole CSV file, failing the test on any error.
func ReadCSV(tb testing.TB, path string) [][]string {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		z, err := gzip.NewReader(f)
		if err != nil {
			tb.Fatalf("%s: %v", path, err)
		}
		defer z.Close()
		r = z
	}
	rows, err := csv.NewReader(r).ReadAll()
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	return rows
}

// Need skips the test when a program it runs is not installed, except
// under CI, where make deps installs every one and a missing program
// fails the test.
func Need(tb testing.TB, progs ...string) {
	tb.Helper()
	for _, p := range progs {
		if _, err := exec.LookPath(p); err != nil {
			if os.Getenv("CI") != "" {
				tb.Fatalf("%s not installed (make deps installs it)", p)
			}
			tb.Skipf("%s not installed", p)
		}
	}
}
