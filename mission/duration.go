package mission

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseDuration reads a window length: Go's form (90m, 1h30m) or a number
// with a day suffix (7d, 1.5d).
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if d, ok := strings.CutSuffix(s, "d"); ok {
		v, err := strconv.ParseFloat(d, 64)
		if err != nil || v != v || v > 3650 || v < -3650 {
			return 0, fmt.Errorf("duration %q: want a number of days such as 7d", s)
		}
		return time.Duration(v * float64(24*time.Hour)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("duration %q: want e.g. 7d, 36h or 90m", s)
	}
	return d, nil
}

// ParseTime reads an RFC 3339 instant; "now" is the current time.
func ParseTime(s string, now time.Time) (time.Time, error) {
	if strings.EqualFold(strings.TrimSpace(s), "now") || s == "" {
		return now.UTC(), nil
	}
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, fmt.Errorf("time %q: want RFC 3339, e.g. 2025-03-01T00:00:00Z", s)
	}
	return t.UTC(), nil
}
