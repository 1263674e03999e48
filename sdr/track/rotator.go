package track

import (
	"errors"
	"fmt"
	"math"
)

// AzEl is a pointing in degrees.
type AzEl struct{ Az, El float64 }

// Limits of a rotator (hamlib.Limits has the same fields).
type Limits struct{ MinAz, MaxAz, MinEl, MaxEl float64 }

// Path is how a rotator follows a pass.
type Path struct {
	Points []AzEl // commands in rotator coordinates, one per track point
	Flip   bool   // elevation beyond 90°, azimuth turned by 180°
}

// ErrUnreachable means no path keeps the pass inside the limits.
var ErrUnreachable = errors.New("pass cannot be followed within the rotator limits")

// PlanPath maps a predicted track (azimuth 0..360, elevation) to rotator
// commands. Azimuth is unwrapped so the antenna never swings the long way
// round across north and the whole pass stays inside the azimuth range
// (an overwinding rotator, e.g. -180..450, takes 350 -> 370 straight on).
// For passes near zenith, where azimuth sweeps 180° in moments, a rotator
// with elevation up to 180° is used in flip mode: it faces where the pass
// sets, and points on the far side become (az+180, 180-el), which turns
// the fast azimuth sweep over the top into a steady elevation one.
func PlanPath(track []AzEl, l Limits) (Path, error) {
	if len(track) == 0 {
		return Path{}, errors.New("empty track")
	}
	maxEl, maxRate := 0.0, 0.0
	for i, p := range track {
		maxEl = math.Max(maxEl, p.El)
		if i > 0 {
			maxRate = math.Max(maxRate, math.Abs(math.Remainder(p.Az-track[i-1].Az, 360)))
		}
	}
	flipAllowed := l.MaxEl >= 180
	tryFlip := flipAllowed && maxEl > 75 && maxRate > 10
	for _, flip := range []bool{tryFlip, !tryFlip && flipAllowed} {
		if !flip && tryFlip {
			continue
		}
		pts := make([]AzEl, len(track))
		ref := track[len(track)-1].Az // flip mode faces where the pass sets
		for i, p := range track {
			pts[i] = p
			if flip && math.Abs(math.Remainder(p.Az-ref, 360)) > 90 {
				// on the far side: point over the top
				pts[i] = AzEl{math.Mod(p.Az+180, 360), 180 - p.El}
			}
		}
		if path, ok := unwrap(pts, l); ok {
			return Path{Points: path, Flip: flip}, nil
		}
	}
	if pts, ok := unwrap(track, l); ok {
		return Path{Points: pts}, nil
	}
	return Path{}, fmt.Errorf("%w (az %g..%g, el %g..%g)", ErrUnreachable, l.MinAz, l.MaxAz, l.MinEl, l.MaxEl)
}

// unwrap makes azimuth continuous and finds a shift by whole turns that
// keeps it inside the limits, preferring the start nearest zero.
func unwrap(track []AzEl, l Limits) ([]AzEl, bool) {
	out := make([]AzEl, len(track))
	out[0] = track[0]
	for i := 1; i < len(track); i++ {
		out[i] = AzEl{out[i-1].Az + math.Remainder(track[i].Az-track[i-1].Az, 360), track[i].El}
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, p := range out {
		lo, hi = math.Min(lo, p.Az), math.Max(hi, p.Az)
		if p.El < l.MinEl-1e-9 || p.El > l.MaxEl+1e-9 {
			return nil, false
		}
	}
	best, found := 0.0, false
	for k := -2.0; k <= 2; k++ {
		s := 360 * k
		if lo+s >= l.MinAz-1e-9 && hi+s <= l.MaxAz+1e-9 && (!found || math.Abs(out[0].Az+s) < math.Abs(out[0].Az+best)) {
			best, found = s, true
		}
	}
	if !found {
		return nil, false
	}
	for i := range out {
		out[i].Az += best
	}
	return out, true
}
