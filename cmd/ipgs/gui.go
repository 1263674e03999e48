//go:build !nogui

package main

import (
	"github.com/spf13/cobra"

	"github.com/ipgs/ipgs/gui/desktop"
	_ "github.com/ipgs/ipgs/gui/locale" // before Fyne reads the locale
	"github.com/ipgs/ipgs/telemetry"
)

func newGUICmd() *cobra.Command {
	var f struct {
		missionFlags
		duration, start string
		speed           float64
	}
	c := &cobra.Command{
		Use:   "gui",
		Short: "The mission-control desktop app, flying the mission in-process (as ipgs demo)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, els, dict, data, err := f.load(cmd.Context())
			if err != nil {
				return err
			}
			start, dur, err := simSpan(f.start, f.duration)
			if err != nil {
				return err
			}
			td, err := telemetry.ConfigFor(m, data).LoadDictionary()
			if err != nil {
				return err
			}
			return desktop.Run(cmd.Context(), desktop.Options{Mission: m, Elements: els, Dictionary: dict, TMDict: td, DataDir: data,
				Start: start, Duration: dur, Speed: f.speed, Log: cmd.ErrOrStderr()})
		},
	}
	addMissionFlags(c, &f.missionFlags)
	c.Flags().StringVar(&f.duration, "duration", "12h", "simulated span")
	c.Flags().StringVar(&f.start, "start", "now", "simulated start, RFC 3339")
	c.Flags().Float64Var(&f.speed, "speed", 100, "virtual seconds per wall second")
	return c
}
