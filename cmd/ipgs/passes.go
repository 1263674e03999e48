package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/mission/tle"
	"github.com/ipgs/ipgs/scheduler/catalog"
	"github.com/ipgs/ipgs/scheduler/passes"
)

func newPassesCmd() *cobra.Command {
	var f struct {
		tle, stations, start, duration, format, tz string
		minEl                                      float64
		allowBad                                   bool
		staleDays                                  float64
		workers                                    int
		stationNames                               []string
	}
	c := &cobra.Command{
		Use:   "passes",
		Short: "Predict satellite passes over ground stations",
		Long: `Predict passes (AOS, TCA = maximum elevation, LOS) of every satellite
over every station in a window, against each station's minimum elevation
and horizon mask. Passes in progress at the window edges are clipped.

CSV columns: ` + passes.CSVHeader + `
(sat is the NORAD number; times RFC 3339 UTC with milliseconds; sorted by
sat, station in input order, AOS).`,
		Example: `  ipgs passes --tle examples/drones.tle --stations examples/stations.csv --start 2025-03-01T00:00:00Z --duration 7d --min-el 10
  ipgs passes --stations examples/mission.yaml --format csv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			start, err := mission.ParseTime(f.start, time.Now())
			if err != nil {
				return usage(err)
			}
			dur, err := mission.ParseDuration(f.duration)
			if err != nil {
				return usage(err)
			}
			if dur <= 0 {
				return usage(fmt.Errorf("--duration %s: the window must be longer than zero", f.duration))
			}
			var loc *time.Location
			if f.tz != "" {
				if loc, err = time.LoadLocation(f.tz); err != nil {
					return usage(fmt.Errorf("--tz %q: %v", f.tz, err))
				}
			}
			if f.stations == "" {
				return usage(fmt.Errorf("--stations is required (a CSV name,lat,lon,alt_m or a mission file)"))
			}
			stations, m, err := loadStations(f.stations, f.minEl, cmd.Flags().Changed("min-el"))
			if err != nil {
				return err
			}
			staleAfter := time.Duration(f.staleDays * float64(24*time.Hour))
			var elems []*tle.Elements
			var perrs []error
			switch {
			case f.tle != "":
				if elems, perrs, err = catalog.LoadFile(f.tle, f.allowBad); err != nil {
					return err
				}
			case m != nil:
				cat := catalog.ForMission(m)
				cat.AllowBadChecksum = f.allowBad
				set := cat.LoadMission(cmd.Context(), m, false)
				for _, s := range set.Sources {
					if w := s.Warning(); w != "" {
						fmt.Fprintln(cmd.ErrOrStderr(), "ipgs: warning:", w)
					}
					perrs = append(perrs, s.Rejected...)
				}
				for _, s := range set.Missing {
					fmt.Fprintf(cmd.ErrOrStderr(), "ipgs: warning: %s (%d): no element set in any source\n", s.Name, s.NORAD)
				}
				for _, e := range set.Entries {
					elems = append(elems, e.Elements)
				}
				if !cmd.Flags().Changed("stale-days") {
					staleAfter = m.StaleAfter()
				}
			default:
				return usage(fmt.Errorf("--tle is required (a TLE or OMM file) unless --stations is a mission file"))
			}
			for _, e := range elems {
				for _, w := range e.Warnings {
					fmt.Fprintln(cmd.ErrOrStderr(), "ipgs: warning:", w)
				}
			}
			for _, e := range perrs {
				fmt.Fprintln(cmd.ErrOrStderr(), "ipgs:", e)
			}
			if sel := f.stationNames; len(sel) > 0 {
				if stations, err = pickStations(stations, sel); err != nil {
					return err
				}
			}
			err = passes.Run(cmd.Context(), passes.Options{
				Elements: elems, Stations: stations, Start: start, Duration: dur,
				Format: f.format, Location: loc, Workers: f.workers,
				StaleAfter: staleAfter,
				Out:        cmd.OutOrStdout(), Log: cmd.ErrOrStderr(),
			})
			if err == nil && len(perrs) > 0 {
				err = mission.BadInput(fmt.Errorf("%d element set(s) in %s were rejected", len(perrs), f.tle))
			}
			return err
		},
	}
	fl := c.Flags()
	fl.StringVar(&f.tle, "tle", "", "TLE (2- or 3-line) or OMM (JSON/XML) file")
	fl.StringVar(&f.stations, "stations", "", "stations: CSV name,lat,lon,alt_m or a mission file (.yaml)")
	fl.StringVar(&f.start, "start", "now", "window start, RFC 3339")
	fl.StringVar(&f.duration, "duration", "1d", "window length, e.g. 7d, 36h, 90m")
	fl.Float64Var(&f.minEl, "min-el", 10, "minimum elevation, degrees (overrides the mission file when given)")
	fl.StringVar(&f.format, "format", "table", "output: table, csv or json")
	fl.StringVar(&f.tz, "tz", "", "time zone of the table (e.g. Local, Europe/Oslo); default UTC")
	fl.BoolVar(&f.allowBad, "allow-bad-checksum", false, "accept TLE lines whose checksum is wrong (with a warning)")
	fl.Float64Var(&f.staleDays, "stale-days", 3, "mark element sets older than this many days at the window start")
	fl.IntVar(&f.workers, "workers", 0, "parallel workers (default: all cores)")
	fl.StringSliceVar(&f.stationNames, "station", nil, "only these stations (repeat or comma-separate)")
	return c
}

// loadStations reads a stations CSV or a mission file (then returned too).
func loadStations(path string, minEl float64, minElSet bool) ([]mission.Station, *mission.Mission, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yaml", ".yml":
		m, err := mission.Load(path)
		if err != nil {
			return nil, nil, err
		}
		sts := m.PassStations()
		if minElSet {
			for i := range sts {
				sts[i].MinElevation = minEl
			}
		}
		return sts, m, nil
	}
	fh, err := os.Open(path)
	if err != nil {
		return nil, nil, mission.BadInput(err)
	}
	defer fh.Close()
	sts, err := mission.ParseStationsCSV(fh, path, minEl)
	return sts, nil, mission.BadInput(err)
}

// pickStations keeps the named stations, in the order named.
func pickStations(all []mission.Station, names []string) ([]mission.Station, error) {
	var out []mission.Station
	for _, n := range names {
		found := false
		for _, s := range all {
			if strings.EqualFold(s.Name, n) {
				out = append(out, s)
				found = true
				break
			}
		}
		if !found {
			known := make([]string, len(all))
			for i, s := range all {
				known[i] = s.Name
			}
			return nil, mission.BadInput(fmt.Errorf("unknown station %q (known: %s)", n, strings.Join(known, ", ")))
		}
	}
	return out, nil
}
