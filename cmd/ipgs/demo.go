package main

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/ipgs/ipgs/sim"
	"github.com/ipgs/ipgs/telemetry"
	"github.com/ipgs/ipgs/telemetry/influxd"
	"github.com/ipgs/ipgs/telemetry/spool"
	"github.com/ipgs/ipgs/uplink/command"
)

func newDemoCmd() *cobra.Command {
	var f struct {
		missionFlags
		duration, start       string
		speed, loss           float64
		influxd               string
		secure, vote, control bool
	}
	c := &cobra.Command{
		Use:   "demo",
		Short: "Fly the example constellation: emulator and stations in one process, on an accelerated clock",
		Long: `Plans the contacts, starts the satellite emulator and every station of the
mission against it over KISS/TCP on 127.0.0.1, and works the plan on an
accelerated clock: a line at every LOS, and at the end the accounting of
every telemetry packet (on the ground or still onboard) and command.
Ctrl-C stops cleanly.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, els, dict, data, err := f.load(cmd.Context())
			if err != nil {
				return err
			}
			start, dur, err := simSpan(f.start, f.duration)
			if err != nil {
				return err
			}
			run := filepath.Join(data, "demo-"+start.Format("20060102T150405"))
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "== ipgs demo: %d drones, %d stations, %s from %s at %.0fx (data in %s) ==\n",
				len(m.Satellites), len(m.Stations), dur, start.Format(time.RFC3339), f.speed, run)
			tc := telemetry.ConfigFor(m, data)
			tc.Dir = filepath.Join(run, "telemetry")
			td, err := tc.LoadDictionary()
			if err != nil {
				return err
			}
			store, err := telemetry.OpenStoreWith(tc.Dir, td, spool.Options{NoSync: f.speed > 10})
			if err != nil {
				return err
			}
			defer store.Close()
			influx := tc.Influx
			if f.influxd != "none" {
				srv, err := startInfluxd(cmd, f.influxd, filepath.Join(data, "influxd"))
				if err != nil {
					return err
				}
				if srv != nil {
					defer srv.Stop()
					// the demo's own server: each demo starts from an empty database
					if err := srv.Reset(cmd.Context()); err != nil {
						return err
					}
					influx = &telemetry.Influx{URL: srv.URL(), Bucket: srv.Bucket()}
				}
			}
			if influx != nil {
				fmt.Fprintf(out, "telemetry: dictionary %s, store %s, InfluxDB %s bucket %s\n", tc.Dictionary, tc.Dir, influx.URL, influx.Bucket)
			}
			var sec *sim.DaySecurity
			if f.secure {
				if sec, err = sim.NewDaySecurity(m); err != nil {
					return err
				}
				fmt.Fprintf(out, "link security: ML-DSA-65 station keys and X-Wing drone keys generated for this run (%d + %d)\n", len(sec.Stations), len(sec.Sats))
			}
			var vote *sim.Vote
			var bundles *sim.DayBundles
			if f.vote {
				if vote, err = sim.NewVote(m); err != nil {
					return err
				}
				bundles = vote.Bundles(dict)
				fmt.Fprintf(out, "governance: a vote across %d stations, relayed as signed bundles through the drones (no ground links)\n", len(m.Stations))
			}
			var cp *sim.DayControl
			if f.control {
				cp = &sim.DayControl{}
			}
			res, err := sim.RunDay(cmd.Context(), sim.DayOptions{
				Bundles: bundles, Control: cp,
				Mission: m, Elements: els, Dictionary: dict, Start: start, Duration: dur, Speed: f.speed, Security: sec,
				Faults: sim.Faults{FrameLoss: f.loss}, DataDir: run, Out: out, Seed: uint64(start.Unix()),
				Telemetry: store, Influx: influx,
				Queue: func(h *command.History, d *command.Dictionary) error {
					// a PING for every drone, so the summary shows commanding
					for _, s := range m.Satellites {
						def, ok := d.For(s.NORAD).Lookup("PING")
						if !ok {
							continue
						}
						if _, err := h.Queue(command.Record{Sat: s.NORAD, Name: def.Name, Opcode: def.Opcode, Time: start}); err != nil {
							return err
						}
					}
					return nil
				},
			})
			if res != nil {
				res.Summary(out)
				if vote != nil {
					vote.Report(out, res.Onboard)
				}
			}
			if err == nil && influx != nil {
				// read it back, as a dashboard would
				counts, qerr := telemetry.CountPoints(cmd.Context(), *influx, "hk", "battery", start.Add(-time.Minute))
				if qerr != nil {
					fmt.Fprintf(out, "InfluxDB read-back: %v\n", qerr)
				} else {
					total := int64(0)
					for _, n := range counts {
						total += n
					}
					fmt.Fprintf(out, "InfluxDB read-back (Flux): %d housekeeping points from %d drones in %s\n", total, len(counts), influx.Bucket)
				}
			}
			return err
		},
	}
	addMissionFlags(c, &f.missionFlags)
	c.Flags().StringVar(&f.duration, "duration", "12h", "simulated span")
	c.Flags().StringVar(&f.start, "start", "now", "simulated start, RFC 3339")
	c.Flags().Float64Var(&f.speed, "speed", 2000, "virtual seconds per wall second")
	c.Flags().Float64Var(&f.loss, "loss", 0, "extra frame loss probability injected on the space link")
	c.Flags().BoolVar(&f.secure, "secure", true, "secure the space link (pqlink/sdls) with keys generated for this run")
	c.Flags().BoolVar(&f.control, "control", true, "run the stations through a control plane (an embedded NATS server with JetStream and the control service), as a network of sites would")
	c.Flags().BoolVar(&f.vote, "vote", true, "run a governance vote relayed as bundles through the drones")
	c.Flags().StringVar(&f.influxd, "influxd", "auto", "influxd to start on 127.0.0.1 for the telemetry (auto: bin/influxd if built; none: the mission's telemetry.url)")
	return c
}

// startInfluxd starts a local InfluxDB 1.8 with its data in dir: bin is a
// path, or "auto" (bin/influxd when built, else nothing).
func startInfluxd(cmd *cobra.Command, bin, dir string) (*influxd.Server, error) {
	if bin == "auto" {
		b, err := influxd.Find()
		if err != nil {
			fmt.Fprintln(cmd.ErrOrStderr(), "ipgs: warning:", err, "(telemetry stays in the local store)")
			return nil, nil
		}
		bin = b
	}
	srv := &influxd.Server{Bin: bin, Dir: dir}
	fmt.Fprintf(cmd.OutOrStdout(), "starting influxd (%s) on 127.0.0.1, data in %s\n", bin, dir)
	if err := srv.Start(cmd.Context()); err != nil {
		return nil, err
	}
	return srv, nil
}
