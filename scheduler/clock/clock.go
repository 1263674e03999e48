// Package clock gives the station engine, the emulator and everything
// that waits one notion of time: the real clock, or an accelerated
// virtual clock so that a day of passes runs in seconds.
//
// Tests get a simulated clock by running inside a testing/synctest
// bubble: there the standard library's time is virtual, it advances only
// when every goroutine of the bubble is blocked, and both clocks here
// read and wait on it. A test in a bubble connects its parts with
// in-memory links (net.Pipe) instead of sockets, since a goroutine
// waiting on a socket is not blocked in the bubble's sense. Nothing that
// waits may use the wall clock directly: it waits on a Clock.
package clock

import (
	"context"
	"time"
)

// Clock tells time and waits on it. Durations given to Sleep, After,
// AfterFunc and NewTimer are of the clock's own (virtual) time.
type Clock interface {
	Now() time.Time
	// Sleep returns ctx.Err() when ctx ends first.
	Sleep(ctx context.Context, d time.Duration) error
	// After sends the clock's time on the channel once d has passed.
	After(d time.Duration) <-chan time.Time
	// NewTimer is time.NewTimer on this clock.
	NewTimer(d time.Duration) *Timer
	// AfterFunc calls f in its own goroutine once d has passed; Stop
	// the timer to cancel it.
	AfterFunc(d time.Duration, f func()) *Timer
	// Factor is how many virtual seconds pass per wall second (1: real).
	Factor() float64
}

// Timer is a timer of a Clock. C delivers the clock's time when it fires.
type Timer struct {
	C      <-chan time.Time
	t      *time.Timer
	factor float64
}

// Stop prevents the timer from firing; it reports whether it did.
func (t *Timer) Stop() bool { return t.t.Stop() }

// Reset makes the timer fire after d of the clock's time.
func (t *Timer) Reset(d time.Duration) bool { return t.t.Reset(wall(d, t.factor)) }

// Real is the system clock.
type Real struct{}

func (Real) Now() time.Time  { return time.Now().UTC() }
func (Real) Factor() float64 { return 1 }
func (Real) Sleep(ctx context.Context, d time.Duration) error {
	return sleepWall(ctx, d)
}
func (Real) After(d time.Duration) <-chan time.Time { return time.After(d) }
func (r Real) NewTimer(d time.Duration) *Timer      { return newTimer(d, 1, r.Now) }
func (Real) AfterFunc(d time.Duration, f func()) *Timer {
	return &Timer{t: time.AfterFunc(d, f), factor: 1}
}

// Scaled is virtual time: it starts at Start when created and runs Factor
// times faster than the wall clock.
type Scaled struct {
	start  time.Time
	wall0  time.Time
	factor float64
}

// NewScaled returns a virtual clock reading start now and running factor
// times real time. A factor that is not a positive finite number is 1.
func NewScaled(start time.Time, factor float64) *Scaled {
	return NewScaledAt(start, factor, time.Now())
}

// NewScaledAt returns a virtual clock that reads start at the wall time
// anchor and runs factor times real time: processes given the same start,
// factor and anchor share one virtual time.
func NewScaledAt(start time.Time, factor float64, anchor time.Time) *Scaled {
	if !(factor > 0) || factor > MaxFactor {
		factor = 1
	}
	return &Scaled{start: start.UTC(), wall0: anchor, factor: factor}
}

// MaxFactor is the fastest a scaled clock runs: a virtual year in about
// three wall seconds. Faster, a nanosecond of wall time is more than a
// virtual microsecond and timers lose their meaning.
const MaxFactor = 1e7

func (s *Scaled) Now() time.Time {
	return s.start.Add(time.Duration(float64(time.Since(s.wall0)) * s.factor))
}

func (s *Scaled) Factor() float64 { return s.factor }

// Sleep waits d of virtual time.
func (s *Scaled) Sleep(ctx context.Context, d time.Duration) error {
	return sleepWall(ctx, wall(d, s.factor))
}

// After fires after d of virtual time.
func (s *Scaled) After(d time.Duration) <-chan time.Time { return s.NewTimer(d).C }

// NewTimer fires after d of virtual time.
func (s *Scaled) NewTimer(d time.Duration) *Timer { return newTimer(d, s.factor, s.Now) }

// AfterFunc calls f after d of virtual time.
func (s *Scaled) AfterFunc(d time.Duration, f func()) *Timer {
	return &Timer{t: time.AfterFunc(wall(d, s.factor), f), factor: s.factor}
}

// newTimer is a wall timer of d/factor whose channel carries the virtual
// time now() when it fires.
func newTimer(d time.Duration, factor float64, now func() time.Time) *Timer {
	c := make(chan time.Time, 1)
	t := &Timer{C: c, factor: factor}
	t.t = time.AfterFunc(wall(d, factor), func() {
		select {
		case c <- now():
		default:
		}
	})
	return t
}

// wall is the wall duration of d virtual at factor, rounded up so that a
// timer never fires before its virtual time.
func wall(d time.Duration, factor float64) time.Duration {
	if d <= 0 {
		return 0
	}
	if factor == 1 {
		return d
	}
	w := time.Duration(float64(d) / factor)
	if float64(w)*factor < float64(d) {
		w++
	}
	return w
}

// NextAnchor is the next wall time that is a whole multiple of 10 s: the
// default anchor, so that processes started within the same 10 s agree.
func NextAnchor(now time.Time) time.Time {
	return now.Truncate(10 * time.Second).Add(10 * time.Second)
}

// Until waits until the virtual time t.
func Until(ctx context.Context, c Clock, t time.Time) error {
	for {
		d := t.Sub(c.Now())
		if d <= 0 {
			return nil
		}
		if err := c.Sleep(ctx, d); err != nil {
			return err
		}
	}
}

func sleepWall(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
