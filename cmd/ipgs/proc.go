package main

import (
	"context"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/scheduler/clock"
	"github.com/ipgs/ipgs/sim"
	"github.com/ipgs/ipgs/telemetry"
	"github.com/ipgs/ipgs/uplink/command"
	procs "github.com/ipgs/ipgs/uplink/proc"
)

// operatorName is who runs a command: --operator, else the login name.
func operatorName(flag string) string {
	if flag != "" {
		return flag
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return os.Getenv("USER")
}

func newProcCmd() *cobra.Command {
	top := &cobra.Command{Use: "proc", Short: "Procedures: Starlark scripts that send commands and wait on their verification and on telemetry",
		Long: `A procedure is a Starlark file (see examples/procedures/heater.star and
docs/procedures.md): send(), wait(), tm(), wait_tm(), sleep(), log(),
abort(). Every command it sends is in the command history with the
procedure's name, step and operator; an aborted run leaves none queued.`}
	check := &cobra.Command{
		Use:   "check FILE",
		Short: "Parse a procedure and resolve its names, without running it",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			src, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			if err := procs.Check(filepath.Base(args[0]), src); err != nil {
				return mission.BadInput(err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: no error found\n", args[0])
			return nil
		},
	}
	var f struct {
		missionFlags
		sat, operator, start, anchor, duration string
		speed                                  float64
		dry                                    bool
		stations                               []string
		tokenFile                              string
	}
	run := &cobra.Command{
		Use:   "run FILE --sat SAT",
		Short: "Run a procedure for a satellite: against the running stations, or --dry-run against the emulator",
		Long: `Against the constellation, the commands are queued in the mission's command
history (the one ipgs station run sends from) and telemetry is read from
the stations' status endpoints (--status, repeatable; the token from the
keys folder's status.token or --token-file). Give the same --start
--speed --wall-start as the stations when they run on a virtual clock.

With --dry-run, the emulator and every station fly in this process on an
accelerated clock (--speed, up to --duration) and the procedure runs
against them exactly as it would in flight: a rehearsal before the pass.
Ctrl-C stops a run; its commands not yet sent are cancelled.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, els, dict, data, err := f.load(cmd.Context())
			if err != nil {
				return err
			}
			sat, err := findSat(m, f.sat)
			if err != nil {
				return err
			}
			src, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			name := filepath.Base(args[0])
			if err := procs.Check(name, src); err != nil {
				return mission.BadInput(err)
			}
			out := cmd.OutOrStdout()
			if f.dry {
				start, dur, err := simSpan(f.start, f.duration)
				if err != nil {
					return err
				}
				tc := telemetry.ConfigFor(m, data)
				td, err := tc.LoadDictionary()
				if err != nil {
					return err
				}
				dir := filepath.Join(data, "dry-run-"+time.Now().UTC().Format("20060102T150405"))
				fmt.Fprintf(out, "dry run of %s for %d against the emulator: %s from %s at %gx (data in %s)\n", name, sat, dur, start.Format(time.RFC3339), f.speed, dir)
				res, err := sim.DryRun(cmd.Context(), sim.DryRunOptions{Mission: m, Elements: els, Dictionary: dict, Telemetry: td, Sat: sat,
					Name: name, Source: src, Operator: operatorName(f.operator), Start: start, Duration: dur, Speed: f.speed, DataDir: dir, Out: out})
				return procOutcome(cmd, res, err)
			}
			clk, _, err := virtualClock(cmd, f.start, f.anchor, f.speed)
			if err != nil {
				return err
			}
			hist, err := command.OpenHistory(filepath.Join(data, "commands.jsonl"))
			if err != nil {
				return err
			}
			var latest procs.Latest
			if len(f.stations) > 0 {
				clients, err := statusClients(m, data, f.tokenFile, f.stations)
				if err != nil {
					return err
				}
				ctx, stop := context.WithCancel(cmd.Context())
				watched := make(chan struct{})
				go func() {
					defer close(watched)
					procs.Watch(ctx, clients, &latest, time.Second, func(addr string, err error) { fmt.Fprintf(cmd.ErrOrStderr(), "ipgs: %s: %v\n", addr, err) })
				}()
				defer func() { stop(); <-watched }()
			} else {
				fmt.Fprintln(cmd.ErrOrStderr(), "ipgs: warning: no --status given: tm() and wait_tm() see no telemetry")
			}
			var satName string
			for _, sc := range m.Satellites {
				if sc.NORAD == sat {
					satName = sc.Name
				}
			}
			res, err := procs.Run(cmd.Context(), procs.Env{History: hist, Dict: dict, Sat: sat, SatName: satName, Latest: latest.Get, After: latest.After,
				Clock: clockOr(clk), Operator: operatorName(f.operator), Out: out}, name, src)
			return procOutcome(cmd, res, err)
		},
	}
	addMissionFlags(run, &f.missionFlags)
	run.Flags().StringVar(&f.sat, "sat", "", "the satellite (NORAD number or name)")
	run.Flags().StringVar(&f.operator, "operator", "", "who runs it, as the history records (default: the login name)")
	run.Flags().BoolVar(&f.dry, "dry-run", false, "run against the emulator in this process, not the constellation")
	run.Flags().StringVar(&f.start, "start", "now", "virtual start, RFC 3339 (with stations on a virtual clock: theirs)")
	run.Flags().StringVar(&f.anchor, "wall-start", "", "with stations on a virtual clock: their --wall-start")
	run.Flags().Float64Var(&f.speed, "speed", 1, "virtual seconds per second (a dry run: 600 is a good pace)")
	run.Flags().StringVar(&f.duration, "duration", "24h", "a dry run: the longest the procedure may take")
	run.Flags().StringArrayVar(&f.stations, "status", nil, "a running station's status endpoint, HOST:PORT (repeat)")
	run.Flags().StringVar(&f.tokenFile, "token-file", "", "the stations' status token (default: the keys folder's status.token)")
	run.MarkFlagRequired("sat")
	top.AddCommand(check, run)
	return top
}

func clockOr(c clock.Clock) clock.Clock {
	if c == nil {
		return clock.Real{}
	}
	return c
}

// procOutcome prints how a run ended and gives the exit status: an
// aborted run or a script error is a failure (exit 1).
func procOutcome(cmd *cobra.Command, res *procs.Result, err error) error {
	if res != nil {
		fmt.Fprintf(cmd.OutOrStdout(), "%s: %d commands sent, %d cancelled\n", res.Name, len(res.Sent), len(res.Cancelled))
	}
	return err
}
