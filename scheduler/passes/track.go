package passes

import (
	"math"
	"time"

	"github.com/ipgs/ipgs/mission/geo"
	"github.com/ipgs/ipgs/mission/sgp4"
)

// satTrack holds one satellite's Earth-fixed positions on a uniform time
// grid (node k at k·step seconds from the window start), computed lazily,
// and interpolates between them with the Lagrange polynomial through the
// lagrangeN nodes around the time asked for. Its error is about
// (ω·h)^N/N! · r · Π|u−m| for a track turning at ω rad/s on nodes h
// seconds apart; TestTrackAccuracy holds it to 15 m (a pass needs ~100 m
// for 0.01 s of AOS), while SGP4 is evaluated only every nodeAngle/ω
// seconds: half as often as with the six-point grid this replaced, whose
// propagations were 47 % of the search's CPU.
//
// (Hermite interpolation on SGP4's velocities was tried: those velocities
// are not the derivative of its positions to better than ~1e-4 km/s, which
// left tens of metres of error.)
type satTrack struct {
	prop  *sgp4.Propagator
	start time.Time
	base  float64    // minutes from epoch to start
	step  float64    // s between nodes
	th0   float64    // GMST at start, rad
	thDot float64    // GMST rate, rad/s
	nodes []node     // valid where gen matches
	polys []interval // polys[i] is the interval from grid index i-nodeOffset
	gen   uint32
	err   error // first propagation failure
	errAt float64
}

// node is one propagated grid point, Earth-fixed.
type node struct {
	r      geo.Vec
	normal geo.Vec // unit normal of the osculating orbit plane
	gen    uint32  // the track it belongs to
}

const nodeOffset = lagrangeN / 2 // nodes[i] is grid index i-nodeOffset

// newTrack starts a track in sc's buffers (nil: new ones), which it
// marks as its own by a generation number instead of clearing them: the
// clearing and the garbage were a tenth of the search at 10,000 satellites.
func newTrack(p *sgp4.Propagator, start time.Time, window, step float64, sc *scratch) *satTrack {
	if sc == nil {
		sc = new(scratch)
	}
	th, rate := geo.GMST(start)
	n := int(math.Ceil(window/step)) + 2*nodeOffset + 2
	sc.nodes = grow(sc.nodes, n)
	sc.polys = grow(sc.polys, n)
	return &satTrack{prop: p, start: start, base: p.MinutesSince(start), step: step,
		th0: th, thDot: rate, nodes: sc.nodes[:n], polys: sc.polys[:n], gen: sc.next()}
}

// exact propagates to offset s seconds and rotates to Earth-fixed. GMST is
// taken as linear over the window: its quadratic term moves it by ~1e-13
// rad in a week.
func (tr *satTrack) exact(s float64) (geo.Vec, error) {
	r, _, err := tr.exactNormal(s, false)
	return r, err
}

// exactNormal is exact with, when asked, the orbit's unit normal (r × v)
// in the same Earth-fixed axes.
func (tr *satTrack) exactNormal(s float64, normal bool) (r, h geo.Vec, err error) {
	ri, vi, err := tr.prop.Propagate(tr.base + s/60)
	if err != nil {
		return geo.Vec{}, geo.Vec{}, err
	}
	sn, cs := math.Sincos(tr.th0 + tr.thDot*s)
	rot := func(v geo.Vec) geo.Vec { return geo.Vec{X: cs*v.X + sn*v.Y, Y: -sn*v.X + cs*v.Y, Z: v.Z} }
	if normal {
		h = rot(ri.Cross(vi).Unit())
	}
	return rot(ri), h, nil
}

// node returns grid node k.
func (tr *satTrack) node(k int) (node, bool) {
	i := k + nodeOffset
	if i >= 0 && i < len(tr.nodes) && tr.nodes[i].gen == tr.gen {
		return tr.nodes[i], true
	}
	s := float64(k) * tr.step
	r, h, err := tr.exactNormal(s, true)
	if err != nil {
		tr.fail(err, s)
		return node{}, false
	}
	nd := node{r: r, normal: h, gen: tr.gen}
	if i >= 0 && i < len(tr.nodes) {
		tr.nodes[i] = nd
	}
	return nd, true
}

// normalAt returns the orbit normal at the last node at or before offset
// s, and that node's offset.
func (tr *satTrack) normalAt(s float64) (geo.Vec, float64, bool) {
	k := int(math.Floor(s / tr.step))
	nd, ok := tr.node(k)
	return nd.normal, float64(k) * tr.step, ok
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
		nd, ok := tr.node(k)
		return nd.r, ok
	}
	if u == 0.5 {
		// the search grid's samples fall here: fixed weights, no
		// polynomial (most intervals are never looked at more closely)
		var out geo.Vec
		for j := range lagrangeN {
			nd, ok := tr.node(k + j - lagrangeN/2 + 1)
			if !ok {
				r, err := tr.exact(s)
				return r, err == nil
			}
			w := midWeights[j]
			out.X += w * nd.r.X
			out.Y += w * nd.r.Y
			out.Z += w * nd.r.Z
		}
		return out, true
	}
	c, ok := tr.poly(k)
	if !ok {
		r, err := tr.exact(s) // near a decay: no neighbours to lean on
		return r, err == nil
	}
	var out geo.Vec
	for d := lagrangeN - 1; d >= 0; d-- {
		out.X = out.X*u + c[0][d]
		out.Y = out.Y*u + c[1][d]
		out.Z = out.Z*u + c[2][d]
	}
	return out, true
}

// poly returns the interpolant on [k, k+1) in powers of u, computed once
// per interval: root finding and maximisation evaluate the track dozens of
// times in an interval, and Horner's rule on cached coefficients costs a
// fifth of forming the Lagrange weights each time.
func (tr *satTrack) poly(k int) (*[3][lagrangeN]float64, bool) {
	i := k + nodeOffset
	cached := i >= 0 && i < len(tr.polys)
	if cached && tr.polys[i].gen == tr.gen {
		return &tr.polys[i].c, true
	}
	var iv *interval
	if cached {
		iv = &tr.polys[i]
	} else {
		iv = new(interval) // outside the window: rare
	}
	c := &iv.c
	*c = [3][lagrangeN]float64{}
	for j := range lagrangeN {
		nd, ok := tr.node(k + j - lagrangeN/2 + 1)
		if !ok {
			iv.gen = 0
			return nil, false
		}
		b := &lagrangeBasis[j]
		for d := range lagrangeN {
			c[0][d] += b[d] * nd.r.X
			c[1][d] += b[d] * nd.r.Y
			c[2][d] += b[d] * nd.r.Z
		}
	}
	iv.gen = tr.gen
	return c, true
}

// interval is the cached interpolant of one node interval.
type interval struct {
	c   [3][lagrangeN]float64 // X, Y, Z coefficients of u^0 .. u^(N-1)
	gen uint32
}

// midWeights are the Lagrange weights at u = 0.5.
var midWeights = func() (w [lagrangeN]float64) {
	for j := range w {
		v, p := 0.0, 1.0
		for d := range lagrangeN {
			v += lagrangeBasis[j][d] * p
			p *= 0.5
		}
		w[j] = v
	}
	return w
}()

// lagrangeN is the number of nodes an interpolation uses (even).
const lagrangeN = 8

// lagrangeBasis[j] holds the coefficients (u^0 first) of the Lagrange
// basis polynomial of node j, the nodes sitting at u = j − N/2 + 1:
// L_j(u) = Π_{m≠j}(u − x_m) / Π_{m≠j}(x_j − x_m).
var lagrangeBasis = func() (b [lagrangeN][lagrangeN]float64) {
	for j := range b {
		xj := float64(j - lagrangeN/2 + 1)
		poly := []float64{1}
		den := 1.0
		for m := range lagrangeN {
			if m == j {
				continue
			}
			xm := float64(m - lagrangeN/2 + 1)
			den *= xj - xm
			next := make([]float64, len(poly)+1) // poly · (u − xm)
			for d, v := range poly {
				next[d+1] += v
				next[d] -= xm * v
			}
			poly = next
		}
		for d := range b[j] {
			b[j][d] = poly[d] / den
		}
	}
	return b
}()

func (tr *satTrack) time(s float64) time.Time {
	return tr.start.Add(time.Duration(math.Round(s * 1e9)))
}
