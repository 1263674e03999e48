package geo

import (
	"math"
	"time"
)

// WGS84 ellipsoid.
const (
	WGS84A  = 6378.137 // equatorial radius, km
	WGS84F  = 1 / 298.257223563
	wgs84E2 = WGS84F * (2 - WGS84F)
	// SpeedOfLight in km/s.
	SpeedOfLight = 299792.458
)

// TEMEToECEF rotates a TEME state into the Earth-fixed frame (pseudo-ITRF:
// GMST 1982 with UT1 = UTC, no polar motion), the usual companion of SGP4.
// The velocity includes the frame's rotation.
func TEMEToECEF(t time.Time, r, v Vec) (Vec, Vec) {
	theta, rate := GMST(t)
	return RotateTEME(theta, rate, r, v)
}

// RotateTEME is TEMEToECEF with a precomputed sidereal angle and rate.
func RotateTEME(theta, rate float64, r, v Vec) (Vec, Vec) {
	s, c := math.Sincos(theta)
	re := Vec{c*r.X + s*r.Y, -s*r.X + c*r.Y, r.Z}
	ve := Vec{c*v.X + s*v.Y + rate*re.Y, -s*v.X + c*v.Y - rate*re.X, v.Z}
	return re, ve
}

// Geodetic is a WGS84 position: latitude and longitude in degrees, height
// above the ellipsoid in metres.
type Geodetic struct {
	LatDeg, LonDeg, AltM float64
}

// ECEF returns the Earth-fixed position of g, in km.
func (g Geodetic) ECEF() Vec {
	sl, cl := math.Sincos(g.LatDeg * math.Pi / 180)
	so, co := math.Sincos(g.LonDeg * math.Pi / 180)
	n := WGS84A / math.Sqrt(1-wgs84E2*sl*sl)
	h := g.AltM / 1000
	return Vec{(n + h) * cl * co, (n + h) * cl * so, (n*(1-wgs84E2) + h) * sl}
}

// ToGeodetic converts an Earth-fixed position (km) to WGS84 latitude,
// longitude and height (Bowring's iteration, sub-millimetre).
func ToGeodetic(r Vec) Geodetic {
	p := math.Hypot(r.X, r.Y)
	lon := math.Atan2(r.Y, r.X)
	lat := math.Atan2(r.Z, p*(1-wgs84E2))
	var h float64
	for range 6 {
		s := math.Sin(lat)
		n := WGS84A / math.Sqrt(1-wgs84E2*s*s)
		if c := math.Cos(lat); math.Abs(c) > 1e-12 {
			h = p/c - n
		} else {
			h = math.Abs(r.Z) - n*(1-wgs84E2)
		}
		lat = math.Atan2(r.Z, p*(1-wgs84E2*n/(n+h)))
	}
	return Geodetic{lat * 180 / math.Pi, lon * 180 / math.Pi, h * 1000}
}

// Topocentric is an observer's local frame: position and the unit vectors
// east, north and up (normal to the ellipsoid).
type Topocentric struct {
	Pos             Vec
	East, North, Up Vec
}

// NewTopocentric returns the local frame at g.
func NewTopocentric(g Geodetic) Topocentric {
	sl, cl := math.Sincos(g.LatDeg * math.Pi / 180)
	so, co := math.Sincos(g.LonDeg * math.Pi / 180)
	return Topocentric{
		Pos:   g.ECEF(),
		East:  Vec{-so, co, 0},
		North: Vec{-sl * co, -sl * so, cl},
		Up:    Vec{cl * co, cl * so, sl},
	}
}

// Look is what an observer sees of a target.
type Look struct {
	AzDeg, ElDeg float64 // azimuth from north through east, geometric elevation
	RangeKm      float64
	RangeRate    float64 // km/s, positive when receding
}

// Look returns azimuth, elevation, range and range rate of a target with
// Earth-fixed position r and velocity v (km, km/s).
func (o *Topocentric) Look(r, v Vec) Look {
	rho := r.Sub(o.Pos)
	e, n, u := rho.Dot(o.East), rho.Dot(o.North), rho.Dot(o.Up)
	rng := rho.Norm()
	az := math.Atan2(e, n) * 180 / math.Pi
	if az < 0 {
		az += 360
	}
	return Look{
		AzDeg:     az,
		ElDeg:     math.Atan2(u, math.Hypot(e, n)) * 180 / math.Pi,
		RangeKm:   rng,
		RangeRate: rho.Dot(v) / rng,
	}
}

// Elevation returns only the elevation (degrees) of an Earth-fixed
// position: the hot path of pass search.
func (o *Topocentric) Elevation(r Vec) float64 {
	rho := r.Sub(o.Pos)
	return math.Asin(max(-1, min(1, rho.Dot(o.Up)/rho.Norm()))) * 180 / math.Pi
}

// Azimuth returns the azimuth of r in degrees, [0, 360).
func (o *Topocentric) Azimuth(r Vec) float64 {
	rho := r.Sub(o.Pos)
	az := math.Atan2(rho.Dot(o.East), rho.Dot(o.North)) * 180 / math.Pi
	if az < 0 {
		az += 360
	}
	return az
}

// ElevationAzimuth returns elevation and azimuth in degrees.
func (o *Topocentric) ElevationAzimuth(r Vec) (el, az float64) {
	rho := r.Sub(o.Pos)
	e, n, u := rho.Dot(o.East), rho.Dot(o.North), rho.Dot(o.Up)
	az = math.Atan2(e, n) * 180 / math.Pi
	if az < 0 {
		az += 360
	}
	return math.Asin(max(-1, min(1, u/rho.Norm()))) * 180 / math.Pi, az
}

// DownlinkHz returns the frequency received on the ground for a carrier f
// (Hz) transmitted by a target with the given range rate (km/s).
func DownlinkHz(f, rangeRate float64) float64 { return f * (1 - rangeRate/SpeedOfLight) }

// UplinkHz returns the frequency to transmit from the ground so that the
// target, with the given range rate, receives f (Hz).
func UplinkHz(f, rangeRate float64) float64 { return f / (1 - rangeRate/SpeedOfLight) }
