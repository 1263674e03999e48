package main

import (
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/uplink/command"
	"github.com/ipgs/ipgs/uplink/spp"
)

func newCmdCmd() *cobra.Command {
	top := &cobra.Command{Use: "cmd", Short: "Commanding: validate and queue commands, show their history"}
	var f struct {
		missionFlags
		at  string
		yes bool
		sat int
		controlFlags
	}
	send := &cobra.Command{
		Use:   "send SAT NAME [ARG...]",
		Short: "Validate a command against the dictionary and queue it for the satellite's next contact",
		Long: `SAT is a NORAD number or a satellite name from the mission file; NAME a
command from the dictionary; arguments as name=value or in order. Bad
arguments are refused here and never reach the queue. --at sets a time tag:
the satellite executes the command at that onboard time. Hazardous
commands need --yes.`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, _, dict, data, err := f.load(cmd.Context())
			if err != nil {
				return err
			}
			sat, err := findSat(m, args[0])
			if err != nil {
				return err
			}
			def, vals, err := lookupCommand(dict.For(sat), args[1], args[2:])
			if err != nil {
				return err
			}
			if def.Hazardous && !f.yes {
				return mission.BadInput(fmt.Errorf("%s is hazardous: confirm with --yes", def.Name))
			}
			var at time.Time
			if f.at != "" {
				if at, err = mission.ParseTime(f.at, time.Now()); err != nil {
					return usage(err)
				}
				// a tag the onboard time code cannot carry would be clamped,
				// and one at its epoch means "at once"
				if err := spp.CheckCUC(at); err != nil || !at.After(spp.Epoch) {
					return usage(fmt.Errorf("--at %s: an onboard time tag must be after %s and no later than %s", f.at,
						spp.Epoch.Format(time.RFC3339), spp.FromCUC(math.MaxUint32, 0).Format(time.RFC3339)))
				}
			}
			payload, err := def.Encode(vals)
			if err != nil {
				return err
			}
			var texts []string
			for _, v := range vals {
				texts = append(texts, v.Name+"="+v.Text)
			}
			rec := command.Record{Sat: sat, Name: def.Name, Opcode: def.Opcode, Args: texts, Payload: payload, At: at,
				Time: time.Now().UTC(), Hazard: def.Hazardous}
			if f.control != "" {
				// the network's queue: mission control's service gives it
				// its id and the station with the contact takes it
				id, err := f.queue(cmd.Context(), data, rec)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "queued command %d on the control plane as %s: %s %s for %d\n", id, f.as, def.Name, strings.Join(texts, " "), sat)
				return nil
			}
			hist, err := command.OpenHistory(filepath.Join(data, "commands.jsonl"))
			if err != nil {
				return err
			}
			id, err := hist.Queue(rec)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "queued command %d: %s %s for %d\n", id, def.Name, strings.Join(texts, " "), sat)
			return nil
		},
	}
	addMissionFlags(send, &f.missionFlags)
	send.Flags().StringVar(&f.at, "at", "", "time tag: execute at this onboard time (RFC 3339)")
	send.Flags().BoolVar(&f.yes, "yes", false, "confirm a hazardous command")
	addControlFlags(send, &f.controlFlags)
	history := &cobra.Command{
		Use:   "history",
		Short: "Commands with their verification stages",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, _, _, data, err := f.load(cmd.Context())
			if err != nil {
				return err
			}
			hist, err := command.OpenHistory(filepath.Join(data, "commands.jsonl"))
			if err != nil {
				return err
			}
			all, err := hist.Commands()
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSAT\tCOMMAND\tSTATE\tSTAGES\tREASON\t")
			for _, c := range all {
				if f.sat != 0 && c.Sat != f.sat {
					continue
				}
				var st []string
				for _, s := range c.Stages {
					st = append(st, s.Stage+"@"+s.Time.Format("01-02T15:04:05")+stationOf(s))
				}
				fmt.Fprintf(tw, "%d\t%d\t%s %s\t%s\t%s\t%s\t\n", c.ID, c.Sat, c.Name, strings.Join(c.Args, " "), c.State(), strings.Join(st, " "), c.Last().Reason)
			}
			return tw.Flush()
		},
	}
	addMissionFlags(history, &f.missionFlags)
	history.Flags().IntVar(&f.sat, "sat", 0, "only this satellite (NORAD number)")
	top.AddCommand(send, history)
	return top
}

func stationOf(r command.Record) string {
	if r.Station == "" {
		return ""
	}
	return "(" + r.Station + ")"
}

func findSat(m *mission.Mission, s string) (int, error) {
	n, err := strconv.Atoi(s)
	for _, sc := range m.Satellites {
		if (err == nil && sc.NORAD == n) || strings.EqualFold(sc.Name, s) {
			return sc.NORAD, nil
		}
	}
	return 0, mission.BadInput(fmt.Errorf("satellite %q is not in the mission", s))
}

// lookupCommand finds a dictionary command and validates its arguments
// (errors are bad input).
func lookupCommand(dict *command.Dictionary, name string, args []string) (*command.Def, []command.Value, error) {
	def, ok := dict.Lookup(name)
	if !ok {
		return nil, nil, mission.BadInput(fmt.Errorf("no command %q in the dictionary", name))
	}
	vals, err := def.Validate(args)
	if err != nil {
		return nil, nil, mission.BadInput(err)
	}
	return def, vals, nil
}
