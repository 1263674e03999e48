// Package track points antennas and tunes radios along a pass: Doppler
// correction of downlink and uplink, and rotator paths that respect the
// rotator's limits (overwind across north, flip mode near zenith).
package track

import (
	"context"
	"fmt"
	"math"

	"github.com/ipgs/ipgs/mission/geo"
)

// Tunable is the part of a rig the tuner needs (hamlib.Rig has it).
type Tunable interface {
	Frequency(ctx context.Context) (float64, error)
	SetFrequency(ctx context.Context, hz float64) error
}

// Tuner keeps one rig on a Doppler-shifted frequency. It sends only when
// the correction moved by more than Threshold, reads back what the rig is
// on, and when the rig is somewhere the tuner did not put it, takes that as
// the operator turning the knob: it keeps the operator's offset instead of
// fighting it.
type Tuner struct {
	Rig       Tunable
	Nominal   float64 // Hz at zero range rate
	Uplink    bool    // pre-correct for the satellite's receiver
	Threshold float64 // Hz; default 10
	Tolerance float64 // Hz the rig may round by; default 2
	// MaxOffset bounds what counts as the operator's knob (default 25 kHz):
	// a rig found farther off was reset or changed band, and is retuned.
	MaxOffset float64

	set    float64 // what the tuner last told the rig (0: nothing yet)
	lost   bool    // the last step failed: the rig may have been restarted
	Offset float64 // operator's offset, kept across retunes
	Sets   int     // frequencies sent
	Knob   int     // operator changes detected
}

// Target is the corrected frequency at range rate rr (km/s), with the
// operator's offset.
func (t *Tuner) Target(rr float64) float64 {
	f := geo.DownlinkHz(t.Nominal, rr)
	if t.Uplink {
		f = geo.UplinkHz(t.Nominal, rr)
	}
	return f + t.Offset
}

// Step reads the rig, adopts an operator's change, and retunes when the
// correction moved by more than the threshold. It returns the frequency
// the rig is on afterwards.
func (t *Tuner) Step(ctx context.Context, rr float64) (float64, error) {
	thr, tol := t.Threshold, t.Tolerance
	if thr <= 0 {
		thr = 10
	}
	if tol <= 0 {
		tol = 2
	}
	maxOff := t.MaxOffset
	if maxOff <= 0 {
		maxOff = 25e3
	}
	cur, err := t.Rig.Frequency(ctx)
	if err != nil {
		t.lost = true
		return 0, err
	}
	if t.lost {
		// the rig was gone: whatever it reads now is no operator's doing
		t.set, t.lost = 0, false
	}
	if t.set != 0 && math.Abs(cur-t.set) > tol {
		if d := cur - t.set; math.Abs(t.Offset+d) <= maxOff {
			// not where we left it: the operator tuned
			t.Offset += d
			t.Knob++
			t.set = cur
		} else {
			t.set = 0 // reset or moved to another band: tune again
		}
	}
	want := math.Round(t.Target(rr))
	if t.set != 0 && math.Abs(want-t.set) <= thr {
		return cur, nil
	}
	if err := t.Rig.SetFrequency(ctx, want); err != nil {
		t.lost = true
		return cur, err
	}
	t.Sets++
	got, err := t.Rig.Frequency(ctx)
	if err != nil {
		t.lost = true
		return 0, err
	}
	if math.Abs(got-want) > tol {
		return got, fmt.Errorf("doppler: set %.0f Hz, the rig reads back %.0f Hz", want, got)
	}
	t.set = got
	return got, nil
}
