// Package ephem places the Moon and the planets from published
// low-precision theories, enough to plan deep-space contacts: when a body
// is above a station's horizon, and the one-way light time to it.
//
//   - The planets: JPL's Keplerian elements for approximate positions of
//     the major planets (E. M. Standish, table 1: elements and their rates
//     per century for 1800-2050, mean ecliptic and equinox of J2000).
//     Mars comes out within about an arcminute.
//   - The Moon: the short series of Montenbruck and Gill (Satellite Orbits,
//     3.3.2), within a few arcminutes and a few hundred kilometres.
//
// Positions are geocentric, in kilometres, in the mean equator and
// equinox of J2000 (within these theories' accuracy, the ICRF).
// TestAgainstDE checks them against JPL's DE430 and DE441 through
// skyfield. Time is taken as TT = UTC (69 s, nothing at this accuracy).
package ephem

import (
	"math"
	"time"

	"github.com/ipgs/ipgs/mission/geo"
)

// Body is what the package can place.
type Body int

// Bodies.
const (
	Moon Body = iota
	Mars
)

func (b Body) String() string {
	switch b {
	case Moon:
		return "Moon"
	case Mars:
		return "Mars"
	}
	return "body?"
}

// AU is the astronomical unit, km.
const AU = 149597870.7

const deg = math.Pi / 180

// obliquity of the ecliptic at J2000 (IAU 1976), radians
const obliquity = 23.43928 * deg

// centuries is Julian centuries of TT since J2000.
func centuries(t time.Time) float64 {
	whole, frac := geo.JulianDate(t)
	return (whole - geo.J2000 + frac) / 36525
}

// elements are a planet's mean elements at J2000 and their rates per
// century: semi-major axis (AU), eccentricity, inclination, mean
// longitude, longitude of perihelion, longitude of the ascending node
// (degrees).
type elements struct {
	a, e, i, l, peri, node       float64
	da, de, di, dl, dperi, dnode float64
}

// Standish's table 1 (1800-2050).
var (
	embElements = elements{
		a: 1.00000261, e: 0.01671123, i: -0.00001531, l: 100.46457166, peri: 102.93768193, node: 0,
		da: 0.00000562, de: -0.00004392, di: -0.01294668, dl: 35999.37244981, dperi: 0.32327364, dnode: 0,
	}
	marsElements = elements{
		a: 1.52371034, e: 0.09339410, i: 1.84969142, l: -4.55343205, peri: -23.94362959, node: 49.55953891,
		da: 0.00001847, de: 0.00007882, di: -0.00813131, dl: 19140.30268499, dperi: 0.44441088, dnode: -0.29257343,
	}
)

// heliocentric is the position (AU, ecliptic of J2000) of the body with
// elements el at T centuries.
func (el elements) heliocentric(T float64) geo.Vec {
	a := el.a + el.da*T
	e := el.e + el.de*T
	inc := (el.i + el.di*T) * deg
	l := el.l + el.dl*T
	peri := el.peri + el.dperi*T
	node := (el.node + el.dnode*T) * deg
	w := peri*deg - node
	m := math.Remainder((l-peri)*deg, 2*math.Pi)
	// Kepler's equation by Newton's method
	E := m + e*math.Sin(m)
	for range 10 {
		d := (E - e*math.Sin(E) - m) / (1 - e*math.Cos(E))
		E -= d
		if math.Abs(d) < 1e-12 {
			break
		}
	}
	x := a * (math.Cos(E) - e)
	y := a * math.Sqrt(1-e*e) * math.Sin(E)
	sw, cw := math.Sincos(w)
	sn, cn := math.Sincos(node)
	si, ci := math.Sincos(inc)
	return geo.Vec{
		X: (cw*cn-sw*sn*ci)*x + (-sw*cn-cw*sn*ci)*y,
		Y: (cw*sn+sw*cn*ci)*x + (-sw*sn+cw*cn*ci)*y,
		Z: sw*si*x + cw*si*y,
	}
}

// toEquator turns ecliptic coordinates of J2000 into equatorial ones.
func toEquator(v geo.Vec) geo.Vec {
	s, c := math.Sincos(obliquity)
	return geo.Vec{X: v.X, Y: c*v.Y - s*v.Z, Z: s*v.Y + c*v.Z}
}

// moonEcliptic is the Moon's geocentric position (km, ecliptic and
// equinox of J2000) at T centuries.
func moonEcliptic(T float64) geo.Vec {
	const arcsec = deg / 3600
	l0 := 218.31617 + 481267.88088*T - 1.3972*T // mean longitude, precessed back to J2000
	l := (134.96292 + 477198.86753*T) * deg     // the Moon's mean anomaly
	lp := (357.52543 + 35999.04944*T) * deg     // the Sun's
	f := (93.27283 + 483202.01873*T) * deg      // mean argument of latitude
	d := (297.85027 + 445267.11135*T) * deg     // mean elongation from the Sun
	dl := 22640*math.Sin(l) + 769*math.Sin(2*l) - 4586*math.Sin(l-2*d) + 2370*math.Sin(2*d) -
		668*math.Sin(lp) - 412*math.Sin(2*f) - 212*math.Sin(2*l-2*d) - 206*math.Sin(l+lp-2*d) +
		192*math.Sin(l+2*d) - 165*math.Sin(lp-2*d) + 148*math.Sin(l-lp) - 125*math.Sin(d) -
		110*math.Sin(l+lp) - 55*math.Sin(2*f-2*d)
	lambda := l0*deg + dl*arcsec
	beta := 18520*math.Sin(f+dl*arcsec+(412*math.Sin(2*f)+541*math.Sin(lp))*arcsec) -
		526*math.Sin(f-2*d) + 44*math.Sin(l+f-2*d) - 31*math.Sin(-l+f-2*d) - 25*math.Sin(-2*l+f) -
		23*math.Sin(lp+f-2*d) + 21*math.Sin(-l+f) + 11*math.Sin(-lp+f-2*d)
	b := beta * arcsec
	r := 385000 - 20905*math.Cos(l) - 3699*math.Cos(2*d-l) - 2956*math.Cos(2*d) - 570*math.Cos(2*l) +
		246*math.Cos(2*l-2*d) - 205*math.Cos(lp-2*d) - 171*math.Cos(l+2*d) - 152*math.Cos(l+lp-2*d)
	sb, cb := math.Sincos(b)
	sl, cl := math.Sincos(lambda)
	return geo.Vec{X: r * cb * cl, Y: r * cb * sl, Z: r * sb}
}

// earthMoonRatio is the Moon's share of the Earth-Moon mass: the Earth
// sits that far from the barycentre, opposite the Moon.
const earthMoonRatio = 1 / (1 + 81.30057)

// Geocentric is body's position from the Earth's centre at t (km, mean
// equator and equinox of J2000).
func Geocentric(b Body, t time.Time) geo.Vec {
	T := centuries(t)
	moon := moonEcliptic(T)
	if b == Moon {
		return toEquator(moon)
	}
	earth := embElements.heliocentric(T).Scale(AU).Sub(moon.Scale(earthMoonRatio))
	return toEquator(marsElements.heliocentric(T).Scale(AU).Sub(earth))
}

// LightTime is the one-way light time over km kilometres.
func LightTime(km float64) time.Duration {
	return time.Duration(km / geo.SpeedOfLight * float64(time.Second))
}

// precess takes a vector from the mean equator and equinox of J2000 to
// those of T centuries later (IAU 1976 angles).
func precess(v geo.Vec, T float64) geo.Vec {
	const arcsec = deg / 3600
	zeta := (2306.2181*T + 0.30188*T*T + 0.017998*T*T*T) * arcsec
	z := (2306.2181*T + 1.09468*T*T + 0.018203*T*T*T) * arcsec
	theta := (2004.3109*T - 0.42665*T*T - 0.041833*T*T*T) * arcsec
	// R3(-z) R2(theta) R3(-zeta)
	v = rotZ(v, -zeta)
	st, ct := math.Sincos(theta)
	v = geo.Vec{X: ct*v.X - st*v.Z, Y: v.Y, Z: st*v.X + ct*v.Z}
	return rotZ(v, -z)
}

// rotZ turns the frame about its z axis by a (a vector's coordinates in
// the turned frame).
func rotZ(v geo.Vec, a float64) geo.Vec {
	s, c := math.Sincos(a)
	return geo.Vec{X: c*v.X + s*v.Y, Y: -s*v.X + c*v.Y, Z: v.Z}
}

// EarthFixed is body's position at t in the Earth-fixed frame (km):
// precessed to the date, turned by the mean sidereal time (nutation, a
// few arcseconds, and polar motion left out).
func EarthFixed(b Body, t time.Time) geo.Vec {
	gmst, _ := geo.GMST(t)
	return rotZ(precess(Geocentric(b, t), centuries(t)), gmst)
}

// Look is body as station o sees it at t: elevation and azimuth (no
// refraction) and range.
func Look(b Body, o *geo.Topocentric, t time.Time) (elDeg, azDeg, rangeKm float64) {
	r := EarthFixed(b, t)
	el, az := o.ElevationAzimuth(r)
	return el, az, r.Sub(o.Pos).Norm()
}
