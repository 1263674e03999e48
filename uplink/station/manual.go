package station

import (
	"context"
	"fmt"
	"math"
)

// Manual is an operator's hand on a station's radios.
type Manual struct {
	// Action: park (the rotator to its park position), stop (where it
	// is), point (to Az, El), resume (automatic tracking again), nudge
	// (the downlink by Hz for this pass) or offset (satellite Sat's
	// downlink offset, Hz, kept for its next passes too).
	Action string  `json:"action"`
	Az     float64 `json:"az,omitempty"`
	El     float64 `json:"el,omitempty"`
	Hz     float64 `json:"hz,omitempty"`
	Sat    int     `json:"sat,omitempty"`
	// Operator is who did it (the radio log records it).
	Operator string `json:"operator,omitempty"`
}

// Check reports what is wrong with m.
func (m Manual) Check() error {
	switch m.Action {
	case "park", "stop", "resume":
		return nil
	case "point":
		if !(m.Az >= -180 && m.Az <= 540) || !(m.El >= -10 && m.El <= 180) {
			return fmt.Errorf("point: az %g el %g: want az -180 to 540 and el -10 to 180 degrees", m.Az, m.El)
		}
		return nil
	case "nudge", "offset":
		if math.IsNaN(m.Hz) || math.Abs(m.Hz) > 25000 {
			return fmt.Errorf("%s: %g Hz: want at most 25 kHz either way", m.Action, m.Hz)
		}
		if m.Action == "offset" && m.Sat <= 0 {
			return fmt.Errorf("offset: give the satellite (NORAD number)")
		}
		return nil
	}
	return fmt.Errorf("radio: unknown action %q (park, stop, point, resume, nudge, offset)", m.Action)
}

// ManualRadio is a Radio an operator can take in hand.
type ManualRadio interface {
	Manual(ctx context.Context, m Manual) error
}
