// Package passes predicts when satellites are in view of ground stations:
// acquisition of signal (AOS), time of closest approach (TCA: here the time
// of maximum elevation) and loss of signal (LOS), against each station's
// minimum elevation and horizon mask.
package passes

import (
	"math"
	"time"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/mission/geo"
	"github.com/ipgs/ipgs/mission/sgp4"
)

// Pass is one contact opportunity of a satellite over a station.
type Pass struct {
	Sat        int // catalogue number
	SatIndex   int // index in the satellite list given to the finder
	Station    int // index in the station list
	AOS, TCA   time.Time
	LOS        time.Time
	MaxElDeg   float64
	AOSAzDeg   float64
	TCAAzDeg   float64
	LOSAzDeg   float64
	AOSClipped bool // in progress at the window start
	LOSClipped bool // still in progress at the window end
}

// Duration is LOS - AOS.
func (p *Pass) Duration() time.Duration { return p.LOS.Sub(p.AOS) }

const (
	// grazeMarginDeg: sampled local maxima of (elevation - threshold) this
	// far below zero are refined, to catch passes shorter than a step.
	grazeMarginDeg = 2.0
	// cullMarginDeg widens the visibility cone used for culling, covering
	// the margin above and the geodetic-versus-geocentric difference (< 0.2°).
	cullMarginDeg = grazeMarginDeg + 1.0
	// maxStepAngle bounds how far (radians of central angle) the
	// sub-satellite point may move in one grid step.
	maxStepAngle = 0.15
	// nodeAngle bounds the same angle between the propagated nodes the
	// track interpolates (see satTrack).
	nodeAngle   = 0.3
	minStep     = 10.0   // s
	maxStep     = 300.0  // s
	maxNodeStep = 1200.0 // s
	earthRate   = 7.2921158553e-5
	rootTol     = 1e-4 // s, AOS/LOS
	// grazePolishDeg: passes peaking less than this above the threshold
	// get their AOS and LOS refined on exact SGP4.
	grazePolishDeg = 0.5
	maxTol         = 2e-3 // s, TCA
)

// station is a Station prepared for the hot loop.
type station struct {
	*mission.Station
	topo   geo.Topocentric
	unit   geo.Vec // geocentric unit vector
	radius float64 // km
	lowCos float64 // cos of the culling threshold elevation
	lowEl  float64 // culling threshold elevation, radians
	flat   bool    // no mask above the minimum elevation
	// For flat stations f is sin(el) - sin(minEl): monotonic in elevation,
	// so its roots and maxima are those of el - minEl, without an asin.
	sinMin  float64
	sinMin2 float64 // sinMin·|sinMin|
	grazeF  float64 // f of a sample grazeMarginDeg below the threshold
}

func prepareStations(sts []mission.Station) []station {
	out := make([]station, len(sts))
	for i := range sts {
		s := &sts[i]
		topo := geo.NewTopocentric(s.Location)
		low := (s.LowestThreshold() - cullMarginDeg) * math.Pi / 180
		out[i] = station{
			Station: s,
			topo:    topo,
			unit:    topo.Pos.Unit(),
			radius:  topo.Pos.Norm(),
			lowEl:   low,
			lowCos:  math.Cos(low),
			flat:    len(s.Mask) == 0 || s.Mask.Max() <= s.MinElevation,
		}
		out[i].sinMin = math.Sin(s.MinElevation * math.Pi / 180)
		out[i].sinMin2 = out[i].sinMin * math.Abs(out[i].sinMin)
		out[i].grazeF = -grazeMarginDeg
		if out[i].flat {
			out[i].grazeF = math.Sin((s.MinElevation-grazeMarginDeg)*math.Pi/180) - out[i].sinMin
		}
	}
	return out
}

// stepAndRate returns the search grid step and the track node step (s), an upper bound on the rate of
// change (rad/s) of the central angle between the sub-satellite point and
// any fixed point on Earth.
func stepAndRate(p *sgp4.Propagator) (step, nodeStep, rate, rmax float64) {
	a := p.SemiMajorAxis()
	e := p.Eccentricity()
	const mu = 398600.8
	rp := a * (1 - e)
	vp := math.Sqrt(mu * (1 + e) / rp)
	rate = (vp/rp + earthRate) * 1.15 // margin: drag, short-period terms
	step = math.Max(minStep, math.Min(maxStep, maxStepAngle/rate))
	nodeStep = math.Max(minStep, math.Min(maxNodeStep, nodeAngle/rate))
	rmax = a * (1 + e) * 1.02
	return step, nodeStep, rate, rmax
}

// coneHalfAngle is the central angle (rad) within which a satellite at
// geocentric radius r is above elevation el (rad) for an observer at radius rs.
func coneHalfAngle(rs, r, el float64) float64 {
	x := rs * math.Cos(el) / r
	if x >= 1 {
		return 0
	}
	return math.Acos(x) - el
}
