package hamlib

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// Limits are a rotator's mechanical range, from its dump_state.
type Limits struct {
	MinAz, MaxAz, MinEl, MaxEl float64
}

// Contains reports whether (az, el) is inside the limits.
func (l Limits) Contains(az, el float64) bool {
	return az >= l.MinAz && az <= l.MaxAz && el >= l.MinEl && el <= l.MaxEl
}

// Rotator is an antenna rotator behind rotctld.
type Rotator struct {
	c      conn
	limits *Limits
}

// DialRotator returns a client for a rotctld at addr; wait bounds every
// command (0: 3 s).
func DialRotator(addr string, wait time.Duration) *Rotator {
	if wait <= 0 {
		wait = defaultWait
	}
	return &Rotator{c: conn{addr: addr, wait: wait}}
}

// Close closes the connection.
func (r *Rotator) Close() error { return r.c.Close() }

// Limits reads (once) the rotator's limits from \dump_state.
func (r *Rotator) Limits(ctx context.Context) (Limits, error) {
	if r.limits != nil {
		return *r.limits, nil
	}
	rep, err := r.c.do(ctx, "dump_state", `\dump_state`)
	if err != nil {
		return Limits{}, err
	}
	var l Limits
	for _, f := range []struct {
		key string
		dst *float64
	}{{"Minimum Azimuth", &l.MinAz}, {"Maximum Azimuth", &l.MaxAz}, {"Minimum Elevation", &l.MinEl}, {"Maximum Elevation", &l.MaxEl}} {
		v, err := strconv.ParseFloat(rep.Get(f.key), 64)
		if err != nil {
			return Limits{}, &Error{Endpoint: r.c.addr, Cmd: "dump_state", Err: ErrBadReply, Detail: fmt.Sprintf("%s %q", f.key, rep.Get(f.key))}
		}
		*f.dst = v
	}
	if !(l.MinAz < l.MaxAz && l.MinEl < l.MaxEl) {
		return Limits{}, &Error{Endpoint: r.c.addr, Cmd: "dump_state", Err: ErrBadReply, Detail: fmt.Sprintf("limits %+v", l)}
	}
	r.limits = &l
	return l, nil
}

// Position returns azimuth and elevation in degrees.
func (r *Rotator) Position(ctx context.Context) (az, el float64, err error) {
	rep, err := r.c.do(ctx, "get_pos", "p")
	if err != nil {
		return 0, 0, err
	}
	az, e1 := strconv.ParseFloat(rep.Get("Azimuth"), 64)
	el, e2 := strconv.ParseFloat(rep.Get("Elevation"), 64)
	if e1 != nil || e2 != nil {
		return 0, 0, &Error{Endpoint: r.c.addr, Cmd: "get_pos", Err: ErrBadReply, Detail: fmt.Sprintf("azimuth %q, elevation %q", rep.Get("Azimuth"), rep.Get("Elevation"))}
	}
	return az, el, nil
}

// SetPosition points the antenna. A target outside the rotator's limits is
// refused here, with the limits named, and never sent.
func (r *Rotator) SetPosition(ctx context.Context, az, el float64) error {
	l, err := r.Limits(ctx)
	if err != nil {
		return err
	}
	if !l.Contains(az, el) {
		return &Error{Endpoint: r.c.addr, Cmd: "set_pos", Err: ErrOutOfRange,
			Detail: fmt.Sprintf("az %.1f el %.1f is outside az %g..%g, el %g..%g", az, el, l.MinAz, l.MaxAz, l.MinEl, l.MaxEl)}
	}
	_, err = r.c.do(ctx, "set_pos", "P", strconv.FormatFloat(az, 'f', 2, 64), strconv.FormatFloat(el, 'f', 2, 64))
	return err
}

// Stop stops the rotator where it is.
func (r *Rotator) Stop(ctx context.Context) error {
	_, err := r.c.do(ctx, "stop", "S")
	return err
}

// Park sends the rotator to its park position.
func (r *Rotator) Park(ctx context.Context) error {
	_, err := r.c.do(ctx, "park", "K")
	return err
}
