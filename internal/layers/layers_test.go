// Package layers holds the test of the dependency direction of
// DEVELOPERS.md: mission ← scheduler ← telemetry, uplink, pqlink, sdr ←
// sim, gui, cmd. Within the middle layer what exists is kept, one way
// only: telemetry ← uplink ← pqlink, sdr. No production package depends
// on the emulator, the desktop or the command.
package layers

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/ipgs/ipgs/"

// rank of each top-level folder: a package may depend only on packages of
// its own folder or of a lower rank (internal/ holds helpers that know the
// mission at most).
var rank = map[string]int{
	"mission": 0, "internal": 1, "scheduler": 2, "telemetry": 3, "uplink": 4, "pqlink": 5, "sdr": 5,
	"sim": 6, "gui": 7, "cmd": 8,
}

func top(pkg string) string {
	p, _ := strings.CutPrefix(pkg, module)
	t, _, _ := strings.Cut(p, "/")
	return t
}

func TestDependencyDirection(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps=false", "-f", "{{.ImportPath}}{{range .Deps}} {{.}}{{end}}", "github.com/ipgs/ipgs/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		pkg, deps := f[0], f[1:]
		from := top(pkg)
		r, ok := rank[from]
		if !ok {
			t.Errorf("%s: top-level folder %q is not one of DEVELOPERS.md's", pkg, from)
			continue
		}
		checked++
		for _, d := range deps {
			if !strings.HasPrefix(d, module) {
				continue
			}
			to := top(d)
			if to == from {
				continue
			}
			if rank[to] >= r && !(from == "gui" && to == "sim") {
				t.Errorf("%s depends on %s: %s may not depend on %s", pkg, d, from, to)
			}
			if to == "sim" && from != "gui" && from != "cmd" {
				t.Errorf("%s depends on the emulator (%s)", pkg, d)
			}
		}
	}
	if checked < 50 {
		t.Fatalf("only %d packages listed", checked)
	}
	t.Logf("%d packages follow the dependency direction", checked)
}
