package passes

import (
	"errors"
	"math"
	"time"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/mission/geo"
	"github.com/ipgs/ipgs/mission/sgp4"
)

// gridPoint is a search sample's position, shared by the stations.
type gridPoint struct {
	r, unit  geo.Vec
	normal   geo.Vec // orbit normal at the node before (Earth-fixed axes)
	normalAt float64 // that node's offset, s
	ok       bool
	gen      uint32 // the track it belongs to
}

// stationState is the per-station walk over the grid.
type stationState struct {
	prevK  int     // index of the last evaluated sample (-1: none)
	prevF  float64 // f at prevK
	prev2F float64 // f at prevK-1 (-Inf when not evaluated)
	in     bool    // inside a pass
	aos    float64 // s from start
	clip   bool    // the current pass began at the window start
	bestK  int     // sample of highest elevation in the current pass
	bestEl float64
}

// search finds the passes of one satellite over all stations in
// [0, window] seconds from start, emitting them sorted by station and AOS.
// On a propagation failure (decay) it emits the passes before it (a pass in
// progress is cut there) and returns the error.
func search(p *sgp4.Propagator, satIndex int, sts []station, start time.Time, window float64, sc *scratch, emit func(Pass)) error {
	if sc == nil {
		sc = new(scratch)
	}
	step, nodeStep, rate, rmax := stepAndRate(p)
	tr := newTrack(p, start, window, nodeStep, sc)
	n := int(math.Ceil(window / step)) // samples 0..n; sample n is the window end
	if float64(n-1)*step >= window {
		n--
	}
	if n < 1 {
		n = 1
	}
	at := func(k int) float64 {
		if k <= 0 {
			return 0
		}
		if k >= n {
			return window
		}
		return float64(k) * step
	}
	sc.lambda = grow(sc.lambda, len(sts))
	lambda := sc.lambda[:len(sts)]
	for i := range sts {
		lambda[i] = coneHalfAngle(sts[i].radius, rmax, sts[i].lowEl)
	}
	// Each station evaluates the samples within watchSteps steps of
	// motion of its cone. A skip lands no nearer than that, so the first
	// sample evaluated is still outside the cone (f below the grazing
	// margin) and every sample inside it has evaluated neighbours for the
	// crossing and local-maximum tests; that needs at least one step.
	// (Three steps were watched before: 125 million samples evaluated for
	// 3.8 million passes at scale, against 70 million now.)
	const watchSteps = 1.0
	// planeRate bounds how fast a station's angle from the orbit plane
	// changes (Earth's rotation, plus nodal precession up to 5e-6 rad/s,
	// ~25°/day); planeMargin covers the periodic wobble of the osculating
	// plane (J2's short-period terms, ~1e-3 rad) twenty times over.
	const planeRate, planeMargin = earthRate + 5e-6, 0.02
	watch := watchSteps * rate * step
	sc.cosWatch = grow(sc.cosWatch, len(sts))
	cosWatch := sc.cosWatch[:len(sts)] // cos of the watched cone's half-angle
	for i := range sts {
		cosWatch[i] = math.Cos(math.Min(math.Pi, lambda[i]+watch))
	}

	sc.found = grow(sc.found, len(sts))
	found := sc.found[:len(sts)] // per station, in AOS order
	for i := range found {
		found[i] = found[i][:0]
	}

	f := func(st *station, r geo.Vec) float64 {
		if st.flat {
			rho := r.Sub(st.topo.Pos)
			return rho.Dot(st.topo.Up)/rho.Norm() - st.sinMin
		}
		el, az := st.topo.ElevationAzimuth(r)
		return el - st.Threshold(az)
	}
	fAt := func(st *station) func(float64) float64 {
		return func(s float64) float64 {
			r, ok := tr.at(s)
			if !ok {
				return math.NaN()
			}
			return f(st, r)
		}
	}
	// cross has the sign of f and the same zeros, for AOS and LOS: for a
	// flat station (ρ·U)|ρ·U| − sin(min)|sin(min)|·ρ·ρ, which needs no
	// square root or division (f at the roots was a tenth of the search).
	cross := func(st *station, r geo.Vec) float64 {
		if st.flat {
			rho := r.Sub(st.topo.Pos)
			a := rho.Dot(st.topo.Up)
			return a*math.Abs(a) - st.sinMin2*rho.Dot(rho)
		}
		return f(st, r)
	}
	crossAt := func(st *station) func(float64) float64 {
		return func(s float64) float64 {
			r, ok := tr.at(s)
			if !ok {
				return math.NaN()
			}
			return cross(st, r)
		}
	}
	// peakAt is what TCA maximises: elevation, or for a flat station f,
	// which orders times as elevation does without an arcsine.
	peakAt := func(st *station) func(float64) float64 {
		if st.flat {
			g := fAt(st)
			return func(s float64) float64 {
				if v := g(s); !math.IsNaN(v) {
					return v
				}
				return math.Inf(-1)
			}
		}
		return func(s float64) float64 {
			r, ok := tr.at(s)
			if !ok {
				return math.Inf(-1)
			}
			return st.topo.Elevation(r)
		}
	}

	// finish refines TCA in [lo, hi] ∩ [aos, los] and records the pass.
	finish := func(si int, aos, los float64, aosClip, losClip bool, lo, hi float64) {
		st := &sts[si]
		ps := Pass{Sat: p.CatalogNumber(), SatIndex: satIndex, Station: si, AOSClipped: aosClip, LOSClipped: losClip}
		tca, _ := maximize(peakAt(st), max(lo, aos), min(hi, los))
		// Near a tangent crossing the interpolant's error is amplified:
		// polish grazing passes on exact SGP4.
		rTCA, okTCA := tr.at(tca)
		if okTCA {
			ps.MaxElDeg, ps.TCAAzDeg = st.topo.ElevationAzimuth(rTCA)
		}
		grazing := okTCA && ps.MaxElDeg-st.Threshold(ps.TCAAzDeg) < grazePolishDeg
		if grazing {
			exact := func(s float64) float64 {
				r, err := tr.exact(s)
				if err != nil {
					return math.NaN()
				}
				return f(st, r)
			}
			if ft := exact(tca); ft >= 0 {
				if !aosClip {
					a := math.Max(0, aos-1)
					if fa := exact(a); fa < 0 {
						aos = root(exact, a, tca, fa, ft)
					}
				}
				if !losClip {
					b := math.Min(window, los+1)
					if fb := exact(b); fb < 0 {
						los = root(exact, tca, b, ft, fb)
					}
				}
			}
		}
		ps.AOS, ps.TCA, ps.LOS = tr.time(aos), tr.time(tca), tr.time(los)
		if r, ok := tr.at(aos); ok {
			ps.AOSAzDeg = st.topo.Azimuth(r)
		}
		if r, ok := tr.at(los); ok {
			ps.LOSAzDeg = st.topo.Azimuth(r)
		}
		found[si] = append(found[si], ps)
	}

	// The grid positions, shared by the stations: each station walks the
	// grid on its own, skipping what is far outside its cone.
	sc.grid = grow(sc.grid, n+1)
	grid := sc.grid[:n+1]
	sample := func(k int) *gridPoint {
		g := &grid[k]
		if g.gen != tr.gen {
			g.r, g.ok = tr.at(at(k))
			g.unit = g.r.Scale(1 / g.r.Norm())
			var okN bool
			g.normal, g.normalAt, okN = tr.normalAt(at(k))
			g.ok = g.ok && okN
			g.gen = tr.gen
		}
		return g
	}
	perSample := 1 / (rate * step) // samples per radian of central angle, at least
	failAt := n + 1                // first sample that could not be computed
	state := make([]stationState, len(sts))
	for si := range sts {
		st := &sts[si]
		ss := stationState{prevK: -1, prev2F: math.Inf(-1)}
		for k := 0; k <= n && k < failAt; {
			g := sample(k)
			if !g.ok {
				failAt = k
				break
			}
			r := g.r
			if c := g.unit.Dot(st.unit); c < cosWatch[si] && !ss.in {
				// far outside: skip the samples the satellite cannot
				// cross the cone's edge in. The central angle θ is at
				// least 2·(h + h³/6 + 3h⁵/40), h = sin(θ/2) = √((1−c)/2),
				// the arcsine's series being all positive: a safe bound
				// with no arccosine (which was a fifth of the search).
				h := math.Sqrt((1 - c) / 2)
				h2 := h * h
				theta := 2 * h * (1 + h2*(1.0/6+h2*(3.0/40)))
				skip := max(1, int((theta-lambda[si])*perSample-watchSteps))
				// The satellite stays in its orbit plane, so θ is at
				// least the station's angle β from that plane, which
				// Earth's rotation (and the plane's slow precession)
				// changes by at most planeRate: while β exceeds the cone
				// no pass is possible, often for an orbit or more.
				// |ŝ·ĥ| = sin β ≤ β.
				if pg := math.Abs(g.normal.Dot(st.unit)) - lambda[si] - planeMargin; pg > 0 {
					skip = max(skip, int((g.normalAt+pg/planeRate-at(k))/step)-1)
				}
				k += skip
				ss.prevK, ss.prev2F = -1, math.Inf(-1)
				continue
			}
			t := at(k)
			fk := f(st, r)
			if k == 0 && fk >= 0 {
				ss.in, ss.aos, ss.clip = true, 0, true
				ss.bestK, ss.bestEl = 0, math.Inf(-1)
			}
			if ss.prevK == k-1 && k > 0 {
				t0 := at(k - 1)
				g := fAt(st)
				switch {
				case ss.prevF < 0 && fk >= 0 && !ss.in:
					ss.in, ss.clip = true, false
					ss.aos = root(crossAt(st), t0, t, cross(st, grid[k-1].r), cross(st, r))
					ss.bestK, ss.bestEl = k, math.Inf(-1)
				case ss.prevF >= 0 && fk < 0 && ss.in:
					los := root(crossAt(st), t0, t, cross(st, grid[k-1].r), cross(st, r))
					finish(si, ss.aos, los, ss.clip, false, at(ss.bestK-1), at(ss.bestK+1))
					ss.in = false
				case !ss.in && ss.prevF < 0 && ss.prevF > st.grazeF && ss.prevF >= ss.prev2F && ss.prevF > fk:
					// a local maximum just below the threshold: a pass
					// shorter than a step may hide around it
					lo := at(k - 2)
					tm, fm := maximize(g, lo, t)
					if fm >= 0 {
						aos := root(g, lo, tm, g(lo), fm)
						los := root(g, tm, t, fm, fk)
						if los > aos {
							finish(si, aos, los, false, false, aos, los)
						}
					}
				}
			}
			if ss.in {
				// for flat stations f orders samples as elevation does
				el := fk
				if !st.flat {
					el = st.topo.Elevation(r)
				}
				if el > ss.bestEl {
					ss.bestK, ss.bestEl = k, el
				}
			}
			ss.prev2F = ss.prevF
			if ss.prevK != k-1 {
				ss.prev2F = math.Inf(-1)
			}
			ss.prevK, ss.prevF = k, fk
			if k == n && ss.in {
				finish(si, ss.aos, window, ss.clip, true, at(ss.bestK-1), at(ss.bestK+1))
				ss.in = false
			}
			k++
		}
		state[si] = ss
	}
	failure := tr.err
	if failure != nil {
		// passes in progress end where the orbit stopped being computable
		end := math.Min(window, tr.errAt)
		var se *sgp4.Error
		if errors.As(failure, &se) {
			end = math.Min(end, (se.Minutes-tr.base)*60)
		}
		for si := range state {
			ss := &state[si]
			if ss.in && end > ss.aos {
				finish(si, ss.aos, end, ss.clip, true, ss.aos, end)
			}
		}
	}
	for _, ps := range found {
		for _, p := range ps {
			emit(p)
		}
	}
	return failure
}

// root finds s in [a, b] with g(s) = 0, given g(a) = fa and g(b) = fb of
// opposite signs (Brent's method).
func root(g func(float64) float64, a, b, fa, fb float64) float64 {
	if fa == 0 {
		return a
	}
	if fb == 0 {
		return b
	}
	if (fa > 0) == (fb > 0) || math.IsNaN(fa) || math.IsNaN(fb) {
		return (a + b) / 2
	}
	c, fc := a, fa
	d := b - a
	e := d
	for range 100 {
		if (fb > 0) == (fc > 0) {
			c, fc = a, fa
			d = b - a
			e = d
		}
		if math.Abs(fc) < math.Abs(fb) {
			a, b, c = b, c, b
			fa, fb, fc = fb, fc, fb
		}
		tol := rootTol / 2
		m := (c - b) / 2
		if math.Abs(m) <= tol || fb == 0 {
			return b
		}
		if math.Abs(e) >= tol && math.Abs(fa) > math.Abs(fb) {
			s := fb / fa
			var p, q float64
			if a == c {
				p = 2 * m * s
				q = 1 - s
			} else {
				q0 := fa / fc
				r := fb / fc
				p = s * (2*m*q0*(q0-r) - (b-a)*(r-1))
				q = (q0 - 1) * (r - 1) * (s - 1)
			}
			if p > 0 {
				q = -q
			} else {
				p = -p
			}
			if 2*p < math.Min(3*m*q-math.Abs(tol*q), math.Abs(e*q)) {
				e = d
				d = p / q
			} else {
				d = m
				e = d
			}
		} else {
			d = m
			e = d
		}
		a, fa = b, fb
		if math.Abs(d) > tol {
			b += d
		} else if m > 0 {
			b += tol
		} else {
			b -= tol
		}
		fb = g(b)
		if math.IsNaN(fb) {
			return a
		}
	}
	return b
}

// maximize finds the maximum of g on [a, b] (Brent's parabolic
// interpolation with golden-section fallback). step hints the scale.
func maximize(g func(float64) float64, a, b float64) (float64, float64) {
	if b <= a {
		return a, g(a)
	}
	const cgold = 0.3819660112501051
	x := a + cgold*(b-a)
	w, v := x, x
	fx := -g(x)
	fw, fv := fx, fx
	var d, e float64
	for range 100 {
		xm := (a + b) / 2
		tol1 := maxTol/2 + 1e-12*math.Abs(x)
		tol2 := 2 * tol1
		if math.Abs(x-xm) <= tol2-(b-a)/2 {
			break
		}
		useGolden := true
		if math.Abs(e) > tol1 {
			r := (x - w) * (fx - fv)
			q := (x - v) * (fx - fw)
			p := (x-v)*q - (x-w)*r
			q = 2 * (q - r)
			if q > 0 {
				p = -p
			}
			q = math.Abs(q)
			if math.Abs(p) < math.Abs(q*e/2) && p > q*(a-x) && p < q*(b-x) {
				e = d
				d = p / q
				u := x + d
				if u-a < tol2 || b-u < tol2 {
					d = math.Copysign(tol1, xm-x)
				}
				useGolden = false
			}
		}
		if useGolden {
			if x >= xm {
				e = a - x
			} else {
				e = b - x
			}
			d = cgold * e
		}
		u := x + d
		if math.Abs(d) < tol1 {
			u = x + math.Copysign(tol1, d)
		}
		fu := -g(u)
		if math.IsNaN(fu) {
			fu = math.Inf(1)
		}
		if fu <= fx {
			if u >= x {
				a = x
			} else {
				b = x
			}
			v, fv = w, fw
			w, fw = x, fx
			x, fx = u, fu
		} else {
			if u < x {
				a = u
			} else {
				b = u
			}
			if fu <= fw || w == x {
				v, fv = w, fw
				w, fw = u, fu
			} else if fu <= fv || v == x || v == w {
				v, fv = u, fu
			}
		}
	}
	// the maximum may sit on an end of the interval (clipped passes)
	for _, s := range []float64{a, b} {
		if fs := -g(s); fs < fx {
			x, fx = s, fs
		}
	}
	return x, -fx
}

// Find returns the passes of every satellite over every station in
// [start, start+window], sorted by satellite (list order), station (list
// order) and AOS. errs has one entry per satellite that could not be
// followed over the whole window (decay): its passes before that are kept.
func Find(props []*sgp4.Propagator, stations []mission.Station, start time.Time, window time.Duration) (passes []Pass, errs []error) {
	sts := prepareStations(stations)
	sc := new(scratch)
	for i, p := range props {
		if err := search(p, i, sts, start, window.Seconds(), sc, func(ps Pass) { passes = append(passes, ps) }); err != nil {
			errs = append(errs, err)
		}
	}
	return passes, errs
}
