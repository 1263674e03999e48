package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/scheduler/plan"
)

func newScheduleCmd() *cobra.Command {
	var f struct {
		inputFlags
		windowFlags
		priorities, lock, format, icsDir string
		explain                          bool
		minContact, slew, settle         float64
		maxPerSat                        int
	}
	c := &cobra.Command{
		Use:   "schedule",
		Short: "Plan contacts across the whole station network",
		Long: `Build a network-wide contact plan: which satellite each station works,
and when. Candidates are the predicted passes cut by each station's
availability; a contact is a sub-window of one pass of at least
--min-contact seconds; a station serves one satellite at a time with a
turnaround (rotator slew + settle) between contacts; a satellite talks to
at most --max-stations-per-sat stations at once. The plan maximises the
sum of priority weight x contact seconds, after per-satellite demands
(mission file). See docs/scheduling.md.

Re-planning: --lock takes the previous plan (JSON); its contacts that
still fit are kept, and contacts that started or that an operator pinned
("pinned": true) never move. Every plan is checked against every
constraint before it is written.`,
		Example: `  ipgs schedule --stations examples/mission.yaml --duration 3d --explain
  ipgs schedule --tle sats.tle --stations stations.csv --start 2025-03-01T00:00:00Z --duration 3d --priorities prio.csv --format json > plan.json
  ipgs schedule --stations examples/mission.yaml --lock plan.json --format json
  ipgs schedule --stations examples/mission.yaml --format ics --ics-dir calendars/`,
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
			o := plan.Options{
				Elements: in.elems, Mission: in.mission, Stations: in.stations,
				Start: start, Duration: dur, MinContactS: f.minContact, MaxPerSat: f.maxPerSat,
				SlewDegS: f.slew, SettleS: f.settle, Format: f.format, Location: loc,
				Explain: f.explain, ICSDir: f.icsDir, Out: cmd.OutOrStdout(), Log: cmd.ErrOrStderr(),
			}
			if in.mission != nil {
				if !cmd.Flags().Changed("min-contact") && in.mission.Scheduling.MinContactS > 0 {
					o.MinContactS = in.mission.Scheduling.MinContactS
				}
				if !cmd.Flags().Changed("max-stations-per-sat") && in.mission.Scheduling.MaxStationsPerSat > 0 {
					o.MaxPerSat = in.mission.Scheduling.MaxStationsPerSat
				}
			}
			if f.priorities != "" {
				fh, err := os.Open(f.priorities)
				if err != nil {
					return mission.BadInput(err)
				}
				o.Priorities, err = plan.ParsePriorities(fh, f.priorities)
				fh.Close()
				if err != nil {
					return err
				}
			}
			if f.lock != "" {
				fh, err := os.Open(f.lock)
				if err != nil {
					return mission.BadInput(err)
				}
				o.Lock, err = plan.ReadLock(fh, f.lock)
				fh.Close()
				if err != nil {
					return err
				}
			}
			if _, err := plan.Run(cmd.Context(), o); err != nil {
				return err
			}
			if len(in.perrs) > 0 {
				return mission.BadInput(fmt.Errorf("%d element set(s) were rejected", len(in.perrs)))
			}
			return nil
		},
	}
	addInputFlags(c, &f.inputFlags)
	addWindowFlags(c, &f.windowFlags, "3d")
	fl := c.Flags()
	fl.StringVar(&f.priorities, "priorities", "", "CSV sat,weight (NORAD number, positive weight); overrides the mission file")
	fl.StringVar(&f.lock, "lock", "", "previous plan (JSON): keep what still fits, never move started or pinned contacts")
	fl.StringVar(&f.format, "format", "table", "output: table, json, csv, ics, ion or hdtn")
	fl.StringVar(&f.icsDir, "ics-dir", "", "with --format ics: write one STATION.ics per station here")
	fl.BoolVar(&f.explain, "explain", false, "table: say why each pass is unscheduled or trimmed")
	fl.Float64Var(&f.minContact, "min-contact", 120, "minimum contact length, s")
	fl.IntVar(&f.maxPerSat, "max-stations-per-sat", 1, "stations a satellite may talk to at once")
	fl.Float64Var(&f.slew, "slew", 6, "rotator slew rate, deg/s, for stations without one in the mission file")
	fl.Float64Var(&f.settle, "settle", 5, "settle time after a slew, s, for stations without one in the mission file")
	return c
}
