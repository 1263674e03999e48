// Package clock gives the station engine and the emulator one notion of
// time: the real clock, or an accelerated virtual clock so that a day of
// passes runs in seconds.
package clock

import (
	"context"
	"time"
)

// Clock tells time and waits. Sleep returns ctx.Err() when ctx ends first.
type Clock interface {
	Now() time.Time
	Sleep(ctx context.Context, d time.Duration) error
	// Factor is how many virtual seconds pass per wall second (1: real).
	Factor() float64
}

// Real is the system clock.
type Real struct{}

func (Real) Now() time.Time  { return time.Now().UTC() }
func (Real) Factor() float64 { return 1 }
func (Real) Sleep(ctx context.Context, d time.Duration) error {
	return sleepWall(ctx, d)
}

// Scaled is virtual time: it starts at Start when created and runs Factor
// times faster than the wall clock.
type Scaled struct {
	start  time.Time
	wall0  time.Time
	factor float64
}

// NewScaled returns a virtual clock reading start now and running factor
// times real time.
func NewScaled(start time.Time, factor float64) *Scaled {
	if factor <= 0 {
		factor = 1
	}
	return &Scaled{start: start.UTC(), wall0: time.Now(), factor: factor}
}

func (s *Scaled) Now() time.Time {
	return s.start.Add(time.Duration(float64(time.Since(s.wall0)) * s.factor))
}

func (s *Scaled) Factor() float64 { return s.factor }

// Sleep waits d of virtual time.
func (s *Scaled) Sleep(ctx context.Context, d time.Duration) error {
	return sleepWall(ctx, time.Duration(float64(d)/s.factor))
}

// NewScaledAt returns a virtual clock that reads start at the wall time
// anchor and runs factor times real time: processes given the same start,
// factor and anchor share one virtual time.
func NewScaledAt(start time.Time, factor float64, anchor time.Time) *Scaled {
	if factor <= 0 {
		factor = 1
	}
	return &Scaled{start: start.UTC(), wall0: anchor, factor: factor}
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
