package main

import (
	"github.com/spf13/cobra"
)

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:   "ipgs",
		Short: "Ground station and mission control: passes, schedules, radios, telemetry, secure bundles",
		Long: `ipgs plans, flies and secures a satellite constellation end to end.

Exit status: 0 success, 1 the run failed, 2 bad usage or bad input,
130 interrupted.`,
		SilenceUsage:      true,
		SilenceErrors:     true,
		PersistentPreRunE: checkFlags,
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError{err}
	})
	root.AddCommand(newControlCmd(), newPassesCmd(), newScheduleCmd(), newTLECmd(), newBenchCmd(), newTMCmd(), newKeysCmd(), newGUICmd(),
		newDemoCmd(), newSimCmd(), newStationCmd(), newCmdCmd(), newGovCmd(), newBundleCmd(), newModemCmd(), newProcCmd())
	return root
}

// usage wraps an argument error so that main exits with status 2.
func usage(err error) error {
	if err == nil {
		return nil
	}
	return usageError{err}
}
