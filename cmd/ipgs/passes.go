package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/scheduler/passes"
)

func newPassesCmd() *cobra.Command {
	var f struct {
		inputFlags
		windowFlags
		format  string
		workers int
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
			start, dur, loc, err := f.windowFlags.parse()
			if err != nil {
				return err
			}
			in, err := loadInputs(cmd, f.inputFlags)
			if err != nil {
				return err
			}
			elems, perrs, stations, staleAfter := in.elems, in.perrs, in.stations, in.staleAfter
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
	addInputFlags(c, &f.inputFlags)
	fl := c.Flags()
	addWindowFlags(c, &f.windowFlags, "1d")
	fl.StringVar(&f.format, "format", "table", "output: table, csv or json")
	fl.IntVar(&f.workers, "workers", 0, "parallel workers (default: all cores)")
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
