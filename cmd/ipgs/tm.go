package main

import (
	"fmt"
	"io"
	"os"
	"os/user"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/mission/xtce"
	"github.com/ipgs/ipgs/telemetry"
	"github.com/ipgs/ipgs/telemetry/dict"
	"github.com/ipgs/ipgs/uplink/command"
)

func newTMCmd() *cobra.Command {
	tm := &cobra.Command{
		Use:   "tm",
		Short: "Telemetry: query, export, alarms",
	}
	var mf missionFlags
	// each command has its own --format: flags bound to one variable
	// would leave it holding the last default registered
	var since, until, queryFormat, exportFormat string
	var local bool
	var limit int
	config := func() (*mission.Mission, telemetry.Config, error) {
		m, err := mission.Load(mf.config)
		if err != nil {
			return nil, telemetry.Config{}, err
		}
		return m, telemetry.ConfigFor(m, mf.dataDir(m)), nil
	}
	window := func() (time.Time, time.Time, error) {
		now := time.Now().UTC()
		s, err := mission.ParseDuration(since)
		if err != nil {
			t, err2 := mission.ParseTime(since, now)
			if err2 != nil {
				return time.Time{}, time.Time{}, usage(fmt.Errorf("--since %q: a duration (1h, 7d) or a time (RFC 3339)", since))
			}
			return t, time.Time{}, nil
		}
		var u time.Time
		if until != "" {
			if u, err = mission.ParseTime(until, now); err != nil {
				return time.Time{}, time.Time{}, usage(fmt.Errorf("--until: %v", err))
			}
		}
		return now.Add(-s), u, nil
	}
	// options are a query's settings from the flags shared by query and export
	options := func(cmd *cobra.Command, format string) (*mission.Mission, telemetry.QueryOptions, error) {
		m, c, err := config()
		if err != nil {
			return nil, telemetry.QueryOptions{}, err
		}
		from, to, err := window()
		if err != nil {
			return nil, telemetry.QueryOptions{}, err
		}
		return m, telemetry.QueryOptions{Config: c, Local: local, Format: format, Out: cmd.OutOrStdout(), Query: telemetry.Query{Since: from, Until: to}}, nil
	}
	query := &cobra.Command{
		Use:   "query SAT FIELD",
		Short: "Values of one field of one satellite (NORAD id), from InfluxDB or the local store",
		Example: `  ipgs tm query 90001 battery --since 1h
  ipgs tm query 90001 temp --since 2026-11-22T00:00:00Z --format csv`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, o, err := options(cmd, queryFormat)
			if err != nil {
				return err
			}
			if err := knownSatField(m, o.Config, args[0], args[1]); err != nil {
				return err
			}
			o.Sat, o.Field, o.Limit = args[0], args[1], limit
			return telemetry.RunQuery(cmd.Context(), o)
		},
	}
	export := &cobra.Command{
		Use:   "export [SAT]",
		Short: "Every stored value: CSV or JSON (from InfluxDB or the store), or line protocol (lp) from the local store",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, o, err := options(cmd, exportFormat)
			if err != nil {
				return err
			}
			if len(args) == 1 {
				o.Sat = args[0]
			}
			return telemetry.RunExport(cmd.Context(), o)
		},
	}
	for _, c := range []*cobra.Command{query, export} {
		addMissionFlags(c, &mf)
		c.Flags().StringVar(&since, "since", "1h", "start: a duration back from now (1h, 7d) or a time (RFC 3339)")
		c.Flags().StringVar(&until, "until", "", "end (RFC 3339; default: no end)")
		c.Flags().BoolVar(&local, "local", false, "read the local store even when InfluxDB is configured")
	}
	query.Flags().StringVar(&queryFormat, "format", "table", "table, csv or json")
	query.Flags().IntVar(&limit, "last", 0, "only the last N values")
	export.Flags().StringVar(&exportFormat, "format", "csv", "csv, json or lp (line protocol, local store)")
	var asJSON bool
	alarms := &cobra.Command{
		Use:   "alarms",
		Short: "Alarms that are active or not yet acknowledged",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, c, err := config()
			if err != nil {
				return err
			}
			return telemetry.RunAlarms(c.Dir, cmd.OutOrStdout(), asJSON)
		},
	}
	addMissionFlags(alarms, &mf)
	alarms.Flags().BoolVar(&asJSON, "json", false, "JSON lines")
	var by string
	ack := &cobra.Command{
		Use:   "ack ALARM-ID",
		Short: "Acknowledge an alarm (IDs as tm alarms lists them, e.g. 90001/hk/battery)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, c, err := config()
			if err != nil {
				return err
			}
			if by == "" {
				if u, err := user.Current(); err == nil {
					by = u.Username
				} else {
					by = os.Getenv("USER")
				}
			}
			if err := telemetry.RunAck(c.Dir, args[0], by, time.Now().UTC()); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "acknowledged %s (by %s)\n", args[0], by)
			return nil
		},
	}
	addMissionFlags(ack, &mf)
	ack.Flags().StringVar(&by, "by", "", "operator (default: the login name)")
	var cmdDict bool
	dictCmd := &cobra.Command{
		Use:   "dictionary FILE",
		Short: "Show a dictionary as ipgs reads it: an XTCE database (.xml) converted to ipgs's YAML, and what could not be mapped (on stderr)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runShowDictionary(args[0], cmdDict, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	dictCmd.Flags().BoolVar(&cmdDict, "commands", false, "the command dictionary instead of the telemetry one")
	tm.AddCommand(query, export, alarms, ack, dictCmd)
	return tm
}

// passFields are the fields of the pass reports stored as telemetry
// (measurement "pass").
var passFields = []string{"duration_s", "frames_rx", "frames_tx", "packets", "duplicates", "gaps", "frame_errors", "unknown_frames",
	"commands_sent", "commands_verified", "name", "pointing_err_max_deg", "doppler_max_hz", "retunes", "radio_errors"}

// knownSatField refuses a query of a satellite the mission does not have
// or a field neither its dictionary nor the pass reports have: such a
// query would print nothing and look like an empty store.
func knownSatField(m *mission.Mission, c telemetry.Config, sat, field string) error {
	if _, err := strconv.Atoi(sat); err != nil {
		return mission.BadInput(fmt.Errorf("satellite %q: give its NORAD number", sat))
	}
	if _, err := findSat(m, sat); err != nil {
		return err
	}
	if slices.Contains(passFields, field) {
		return nil
	}
	d, err := c.LoadDictionary()
	if err != nil {
		return nil // no dictionary to check against: the store answers
	}
	var known []string
	for _, p := range d.Packets {
		for _, f := range p.Fields {
			if f.Name == field {
				return nil
			}
			known = append(known, f.Name)
		}
	}
	slices.Sort(known)
	return mission.BadInput(fmt.Errorf("field %q is not in the telemetry dictionary (known: %s) nor in the pass reports", field, strings.Join(slices.Compact(known), ", ")))
}

// runShowDictionary prints a dictionary file as ipgs reads it: XTCE is
// converted (and checked) and its notes go to log; YAML is checked and
// printed as it is.
func runShowDictionary(path string, commands bool, out, log io.Writer) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return mission.BadInput(err)
	}
	if !dict.IsXTCE(path) {
		if commands {
			_, err = command.ParseDictionary(data, path)
		} else {
			_, err = dict.Parse(data, path)
		}
		if err != nil {
			return mission.BadInput(err)
		}
		_, err = out.Write(data)
		return err
	}
	db, err := xtce.Parse(data, path)
	if err != nil {
		return mission.BadInput(err)
	}
	var y []byte
	var notes []string
	if commands {
		y, notes = command.FromXTCE(db)
		_, err = command.ParseDictionary(y, path)
	} else {
		y, notes = dict.FromXTCE(db)
		_, err = dict.Parse(y, path)
	}
	if err != nil {
		return err
	}
	for _, n := range notes {
		fmt.Fprintf(log, "not mapped: %s\n", n)
	}
	_, err = out.Write(y)
	return err
}
