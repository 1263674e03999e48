//go:build !nogui

package main

import (
	"github.com/spf13/cobra"

	"github.com/ipgs/ipgs/gui/desktop"
	_ "github.com/ipgs/ipgs/gui/locale" // before Fyne reads the locale
	"github.com/ipgs/ipgs/telemetry"
	"github.com/ipgs/ipgs/uplink/station/status"
)

func newGUICmd() *cobra.Command {
	var f struct {
		missionFlags
		duration, start string
		speed           float64
		attach          []string
		controlFlags
		tokenFile string
	}
	c := &cobra.Command{
		Use:   "gui",
		Short: "The mission-control desktop app, flying the mission in-process (as ipgs demo) or attached to running stations",
		Long: `Without --attach, flies the mission in-process as ipgs demo does: the
emulator, every station engine, telemetry and a governance vote.

With --attach, shows station engines that run elsewhere (ipgs station run
--status ADDR): their plans, passes, telemetry and alarms; acknowledgements
and re-plans go to them, commands to the mission's command history.`,
		Example: `  ipgs gui --speed 300
  ipgs gui --attach 127.0.0.1:8101,127.0.0.1:8102,127.0.0.1:8103
  ipgs gui --control nats://127.0.0.1:4222 --as alice`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, els, dict, data, err := f.load(cmd.Context())
			if err != nil {
				return err
			}
			if f.control != "" {
				f.as = operatorName(f.as)
				cl, err := f.connect(data)
				if err != nil {
					return err
				}
				defer cl.Close()
				onMain(func() {
					err = desktop.AttachControl(cmd.Context(), desktop.ControlOptions{Mission: m, Elements: els, Dictionary: dict, DataDir: data,
						Client: cl, Influx: telemetry.ConfigFor(m, data).Influx, Log: cmd.ErrOrStderr()})
				})
				return err
			}
			if len(f.attach) > 0 {
				tok, err := status.LoadToken(pick(f.tokenFile, statusTokenPath(m, data)))
				if err != nil {
					return err
				}
				return desktop.Attach(cmd.Context(), desktop.AttachOptions{Mission: m, Elements: els, Dictionary: dict, DataDir: data,
					Stations: f.attach, Token: tok, Influx: telemetry.ConfigFor(m, data).Influx, Log: cmd.ErrOrStderr()})
			}
			start, dur, err := simSpan(f.start, f.duration)
			if err != nil {
				return err
			}
			tc := telemetry.ConfigFor(m, data)
			td, err := tc.LoadDictionary()
			if err != nil {
				return err
			}
			onMain(func() {
				err = desktop.Run(cmd.Context(), desktop.Options{Mission: m, Elements: els, Dictionary: dict, TMDict: td, DataDir: data,
					Start: start, Duration: dur, Speed: f.speed, Log: cmd.ErrOrStderr()})
			})
			return err
		},
	}
	addMissionFlags(c, &f.missionFlags)
	c.Flags().StringVar(&f.duration, "duration", "12h", "simulated span")
	c.Flags().StringVar(&f.start, "start", "now", "simulated start, RFC 3339")
	c.Flags().Float64Var(&f.speed, "speed", 100, "virtual seconds per wall second")
	c.Flags().StringVar(&f.tokenFile, "token-file", "", "with --attach: the stations' status token (default: status.token in the keys folder, as ipgs station run --status keeps it)")
	addControlFlags(c, &f.controlFlags)
	c.Flags().StringSliceVar(&f.attach, "attach", nil, "attach to running stations' status endpoints (host:port, comma-separated) instead of flying the mission in-process")
	return c
}
