package hamlib

import (
	"bufio"
	"context"
	"errors"
	"math"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/ipgs/ipgs/internal/leakcheck"
	"github.com/ipgs/ipgs/sdr/hamlib/hamlibtest"
)

func daemon(t *testing.T, prog string) string { return hamlibtest.Daemon(t, prog) }

func TestRigctld(t *testing.T) {
	addr := daemon(t, "rigctld")
	leakcheck.Check(t)
	ctx := context.Background()
	r := DialRig(addr, 0)
	defer r.Close()
	if err := r.SetFrequency(ctx, 437_800_000); err != nil {
		t.Fatal(err)
	}
	if f, err := r.Frequency(ctx); err != nil || f != 437_800_000 {
		t.Fatalf("frequency %v %v", f, err)
	}
	if err := r.SetMode(ctx, "fm", 15000); err != nil {
		t.Fatal(err)
	}
	if m, pb, err := r.Mode(ctx); err != nil || m != "FM" || pb != 15000 {
		t.Fatalf("mode %q %d %v", m, pb, err)
	}
	if err := r.SetSplit(ctx, true, "VFOB"); err != nil {
		t.Fatal(err)
	}
	if on, tx, err := r.Split(ctx); err != nil || !on || tx != "VFOB" {
		t.Fatalf("split %v %q %v", on, tx, err)
	}
	if vfoMode, err := r.CheckVFO(ctx); err != nil || vfoMode {
		t.Fatalf("chk_vfo %v %v", vfoMode, err)
	}
	// the dummy rig has no PTT: a typed error, and the stream stays in step
	err := r.PTT(ctx, true)
	var he *Error
	if !errors.As(err, &he) || he.Code >= 0 {
		t.Fatalf("PTT on the dummy rig: %v", err)
	}
	if f, err := r.Frequency(ctx); err != nil || f != 437_800_000 {
		t.Fatalf("after an error: %v %v", f, err)
	}
	// a bad argument is refused before it is sent
	if err := r.SetVFO(ctx, "VFOA\nF 1"); !errors.Is(err, ErrInvalidArg) {
		t.Fatalf("injection: %v", err)
	}
	if f, _ := r.Frequency(ctx); f != 437_800_000 {
		t.Fatalf("frequency changed to %v by a refused argument", f)
	}
}

// rigctld -o wants a VFO before every argument; the client adds it, and
// addresses Main and Sub separately, as a full-duplex satellite rig needs.
func TestRigctldVFOMode(t *testing.T) {
	addr := hamlibtest.Daemon(t, "rigctld", "-o")
	ctx := context.Background()
	r := DialRig(addr, 0)
	defer r.Close()
	if on, err := r.VFOMode(ctx); err != nil || !on {
		t.Fatalf("VFO mode %v %v", on, err)
	}
	if err := r.SetFrequencyOf(ctx, "Main", 145_950_000); err != nil {
		t.Fatal(err)
	}
	if err := r.SetFrequencyOf(ctx, "Sub", 435_250_000); err != nil {
		t.Fatal(err)
	}
	if err := r.SetMode(ctx, "USB", 2400); err != nil {
		t.Fatal(err)
	}
	for vfo, want := range map[string]float64{"Main": 145_950_000, "Sub": 435_250_000} {
		if f, err := r.FrequencyOf(ctx, vfo); err != nil || f != want {
			t.Fatalf("%s: %v %v, want %v", vfo, f, err, want)
		}
	}
	if err := r.SetSplit(ctx, true, "VFOB"); err != nil {
		t.Fatal(err)
	}
	if err := r.SetSplitFrequency(ctx, 435_100_000); err != nil {
		t.Fatal(err)
	}
	if f, err := r.SplitFrequency(ctx); err != nil || f != 435_100_000 {
		t.Fatalf("split TX %v %v", f, err)
	}
	if m, pb, err := r.Mode(ctx); err != nil || m != "USB" || pb != 2400 {
		t.Fatalf("mode %q %d %v", m, pb, err)
	}
}

// Without -o, naming a VFO is refused instead of switching the operator's.
func TestRigctldNamedVFOWithoutVFOMode(t *testing.T) {
	r := DialRig(daemon(t, "rigctld"), 0)
	defer r.Close()
	ctx := context.Background()
	if err := r.SetFrequencyOf(ctx, "Sub", 435_000_000); !errors.Is(err, ErrVFO) || !strings.Contains(err.Error(), "-o") {
		t.Fatalf("named VFO: %v", err)
	}
	if err := r.SetSplitFrequency(ctx, 435_100_000); err != nil {
		t.Fatal(err)
	}
	if f, err := r.SplitFrequency(ctx); err != nil || f != 435_100_000 {
		t.Fatalf("split TX %v %v", f, err)
	}
}

func TestRotctldMovesAndKeepsLimits(t *testing.T) {
	addr := daemon(t, "rotctld")
	ctx := context.Background()
	r := DialRotator(addr, 0)
	defer r.Close()
	l, err := r.Limits(ctx)
	if err != nil || l.MinAz != -180 || l.MaxAz != 450 || l.MaxEl != 90 {
		t.Fatalf("limits %+v %v", l, err)
	}
	if err := r.SetPosition(ctx, 500, 10); !errors.Is(err, ErrOutOfRange) || !strings.Contains(err.Error(), "outside az -180..450") {
		t.Fatalf("out of limits: %v", err)
	}
	if err := r.SetPosition(ctx, 30, 20); err != nil {
		t.Fatal(err)
	}
	// the dummy rotator really moves (about 6°/s): it gets there
	deadline := time.Now().Add(15 * time.Second)
	for {
		az, el, err := r.Position(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(az-30) < 1 && math.Abs(el-20) < 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("rotator at %.1f/%.1f after 15 s, commanded 30/20", az, el)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// fake serves scripted replies to every line it receives.
func fake(t *testing.T, reply func(line string) string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				sc := bufio.NewScanner(c)
				for sc.Scan() {
					if sc.Text() == `+\chk_vfo` {
						c.Write([]byte("ChkVFO: 0\n")) // a rigctld without -o
						continue
					}
					if out := reply(sc.Text()); out != "" {
						c.Write([]byte(out))
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

func TestBadDaemons(t *testing.T) {
	leakcheck.Check(t)
	ctx := context.Background()
	for _, c := range []struct {
		name  string
		reply func(string) string
		want  error
	}{
		{"garbage", func(string) string { return "hello\nRPRT x\n" }, ErrBadReply},
		{"no echo", func(string) string { return "RPRT 0\n" }, ErrBadReply},
		{"truncated", func(string) string { return "get_freq:\nFrequency: 1" }, ErrTimeout},
		{"silent", func(string) string { return "" }, ErrTimeout},
		{"not a number", func(string) string { return "get_freq:\nFrequency: lots\nRPRT 0\n" }, ErrBadReply},
		{"endless", func(string) string { return strings.Repeat("get_freq:\n", 300) }, ErrBadReply},
		{"error code", func(string) string { return "get_freq:\nRPRT -9\n" }, ErrRejected},
	} {
		t.Run(c.name, func(t *testing.T) {
			addr := fake(t, c.reply)
			r := DialRig(addr, 300*time.Millisecond)
			defer r.Close()
			start := time.Now()
			_, err := r.Frequency(ctx)
			if !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
			if !strings.Contains(err.Error(), addr) {
				t.Errorf("error does not name the endpoint: %v", err)
			}
			if time.Since(start) > 2*time.Second {
				t.Errorf("took %v", time.Since(start))
			}
		})
	}
	// a daemon that is not there: a bounded, named error
	r := DialRig("127.0.0.1:1", 300*time.Millisecond)
	if _, err := r.Frequency(ctx); !errors.Is(err, ErrIO) || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Fatalf("no daemon: %v", err)
	}
	// cancelling the context ends a wait at once
	addr := fake(t, func(string) string { return "" })
	r = DialRig(addr, 10*time.Second)
	cctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if _, err := r.Frequency(cctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("cancelled: %v", err)
	}
	r.Close()
}

func FuzzParseReply(f *testing.F) {
	f.Add("get_pos:\nAzimuth: 0.90\nElevation: 0.90\nRPRT 0")
	f.Add("dump_state:\nMinimum Azimuth: -180\ndone\nRPRT 0")
	f.Add("set_freq: abc\nRPRT -1")
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseReply(strings.Split(s, "\n"))
		if err == nil && r == nil {
			t.Fatal("nil reply without an error")
		}
	})
}
