package plan

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/ipgs/ipgs/internal/shared"
)

// instance builds a problem from the shared TLEs: the first nSat
// satellites over the first nSt stations for dur, weights 1..5.
func instance(tb testing.TB, nSat, nSt int, dur time.Duration, mutate func(*[]Station, *[]Satellite)) *Problem {
	tb.Helper()
	return instanceFull(tb, nSat, nSt, time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), dur, mutate)
}

// instanceAt is instance starting at start.
func instanceAt(tb testing.TB, nSat, nSt int, start time.Time, dur time.Duration) *Problem {
	tb.Helper()
	return instanceFull(tb, nSat, nSt, start, dur, nil)
}

func instanceFull(tb testing.TB, nSat, nSt int, start time.Time, dur time.Duration, mutate func(*[]Station, *[]Satellite)) *Problem {
	tb.Helper()
	p, err := newInstance(context.Background(), shared.Orbit(tb, "tles_100.txt"), shared.Orbit(tb, "stations_10.csv"), nSat, nSt, start, dur, mutate)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

func mustValid(t *testing.T, pl *Plan) {
	t.Helper()
	if errs := Validate(pl.Problem, pl.Contacts); len(errs) > 0 {
		for _, e := range errs[:min(len(errs), 10)] {
			t.Error(e)
		}
		t.Fatalf("%d constraint violations", len(errs))
	}
}

func TestPlanValidAndExplained(t *testing.T) {
	p := instance(t, 40, 10, 24*time.Hour, nil)
	pl := Solve(p, SolveOptions{})
	mustValid(t, pl)
	scheduled := map[int]bool{}
	for _, c := range pl.Contacts {
		scheduled[c.Cand] = true
		cd := &p.Candidates[c.Cand]
		if c.Len() < cd.End-cd.Start-1 && c.Reason == "" {
			t.Errorf("trimmed contact %s has no reason", p.label(&c))
		}
	}
	explained := 0
	for _, u := range pl.Unscheduled {
		if u.Reason == "" {
			t.Errorf("unscheduled candidate %d has no reason", u.Cand)
		}
		if u.Cand >= 0 {
			explained++
		}
	}
	if len(scheduled)+explained != len(p.Candidates) {
		t.Errorf("%d scheduled + %d explained != %d candidates", len(scheduled), explained, len(p.Candidates))
	}
	t.Logf("%d candidates, %d contacts, %d unscheduled, objective %.0f", len(p.Candidates), len(pl.Contacts), len(pl.Unscheduled), pl.Objective)
}

// TestAgainstGLPK compares with the exact whole-pass optimum from the real
// glpsol: our plan must reach at least 99% of it (trimming may beat it).
func TestAgainstGLPK(t *testing.T) {
	if _, err := execLookPath("glpsol"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("glpsol not installed (make deps installs glpk-utils)")
		}
		t.Skip("glpsol not installed")
	}
	for _, c := range []struct {
		name      string
		nSat, nSt int
		dur       time.Duration
	}{
		{"30x10x1d", 30, 10, 24 * time.Hour},
		{"60x5x1d", 60, 5, 24 * time.Hour},
		{"100x3x1d", 100, 3, 24 * time.Hour},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := instance(t, c.nSat, c.nSt, c.dur, nil)
			pl := Solve(p, SolveOptions{})
			mustValid(t, pl)
			opt, taken, err := SolveGLPK(context.Background(), p, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			// the MILP's own plan must pass our validator too
			var whole []Contact
			for _, i := range taken {
				whole = append(whole, Contact{Cand: i, Start: p.Candidates[i].Start, End: p.Candidates[i].End})
			}
			if errs := Validate(p, whole); len(errs) > 0 {
				t.Errorf("MILP plan fails validation: %v", errs[0])
			}
			// the same model as the MILP (whole passes): the optimiser's
			// quality; then with trimming, the plan ipgs really makes
			wh := Solve(p, SolveOptions{WholeOnly: true})
			mustValid(t, wh)
			for _, c := range wh.Contacts {
				if cd := &p.Candidates[c.Cand]; c.Start != cd.Start || c.End != cd.End {
					t.Fatalf("whole-only plan trimmed %s", p.label(&c))
				}
			}
			ratio := pl.Objective / opt
			wratio := wh.Objective / opt
			t.Logf("%d candidates: MILP %.0f; ipgs whole passes %.0f (%.4f), with trimming %.0f (%.4f)", len(p.Candidates), opt, wh.Objective, wratio, pl.Objective, ratio)
			if wratio < 0.99 {
				t.Errorf("whole-pass objective %.0f is %.2f%% of the optimum %.0f", wh.Objective, 100*wratio, opt)
			}
			if ratio < 0.99 {
				t.Errorf("objective %.0f is %.2f%% of the whole-pass optimum %.0f", pl.Objective, 100*ratio, opt)
			}
		})
	}
}

var execLookPath = exec.LookPath
