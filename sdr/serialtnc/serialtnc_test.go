package serialtnc_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ipgs/ipgs/internal/leakcheck"
	"github.com/ipgs/ipgs/internal/shared"
	"github.com/ipgs/ipgs/sdr/serialtnc"
)

// socatPair starts socat with two linked pseudo-terminals and returns their
// paths and a function that kills socat (the ptys hang up).
func socatPair(t *testing.T) (a, b string, kill func()) {
	shared.Need(t, "socat")
	dir := t.TempDir()
	a, b = filepath.Join(dir, "a"), filepath.Join(dir, "b")
	cmd := exec.Command("socat", "-d", "-d", "pty,raw,echo=0,link="+a, "pty,raw,echo=0,link="+b)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	must(t, cmd.Start())
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	kill = func() {
		cmd.Process.Kill()
		<-exited
	}
	t.Cleanup(kill)
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		_, ea := os.Stat(a)
		_, eb := os.Stat(b)
		if ea == nil && eb == nil {
			return a, b, kill
		}
		if time.Now().After(deadline) {
			t.Fatal("socat made no ptys")
		}
	}
}

// A TNC on a socat pty pair: bytes pass both ways, an idle port is not
// mistaken for a closed one, Close ends a waiting Read, and a hang-up is an
// error that names the port.
func TestSocatPair(t *testing.T) {
	a, b, kill := socatPair(t)
	leakcheck.Check(t)
	ca, err := serialtnc.Open(serialtnc.Options{Port: a})
	must(t, err)
	defer ca.Close()
	cb, err := serialtnc.Open(serialtnc.Options{Port: b})
	must(t, err)
	msg := []byte("\xc0\x00hello\xc0")
	if _, err := ca.Write(msg); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 0, 16)
	buf := make([]byte, 16)
	for len(got) < len(msg) {
		n, err := cb.Read(buf) // waits through idle timeouts
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, buf[:n]...)
	}
	if !bytes.Equal(got, msg) {
		t.Fatalf("read %q, want %q", got, msg)
	}
	// Close ends a Read that waits on an idle port
	done := make(chan error, 1)
	go func() { _, err := cb.Read(buf); done <- err }()
	time.Sleep(300 * time.Millisecond)
	cb.Close()
	select {
	case err := <-done:
		if !errors.Is(err, io.EOF) {
			t.Fatalf("read after Close: %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Close did not end the Read")
	}
	// socat goes away: the other end's Read fails, naming the port
	go func() { _, err := ca.Read(buf); done <- err }()
	time.Sleep(200 * time.Millisecond)
	kill()
	select {
	case err := <-done:
		if err == nil || errors.Is(err, io.EOF) || !strings.Contains(err.Error(), a) {
			t.Fatalf("hang-up: %v", err)
		}
		t.Logf("hang-up: %v", err)
	case <-time.After(5 * time.Second):
		t.Fatal("a hang-up was never reported")
	}
}

func TestOpenMissingPort(t *testing.T) {
	_, err := serialtnc.Open(serialtnc.Options{Port: "/dev/ipgs-no-such-tty"})
	if err == nil || !strings.Contains(err.Error(), "/dev/ipgs-no-such-tty") {
		t.Fatalf("missing port: %v", err)
	}
}
