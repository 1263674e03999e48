package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/spf13/cobra"

	"github.com/ipgs/ipgs/uplink/command"
	"github.com/ipgs/ipgs/uplink/control"
	"github.com/ipgs/ipgs/uplink/ground"
)

// controlFlags name the control plane and who this command is on it.
type controlFlags struct {
	control, as string
}

func addControlFlags(c *cobra.Command, f *controlFlags) {
	c.Flags().StringVar(&f.control, "control", "", "the network's control plane: NATS URLs, comma-separated (ipgs control serve prints them)")
	c.Flags().StringVar(&f.as, "as", "", "who you are on the control plane (a user of ipgs control init; default: the login name)")
}

func (f *controlFlags) connect(data string) (*control.Client, error) {
	return ground.ConnectControl(f.control, filepath.Join(data, "control"), operatorName(f.as))
}

func (f *controlFlags) queue(ctx context.Context, data string, rec command.Record) (uint32, error) {
	f.as = operatorName(f.as)
	cl, err := f.connect(data)
	if err != nil {
		return 0, err
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var q control.Queued
	err = cl.Ask(ctx, control.VerbQueue, control.Request{Command: &rec}, &q)
	return q.ID, err
}

func newControlCmd() *cobra.Command {
	top := &cobra.Command{Use: "control", Short: "The ground network's control plane (NATS with JetStream): users, the service, the audit"}
	var f struct {
		missionFlags
		controlFlags
		operators, planners, viewers []string
		listen, servers              string
		replicas                     int
		silence                      time.Duration
		start, duration, anchor      string
		speed                        float64
	}
	initc := &cobra.Command{
		Use:   "init",
		Short: "Make the control plane's users and their keys: the service, every station, and the people given",
		Long: `Writes data/control/roster.json (public keys and roles) and one seed file per
user (NAME.nk, readable by its owner only: hand each to its user). Users
already there are kept.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, _, _, data, err := f.load(cmd.Context())
			if err != nil {
				return err
			}
			people := map[string]control.Role{}
			for _, set := range []struct {
				names []string
				role  control.Role
			}{{f.operators, control.Operator}, {f.planners, control.Planner}, {f.viewers, control.Viewer}} {
				for _, n := range set.names {
					people[n] = set.role
				}
			}
			dir := filepath.Join(data, "control")
			ro, err := ground.InitControl(dir, m, people)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "USER\tROLE\tKEY\tSEED\t")
			for _, u := range ro.Users {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t\n", u.Name, u.Role, u.NKey, control.SeedFile(dir, u.Name))
			}
			return tw.Flush()
		},
	}
	addMissionFlags(initc, &f.missionFlags)
	initc.Flags().StringArrayVar(&f.operators, "operator", nil, "an operator (queues commands, acknowledges alarms, pins passes; repeat)")
	initc.Flags().StringArrayVar(&f.planners, "planner", nil, "a planner (pins passes, re-plans; repeat)")
	initc.Flags().StringArrayVar(&f.viewers, "viewer", nil, "a viewer (reads everything, changes nothing; repeat)")

	serve := &cobra.Command{
		Use:   "serve",
		Short: "Run the control plane: the embedded NATS server and the network's one planner",
		Long: `Plans the network for --duration, publishes the plan as version 1 and serves
requests: commands queued (ipgs cmd send --control), claims by stations
(ipgs station run --control), pins and re-plans, alarm acknowledgements,
every one checked against its user's role and written to the audit
stream. A station silent for --silence has its contacts given to the
others until it is back. With --servers it joins a NATS cluster instead
of embedding a server.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, els, _, data, err := f.load(cmd.Context())
			if err != nil {
				return err
			}
			clk, start, err := virtualClock(cmd, f.start, f.anchor, f.speed)
			if err != nil {
				return err
			}
			dur, err := planSpan(f.duration)
			if err != nil {
				return err
			}
			if f.silence < 0 {
				return usage(fmt.Errorf("--silence %v: want 0 (never) or a positive duration", f.silence))
			}
			out := cmd.OutOrStdout()
			return ground.RunControl(cmd.Context(), ground.ControlOptions{Mission: m, Elements: els, Start: start, Duration: dur, Clock: clk,
				Dir: filepath.Join(data, "control"), Listen: f.listen, Servers: f.servers, Replicas: f.replicas, Silence: f.silence,
				Log: cmd.ErrOrStderr(), Ready: func(url string) { fmt.Fprintf(out, "control plane: %s\n", url) }})
		},
	}
	addMissionFlags(serve, &f.missionFlags)
	serve.Flags().StringVar(&f.listen, "listen", "127.0.0.1:4222", "the embedded NATS server's address")
	serve.Flags().StringVar(&f.servers, "servers", "", "join these NATS servers (a cluster, comma-separated URLs) instead of embedding one")
	serve.Flags().IntVar(&f.replicas, "replicas", 1, "copies of each stream (3 on a cluster of three)")
	serve.Flags().DurationVar(&f.silence, "silence", 5*time.Minute, "a station without a heartbeat this long has its contacts given to the others (0: never)")
	serve.Flags().StringVar(&f.start, "start", "now", "virtual start, RFC 3339 (the same as the stations')")
	serve.Flags().StringVar(&f.duration, "duration", "1d", "how far ahead to plan")
	serve.Flags().Float64Var(&f.speed, "speed", 1, "virtual seconds per wall second")
	serve.Flags().StringVar(&f.anchor, "wall-start", "", "wall time at which the virtual clock reads --start")

	audit := &cobra.Command{
		Use:   "audit",
		Short: "Every request made of the control plane: who, what, done or refused",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, _, _, data, err := f.load(cmd.Context())
			if err != nil {
				return err
			}
			f.as = operatorName(f.as)
			cl, err := f.connect(data)
			if err != nil {
				return err
			}
			defer cl.Close()
			ctx, cancel := context.WithTimeout(cmd.Context(), 30*time.Second)
			defer cancel()
			cons, err := cl.JetStream().OrderedConsumer(ctx, control.StreamAudit, jetstream.OrderedConsumerConfig{})
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "TIME\tWHO\tROLE\tVERB\tOUTCOME\tWHAT\tREASON\t")
			for {
				batch, err := cons.FetchNoWait(500)
				if err != nil {
					return err
				}
				n := 0
				for m := range batch.Messages() {
					n++
					var a control.Audit
					if err := json.Unmarshal(m.Data(), &a); err != nil {
						return fmt.Errorf("audit record %s: %w", m.Subject(), err)
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", a.Time.Format(time.RFC3339), a.Who, a.Role, a.Verb, a.Outcome, a.What, a.Reason)
				}
				if err := batch.Error(); err != nil && !errors.Is(err, jetstream.ErrNoMessages) {
					return err
				}
				if n == 0 {
					return tw.Flush()
				}
			}
		},
	}
	addMissionFlags(audit, &f.missionFlags)
	addControlFlags(audit, &f.controlFlags)
	top.AddCommand(initc, serve, audit)
	return top
}
