package passes

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
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

	fmt.Fprintf(o.Out, "== 100 satellites x 10 stations x 7 days, min-el 10: %d alternating pairs ==\n", max(1, o.Runs))
	// satellite.js and ipgs take turns, so that whatever else loads the
	// machine weighs on both alike; the ratio is the median of the pairs'
	satjs := func() (passes int, secs float64, err error) {
		var stderr bytes.Buffer
		cmd := exec.CommandContext(ctx, "node", o.SatJS, "--tle", tles, "--stations", stations,
			"--start", "2025-03-01T00:00:00Z", "--days", "7", "--min-el", "10", "--out", os.DevNull)
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			return 0, 0, fmt.Errorf("satellite.js reference: %v: %s", err, stderr.String())
		}
		m := satjsTime.FindStringSubmatch(stderr.String())
		if m == nil {
			return 0, 0, fmt.Errorf("satellite.js reference printed no timing: %s", stderr.String())
		}
		passes, _ = strconv.Atoi(m[1])
		secs, _ = strconv.ParseFloat(m[2], 64)
		return passes, secs, nil
	}
	ours := func() (passes int, wall, cpu float64, err error) {
		c0 := cpuSeconds()
		t0 := time.Now()
		props, sts, err := loadInputs(tles, stations)
		if err != nil {
			return 0, 0, 0, err
		}
		w, _ := NewWriter(io.Discard, "csv", nil)
		cw := w.(*csvWriter)
		err = StreamText(ctx, props, sts, start, 7*24*time.Hour, 0, func(r *SatResult) []byte {
			var b []byte
			for i := range r.Passes {
				b = AppendCSV(b, &r.Passes[i], sts[r.Passes[i].Station].Name)
			}
			return b
		}, func(r SatResult) error {
			passes += len(r.Passes)
			return cw.writeText(r.Text)
		})
		w.Close()
		return passes, time.Since(t0).Seconds(), cpuSeconds() - c0, err
	}
	var ratios, walls, refs []float64
	var refPasses, n int
	cores := 0.0
	for range max(1, o.Runs) {
		rp, ref, err := satjs()
		if err != nil {
			return err
		}
		np, wall, cpu, err := ours()
		if err != nil {
			return err
		}
		refPasses, n = rp, np
		ratios, walls, refs = append(ratios, ref/wall), append(walls, wall), append(refs, ref)
		cores = math.Max(cores, cpu/wall)
		fmt.Fprintf(o.Out, "  pair %d: satellite.js %.2f s, ipgs %.3f s wall (%.2f cores): %.1fx\n", len(ratios), ref, wall, cpu/wall, ref/wall)
	}
	fmt.Fprintf(o.Out, "satellite.js: %d passes, pass finder median %.2f s\n", refPasses, median(refs))
	fmt.Fprintf(o.Out, "ipgs:         %d passes, median %.3f s wall (parse, search, CSV; up to %.2f of %d cores)\n", n, median(walls), cores, runtime.GOMAXPROCS(0))
	fmt.Fprintf(o.Out, "ratio: ipgs is %.1fx faster than satellite.js (median of pairs; goal >= 60x)\n", median(ratios))

	if !o.Scale {
		return nil
	}
	fmt.Fprintf(o.Out, "\n== 10,000 satellites x 100 stations x 1 day (goal <= 6 s, <= 2 GiB) ==\n")
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
	t0 := time.Now()
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
	cpu := child.ProcessState.UserTime().Seconds() + child.ProcessState.SystemTime().Seconds()
	fmt.Fprintf(o.Out, "ipgs: %d passes (%.0f MB CSV) in %.2f s wall, peak RSS %.0f MiB, CPU %.1f s (%.2f cores)\n",
		lines-1, float64(fi.Size())/1e6, wall, rssMiB, cpu, cpu/wall)
	return nil
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s) == 0 {
		return math.NaN()
	}
	return s[len(s)/2]
}

// cpuSeconds is this process's user and system CPU time so far.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
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
