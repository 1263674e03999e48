package passes

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"syscall"
	"time"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/mission/sgp4"
	"github.com/ipgs/ipgs/mission/tle"
)

// BenchOptions configure `ipgs bench passes`.
type BenchOptions struct {
	SatJS   string // satellite.js pass finder script (node)
	Shared  string // the shared folder with data/orbit and tools
	DataDir string // where generated inputs and outputs go
	Self    string // this binary, run as a child for the scale case
	Runs    int    // timed runs of ours (best is reported)
	Scale   bool   // also 10,000 satellites x 100 stations x 1 day
	Out     io.Writer
}

var satjsTime = regexp.MustCompile(`(\d+) passes in ([0-9.]+) s`)

// RunBench measures pass prediction against the satellite.js reference in
// the same run and prints the ratio.
func RunBench(ctx context.Context, o BenchOptions) error {
	orbit := filepath.Join(o.Shared, "data", "orbit")
	tles := filepath.Join(orbit, "tles_100.txt")
	stations := filepath.Join(orbit, "stations_10.csv")
	start := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)

	fmt.Fprintf(o.Out, "== 100 satellites x 10 stations x 7 days, min-el 10 ==\n")
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "node", o.SatJS, "--tle", tles, "--stations", stations,
		"--start", "2025-03-01T00:00:00Z", "--days", "7", "--min-el", "10", "--out", os.DevNull)
	cmd.Stderr = &stderr
	t0 := time.Now()
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("satellite.js reference: %v: %s", err, stderr.String())
	}
	refWall := time.Since(t0).Seconds()
	m := satjsTime.FindStringSubmatch(stderr.String())
	if m == nil {
		return fmt.Errorf("satellite.js reference printed no timing: %s", stderr.String())
	}
	refPasses, _ := strconv.Atoi(m[1])
	refSecs, _ := strconv.ParseFloat(m[2], 64)
	fmt.Fprintf(o.Out, "satellite.js: %d passes, pass finder %.2f s (process %.2f s)\n", refPasses, refSecs, refWall)

	runs := max(1, o.Runs)
	var times []float64
	n := 0
	for range runs {
		t0 := time.Now()
		props, sts, err := loadInputs(tles, stations)
		if err != nil {
			return err
		}
		w, _ := NewWriter(io.Discard, "csv", nil)
		n = 0
		err = Stream(ctx, props, sts, start, 7*24*time.Hour, 0, func(r SatResult) error {
			for i := range r.Passes {
				n++
				w.Write(&r.Passes[i], "", sts[r.Passes[i].Station].Name, false)
			}
			return nil
		})
		w.Close()
		if err != nil {
			return err
		}
		times = append(times, time.Since(t0).Seconds())
	}
	sort.Float64s(times)
	best, median := times[0], times[len(times)/2]
	fmt.Fprintf(o.Out, "ipgs:         %d passes, best %.3f s, median %.3f s of %d runs (parse, search, CSV)\n", n, best, median, runs)
	fmt.Fprintf(o.Out, "ratio: ipgs is %.1fx faster than satellite.js (median; goal >= 30x)\n", refSecs/median)

	if !o.Scale {
		return nil
	}
	fmt.Fprintf(o.Out, "\n== 10,000 satellites x 100 stations x 1 day (goal <= 60 s, <= 2 GiB) ==\n")
	if err := os.MkdirAll(o.DataDir, 0o755); err != nil {
		return err
	}
	big := filepath.Join(o.DataDir, "tles_10000.txt")
	if _, err := os.Stat(big); err != nil {
		gen := exec.CommandContext(ctx, "/usr/bin/python3", "-c", `
import sys; sys.path.insert(0, sys.argv[1]); import gen_tles as g
with open(sys.argv[2], 'w') as f:
    for name, (l1, l2) in g.constellation(10000, 70000):
        f.write(name + '\n' + l1 + '\n' + l2 + '\n')
`, filepath.Join(o.Shared, "tools"), big)
		if out, err := gen.CombinedOutput(); err != nil {
			return fmt.Errorf("generating 10,000 TLEs: %v: %s", err, out)
		}
	}
	outPath := filepath.Join(o.DataDir, "passes_10k.csv")
	outFile, err := os.Create(outPath)
	if err != nil {
		return err
	}
	defer outFile.Close()
	child := exec.CommandContext(ctx, o.Self, "passes", "--tle", big, "--stations", filepath.Join(orbit, "stations_100.csv"),
		"--start", "2025-03-01T00:00:00Z", "--duration", "1d", "--format", "csv")
	child.Stdout = outFile
	child.Stderr = os.Stderr
	t0 = time.Now()
	if err := child.Run(); err != nil {
		return fmt.Errorf("scale run: %v", err)
	}
	wall := time.Since(t0).Seconds()
	ru, _ := child.ProcessState.SysUsage().(*syscall.Rusage)
	var rssMiB float64
	if ru != nil {
		rssMiB = float64(ru.Maxrss) / 1024
	}
	fi, _ := outFile.Stat()
	lines, _ := countLines(outPath)
	fmt.Fprintf(o.Out, "ipgs: %d passes (%.0f MB CSV) in %.1f s wall, peak RSS %.0f MiB, CPU %.1f s user\n",
		lines-1, float64(fi.Size())/1e6, wall, rssMiB, child.ProcessState.UserTime().Seconds())
	return nil
}

func loadInputs(tlePath, stationsPath string) ([]*sgp4.Propagator, []mission.Station, error) {
	data, err := os.ReadFile(tlePath)
	if err != nil {
		return nil, nil, err
	}
	res := tle.Parse(data, tle.Options{Source: tlePath})
	var props []*sgp4.Propagator
	for _, e := range res.Elements {
		p, err := sgp4.New(e)
		if err != nil {
			return nil, nil, err
		}
		props = append(props, p)
	}
	f, err := os.Open(stationsPath)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	sts, err := mission.ParseStationsCSV(f, stationsPath, 10)
	return props, sts, err
}

func countLines(path string) (int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return bytes.Count(data, []byte("\n")), nil
}
