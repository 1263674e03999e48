// Package mission describes what ipgs operates: ground stations, satellites
// and the mission file that lists them. Its sub-packages hold the orbit
// math (sgp4, geo) and element-set parsing (tle). Nothing here does I/O
// beyond reading the files it is asked to parse.
package mission

import (
	"fmt"
	"math"
	"sort"

	"github.com/ipgs/ipgs/mission/geo"
)

// Station is a ground station as pass prediction and scheduling see it.
type Station struct {
	Name         string
	Location     geo.Geodetic
	MinElevation float64     // degrees; the pass threshold where the mask is lower
	Mask         HorizonMask // terrain or obstruction elevation by azimuth; may be empty
}

// MaskPoint is one point of a horizon mask.
type MaskPoint struct {
	AzDeg, ElDeg float64
}

// HorizonMask is the elevation of the visible horizon as a function of
// azimuth, interpolated linearly between points sorted by azimuth and
// wrapping around north. An empty mask is a flat horizon at 0°.
type HorizonMask []MaskPoint

// NewHorizonMask validates and sorts points.
func NewHorizonMask(pts []MaskPoint) (HorizonMask, error) {
	m := append(HorizonMask(nil), pts...)
	for i, p := range m {
		if !(p.AzDeg >= 0 && p.AzDeg < 360) {
			return nil, fmt.Errorf("point %d: azimuth %g is outside [0, 360)", i+1, p.AzDeg)
		}
		if !(p.ElDeg >= -90 && p.ElDeg <= 90) {
			return nil, fmt.Errorf("point %d: elevation %g is outside [-90, 90]", i+1, p.ElDeg)
		}
	}
	sort.SliceStable(m, func(i, j int) bool { return m[i].AzDeg < m[j].AzDeg })
	for i := 1; i < len(m); i++ {
		if m[i].AzDeg == m[i-1].AzDeg {
			return nil, fmt.Errorf("azimuth %g appears twice", m[i].AzDeg)
		}
	}
	return m, nil
}

// At returns the mask elevation at azimuth az (degrees).
func (m HorizonMask) At(az float64) float64 {
	switch len(m) {
	case 0:
		return 0
	case 1:
		return m[0].ElDeg
	}
	az = math.Mod(az, 360)
	if az < 0 {
		az += 360
	}
	i := sort.Search(len(m), func(i int) bool { return m[i].AzDeg > az })
	var a, b MaskPoint
	if i == 0 || i == len(m) { // between the last point and the first, across north
		a, b = m[len(m)-1], m[0]
		b.AzDeg += 360
		if az < a.AzDeg {
			az += 360
		}
	} else {
		a, b = m[i-1], m[i]
	}
	if b.AzDeg == a.AzDeg {
		return a.ElDeg
	}
	return a.ElDeg + (b.ElDeg-a.ElDeg)*(az-a.AzDeg)/(b.AzDeg-a.AzDeg)
}

// Max returns the highest mask elevation.
func (m HorizonMask) Max() float64 {
	v := 0.0
	for i, p := range m {
		if i == 0 || p.ElDeg > v {
			v = p.ElDeg
		}
	}
	return v
}

// Threshold returns the elevation a satellite must exceed at azimuth az to
// be in contact: the higher of the station minimum and the mask.
func (s *Station) Threshold(az float64) float64 {
	if len(s.Mask) == 0 {
		return s.MinElevation
	}
	return max(s.MinElevation, s.Mask.At(az))
}

// LowestThreshold is the minimum of Threshold over all azimuths.
func (s *Station) LowestThreshold() float64 {
	if len(s.Mask) == 0 {
		return s.MinElevation
	}
	lo := math.Inf(1)
	for _, p := range s.Mask {
		lo = min(lo, p.ElDeg)
	}
	return max(s.MinElevation, lo)
}
