package mission

import "errors"

// InputError marks an error caused by what the user gave (a malformed
// file, an unknown name, a bad flag value) rather than by the system. The
// command line exits with status 2 for it.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// BadInput wraps err as an *InputError (nil stays nil).
func BadInput(err error) error {
	if err == nil {
		return nil
	}
	var ie *InputError
	if errors.As(err, &ie) {
		return err
	}
	return &InputError{Err: err}
}

// IsBadInput reports whether err is, or wraps, an *InputError.
func IsBadInput(err error) bool {
	var ie *InputError
	return errors.As(err, &ie)
}
