package geo

import (
	"math"
	"time"
)

const (
	// AU is the astronomical unit in km.
	AU           = 149597870.7
	sunRadiusKm  = 696000.0
	earthRadiusE = 6378.137
)

// SunPosition returns the Sun's geocentric position in km, in the true
// equator and equinox of date (close enough to TEME for shadow geometry:
// the difference is arcseconds). Low-precision solar coordinates of the
// Astronomical Almanac, better than 0.01° from 1950 to 2050.
func SunPosition(t time.Time) Vec {
	whole, frac := JulianDate(t)
	n := (whole - J2000) + frac
	L := math.Mod(280.460+0.9856474*n, 360)
	g := math.Mod(357.528+0.9856003*n, 360) * math.Pi / 180
	lambda := (L + 1.915*math.Sin(g) + 0.020*math.Sin(2*g)) * math.Pi / 180
	eps := (23.439 - 0.0000004*n) * math.Pi / 180
	r := (1.00014 - 0.01671*math.Cos(g) - 0.00014*math.Cos(2*g)) * AU
	sl, cl := math.Sincos(lambda)
	se, ce := math.Sincos(eps)
	return Vec{r * cl, r * ce * sl, r * se * sl}
}

// SunlitFraction returns the fraction of the Sun's disc visible from a
// satellite at r (geocentric, km, same frame as sun): 1 in sunlight, 0 in
// umbra, in between in penumbra. The Earth is a sphere of equatorial
// radius.
func SunlitFraction(r, sun Vec) float64 {
	toSun := sun.Sub(r)
	ds, de := toSun.Norm(), r.Norm()
	if de <= earthRadiusE {
		return 0
	}
	a := math.Asin(min(1, sunRadiusKm/ds))  // apparent solar radius
	b := math.Asin(min(1, earthRadiusE/de)) // apparent Earth radius
	cosc := -r.Dot(toSun) / (de * ds)       // separation of the two centres
	c := math.Acos(max(-1, min(1, cosc)))
	switch {
	case c >= a+b:
		return 1 // discs apart
	case c <= b-a:
		return 0 // Sun wholly behind the Earth
	case c <= a-b:
		return 1 - (b*b)/(a*a) // Earth wholly inside the solar disc (annular)
	}
	// partial overlap of two discs of radii a (Sun) and b (Earth)
	x := (c*c + a*a - b*b) / (2 * c)
	y := math.Sqrt(max(0, a*a-x*x))
	overlap := a*a*math.Acos(max(-1, min(1, x/a))) + b*b*math.Acos(max(-1, min(1, (c-x)/b))) - c*y
	return 1 - overlap/(math.Pi*a*a)
}
