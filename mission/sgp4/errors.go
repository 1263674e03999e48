package sgp4

import (
	"errors"
	"fmt"
)

// The SGP4 error conditions, with the numeric codes of the reference
// implementation. Propagate wraps them in an *Error; test with errors.Is.
var (
	ErrEccentricity     = errors.New("mean eccentricity out of range") // code 1
	ErrMeanMotion       = errors.New("mean motion not positive")       // code 2
	ErrPerturbedEcc     = errors.New("perturbed eccentricity out of range")
	ErrSemiLatusRectum  = errors.New("semi-latus rectum negative") // code 4
	ErrDecayed          = errors.New("satellite has decayed")      // code 6
	ErrElementsRejected = errors.New("elements cannot be propagated")
)

var codes = map[error]int{
	ErrEccentricity:    1,
	ErrMeanMotion:      2,
	ErrPerturbedEcc:    3,
	ErrSemiLatusRectum: 4,
	ErrDecayed:         6,
}

// Error is a propagation failure at a given time.
type Error struct {
	Sat     int     // catalogue number
	Minutes float64 // minutes since epoch
	Err     error   // one of the Err* sentinels
}

func (e *Error) Error() string {
	return fmt.Sprintf("sgp4: satellite %d at %+.3f min from epoch: %v (code %d)", e.Sat, e.Minutes, e.Err, e.Code())
}

func (e *Error) Unwrap() error { return e.Err }

// Code returns the reference implementation's numeric error code.
func (e *Error) Code() int { return codes[e.Err] }
