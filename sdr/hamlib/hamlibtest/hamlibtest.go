// Package hamlibtest starts real Hamlib daemons (dummy models) for tests.
package hamlibtest

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// Daemon starts prog (rigctld or rotctld) with the dummy model on a free
// loopback port and returns its address once it answers a command. A
// daemon that could not bind (another test took the port) is retried on a
// new port, so the address always belongs to this test's own process. Under
// CI a missing program fails the test; elsewhere it skips. args are added
// to the command line (for example "-o", rigctld's VFO mode).
func Daemon(t testing.TB, prog string, args ...string) string {
	t.Helper()
	return Start(t, prog, args...).Addr
}

// Proc is a running daemon that a test may stop and start again on the
// same address: a radio that goes away mid-pass and comes back.
type Proc struct {
	Addr string
	prog string
	args []string

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
}

// Start is Daemon with a handle on the process. It ends with the test.
func Start(t testing.TB, prog string, args ...string) *Proc {
	t.Helper()
	if _, err := exec.LookPath(prog); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s not installed (make deps installs libhamlib-utils)", prog)
		}
		t.Skipf("%s not installed", prog)
	}
	for attempt := 0; attempt < 5; attempt++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		p := &Proc{Addr: fmt.Sprintf("127.0.0.1:%d", port), prog: prog, args: args}
		ok, err := p.launch()
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			t.Cleanup(p.Stop)
			return p
		}
	}
	t.Fatalf("%s would not start", prog)
	return nil
}

// launch starts the daemon on p.Addr and reports whether it answers.
func (p *Proc) launch() (bool, error) {
	_, port, _ := net.SplitHostPort(p.Addr)
	cmd := exec.Command(p.prog, append([]string{"-m", "1", "-T", "127.0.0.1", "-t", port}, p.args...)...)
	if err := cmd.Start(); err != nil {
		return false, err
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	if !ready(p.Addr, exited) {
		cmd.Process.Kill()
		<-exited
		return false, nil
	}
	p.mu.Lock()
	p.cmd, p.exited = cmd, exited
	p.mu.Unlock()
	return true, nil
}

// Stop kills the daemon (nothing when it is not running).
func (p *Proc) Stop() {
	p.mu.Lock()
	cmd, exited := p.cmd, p.exited
	p.cmd = nil
	p.mu.Unlock()
	if cmd != nil {
		cmd.Process.Kill()
		<-exited
	}
}

// Restart starts the daemon again on the same address.
func (p *Proc) Restart(t testing.TB) {
	t.Helper()
	p.Stop()
	for attempt := 0; attempt < 50; attempt++ {
		ok, err := p.launch()
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			return
		}
		time.Sleep(100 * time.Millisecond) // the port is still in TIME_WAIT
	}
	t.Fatalf("%s would not start again on %s", p.prog, p.Addr)
}

// ready waits until addr answers a command while our process still runs.
func ready(addr string, exited <-chan struct{}) bool {
	for i := 0; i < 150; i++ {
		select {
		case <-exited:
			return false
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.SetDeadline(time.Now().Add(300 * time.Millisecond))
			c.Write([]byte("+_\n"))
			line, err := bufio.NewReader(c).ReadString('\n')
			c.Close()
			if err == nil && strings.TrimSpace(line) != "" {
				// a daemon that lost the port to another test exits at
				// once, but another's may have answered first: give ours
				// a moment to fail before believing the answer was its
				select {
				case <-exited:
					return false
				case <-time.After(150 * time.Millisecond):
					return true
				}
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}
