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
	minStep      = 10.0  // s
	maxStep      = 300.0 // s
	earthRate    = 7.2921158553e-5
	rootTol      = 1e-4 // s, AOS/LOS
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
	sinMin float64
	grazeF float64 // f of a sample grazeMarginDeg below the threshold
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
		out[i].grazeF = -grazeMarginDeg
		if out[i].flat {
			out[i].grazeF = math.Sin((s.MinElevation-grazeMarginDeg)*math.Pi/180) - out[i].sinMin
		}
	}
	return out
}

// satTrack holds one satellite's Earth-fixed positions on a uniform time
// grid (node k at k·step seconds from the window start), computed lazily,
// and interpolates between them. Six-point Lagrange interpolation on a
// grid whose step keeps the sub-satellite motion under maxStepAngle is
// within centimetres of SGP4 (error ~ (ω·step)^6/720 · r), far inside the
// accuracy pass times need.
type satTrack struct {
	prop  *sgp4.Propagator
	start time.Time
	base  float64 // minutes from epoch to start
	step  float64 // s
	th0   float64 // GMST at start, rad
	thDot float64 // GMST rate, rad/s
	nodes []geo.Vec
	have  []bool
	err   error // first propagation failure
	errAt float64
}

const nodeOffset = 3 // nodes[i] is grid index i-nodeOffset

func newTrack(p *sgp4.Propagator, start time.Time, window, step float64) *satTrack {
	th, rate := geo.GMST(start)
	n := int(math.Ceil(window/step)) + 2*nodeOffset + 2
	return &satTrack{prop: p, start: start, base: p.MinutesSince(start), step: step,
		th0: th, thDot: rate, nodes: make([]geo.Vec, n), have: make([]bool, n)}
}

// exact propagates to offset s seconds and rotates to Earth-fixed. GMST is
// taken as linear over the window: its quadratic term moves it by ~1e-13
// rad in a week.
func (tr *satTrack) exact(s float64) (geo.Vec, error) {
	r, _, err := tr.prop.Propagate(tr.base + s/60)
	if err != nil {
		return geo.Vec{}, err
	}
	sn, cs := math.Sincos(tr.th0 + tr.thDot*s)
	return geo.Vec{X: cs*r.X + sn*r.Y, Y: -sn*r.X + cs*r.Y, Z: r.Z}, nil
}

// node returns the position at grid index k.
func (tr *satTrack) node(k int) (geo.Vec, bool) {
	i := k + nodeOffset
	if i < 0 || i >= len(tr.nodes) {
		r, err := tr.exact(float64(k) * tr.step)
		if err != nil {
			tr.fail(err, float64(k)*tr.step)
			return r, false
		}
		return r, true
	}
	if !tr.have[i] {
		r, err := tr.exact(float64(k) * tr.step)
		if err != nil {
			tr.fail(err, float64(k)*tr.step)
			return r, false
		}
		tr.nodes[i], tr.have[i] = r, true
	}
	return tr.nodes[i], true
}

func (tr *satTrack) fail(err error, s float64) {
	if tr.err == nil || s < tr.errAt {
		tr.err, tr.errAt = err, s
	}
}

// at returns the interpolated position at offset s seconds.
func (tr *satTrack) at(s float64) (geo.Vec, bool) {
	x := s / tr.step
	k := int(math.Floor(x))
	u := x - float64(k)
	if u == 0 {
		return tr.node(k)
	}
	// nodes k-2 .. k+3 around u in [0, 1): w_j = Π_{m≠j}(u-m) / Π_{m≠j}(j-m)
	var p [6]geo.Vec
	for j := range p {
		var ok bool
		if p[j], ok = tr.node(k + j - 2); !ok {
			r, err := tr.exact(s) // near a decay: no neighbours to lean on
			return r, err == nil
		}
	}
	a := [6]float64{u + 2, u + 1, u, u - 1, u - 2, u - 3}
	var pre, suf [7]float64
	pre[0], suf[6] = 1, 1
	for i := 0; i < 6; i++ {
		pre[i+1] = pre[i] * a[i]
		suf[5-i] = suf[6-i] * a[5-i]
	}
	var out geo.Vec
	for j := range p {
		w := pre[j] * suf[j+1] * lagrangeDen[j]
		out.X += w * p[j].X
		out.Y += w * p[j].Y
		out.Z += w * p[j].Z
	}
	return out, true
}

// lagrangeDen holds 1/Π_{m≠j}(j-m) for nodes -2..3.
var lagrangeDen = [6]float64{-1.0 / 120, 1.0 / 24, -1.0 / 12, 1.0 / 12, -1.0 / 24, 1.0 / 120}

func (tr *satTrack) time(s float64) time.Time {
	return tr.start.Add(time.Duration(math.Round(s * 1e9)))
}

// stepAndRate returns the grid step (s) and an upper bound on the rate of
// change (rad/s) of the central angle between the sub-satellite point and
// any fixed point on Earth.
func stepAndRate(p *sgp4.Propagator) (step, rate, rmax float64) {
	a := p.SemiMajorAxis()
	e := p.Eccentricity()
	const mu = 398600.8
	rp := a * (1 - e)
	vp := math.Sqrt(mu * (1 + e) / rp)
	rate = (vp/rp + earthRate) * 1.15 // margin: drag, short-period terms
	step = math.Max(minStep, math.Min(maxStep, maxStepAngle/rate))
	rmax = a * (1 + e) * 1.02
	return step, rate, rmax
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
