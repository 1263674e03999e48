// Package influxdtest starts a real influxd for a test.
package influxdtest

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/ipgs/ipgs/telemetry/influxd"
)

// Start starts a server for t in a temporary directory, killed at the
// end. Without influxd it fails under CI (make deps builds it) and skips
// elsewhere.
func Start(t testing.TB) *influxd.Server {
	t.Helper()
	bin, err := influxd.Find()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	s := &influxd.Server{Bin: bin, Dir: t.TempDir()}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}
