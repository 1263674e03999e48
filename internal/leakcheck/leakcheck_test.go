package leakcheck

import (
	"strings"
	"testing"
	"time"
)

// fakeT records errors instead of failing.
type fakeT struct {
	testing.TB
	cleanups []func()
	errs     []string
}

func (f *fakeT) Helper()                        {}
func (f *fakeT) Cleanup(fn func())              { f.cleanups = append(f.cleanups, fn) }
func (f *fakeT) Errorf(format string, a ...any) { f.errs = append(f.errs, format) }

func TestFindsALeak(t *testing.T) {
	f := &fakeT{TB: t}
	Check(f)
	stop := make(chan struct{})
	go func() { <-stop }()
	f.cleanups[0]()
	close(stop)
	if len(f.errs) != 1 || !strings.Contains(f.errs[0], "goroutines left running") {
		t.Fatalf("leak not found: %v", f.errs)
	}
}

func TestWaitsForGoroutinesThatEnd(t *testing.T) {
	f := &fakeT{TB: t}
	Check(f)
	go func() { time.Sleep(200 * time.Millisecond) }()
	f.cleanups[0]()
	if len(f.errs) != 0 {
		t.Fatalf("a goroutine that ended was reported: %v", f.errs)
	}
}
