package main

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/mission/sgp4"
	"github.com/ipgs/ipgs/mission/tle"
	"github.com/ipgs/ipgs/scheduler/clock"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// flagRanges are the values every numeric flag takes, by name: a name
// means the same in every command that has it. Like the mission file,
// a flag refuses NaN, ±Inf and anything outside its range, at once and
// naming itself (exit status 2), before the command does anything.
var flagRanges = map[string][2]float64{
	"speed":                {1e-3, clock.MaxFactor}, // virtual seconds per wall second
	"loss":                 {0, 1},                  // a probability
	"min-el":               {-5, 90},                // degrees, as the mission's min_elevation
	"stale-days":           {1e-3, 3650},
	"freq":                 {0, 3e11}, // Hz (0: the satellite's)
	"baud":                 {0, 1e6},
	"repair":               {0, 2},
	"gain":                 {0, 60},       // dB (0: automatic)
	"ppm":                  {-1000, 1000}, // a dongle's correction
	"offset":               {-1e8, 1e8},   // Hz from the recording's centre
	"snr":                  {-50, 100},    // dB
	"seed":                 {0, math.MaxUint64},
	"workers":              {0, 4096},
	"min-contact":          {0, 86400},
	"max-stations-per-sat": {1, 1000},
	"slew":                 {0.01, 1000}, // deg/s
	"settle":               {0, 3600},    // s
	"base-port":            {0, 65535},
	"last":                 {0, 1e9},
	"runs":                 {1, 1000},
	"points":               {1, 1e8},
	"rounds":               {1, 1000},
	"frames":               {1, 1e6},
	"sat":                  {0, 1e9},
	"frame-length":         {1, 2048}, // bytes: the longest TM transfer frame
	"interleave":           {1, 8},    // Reed-Solomon depth
	"rate":                 {0, 1e11}, // raw IQ: samples a second
	"channel":              {-1, 16},  // an audio file's channel; -1 their mean
	"replicas":             {1, 5},    // a stream's copies (JetStream's most)
}

// isNumeric reports whether f holds a number.
func isNumeric(f *pflag.Flag) bool {
	switch f.Value.Type() {
	case "float64", "float32", "int", "int64", "int32", "uint", "uint64", "uint32":
		return true
	}
	return false
}

// checkFlags refuses a numeric flag given outside its range.
func checkFlags(c *cobra.Command, _ []string) error {
	if f := c.Flags().Lookup("start"); f != nil {
		if t, err := mission.ParseTime(f.Value.String(), time.Now()); err == nil {
			ctx := c.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			c.SetContext(context.WithValue(ctx, startKey{}, t))
		}
	}
	var err error
	c.Flags().VisitAll(func(f *pflag.Flag) {
		if err != nil || !f.Changed || !isNumeric(f) {
			return
		}
		r, ok := flagRanges[f.Name]
		if !ok {
			return // TestNumericFlags makes sure every one has a range
		}
		v, perr := strconv.ParseFloat(f.Value.String(), 64)
		if perr != nil || !(v >= r[0] && v <= r[1]) {
			err = usage(fmt.Errorf("--%s %s: want a number from %g to %g", f.Name, f.Value.String(), r[0], r[1]))
		}
	})
	return err
}

// startKey is the context key of the run's --start.
type startKey struct{}

// runStart is the run's --start, or now when the command has none.
func runStart(ctx context.Context) time.Time {
	if t, ok := ctx.Value(startKey{}).(time.Time); ok {
		return t
	}
	return time.Now()
}

// freshElements re-epochs a synthetic constellation's element sets to
// the start of the run's first day (catalog.synthetic), as a catalogue
// publishing fresh sets would; real element sets are returned as they
// are.
func freshElements(ctx context.Context, m *mission.Mission, els []*tle.Elements) []*tle.Elements {
	if m == nil || !m.Catalog.Synthetic {
		return els
	}
	day := runStart(ctx).UTC().Truncate(24 * time.Hour)
	out := make([]*tle.Elements, len(els))
	for i, e := range els {
		out[i] = e
		if n, err := sgp4.Reepoch(e, day); err == nil {
			out[i] = n
		}
	}
	return out
}
