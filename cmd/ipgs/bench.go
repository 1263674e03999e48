package main

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/ipgs/ipgs/scheduler/passes"
)

func newBenchCmd() *cobra.Command {
	bench := &cobra.Command{
		Use:   "bench",
		Short: "Benchmarks against reference implementations, measured in the same run",
	}
	var o passes.BenchOptions
	p := &cobra.Command{
		Use:   "passes",
		Short: "Pass prediction against the satellite.js pass finder (and the 10k x 100 scale case)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			self, err := os.Executable()
			if err != nil {
				return err
			}
			o.Self, o.Out = self, cmd.OutOrStdout()
			return passes.RunBench(cmd.Context(), o)
		},
	}
	p.Flags().StringVar(&o.SatJS, "satjs", "refs/satjs/passes.mjs", "satellite.js pass finder script")
	p.Flags().StringVar(&o.Shared, "shared", "../shared", "shared folder (data/orbit, tools)")
	p.Flags().StringVar(&o.DataDir, "data", "data/bench", "folder for generated inputs and outputs")
	p.Flags().IntVar(&o.Runs, "runs", 5, "timed runs of ipgs")
	p.Flags().BoolVar(&o.Scale, "scale", true, "also run 10,000 satellites x 100 stations x 1 day")
	bench.AddCommand(p)
	return bench
}
