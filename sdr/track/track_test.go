package track

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/ipgs/ipgs/sdr/hamlib"
	"github.com/ipgs/ipgs/sdr/hamlib/hamlibtest"
)

type fakeRig struct{ f float64 }

func (r *fakeRig) Frequency(context.Context) (float64, error)      { return r.f, nil }
func (r *fakeRig) SetFrequency(_ context.Context, f float64) error { r.f = math.Round(f); return nil }

func TestTunerThresholdAndKnob(t *testing.T) {
	ctx := context.Background()
	rig := &fakeRig{}
	tu := &Tuner{Rig: rig, Nominal: 437.8e6, Threshold: 10}
	// range rate from -7 to +7 km/s over a pass, 100 ms steps
	for i := 0; i <= 600; i++ {
		rr := -7 + 14*float64(i)/600
		if _, err := tu.Step(ctx, rr); err != nil {
			t.Fatal(err)
		}
		if i == 300 {
			rig.f += 1500 // the operator turns the knob by 1.5 kHz
		}
	}
	want := math.Round(437.8e6*(1-7/299792.458)) + 1500
	if math.Abs(rig.f-want) > 10 {
		t.Errorf("ends on %.0f Hz, want %.0f (Doppler + the operator's offset)", rig.f, want)
	}
	if tu.Knob != 1 || tu.Offset != 1500 {
		t.Errorf("knob %d offset %v", tu.Knob, tu.Offset)
	}
	// near TCA the range rate barely changes: the threshold saves sets
	n0 := tu.Sets
	for i := 0; i < 100; i++ {
		if _, err := tu.Step(ctx, 0.0001*float64(i)); err != nil { // 0.1 m/s per step: 0.15 Hz at 437.8 MHz
			t.Fatal(err)
		}
	}
	if d := tu.Sets - n0; d > 3 { // the jump to rr=0, then one or two
		t.Errorf("%d sets for a 15 Hz drift with a 10 Hz threshold", d)
	}
}

// A rig found far off (reset, or moved to another band) is retuned, not
// taken as the operator's knob; a failed read forgets what the rig was on.
func TestTunerRigResetIsNotTheKnob(t *testing.T) {
	ctx := context.Background()
	rig := &fakeRig{}
	tu := &Tuner{Rig: rig, Nominal: 437.8e6}
	if _, err := tu.Step(ctx, 3); err != nil {
		t.Fatal(err)
	}
	rig.f = 145e6 // a power cycle brings it up on its default
	if _, err := tu.Step(ctx, 3); err != nil {
		t.Fatal(err)
	}
	if want := math.Round(tu.Target(3)); rig.f != want || tu.Knob != 0 || tu.Offset != 0 {
		t.Fatalf("after a reset: rig %.0f Hz (want %.0f), knob %d, offset %v", rig.f, want, tu.Knob, tu.Offset)
	}
}

func TestTunerAgainstRigctld(t *testing.T) {
	addr := hamlibtest.Daemon(t, "rigctld")
	rig := hamlib.DialRig(addr, 0)
	defer rig.Close()
	knob := hamlib.DialRig(addr, 0) // a second client: the operator
	defer knob.Close()
	ctx := context.Background()
	tu := &Tuner{Rig: rig, Nominal: 145.9e6, Uplink: true}
	for i := 0; i <= 40; i++ {
		rr := -6 + 12*float64(i)/40
		if _, err := tu.Step(ctx, rr); err != nil {
			t.Fatal(err)
		}
		if i == 20 {
			f, _ := knob.Frequency(ctx)
			knob.SetFrequency(ctx, f-700)
		}
	}
	f, _ := rig.Frequency(ctx)
	want := math.Round(145.9e6/(1-6/299792.458)) - 700
	if math.Abs(f-want) > 10 || tu.Knob != 1 {
		t.Fatalf("rig on %.0f, want %.0f; knob changes %d", f, want, tu.Knob)
	}
}

func TestPlanPath(t *testing.T) {
	overwind := Limits{MinAz: -180, MaxAz: 450, MinEl: 0, MaxEl: 90}
	// a pass across north: 340 -> 20, straight on, not the long way
	p, err := PlanPath([]AzEl{{340, 5}, {355, 30}, {10, 30}, {20, 5}}, overwind)
	if err != nil || p.Points[3].Az-p.Points[0].Az > 50 || p.Flip {
		t.Fatalf("north crossing: %+v %v", p, err)
	}
	// a 0..360 rotator must go the other way round but stay in range
	plain := Limits{MinAz: 0, MaxAz: 360, MinEl: 0, MaxEl: 90}
	if p, err = PlanPath([]AzEl{{340, 5}, {355, 30}, {10, 30}, {20, 5}}, plain); err == nil {
		t.Fatalf("a 0..360 rotator cannot cross north continuously: %+v", p)
	}
	// near zenith with a 180° elevation rotator: flip mode
	zenith := []AzEl{{90, 10}, {92, 60}, {100, 88}, {270, 88}, {275, 60}, {278, 10}}
	p, err = PlanPath(zenith, Limits{MinAz: 0, MaxAz: 360, MinEl: 0, MaxEl: 180})
	if err != nil || !p.Flip {
		t.Fatalf("zenith: %+v %v", p, err)
	}
	for i := 1; i < len(p.Points); i++ {
		if d := math.Abs(p.Points[i].Az - p.Points[i-1].Az); d > 20 {
			t.Errorf("flip path still sweeps %v° in azimuth", d)
		}
	}
	// nothing fits: a clear error naming the limits
	if _, err := PlanPath([]AzEl{{10, 5}}, Limits{MinAz: 90, MaxAz: 180, MaxEl: 90}); !errors.Is(err, ErrUnreachable) {
		t.Fatalf("unreachable: %v", err)
	}
}
