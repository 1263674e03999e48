// Package leakcheck fails a test that leaves goroutines behind.
//
// Check records the goroutines running when it is called and, when the
// test ends, waits a bounded time for every goroutine started since to
// finish; those still running are reported with their stacks. Goroutines
// of the runtime and the testing package are ignored.
package leakcheck

import (
	"runtime"
	"strings"
	"testing"
	"time"
)

// Check registers the leak check for t; call it first in a test.
func Check(t testing.TB) {
	t.Helper()
	before := map[string]bool{}
	for _, g := range goroutines() {
		before[id(g)] = true
	}
	t.Cleanup(func() {
		var left []string
		for deadline := time.Now().Add(3 * time.Second); ; {
			left = left[:0]
			for _, g := range goroutines() {
				if !before[id(g)] && !ignored(g) {
					left = append(left, g)
				}
			}
			if len(left) == 0 || time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if len(left) > 0 {
			t.Errorf("%d goroutines left running:\n\n%s", len(left), strings.Join(left, "\n\n"))
		}
	})
}

func goroutines() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	return strings.Split(strings.TrimSpace(string(buf)), "\n\n")
}

// id is "goroutine N".
func id(g string) string {
	head, _, _ := strings.Cut(g, " [")
	return head
}

func ignored(g string) bool {
	for _, s := range []string{
		"testing.(*T).Run", "testing.tRunner", "testing.runTests", "testing.(*M).",
		"runtime.goexit\n", "created by runtime.gc", "runtime.ensureSigM", "os/signal.signal_recv",
		"created by testing.(*T).Run",
	} {
		if strings.Contains(g, s) && !strings.Contains(g, "github.com/ipgs/") {
			return true
		}
	}
	// the test's own goroutine and the one running Cleanup
	return strings.Contains(g, "leakcheck.Check.func1") || strings.Contains(g, "testing.tRunner")
}
