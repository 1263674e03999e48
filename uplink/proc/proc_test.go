package proc

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ipgs/ipgs/scheduler/clock"
	"github.com/ipgs/ipgs/uplink/command"
)

func env(t *testing.T) Env {
	d, err := command.ParseDictionary([]byte(command.ExampleDictionary), "built-in")
	if err != nil {
		t.Fatal(err)
	}
	h, err := command.OpenHistory(filepath.Join(t.TempDir(), "commands.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	return Env{History: h, Dict: d, Sat: 90001, SatName: "DRONE-01", Clock: clock.Real{}, Operator: "ana", Poll: time.Second}
}

// TestAbortCancels: a procedure that queued two commands and aborts
// leaves none queued; both are cancelled, recorded with the procedure's
// name, step and operator.
func TestAbortCancels(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := env(t)
		src := `
a = send("SET_HEATER", on=True, setpoint=25)
b = send("SET_MODE", mode="science")
if wait(a, timeout=60) == "timeout":
    abort("the heater command was not executed in a minute")
`
		res, err := Run(context.Background(), e, "heater.star", []byte(src))
		if !errors.Is(err, ErrAborted) || len(res.Cancelled) != 2 {
			t.Fatalf("err %v, cancelled %v, log:\n%s", err, res.Cancelled, strings.Join(res.Log, "\n"))
		}
		cmds, _ := e.History.Commands()
		for _, c := range cmds {
			if c.State() != command.Cancelled || c.Proc == "" || c.Operator != "ana" {
				t.Errorf("command %d: %s, proc %q, operator %q", c.ID, c.State(), c.Proc, c.Operator)
			}
		}
		if p, _ := e.History.Pending(90001); len(p) != 0 {
			t.Errorf("%d commands still pending", len(p))
		}
		if cmds[1].Proc != "heater.star step 2" {
			t.Errorf("proc %q", cmds[1].Proc)
		}
	})
}

// TestWaitAndTelemetry: wait returns the stage reached; wait_tm waits
// for a value received after it was called that meets the condition.
func TestWaitAndTelemetry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := env(t)
		var l Latest
		e.Latest = l.Get
		l.Record(90001, "hk", "temp", 10, time.Now())
		ctx, cancel := context.WithCancel(context.Background())
		var sat sync.WaitGroup
		defer sat.Wait()
		defer cancel()
		// the satellite: executes command 1 after 30 s, then warms 0.5 degC a minute
		sat.Go(func() {
			time.Sleep(30 * time.Second)
			e.History.Stage(1, 90001, command.Executed, time.Now(), "Tromso", "")
			for temp := 10.0; ctx.Err() == nil; temp += 0.5 {
				l.Record(90001, "hk", "temp", temp, time.Now())
				time.Sleep(time.Minute)
			}
		})
		src := `
c = send("SET_HEATER", on=True, setpoint=25)
st = wait(c)
if st != "executed":
    abort("heater on: " + st)
base = tm("temp")
warm = wait_tm("hk.temp", lambda v: v >= base + 2, timeout=600)
log("warmed" if warm else "no rise")
off = send("SET_HEATER", on=False, setpoint=0)
`
		res, err := Run(ctx, e, "heater.star", []byte(src))
		if err != nil {
			t.Fatalf("%v\n%s", err, strings.Join(res.Log, "\n"))
		}
		log := strings.Join(res.Log, "\n")
		if !strings.Contains(log, "condition met") || !strings.Contains(log, "warmed") || len(res.Sent) != 2 {
			t.Fatalf("log:\n%s", log)
		}
	})
}

// TestCheck finds a syntax error and an unknown name before flight, and
// a bad argument when the command is sent, naming the line.
func TestCheck(t *testing.T) {
	if err := Check("a.star", []byte("send(\"PING\"\n")); err == nil {
		t.Error("a syntax error passed")
	}
	if err := Check("b.star", []byte("sned(\"PING\")\n")); err == nil || !strings.Contains(err.Error(), "sned") {
		t.Errorf("an unknown name: %v", err)
	}
	synctest.Test(t, func(t *testing.T) {
		e := env(t)
		_, err := Run(context.Background(), e, "c.star", []byte("x = 1\nsend(\"SET_HK_PERIOD\", seconds=0)\n"))
		if err == nil || !strings.Contains(err.Error(), "c.star:2") {
			t.Errorf("a bad argument: %v", err)
		}
	})
}

func FuzzProcedure(f *testing.F) {
	f.Add([]byte("log('x')\n"))
	f.Add([]byte("def f(:\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		Check("f.star", src)
	})
}
