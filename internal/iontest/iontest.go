// Package iontest runs NASA's ION beside a test: the interop tests'
// common part. ION is not in Debian and is never part of ipgs: it is built
// beside the project from its public source (docs/dtn.md), and
// IPGS_PEER_ION names its install prefix; without it the tests skip.
package iontest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// ION is a running ION node, in its own working folder.
type ION struct {
	t      testing.TB
	Prefix string // install prefix
	Dir    string // working folder: node.rc, ion.log, outputs
	env    []string
}

// Prefix returns IPGS_PEER_ION, skipping the test when it is not set.
func Prefix(t testing.TB) string {
	t.Helper()
	p := os.Getenv("IPGS_PEER_ION")
	if p == "" {
		t.Skip("IPGS_PEER_ION is not set (the install prefix of NASA ION 4.1.x)")
	}
	return p
}

// Start clears what an earlier ION left, starts one from rc (an ionstart
// -I file's text), and stops it when the test ends; a failed test logs
// the end of ion.log.
func Start(t testing.TB, rc string) *ION {
	t.Helper()
	i := &ION{t: t, Prefix: Prefix(t), Dir: t.TempDir()}
	i.env = append(os.Environ(), "PATH="+filepath.Join(i.Prefix, "bin")+":"+os.Getenv("PATH"), "LD_LIBRARY_PATH="+filepath.Join(i.Prefix, "lib"))
	if err := os.WriteFile(filepath.Join(i.Dir, "node.rc"), []byte(rc), 0o644); err != nil {
		t.Fatal(err)
	}
	i.clear()
	t.Logf("ionstart: %s", i.Cmd("", "ionstart", "-I", "node.rc"))
	t.Cleanup(func() {
		if t.Failed() {
			l, _ := os.ReadFile(filepath.Join(i.Dir, "ion.log"))
			t.Logf("--- ion.log (last 4 kB):\n%s", l[max(0, len(l)-4096):])
		}
		i.Cmd("", "ionstop")
		i.clear()
	})
	return i
}

// clear stops ION's tasks (killm) and removes what a stopped ION can
// leave: its shared memory (0xff00 or 0xff01 as built, its SDR at 0xee08
// and 0x1002) and its POSIX named semaphores, without which a new
// ionadmin asserts. No other ION may run on the machine (go test -p 1
// when several packages run ION).
func (i *ION) clear() {
	i.Cmd("", "killm")
	exec.Command("ipcrm", "-M", "0xff00", "-M", "0xff01", "-M", "0xee08", "-M", "0x1002").Run()
	sems, _ := filepath.Glob("/dev/shm/sem.ion:*")
	for _, s := range sems {
		os.Remove(s)
	}
}

// Cmd runs one of ION's programs in its folder, with stdin (may be
// empty), for at most 90 s, and returns what it printed. Output goes to a
// file, not a pipe: ionstart leaves daemons holding what it was given, and
// a pipe would never end.
func (i *ION) Cmd(stdin string, args ...string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	return i.CmdContext(ctx, stdin, args...)
}

// CmdContext is Cmd until ctx ends.
func (i *ION) CmdContext(ctx context.Context, stdin string, args ...string) string {
	f, err := os.CreateTemp(i.Dir, "out")
	if err != nil {
		i.t.Fatal(err)
	}
	defer f.Close()
	cmd := exec.CommandContext(ctx, filepath.Join(i.Prefix, "bin", args[0]), args[1:]...)
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = i.Dir, i.env, f, f
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	err = cmd.Run()
	out, _ := os.ReadFile(f.Name())
	if err != nil && ctx.Err() == nil {
		i.t.Logf("%v: %v\n%s", args, err, out)
	}
	return string(out)
}

// Command is an ION program to start and stop by hand (bpsink), in ION's
// folder and environment.
func (i *ION) Command(args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(i.Prefix, "bin", args[0]), args[1:]...)
	cmd.Dir, cmd.Env = i.Dir, i.env
	return cmd
}

// Poll waits up to d for ok, failing the test with what was awaited.
func Poll(t testing.TB, d time.Duration, what string, ok func() bool) {
	t.Helper()
	end := time.Now().Add(d)
	for !ok() {
		if time.Now().After(end) {
			t.Fatalf("no %s in %v", what, d)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// Node900 is the ionadmin section the tests start ION with: node 900,
// contacts and one-second ranges to and from ipgs's node 1 all day at
// rate bytes a second.
func Node900(rate int) string {
	return fmt.Sprintf(`## begin ionadmin
1 900 ''
s
m horizon +0
a contact +0 +86400 900 1 %[1]d
a contact +0 +86400 1 900 %[1]d
a range +0 +86400 900 1 1
a range +0 +86400 1 900 1
m production %[1]d
m consumption %[1]d
## end ionadmin
`, rate)
}

// LTPSpan is the ltpadmin section of an LTP span from ION's engine
// (udplsi on ionPort) to ipgs's engine 1 (at ipgsPort), aggregating
// bundles up to aggBytes or aggSeconds.
func LTPSpan(ipgsPort, ionPort, aggBytes, aggSeconds int) string {
	return fmt.Sprintf(`## begin ltpadmin
1 32
a span 1 32 32 1400 %d %d 'udplso 127.0.0.1:%d' 1
s 'udplsi 127.0.0.1:%d'
## end ltpadmin
`, aggBytes, aggSeconds, ipgsPort, ionPort)
}

// BPOverLTP is the bpadmin and ipnadmin sections for bundles to and from
// node 1 over LTP, with endpoint ipn:900.1.
const BPOverLTP = `## begin bpadmin
1
a scheme ipn 'ipnfw' 'ipnadminep'
a endpoint ipn:900.1 q
a protocol ltp 1400 100
a induct ltp 900 ltpcli
a outduct ltp 1 ltpclo
s
## end bpadmin
## begin ipnadmin
a plan 1 ltp/1
## end ipnadmin
`
