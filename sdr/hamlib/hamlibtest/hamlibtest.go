// Package hamlibtest starts real Hamlib daemons (dummy models) for tests.
package hamlibtest

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
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
		cmd := exec.Command(prog, append([]string{"-m", "1", "-T", "127.0.0.1", "-t", fmt.Sprint(port)}, args...)...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		if ready(addr, exited) {
			t.Cleanup(func() { cmd.Process.Kill(); <-exited })
			return addr
		}
		cmd.Process.Kill()
		<-exited
	}
	t.Fatalf("%s would not start", prog)
	return ""
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
				select {
				case <-exited:
					return false // someone else's daemon answered on that port
				default:
					return true
				}
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}
