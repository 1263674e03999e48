package plan

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// The reference model for benchmarks and tests: every candidate taken
// whole or not at all, under the same constraints, solved exactly as a
// MILP by GLPK.
//
//	maximise   Σ_c w(c)·len(c)·x_c,  x_c ∈ {0, 1}
//	station:   x_c + x_d ≤ 1 for c, d at one station whose windows overlap
//	           once the turnaround between them is counted
//	satellite: Σ_{c of s covering t} x_c ≤ k at every candidate start t

// WriteLP writes the whole-pass model in CPLEX LP format. Candidates
// shorter than the minimum contact are left out.
func WriteLP(p *Problem, w io.Writer) error {
	bw := bufio.NewWriter(w)
	minC := p.minContact()
	ok := func(c *Candidate) bool { return c.End-c.Start >= minC }
	fmt.Fprintln(bw, "\\ ipgs whole-pass contact scheduling model")
	fmt.Fprintln(bw, "Maximize")
	fmt.Fprint(bw, " obj:")
	n := 0
	for i := range p.Candidates {
		c := &p.Candidates[i]
		if !ok(c) {
			continue
		}
		fmt.Fprintf(bw, " + %.6f x%d", p.Sats[c.Sat].Weight*(c.End-c.Start), i)
		n++
		if n%8 == 0 {
			fmt.Fprint(bw, "\n")
		}
	}
	if n == 0 {
		fmt.Fprint(bw, " 0 dummy")
	}
	fmt.Fprintln(bw, "\nSubject To")
	row := 0
	byStation := map[int][]int{}
	bySat := map[int][]int{}
	for i := range p.Candidates {
		c := &p.Candidates[i]
		if ok(c) {
			byStation[c.Station] = append(byStation[c.Station], i)
			bySat[c.Sat] = append(bySat[c.Sat], i)
		}
	}
	for st, cs := range byStation {
		sn := &p.Stations[st]
		// windows that overlap in time: one clique row per start instant
		// (tight for interval graphs)
		row = coverRows(bw, p, cs, 1, "s", row)
		// windows apart by less than their turnaround: pairwise rows
		for a := 0; a < len(cs); a++ {
			for b := a + 1; b < len(cs); b++ {
				fi, si := cs[a], cs[b]
				if p.Candidates[si].Start < p.Candidates[fi].Start {
					fi, si = si, fi
				}
				first, second := &p.Candidates[fi], &p.Candidates[si]
				if second.Start < first.End || second.Start-first.End > 400 {
					continue // overlapping (clique rows) or too far apart to matter
				}
				need := sn.turnaround(p.pointing(fi, first.End), p.pointing(si, second.Start))
				if second.Start < first.End+need {
					row++
					fmt.Fprintf(bw, " g%d: x%d + x%d <= 1\n", row, cs[a], cs[b])
				}
			}
		}
	}
	k := p.capacity()
	for _, cs := range bySat {
		row = coverRows(bw, p, cs, k, "k", row)
	}
	fmt.Fprintln(bw, "Binary")
	for i := range p.Candidates {
		if ok(&p.Candidates[i]) {
			fmt.Fprintf(bw, " x%d\n", i)
		}
	}
	fmt.Fprintln(bw, "End")
	return bw.Flush()
}

// coverRows writes, for each candidate start, the row "the candidates of
// cs covering that instant sum to at most limit" when more than limit do.
// It returns the last row number used.
func coverRows(bw *bufio.Writer, p *Problem, cs []int, limit int, prefix string, row int) int {
	for _, a := range cs {
		t := p.Candidates[a].Start
		var cover []int
		for _, b := range cs {
			if c := &p.Candidates[b]; c.Start <= t && t < c.End {
				cover = append(cover, b)
			}
		}
		if len(cover) > limit {
			row++
			fmt.Fprintf(bw, " %s%d:", prefix, row)
			for _, b := range cover {
				fmt.Fprintf(bw, " + x%d", b)
			}
			fmt.Fprintf(bw, " <= %d\n", limit)
		}
	}
	return row
}

// SolveGLPK solves the whole-pass model with glpsol and returns its optimum
// and the candidates it takes.
func SolveGLPK(ctx context.Context, p *Problem, dir string) (float64, []int, error) {
	lp := filepath.Join(dir, "model.lp")
	sol := filepath.Join(dir, "model.sol")
	f, err := os.Create(lp)
	if err != nil {
		return 0, nil, err
	}
	if err := WriteLP(p, f); err != nil {
		f.Close()
		return 0, nil, err
	}
	f.Close()
	out, err := exec.CommandContext(ctx, "glpsol", "--lp", lp, "-w", sol).CombinedOutput()
	if err != nil {
		return 0, nil, fmt.Errorf("glpsol: %v: %s", err, lastLines(string(out), 5))
	}
	data, err := os.ReadFile(sol)
	if err != nil {
		return 0, nil, err
	}
	var obj float64
	var taken []int
	status := ""
	cols := map[int]int{} // glpsol column number -> candidate
	col := 0
	for i := range p.Candidates {
		if p.Candidates[i].End-p.Candidates[i].Start >= p.minContact() {
			col++
			cols[col] = i
		}
	}
	for _, line := range strings.Split(string(data), "\n") {
		fs := strings.Fields(line)
		switch {
		case len(fs) >= 6 && fs[0] == "s" && fs[1] == "mip":
			status = fs[4]
			obj, _ = strconv.ParseFloat(fs[5], 64)
		case len(fs) == 3 && fs[0] == "j":
			j, _ := strconv.Atoi(fs[1])
			v, _ := strconv.ParseFloat(fs[2], 64)
			if v > 0.5 {
				taken = append(taken, cols[j])
			}
		}
	}
	if status != "o" {
		return obj, taken, fmt.Errorf("glpsol: solution status %q (want o, optimal)", status)
	}
	return obj, taken, nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
