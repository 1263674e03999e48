package geo

import (
	"math"
	"testing"
	"time"
)

func TestSunAtEquinoxesAndSolstices(t *testing.T) {
	// instants from the published almanac, 2025
	for _, c := range []struct {
		at     string
		decDeg float64
		raDeg  float64
	}{
		{"2025-03-20T09:01:00Z", 0, 0},
		{"2025-06-21T02:42:00Z", 23.436, 90},
		{"2025-09-22T18:19:00Z", 0, 180},
		{"2025-12-21T15:03:00Z", -23.436, 270},
	} {
		tm, _ := time.Parse(time.RFC3339, c.at)
		s := SunPosition(tm)
		dec := math.Asin(s.Z/s.Norm()) * 180 / math.Pi
		ra := math.Mod(math.Atan2(s.Y, s.X)*180/math.Pi+360, 360)
		dra := math.Abs(math.Remainder(ra-c.raDeg, 360))
		if math.Abs(dec-c.decDeg) > 0.02 || dra > 0.02 {
			t.Errorf("%s: RA %.4f Dec %.4f, want %.3f %.3f", c.at, ra, dec, c.raDeg, c.decDeg)
		}
	}
	// perihelion 2025-01-04: 0.98333 au
	s := SunPosition(time.Date(2025, 1, 4, 13, 28, 0, 0, time.UTC))
	if d := s.Norm() / AU; math.Abs(d-0.98333) > 0.0002 {
		t.Errorf("perihelion distance %.5f au", d)
	}
}

func TestSunlitFraction(t *testing.T) {
	sun := Vec{AU, 0, 0}
	if f := SunlitFraction(Vec{7000, 0, 0}, sun); f != 1 {
		t.Errorf("day side: %v", f)
	}
	if f := SunlitFraction(Vec{-7000, 0, 0}, sun); f != 0 {
		t.Errorf("behind the Earth: %v", f)
	}
	// crossing the shadow edge the fraction falls monotonically through penumbra
	prev, partial := 1.0, 0
	for y := 6500.0; y >= 6200; y -= 1 {
		f := SunlitFraction(Vec{-7000, y, 0}, sun)
		if f > prev+1e-12 {
			t.Fatalf("fraction rises going into shadow at y=%v: %v > %v", y, f, prev)
		}
		if f > 0 && f < 1 {
			partial++
		}
		prev = f
	}
	if partial == 0 || prev != 0 {
		t.Errorf("no penumbra seen (%d partial samples), end fraction %v", partial, prev)
	}
}

func TestGeodeticRoundTrip(t *testing.T) {
	for _, g := range []Geodetic{{78.2298, 15.4078, 500}, {-33.1513, -70.6673, 720}, {0, 0, 0}, {89.9, 45, 10}, {-45, 179, 8000}} {
		back := ToGeodetic(g.ECEF())
		if math.Abs(back.LatDeg-g.LatDeg) > 1e-9 || math.Abs(math.Remainder(back.LonDeg-g.LonDeg, 360)) > 1e-9 || math.Abs(back.AltM-g.AltM) > 1e-3 {
			t.Errorf("%+v -> %+v", g, back)
		}
	}
}

func TestLookAndDoppler(t *testing.T) {
	o := NewTopocentric(Geodetic{LatDeg: 0, LonDeg: 0, AltM: 0})
	// straight up, 500 km, receding at 1 km/s
	l := o.Look(Vec{WGS84A + 500, 0, 0}, Vec{1, 0, 0})
	if math.Abs(l.ElDeg-90) > 1e-9 || math.Abs(l.RangeKm-500) > 1e-9 || math.Abs(l.RangeRate-1) > 1e-12 {
		t.Errorf("zenith: %+v", l)
	}
	// due north on the horizon plane, approaching
	l = o.Look(Vec{WGS84A, 0, 1000}, Vec{0, 0, -2})
	if math.Abs(l.AzDeg) > 1e-9 || math.Abs(l.ElDeg) > 1e-9 || math.Abs(l.RangeRate+2) > 1e-12 {
		t.Errorf("north: %+v", l)
	}
	// 437.8 MHz approaching at 7 km/s: received about 10.2 kHz high
	if d := DownlinkHz(437.8e6, -7) - 437.8e6; math.Abs(d-10222.3) > 0.5 {
		t.Errorf("downlink shift %.1f Hz", d)
	}
	// uplink pre-correction undoes the shift seen by the satellite
	f := UplinkHz(145.9e6, -7)
	if got := f * (1 - (-7)/SpeedOfLight); math.Abs(got-145.9e6) > 1e-6 {
		t.Errorf("uplink: satellite receives %.6f", got)
	}
}

func TestRangeRateIsDerivativeOfRange(t *testing.T) {
	o := NewTopocentric(Geodetic{LatDeg: 40, LonDeg: -105, AltM: 1600})
	t0 := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	// a TEME state in uniform motion: ECEF range rate must equal the numerical derivative
	r, v := Vec{-2000, -4500, 4500}, Vec{5, -3, 2}
	state := func(dt float64) (Vec, Vec) {
		return TEMEToECEF(t0.Add(time.Duration(dt*1e9)), r.Add(v.Scale(dt)), v)
	}
	re, ve := state(0)
	l := o.Look(re, ve)
	rp, _ := state(0.5)
	rm, _ := state(-0.5)
	num := (rp.Sub(o.Pos).Norm() - rm.Sub(o.Pos).Norm()) / 1.0
	if math.Abs(num-l.RangeRate) > 1e-6 {
		t.Errorf("range rate %.9f, numerical %.9f", l.RangeRate, num)
	}
}
