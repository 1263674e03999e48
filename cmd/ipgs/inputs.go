package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/mission/tle"
	"github.com/ipgs/ipgs/scheduler/catalog"
)

// inputFlags are the flags passes and schedule share.
type inputFlags struct {
	tle, stations string
	minEl         float64
	allowBad      bool
	staleDays     float64
	stationNames  []string
}

// inputs are satellites and stations, loaded from a TLE/OMM file and a
// stations CSV, or from a mission file and its catalogue.
type inputs struct {
	elems      []*tle.Elements
	perrs      []error // element sets rejected (printed already)
	stations   []mission.Station
	mission    *mission.Mission
	staleAfter time.Duration
}

func addInputFlags(c *cobra.Command, f *inputFlags) {
	fl := c.Flags()
	fl.StringVar(&f.tle, "tle", "", "TLE (2- or 3-line) or OMM (JSON/XML) file; default: the mission file's catalogue")
	fl.StringVar(&f.stations, "stations", "", "stations: CSV name,lat,lon,alt_m or a mission file (.yaml)")
	fl.Float64Var(&f.minEl, "min-el", 10, "minimum elevation, degrees (overrides the mission file when given)")
	fl.BoolVar(&f.allowBad, "allow-bad-checksum", false, "accept TLE lines whose checksum is wrong (with a warning)")
	fl.Float64Var(&f.staleDays, "stale-days", 3, "mark element sets older than this many days at the window start")
	fl.StringSliceVar(&f.stationNames, "station", nil, "only these stations (repeat or comma-separate)")
}

func loadInputs(cmd *cobra.Command, f inputFlags) (*inputs, error) {
	if f.stations == "" {
		return nil, usage(fmt.Errorf("--stations is required (a CSV name,lat,lon,alt_m or a mission file)"))
	}
	stations, m, err := loadStations(f.stations, f.minEl, cmd.Flags().Changed("min-el"))
	if err != nil {
		return nil, err
	}
	in := &inputs{mission: m, staleAfter: time.Duration(f.staleDays * float64(24*time.Hour))}
	switch {
	case f.tle != "":
		if in.elems, in.perrs, err = catalog.LoadFile(f.tle, f.allowBad); err != nil {
			return nil, err
		}
	case m != nil:
		cat := catalog.ForMission(m)
		cat.AllowBadChecksum = f.allowBad
		set := cat.LoadMission(cmd.Context(), m, false)
		for _, s := range set.Sources {
			if w := s.Warning(); w != "" {
				fmt.Fprintln(cmd.ErrOrStderr(), "ipgs: warning:", w)
			}
			in.perrs = append(in.perrs, s.Rejected...)
		}
		for _, s := range set.Missing {
			fmt.Fprintf(cmd.ErrOrStderr(), "ipgs: warning: %s (%d): no element set in any source\n", s.Name, s.NORAD)
		}
		for _, e := range set.Entries {
			in.elems = append(in.elems, e.Elements)
		}
		in.elems = freshElements(cmd.Context(), m, in.elems)
		if !cmd.Flags().Changed("stale-days") {
			in.staleAfter = m.StaleAfter()
		}
	default:
		return nil, usage(fmt.Errorf("--tle is required (a TLE or OMM file) unless --stations is a mission file"))
	}
	if len(in.elems) == 0 && len(in.perrs) == 0 && (m == nil || len(m.Relays) == 0) {
		src := f.tle
		if src == "" {
			src = "the mission's sources"
		}
		return nil, mission.BadInput(fmt.Errorf("no element set in %s: nothing to predict", src))
	}
	for _, e := range in.elems {
		for _, w := range e.Warnings {
			fmt.Fprintln(cmd.ErrOrStderr(), "ipgs: warning:", w)
		}
	}
	for _, e := range in.perrs {
		fmt.Fprintln(cmd.ErrOrStderr(), "ipgs:", e)
	}
	if len(f.stationNames) > 0 {
		if stations, err = pickStations(stations, f.stationNames); err != nil {
			return nil, err
		}
	}
	in.stations = stations
	return in, nil
}

// windowFlags are the time-window flags passes and schedule share.
type windowFlags struct {
	start, duration, tz string
}

func addWindowFlags(c *cobra.Command, f *windowFlags, defDuration string) {
	fl := c.Flags()
	fl.StringVar(&f.start, "start", "now", "window start, RFC 3339")
	fl.StringVar(&f.duration, "duration", defDuration, "window length, e.g. 7d, 36h, 90m")
	fl.StringVar(&f.tz, "tz", "", "time zone of the table (e.g. Local, Europe/Oslo); default UTC")
}

func (f windowFlags) parse() (time.Time, time.Duration, *time.Location, error) {
	start, err := mission.ParseTime(f.start, time.Now())
	if err != nil {
		return start, 0, nil, usage(err)
	}
	dur, err := mission.ParseDuration(f.duration)
	if err != nil {
		return start, 0, nil, usage(err)
	}
	if dur <= 0 {
		return start, 0, nil, usage(fmt.Errorf("--duration %s: the window must be longer than zero", f.duration))
	}
	var loc *time.Location
	if f.tz != "" {
		if loc, err = time.LoadLocation(f.tz); err != nil {
			return start, 0, nil, usage(fmt.Errorf("--tz %q: %v", f.tz, err))
		}
	}
	return start, dur, loc, nil
}
