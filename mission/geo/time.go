package geo

import (
	"math"
	"time"
)

// Julian dates are carried as a whole part (ending in .5, midnight UTC) plus
// a day fraction, so that neither part loses the sub-millisecond precision
// that a single float64 Julian date near 2.46e6 cannot hold.

const (
	unixEpochJD = 2440587.5 // Julian date of 1970-01-01T00:00:00Z
	nsPerDay    = 86400 * int64(time.Second)
	// J2000 is the Julian date of 2000-01-01T12:00:00 (TT; used here with UT1).
	J2000 = 2451545.0
)

// JulianDate splits t (taken as UT1 = UTC) into a whole Julian date at the
// preceding midnight and the fraction of the day since, exactly to the
// nanosecond.
func JulianDate(t time.Time) (whole, frac float64) {
	ns := t.UnixNano()
	days := ns / nsPerDay
	rem := ns % nsPerDay
	if rem < 0 {
		rem += nsPerDay
		days--
	}
	return unixEpochJD + float64(days), float64(rem) / float64(nsPerDay)
}

// GMST returns the Greenwich mean sidereal angle (IAU 1982, radians in
// [0, 2π)) and its rate (rad/s) at t, with UT1 = UTC. This is the rotation
// that takes SGP4's TEME frame to the Earth-fixed frame.
func GMST(t time.Time) (theta, rate float64) {
	whole, frac := JulianDate(t)
	return gmst82(whole, frac)
}

func gmst82(whole, frac float64) (theta, rate float64) {
	const tau = 2 * math.Pi
	tu := (whole - J2000 + frac) / 36525
	g := 67310.54841 + (8640184.812866+(0.093104+(-6.2e-6)*tu)*tu)*tu
	dg := 8640184.812866 + (0.093104*2+(-6.2e-6*3)*tu)*tu
	theta = math.Mod(math.Mod(whole, 1)+frac+math.Mod(g/86400, 1), 1) * tau
	if theta < 0 {
		theta += tau
	}
	rate = (1 + dg/(86400*36525)) * tau / 86400
	return theta, rate
}
