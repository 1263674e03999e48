// Package tle parses mean element sets: NORAD two- and three-line element
// sets and CCSDS Orbit Mean-elements Messages (OMM) in the JSON and XML
// shapes CelesTrak serves. It does no I/O beyond reading what it is given.
package tle

import (
	"fmt"
	"time"
)

// Elements is one mean element set, in the units the formats use.
type Elements struct {
	Name           string    // from the title line or OBJECT_NAME; may be empty
	CatalogNumber  int       // NORAD catalogue number (OMM allows more than 5 digits)
	Classification byte      // 'U', 'C' or 'S'
	IntlDesignator string    // e.g. "98067A" (TLE) or "1998-067A" (OMM)
	Epoch          time.Time // UTC, exact to the nanosecond
	MeanMotionDot  float64   // first derivative of mean motion / 2, rev/day²
	MeanMotionDDot float64   // second derivative of mean motion / 6, rev/day³
	BStar          float64   // drag term, 1/earth radii
	EphemerisType  int
	ElementSetNo   int
	Inclination    float64 // degrees
	RAAN           float64 // right ascension of the ascending node, degrees
	Eccentricity   float64
	ArgPerigee     float64 // degrees
	MeanAnomaly    float64 // degrees
	MeanMotion     float64 // revolutions per day
	RevNumber      int     // revolution number at epoch

	// Covariance is an OMM's position-velocity covariance, when it has
	// one (CCSDS 502.0-B-3 4.2.4): kept for whoever needs the orbit's
	// uncertainty; SGP4 does not use it.
	Covariance *Covariance

	// Warnings are problems tolerated while parsing (a bad checksum with
	// AllowBadChecksum); each names where it was found.
	Warnings []string
}

// Covariance is the lower triangle of a 6x6 position-velocity covariance
// in km², km²/s and km²/s², row by row: CX_X; CY_X CY_Y; CZ_X CZ_Y CZ_Z;
// CX_DOT_X ... CX_DOT_X_DOT; ... CZ_DOT_Z_DOT (21 values), in Frame.
type Covariance struct {
	Frame string // COV_REF_FRAME (the OMM's own frame when empty)
	Lower [21]float64
}

// CovarianceKeys are the OMM keywords of the 21 values, in Lower's order.
var CovarianceKeys = covarianceKeys()

func covarianceKeys() [21]string {
	axes := []string{"X", "Y", "Z", "X_DOT", "Y_DOT", "Z_DOT"}
	var k [21]string
	n := 0
	for i, a := range axes {
		for _, b := range axes[:i+1] {
			k[n] = "C" + a + "_" + b
			n++
		}
	}
	return k
}

// At is the covariance's element (i, j), 0..5 each: x y z ẋ ẏ ż.
func (c *Covariance) At(i, j int) float64 {
	if j > i {
		i, j = j, i
	}
	return c.Lower[i*(i+1)/2+j]
}

// Label is how the satellite is named to people: "NAME (NORAD)" or the
// number alone.
func (e *Elements) Label() string {
	if e.Name == "" {
		return fmt.Sprint(e.CatalogNumber)
	}
	return fmt.Sprintf("%s (%d)", e.Name, e.CatalogNumber)
}

// Age returns how old the element set is at t.
func (e *Elements) Age(t time.Time) time.Duration { return t.Sub(e.Epoch) }

// Check reports elements that SGP4 cannot represent or that are physically
// impossible for an Earth orbiter.
func (e *Elements) Check() error {
	switch {
	case !(e.MeanMotion > 0) || e.MeanMotion > 20:
		return fmt.Errorf("mean motion %g rev/day is outside (0, 20]", e.MeanMotion)
	case !(e.Eccentricity >= 0 && e.Eccentricity < 1):
		return fmt.Errorf("eccentricity %g is outside [0, 1)", e.Eccentricity)
	case !(e.Inclination >= 0 && e.Inclination <= 180):
		return fmt.Errorf("inclination %g° is outside [0, 180]", e.Inclination)
	case e.CatalogNumber < 0:
		return fmt.Errorf("catalogue number %d is negative", e.CatalogNumber)
	}
	for _, a := range []struct {
		name string
		v    float64
	}{{"RAAN", e.RAAN}, {"argument of perigee", e.ArgPerigee}, {"mean anomaly", e.MeanAnomaly}} {
		if !(a.v >= -360 && a.v <= 720) {
			return fmt.Errorf("%s %g° is not an angle", a.name, a.v)
		}
	}
	return nil
}

// ParseError says what was wrong with an element set and where.
type ParseError struct {
	Source string // file name or URL; may be empty
	Line   int    // 1-based line in Source (0 when unknown)
	Col    int    // 1-based first column of the field (0 when unknown)
	Field  string // field name, e.g. "epoch" or "MEAN_MOTION"
	Sat    string // satellite the line belongs to, when known
	Msg    string
}

func (e *ParseError) Error() string {
	s := e.Source
	if s == "" {
		s = "tle"
	}
	if e.Line > 0 {
		s += fmt.Sprintf(":%d", e.Line)
		if e.Col > 0 {
			s += fmt.Sprintf(":%d", e.Col)
		}
	}
	if e.Sat != "" {
		s += " (satellite " + e.Sat + ")"
	}
	if e.Field != "" {
		s += ": " + e.Field
	}
	return s + ": " + e.Msg
}
