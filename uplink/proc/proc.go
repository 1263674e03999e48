// Package proc runs operations procedures: Starlark scripts an operator
// writes and reviews, which send commands from the dictionary, wait for
// their verification or for a telemetry condition (with a timeout),
// branch, log and abort. Starlark (go.starlark.net) is deterministic and
// sandboxed: a procedure reads and writes nothing but through the
// functions given here.
//
// Every command a procedure sends is queued in the command history with
// the procedure's name and step and the operator who ran it; when a run
// ends early (abort, an error, a timeout the script does not handle, or
// the operator stopping it) the commands it queued that were not yet sent
// are cancelled, so an aborted run leaves nothing queued.
//
// The functions:
//
//	send(COMMAND, arg=value, ...)   queue a command for the satellite; its id
//	wait(id, stage="executed", timeout=600)
//	                                the stage reached: the one asked for (or
//	                                a later one), "failed", "cancelled" or
//	                                "timeout"
//	tm(FIELD)                       the latest value of a telemetry field
//	                                ("temp" or "hk.temp"), or None
//	wait_tm(FIELD, cond, timeout=600, since=now(), until=None)
//	                                True when cond(value) held for a value
//	                                measured onboard in [since, until) (it
//	                                may come down in a later pass's
//	                                backlog); False once a value measured
//	                                after until came, or at the timeout
//	first_tm(FIELD, since=now(), timeout=600)
//	                                the first value measured after since,
//	                                or None at the timeout
//	sleep(seconds), now()           on the mission clock (virtual time too)
//	log(...), abort(reason)
//	SAT, NORAD                      the satellite's name and number
package proc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"

	"github.com/ipgs/ipgs/scheduler/clock"
	"github.com/ipgs/ipgs/uplink/command"
)

// Value is a telemetry value as procedures see it.
type Value struct {
	Value float64
	At    time.Time // when it was received on the ground
}

// Env is what a procedure works with.
type Env struct {
	History *command.History
	Dict    *command.Dictionary
	Sat     int
	SatName string
	// Latest returns a field's newest value for sat ("temp" or
	// "hk.temp"); false when there is none.
	Latest func(sat int, field string) (Value, bool)
	// After, if set, returns the values of a field measured after t,
	// oldest first (a pass's backlog comes down all at once: every value
	// is looked at); nil: wait_tm sees Latest only.
	After    func(sat int, field string, t time.Time) []Value
	Clock    clock.Clock
	Operator string
	Out      io.Writer
	// Poll is how often waits look again, on the clock (0: one second).
	Poll time.Duration
}

// Result is what a run did.
type Result struct {
	Name      string
	Sent      []uint32
	Cancelled []uint32
	Log       []string
	Aborted   string // why the run ended early ("" when it ran to its end)
}

// ErrAborted is the error of a run the script aborted.
var ErrAborted = errors.New("aborted")

// runner is one run's state.
type runner struct {
	ctx  context.Context
	env  Env
	name string
	res  *Result
	step int
	mu   sync.Mutex
}

// Check parses and resolves a procedure without running it: a syntax
// error or an unknown name is found before flight.
func Check(name string, src []byte) error {
	_, _, err := starlark.SourceProgramOptions(fileOptions, name, src, predeclared(nil).Has)
	return err
}

var fileOptions = &syntax.FileOptions{While: true, TopLevelControl: true, GlobalReassign: true}

// Run runs a procedure to its end, or until it aborts, fails or ctx
// ends; then it cancels what it queued and that was never sent.
func Run(ctx context.Context, env Env, name string, src []byte) (*Result, error) {
	if env.Poll <= 0 {
		env.Poll = time.Second
	}
	if env.Out == nil {
		env.Out = io.Discard
	}
	r := &runner{ctx: ctx, env: env, name: name, res: &Result{Name: name}}
	thread := &starlark.Thread{Name: name, Print: func(_ *starlark.Thread, msg string) { r.log("%s", msg) }}
	stop := context.AfterFunc(ctx, func() { thread.Cancel("stopped by the operator") })
	defer stop()
	r.log("procedure %s for %s (%d) started by %s", name, env.SatName, env.Sat, orSomeone(env.Operator))
	_, err := starlark.ExecFileOptions(fileOptions, thread, name, src, predeclared(r))
	if err != nil {
		msg := err.Error()
		var ee *starlark.EvalError
		if errors.As(err, &ee) {
			// where in the script: the innermost frame in it
			for i := len(ee.CallStack) - 1; i >= 0; i-- {
				if pos := ee.CallStack[i].Pos; pos.Filename() == name {
					msg = fmt.Sprintf("%s:%d: %s", name, pos.Line, ee.Msg)
					break
				}
			}
		}
		r.res.Aborted = msg
		r.cancelQueued()
		r.log("procedure %s ended early: %s", name, msg)
		if errors.Is(err, ErrAborted) {
			return r.res, fmt.Errorf("procedure %s: %w (%s)", name, ErrAborted, msg)
		}
		return r.res, fmt.Errorf("procedure %s", msg)
	}
	r.log("procedure %s done: %d commands sent", name, len(r.res.Sent))
	return r.res, nil
}

func orSomeone(s string) string {
	if s == "" {
		return "an unnamed operator"
	}
	return s
}

// predeclared are the names a procedure sees (r nil: for checking only).
func predeclared(r *runner) starlark.StringDict {
	if r == nil {
		r = &runner{}
	}
	d := starlark.StringDict{
		"send":     starlark.NewBuiltin("send", r.send),
		"wait":     starlark.NewBuiltin("wait", r.wait),
		"tm":       starlark.NewBuiltin("tm", r.tm),
		"wait_tm":  starlark.NewBuiltin("wait_tm", r.waitTM),
		"first_tm": starlark.NewBuiltin("first_tm", r.firstTM),
		"sleep":    starlark.NewBuiltin("sleep", r.sleep),
		"now":      starlark.NewBuiltin("now", r.now),
		"log":      starlark.NewBuiltin("log", r.logBuiltin),
		"abort":    starlark.NewBuiltin("abort", r.abort),
		"SAT":      starlark.String(r.env.SatName),
		"NORAD":    starlark.MakeInt(r.env.Sat),
	}
	return d
}

func (r *runner) log(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	at := ""
	if r.env.Clock != nil {
		at = r.env.Clock.Now().UTC().Format("2006-01-02 15:04:05") + "  "
	}
	r.mu.Lock()
	r.res.Log = append(r.res.Log, at+line)
	r.mu.Unlock()
	fmt.Fprintf(r.env.Out, "%s%s\n", at, line)
}

// argText renders a Starlark value as the dictionary's text form.
func argText(v starlark.Value) (string, error) {
	switch x := v.(type) {
	case starlark.Bool:
		return strconv.FormatBool(bool(x)), nil
	case starlark.Int:
		return x.String(), nil
	case starlark.Float:
		return strconv.FormatFloat(float64(x), 'g', -1, 64), nil
	case starlark.String:
		return string(x), nil
	}
	return "", fmt.Errorf("a %s cannot be a command argument", v.Type())
}

func (r *runner) send(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("send: give the command's name, then its arguments as name=value")
	}
	name, ok := starlark.AsString(args[0])
	if !ok {
		return nil, fmt.Errorf("send: the command's name must be a string, not %s", args[0].Type())
	}
	def, ok := r.env.Dict.For(r.env.Sat).Lookup(name)
	if !ok {
		return nil, fmt.Errorf("send: no command %q in the dictionary", name)
	}
	var in []string
	for _, kv := range kwargs {
		t, err := argText(kv[1])
		if err != nil {
			return nil, fmt.Errorf("send %s: %s: %v", name, kv[0], err)
		}
		in = append(in, string(kv[0].(starlark.String))+"="+t)
	}
	vals, err := def.Validate(in)
	if err != nil {
		return nil, fmt.Errorf("send %s: %v", name, err)
	}
	payload, err := def.Encode(vals)
	if err != nil {
		return nil, fmt.Errorf("send %s: %v", name, err)
	}
	var texts []string
	for _, v := range vals {
		texts = append(texts, v.Name+"="+v.Text)
	}
	r.step++
	id, err := r.env.History.Queue(command.Record{Sat: r.env.Sat, Name: def.Name, Opcode: def.Opcode, Args: texts, Payload: payload,
		Time: r.env.Clock.Now().UTC(), Hazard: def.Hazardous, Operator: r.env.Operator, Proc: fmt.Sprintf("%s step %d", r.name, r.step)})
	if err != nil {
		return nil, fmt.Errorf("send %s: %v", name, err)
	}
	r.mu.Lock()
	r.res.Sent = append(r.res.Sent, id)
	r.mu.Unlock()
	r.log("step %d: queued command %d: %s %s", r.step, id, def.Name, strings.Join(texts, " "))
	return starlark.MakeUint(uint(id)), nil
}

// waitFor polls done on the clock until it reports true, the timeout
// passes (false) or the run is stopped (an error).
func (r *runner) waitFor(timeout time.Duration, done func() (bool, error)) (bool, error) {
	deadline := r.env.Clock.Now().Add(timeout)
	for {
		ok, err := done()
		if err != nil || ok {
			return ok, err
		}
		if !r.env.Clock.Now().Before(deadline) {
			return false, nil
		}
		select {
		case <-r.ctx.Done():
			return false, fmt.Errorf("stopped by the operator")
		case <-r.env.Clock.After(min(r.env.Poll, deadline.Sub(r.env.Clock.Now())+time.Nanosecond)):
		}
	}
}

// number unpacks an int or a float.
type number float64

func (n *number) Unpack(v starlark.Value) error {
	f, ok := starlark.AsFloat(v)
	if !ok {
		return fmt.Errorf("got %s, want a number", v.Type())
	}
	*n = number(f)
	return nil
}

func seconds(n number) (time.Duration, error) {
	v := float64(n)
	if !(v >= 0) || v > 30*86400 {
		return 0, fmt.Errorf("timeout %g s: want 0 to 30 days", v)
	}
	return time.Duration(v * float64(time.Second)), nil
}

var stageOrder = map[string]int{command.Queued: 0, command.Accepted: 1, command.Sent: 2, command.Acknowledged: 3, command.Received: 4, command.Executed: 5}

func (r *runner) wait(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var id int
	stage := command.Executed
	timeout := number(600)
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "id", &id, "stage?", &stage, "timeout?", &timeout); err != nil {
		return nil, err
	}
	want, ok := stageOrder[stage]
	if !ok {
		return nil, fmt.Errorf("wait: stage %q: want sent, received or executed", stage)
	}
	d, err := seconds(timeout)
	if err != nil {
		return nil, fmt.Errorf("wait: %v", err)
	}
	got := "timeout"
	_, err = r.waitFor(d, func() (bool, error) {
		cmds, err := r.env.History.Commands()
		if err != nil {
			return false, err
		}
		for _, c := range cmds {
			if c.ID != uint32(id) {
				continue
			}
			st := c.State()
			switch {
			case st == command.Failed || st == command.Cancelled:
				got = st
				reason := c.Last().Reason
				r.log("command %d %s: %s", id, st, reason)
				return true, nil
			case stageOrder[st] >= want:
				got = st
				return true, nil
			}
			return false, nil
		}
		return false, fmt.Errorf("wait: no command %d in the history", id)
	})
	if err != nil {
		return nil, err
	}
	r.log("command %d: %s", id, got)
	return starlark.String(got), nil
}

func (r *runner) latest(field string) (Value, bool) {
	if r.env.Latest == nil {
		return Value{}, false
	}
	return r.env.Latest(r.env.Sat, field)
}

func (r *runner) tm(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var field string
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &field); err != nil {
		return nil, err
	}
	v, ok := r.latest(field)
	if !ok {
		return starlark.None, nil
	}
	return starlark.Float(v.Value), nil
}

func (r *runner) waitTM(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var field string
	var cond starlark.Callable
	timeout := number(600)
	var since, until starlark.Value = starlark.None, starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "field", &field, "cond", &cond, "timeout?", &timeout, "since?", &since, "until?", &until); err != nil {
		return nil, err
	}
	d, err := seconds(timeout)
	if err != nil {
		return nil, fmt.Errorf("wait_tm: %v", err)
	}
	// the values measured onboard in [since, until) (since: the call by
	// default), which may come down in a later pass's backlog
	at := func(v starlark.Value, name string, def time.Time) (time.Time, error) {
		if v == starlark.None {
			return def, nil
		}
		s, ok := starlark.AsFloat(v)
		if !ok {
			return def, fmt.Errorf("wait_tm: %s: want a time from now(), not %s", name, v.Type())
		}
		return time.UnixMilli(int64(math.Round(s * 1000))).UTC(), nil
	}
	from, err := at(since, "since", r.env.Clock.Now())
	if err != nil {
		return nil, err
	}
	to, err := at(until, "until", time.Time{})
	if err != nil {
		return nil, err
	}
	seen := from.Add(-time.Nanosecond)
	over := false // a value measured after until came: the window is closed
	met := false
	_, err = r.waitFor(d, func() (bool, error) {
		var vs []Value
		if r.env.After != nil {
			vs = r.env.After(r.env.Sat, field, seen)
		} else if v, ok := r.latest(field); ok && v.At.After(seen) {
			vs = []Value{v}
		}
		for _, v := range vs {
			seen = v.At
			if !to.IsZero() && !v.At.Before(to) {
				over = true
				return true, nil
			}
			res, err := starlark.Call(thread, cond, starlark.Tuple{starlark.Float(v.Value)}, nil)
			if err != nil {
				return false, err
			}
			if res.Truth() {
				r.log("%s = %.4g (measured %s): condition met", field, v.Value, v.At.UTC().Format("15:04:05"))
				met = true
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	switch {
	case over:
		r.log("%s: condition not met by %s", field, to.UTC().Format("15:04:05"))
	case !met:
		r.log("%s: condition not met in %s", field, d)
	}
	return starlark.Bool(met), nil
}

// firstTM is first_tm(FIELD, since=now(), timeout=600): the first value
// measured after since, or None at the timeout.
func (r *runner) firstTM(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var field string
	timeout := number(600)
	var since starlark.Value = starlark.None
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "field", &field, "since?", &since, "timeout?", &timeout); err != nil {
		return nil, err
	}
	var got starlark.Value = starlark.None
	keep := starlark.NewBuiltin("first", func(_ *starlark.Thread, _ *starlark.Builtin, a starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
		got = a[0]
		return starlark.True, nil
	})
	kw := []starlark.Tuple{{starlark.String("timeout"), starlark.Float(timeout)}, {starlark.String("since"), since}}
	if _, err := r.waitTM(thread, starlark.NewBuiltin("first_tm", nil), starlark.Tuple{starlark.String(field), keep}, kw); err != nil {
		return nil, err
	}
	return got, nil
}

func (r *runner) sleep(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var s number
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &s); err != nil {
		return nil, err
	}
	d, err := seconds(s)
	if err != nil {
		return nil, fmt.Errorf("sleep: %v", err)
	}
	if _, err := r.waitFor(d, func() (bool, error) { return false, nil }); err != nil {
		return nil, err
	}
	return starlark.None, nil
}

func (r *runner) now(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 0); err != nil {
		return nil, err
	}
	t := r.env.Clock.Now()
	return starlark.Float(math.Round(float64(t.UnixNano())/1e6) / 1e3), nil
}

func (r *runner) logBuiltin(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var parts []string
	for _, a := range args {
		if s, ok := starlark.AsString(a); ok {
			parts = append(parts, s)
		} else {
			parts = append(parts, a.String())
		}
	}
	r.log("%s", strings.Join(parts, " "))
	return starlark.None, nil
}

func (r *runner) abort(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var why string
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 0, &why); err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("%w: %s", ErrAborted, why)
}

// cancelQueued withdraws this run's commands that were never sent.
func (r *runner) cancelQueued() {
	for _, id := range r.res.Sent {
		ok, err := r.env.History.Cancel(id, r.env.Clock.Now().UTC(), r.env.Operator, "procedure "+r.name+" ended early")
		if err != nil {
			r.log("cancelling command %d: %v", id, err)
			continue
		}
		if ok {
			r.res.Cancelled = append(r.res.Cancelled, id)
			r.log("command %d cancelled: never sent", id)
		}
	}
}
