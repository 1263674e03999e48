package station

import (
	"fmt"
	"strings"
	"time"
)

// Silent says why the contact c may have heard nothing, from what the
// engine can check: the TNC link, when a receiver last passed on a frame,
// frames heard between contacts (the satellite heard when none was
// planned: the station's clock or the plan is off), and the last packet's
// onboard time against the station's clock. It resets the count of
// frames heard between contacts.
func (e *Engine) Silent(c Contact) string {
	e.mu.Lock()
	connected, heardAt, between, offset, offsetSeen := e.conn != nil, e.heardAt, e.between, e.offset, e.offsetSeen
	e.between = 0
	e.mu.Unlock()
	causes := []string{}
	switch {
	case !connected && !e.o.TNCTransmitOnly:
		causes = append(causes, "the TNC is not connected")
	case heardAt.IsZero():
		causes = append(causes, "no receiver has passed on a single frame since the station started (TNC silent, rig not tuned to the downlink, antenna?)")
	default:
		causes = append(causes, fmt.Sprintf("a receiver last passed on a frame at %s", heardAt.UTC().Format(time.RFC3339)))
	}
	if between > 0 {
		causes = append(causes, fmt.Sprintf("%d frames were heard between contacts: the station's clock or the plan may be off", between))
	}
	if offsetSeen && (offset > 5*time.Minute || offset < -5*time.Minute) {
		causes = append(causes, fmt.Sprintf("the last packet's onboard time was %s from the station's clock: check both clocks", offset.Round(time.Second)))
	}
	return fmt.Sprintf("heard nothing in the contact with %s %s–%s: %s", c.Name, c.Start.UTC().Format("15:04:05"), c.End.UTC().Format("15:04:05"), strings.Join(causes, "; "))
}
