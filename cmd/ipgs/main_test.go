package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/ipgs/ipgs/mission/tle"
)

// TestMain lets tests run this binary as ipgs itself (IPGS_AS_MAIN=1):
// the GUI under Xvfb, and separate station and emulator processes.
func TestMain(m *testing.M) {
	if os.Getenv("IPGS_AS_MAIN") != "" {
		os.Args = append([]string{"ipgs"}, os.Args[1:]...)
		main()
		return
	}
	os.Exit(m.Run())
}

// run executes the CLI as main does and returns stdout, stderr and the
// exit status.
func run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	root := newRoot()
	root.SetArgs(args)
	root.SetOut(&out)
	root.SetErr(&errb)
	err := root.ExecuteContext(context.Background())
	// exitCode prints to os.Stderr; keep the test output quiet
	old := os.Stderr
	os.Stderr, _ = os.Open(os.DevNull)
	code := exitCode(err)
	os.Stderr = old
	if err != nil {
		errb.WriteString(err.Error())
	}
	return out.String(), errb.String(), code
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// tleText formats elements, computing checksums.
func tleText(t *testing.T, name string, cat int, mm, bstar float64) string {
	t.Helper()
	e, err := tle.ParseLines(name,
		"1 25544U 98067A   25060.00000000  .00000606  00000-0  19136-4 0  9999",
		"2 25544  51.6438 325.6416 0004180 232.7834 242.0364 15.48651577221597")
	if err != nil {
		t.Fatal(err)
	}
	e.CatalogNumber, e.MeanMotion, e.BStar, e.Name = cat, mm, bstar, name
	s, err := tle.Format(e)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

const stationsCSV = "name,lat,lon,alt_m\nWallops,37.9402,-75.4664,10\nPerth,-31.8022,115.8853,20\n"

func TestPassesCSVHeaderAndExitOK(t *testing.T) {
	tles := writeFile(t, "a.tle", tleText(t, "ISS", 25544, 15.4865, 2e-5))
	sts := writeFile(t, "s.csv", stationsCSV)
	out, errs, code := run(t, "passes", "--tle", tles, "--stations", sts, "--start", "2025-03-01T00:00:00Z", "--duration", "1d", "--format", "csv")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if lines[0] != "sat,station,aos_utc,tca_utc,los_utc,max_el_deg,aos_az_deg,tca_az_deg,los_az_deg" || len(lines) < 3 {
		t.Fatalf("output:\n%s", out)
	}
	if !strings.HasPrefix(lines[1], "25544,Wallops,2025-03-01T") {
		t.Errorf("first row %q", lines[1])
	}
}

func TestDecayMidWindowKeepsOthers(t *testing.T) {
	// a satellite at ~150 km with heavy drag decays within the window
	tles := writeFile(t, "a.tle", tleText(t, "SINKER", 11111, 16.45, 0.01)+tleText(t, "ISS", 25544, 15.4865, 2e-5))
	sts := writeFile(t, "s.csv", stationsCSV)
	out, errs, code := run(t, "passes", "--tle", tles, "--stations", sts, "--start", "2025-03-01T00:00:00Z", "--duration", "3d", "--format", "csv")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(errs, "SINKER (11111): passes end early") {
		t.Errorf("no decay line on stderr: %q", errs)
	}
	if !strings.Contains(out, "\n25544,") {
		t.Errorf("the other satellite's passes are missing:\n%s", out)
	}
}

func TestBadInputExits2(t *testing.T) {
	good := tleText(t, "ISS", 25544, 15.4865, 2e-5)
	lines := strings.Split(good, "\n")
	badLine := lines[1][:20] + "X" + lines[1][21:]
	tles := writeFile(t, "a.tle", "BROKEN\n"+badLine+"\n"+lines[2]+"\n"+tleText(t, "OTHER", 25545, 15.4865, 2e-5))
	sts := writeFile(t, "s.csv", stationsCSV)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--tle", tles, "--stations", sts, "--duration", "0s"}, "the window must be longer than zero"},
		{[]string{"--tle", tles, "--stations", sts, "--duration", "-1d"}, "the window must be longer than zero"},
		{[]string{"--tle", tles, "--stations", sts, "--station", "Nowhere"}, `unknown station "Nowhere"`},
		{[]string{"--tle", tles, "--stations", sts, "--start", "yesterday"}, `time "yesterday"`},
		{[]string{"--tle", tles, "--stations", sts, "--format", "xml"}, `unknown format "xml"`},
		{[]string{"--tle", tles, "--stations", sts, "--bogus"}, "unknown flag: --bogus"},
		{[]string{"--tle", tles, "--stations", sts, "--start", "2025-03-01T00:00:00Z", "--format", "csv"}, "a.tle:2:21 (satellite 25544): epoch day: \"X60.00000000\" is not a day of year"},
	} {
		out, errs, code := run(t, append([]string{"passes"}, c.args...)...)
		if code != 2 {
			t.Errorf("%v: exit %d, want 2 (stderr %q)", c.args, code, errs)
		}
		if !strings.Contains(errs, c.want) {
			t.Errorf("%v: stderr %q lacks %q", c.args, errs, c.want)
		}
		if strings.Contains(c.want, "epoch day") && !strings.Contains(out, "\n25545,") {
			t.Errorf("the good satellite's passes are missing:\n%s", out)
		}
	}
}

func TestEveryCommandHasHelp(t *testing.T) {
	var all []*cobra.Command
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		all = append(all, c)
		for _, s := range c.Commands() {
			walk(s)
		}
	}
	walk(newRoot())
	for _, c := range all {
		out, _, code := run(t, append(strings.Fields(strings.TrimPrefix(c.CommandPath(), "ipgs")), "--help")...)
		if code != 0 || !strings.Contains(out, "Usage:") {
			t.Errorf("%s --help: exit %d\n%s", c.CommandPath(), code, out)
		}
	}
}
