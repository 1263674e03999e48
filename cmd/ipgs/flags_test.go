package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// TestNumericFlags (issue: --speed 0, -5, NaN and +Inf were taken by
// station run and sim, --min-el 95 and NaN by passes, --snr NaN by modem
// noise, ...): every numeric flag of every command has a range, and NaN,
// ±Inf, huge values and 0 or negative values below the range are refused
// with exit status 2 and the flag's name, before the command does
// anything.
func TestNumericFlags(t *testing.T) {
	var walk func(c *cobra.Command, path []string)
	flags, refused := 0, 0
	walk = func(c *cobra.Command, path []string) {
		for _, sub := range c.Commands() {
			walk(sub, append(append([]string(nil), path...), sub.Name()))
		}
		if !c.Runnable() {
			return
		}
		// arguments that get past the command's own argument check
		var args []string
		for n := 0; n < 4 && c.ValidateArgs(args) != nil; n++ {
			args = append(args, "x")
		}
		c.LocalFlags().VisitAll(func(f *pflag.Flag) {
			if !isNumeric(f) {
				return
			}
			flags++
			r, ok := flagRanges[f.Name]
			if !ok {
				t.Errorf("ipgs %s --%s: no range in flagRanges", strings.Join(path, " "), f.Name)
				return
			}
			for _, v := range []string{"NaN", "+Inf", "-Inf", "1e300", "-1e300", "0", "-1", "-5"} {
				x, _ := strconv.ParseFloat(v, 64)
				if x >= r[0] && x <= r[1] {
					continue // a value the flag means (0: automatic, default, ...)
				}
				cmdline := append(append(append([]string(nil), path...), args...), "--"+f.Name+"="+v)
				_, stderr, code := run(t, cmdline...)
				if code != 2 || !strings.Contains(stderr, "--"+f.Name) {
					t.Errorf("ipgs %s: exit %d, %q; want 2 and an error naming --%s", strings.Join(cmdline, " "), code, stderr, f.Name)
				}
				refused++
			}
		})
	}
	walk(newRoot(), nil)
	if flags < 25 {
		t.Fatalf("only %d numeric flags found", flags)
	}
	t.Logf("%d numeric flags, %d bad values refused", flags, refused)
}

// TestNonsenseRefused (issue findings 7 to 10, as an adversarial tester
// typed them): each is refused with exit status 2 and says why.
func TestNonsenseRefused(t *testing.T) {
	dir := t.TempDir()
	empty := writeFile(t, "empty.tle", "")
	garbage := writeFile(t, "garbage.tle", "this is not an element set\n")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"passes", "--stations", "../../examples/mission.yaml", "--min-el", "95"}, "--min-el"},
		{[]string{"passes", "--stations", "../../examples/mission.yaml", "--min-el", "NaN"}, "--min-el"},
		{[]string{"passes", "--stations", "../../examples/mission.yaml", "--min-el", "-90"}, "--min-el"},
		{[]string{"station", "run", "--config", "../../examples/mission.yaml", "--station", "Tromso", "--speed", "0"}, "--speed"},
		{[]string{"station", "run", "--config", "../../examples/mission.yaml", "--station", "Tromso", "--speed", "-5"}, "--speed"},
		{[]string{"sim", "--config", "../../examples/mission.yaml", "--speed", "+Inf"}, "--speed"},
		{[]string{"sim", "--config", "../../examples/mission.yaml", "--speed", "1e12"}, "--speed"},
		{[]string{"station", "run", "--config", "../../examples/mission.yaml", "--station", "Tromso", "--duration", "3650d"}, "--duration"},
		{[]string{"cmd", "send", "--config", "../../examples/mission.yaml", "--data", dir, "90001", "PING", "--at", "2200-01-01T00:00:00Z"}, "--at"},
		{[]string{"cmd", "send", "--config", "../../examples/mission.yaml", "--data", dir, "90001", "PING", "--at", "1999-12-31T00:00:00Z"}, "--at"},
		{[]string{"passes", "--tle", empty, "--stations", "../../examples/stations.csv"}, "no element set"},
		{[]string{"passes", "--tle", garbage, "--stations", "../../examples/stations.csv"}, "rejected"},
		{[]string{"passes", "--tle", "../../examples/drones.tle", "--stations", "../../examples/stations.csv", "--start", "2200-01-01T00:00:00Z"}, "no satellite could be propagated"},
		{[]string{"modem", "noise", "--snr", "NaN", "x.wav", "y.wav"}, "--snr"},
	} {
		_, stderr, code := run(t, c.args...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("ipgs %s: exit %d, %q; want 2 and %q", strings.Join(c.args, " "), code, stderr, c.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "commands.jsonl")); err == nil {
		if b, _ := os.ReadFile(filepath.Join(dir, "commands.jsonl")); len(b) > 0 {
			t.Errorf("a refused command was queued: %s", b)
		}
	}
}
