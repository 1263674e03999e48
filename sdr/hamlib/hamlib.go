// Package hamlib talks to Hamlib's network daemons: rigctld (radios) and
// rotctld (rotators), in extended-response mode. Every reply then ends
// with an "RPRT n" line (\chk_vfo excepted), so the client always knows
// where a reply ends and a bad argument or an error can never leave the
// stream out of step. Arguments are checked before they are sent, every
// wait is bounded, and RPRT codes map to typed errors.
package hamlib

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Hamlib error codes (RPRT -n), as sentinels for errors.Is.
var (
	ErrInvalidArg     = errors.New("invalid parameter")           // -1
	ErrConfig         = errors.New("invalid configuration")       // -2
	ErrNotImplemented = errors.New("function not implemented")    // -4
	ErrTimeout        = errors.New("communication timed out")     // -5
	ErrIO             = errors.New("I/O error")                   // -6
	ErrInternal       = errors.New("internal Hamlib error")       // -7
	ErrProtocol       = errors.New("protocol error")              // -8
	ErrRejected       = errors.New("command rejected by the rig") // -9
	ErrTruncated      = errors.New("argument truncated")          // -10
	ErrNotAvailable   = errors.New("function not available")      // -11
	ErrVFO            = errors.New("VFO not targetable")          // -12, -16
	ErrOutOfRange     = errors.New("argument out of domain")      // -17
	ErrOther          = errors.New("error from Hamlib")
)

var codes = map[int]error{
	1: ErrInvalidArg, 2: ErrConfig, 4: ErrNotImplemented, 5: ErrTimeout, 6: ErrIO, 7: ErrInternal,
	8: ErrProtocol, 9: ErrRejected, 10: ErrTruncated, 11: ErrNotAvailable, 12: ErrVFO, 16: ErrVFO, 17: ErrOutOfRange,
}

// Error is a failed command.
type Error struct {
	Endpoint string
	Cmd      string
	Code     int // the RPRT code (negative), 0 when the reply itself was bad
	Err      error
	Detail   string
}

func (e *Error) Error() string {
	s := fmt.Sprintf("hamlib %s: %s: %v", e.Endpoint, e.Cmd, e.Err)
	if e.Code != 0 {
		s += fmt.Sprintf(" (RPRT %d)", e.Code)
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// ErrBadReply means the daemon answered something that is not a reply.
var ErrBadReply = errors.New("malformed reply")

// Reply is an extended-mode reply: its "Key: value" lines in order.
type Reply struct {
	Values []KV
	Code   int // RPRT code
}

// KV is one "Key: value" line.
type KV struct{ Key, Value string }

// Get returns the value of key ("" when absent).
func (r *Reply) Get(key string) string {
	for _, kv := range r.Values {
		if strings.EqualFold(kv.Key, key) {
			return kv.Value
		}
	}
	return ""
}

// Limits on what a reply may be.
const (
	maxLines    = 256
	maxLineLen  = 4096
	defaultWait = 3 * time.Second
)

// ParseReply parses the lines of one extended reply (the echo line first,
// RPRT last). It is the reply parser, exposed for tests and fuzzing.
func ParseReply(lines []string) (*Reply, error) {
	if len(lines) < 2 {
		return nil, fmt.Errorf("%w: %d lines", ErrBadReply, len(lines))
	}
	r := &Reply{}
	last := lines[len(lines)-1]
	code, ok := strings.CutPrefix(last, "RPRT ")
	if !ok {
		return nil, fmt.Errorf("%w: last line %q is not RPRT", ErrBadReply, trunc(last))
	}
	n, err := strconv.Atoi(strings.TrimSpace(code))
	if err != nil {
		return nil, fmt.Errorf("%w: RPRT %q", ErrBadReply, trunc(code))
	}
	r.Code = n
	if !strings.HasSuffix(strings.TrimSpace(lines[0]), ":") && !strings.Contains(lines[0], ": ") {
		return nil, fmt.Errorf("%w: echo line %q", ErrBadReply, trunc(lines[0]))
	}
	for _, l := range lines[1 : len(lines)-1] {
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			k, v, ok = strings.Cut(l, "=") // rotctld's dump_state has rot_type=AzEl
		}
		if !ok {
			if l == "done" {
				continue
			}
			return nil, fmt.Errorf("%w: %q is not Key: value", ErrBadReply, trunc(l))
		}
		r.Values = append(r.Values, KV{strings.TrimSpace(k), strings.TrimSpace(v)})
	}
	return r, nil
}

func trunc(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// conn is one daemon connection, used one command at a time.
type conn struct {
	addr string
	wait time.Duration
	mu   sync.Mutex // guards c, r
	c    net.Conn
	r    *bufio.Reader
}

func (c *conn) ensure(ctx context.Context) error {
	if c.c != nil {
		return nil
	}
	d := net.Dialer{Timeout: c.wait}
	nc, err := d.DialContext(ctx, "tcp", c.addr)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err() // the caller gave up: not the daemon's fault
		}
		return &Error{Endpoint: c.addr, Cmd: "connect", Err: ErrIO, Detail: err.Error()}
	}
	c.c, c.r = nc, bufio.NewReaderSize(nc, maxLineLen)
	return nil
}

// drop closes the connection after a failure: the next command reconnects,
// so a reply that went wrong never leaves the stream out of step.
func (c *conn) drop() {
	if c.c != nil {
		c.c.Close()
		c.c, c.r = nil, nil
	}
}

// Close closes the connection.
func (c *conn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.drop()
	return nil
}

// do sends one command in extended mode and reads its whole reply. name
// is the command for errors; args are checked to be single tokens.
func (c *conn) do(ctx context.Context, name, cmd string, args ...string) (*Reply, error) {
	for _, a := range args {
		if a == "" || strings.ContainsAny(a, " \t\r\n\\") || len(a) > 64 {
			return nil, &Error{Endpoint: c.addr, Cmd: name, Err: ErrInvalidArg, Detail: fmt.Sprintf("argument %q is not a single token", a)}
		}
	}
	line := "+" + cmd
	if len(args) > 0 {
		line += " " + strings.Join(args, " ")
	}
	isEnd := func(l string) bool { return strings.HasPrefix(l, "RPRT ") }
	lines, err := c.roundTrip(ctx, name, line, isEnd)
	if errors.Is(err, ErrIO) && ctx.Err() == nil {
		// the connection broke (daemon restarted, connection reset): the
		// commands here are idempotent, so try once more on a new one
		lines, err = c.roundTrip(ctx, name, line, isEnd)
	}
	if err != nil {
		return nil, err
	}
	r, err := ParseReply(lines)
	if err != nil {
		c.drop()
		return nil, &Error{Endpoint: c.addr, Cmd: name, Err: ErrBadReply, Detail: err.Error()}
	}
	if r.Code != 0 {
		e := codes[-r.Code]
		if e == nil {
			e = ErrOther
		}
		return r, &Error{Endpoint: c.addr, Cmd: name, Code: r.Code, Err: e}
	}
	return r, nil
}

// roundTrip writes line and reads lines until last reports the end, within
// the wait (or ctx).
func (c *conn) roundTrip(ctx context.Context, name, line string, last func(string) bool) ([]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.ensure(ctx); err != nil {
		return nil, err
	}
	deadline := time.Now().Add(c.wait)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	c.c.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { c.c.SetDeadline(time.Now()) })
	defer stop()
	fail := func(err error, detail string) ([]string, error) {
		c.drop()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
			return nil, context.DeadlineExceeded // the socket deadline was the context's
		}
		return nil, &Error{Endpoint: c.addr, Cmd: name, Err: err, Detail: detail}
	}
	if _, err := c.c.Write([]byte(line + "\n")); err != nil {
		return fail(ErrIO, err.Error())
	}
	var lines []string
	for len(lines) < maxLines {
		l, err := c.r.ReadSlice('\n')
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return fail(ErrTimeout, fmt.Sprintf("no complete reply within %s", c.wait))
			}
			if errors.Is(err, bufio.ErrBufferFull) {
				return fail(ErrBadReply, "line longer than 4096 bytes")
			}
			return fail(ErrIO, err.Error())
		}
		s := strings.TrimRight(string(l), "\r\n")
		lines = append(lines, s)
		if last(s) {
			return lines, nil
		}
	}
	return fail(ErrBadReply, fmt.Sprintf("more than %d lines", maxLines))
}
