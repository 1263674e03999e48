package plan

import (
	"os"
	"testing"
	"time"
)

// BenchmarkSolve10k: about 10,000 candidate passes (100 satellites x 10
// stations x 3 days).
func BenchmarkSolve10k(b *testing.B) {
	p := instance(b, 100, 10, 72*time.Hour, nil)
	b.ReportMetric(float64(len(p.Candidates)), "candidates")
	for b.Loop() {
		p.tracks = nil
		pl := Solve(p, SolveOptions{})
		b.ReportMetric(pl.Objective, "objective")
	}
}

func TestTraceLong(t *testing.T) {
	if testing.Short() || os.Getenv("IPGS_PLAN_TRACE") == "" {
		t.Skip("trace run")
	}
	p := instance(t, 100, 10, 72*time.Hour, nil)
	pl := Solve(p, SolveOptions{Deadline: 8 * time.Second})
	t.Logf("%d candidates objective %.0f", len(p.Candidates), pl.Objective)
}
