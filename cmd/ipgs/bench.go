package main

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/ipgs/ipgs/scheduler/passes"
	"github.com/ipgs/ipgs/scheduler/plan"
	"github.com/ipgs/ipgs/sdr/modem/direwolf"
	"github.com/ipgs/ipgs/telemetry"
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
	var so plan.BenchOptions
	sc := &cobra.Command{
		Use:   "schedule",
		Short: "Contact plans against the exact whole-pass MILP (glpsol), and optimiser speed",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			so.Out = cmd.OutOrStdout()
			return plan.RunBench(cmd.Context(), so)
		},
	}
	sc.Flags().StringVar(&so.Shared, "shared", "../shared", "shared folder (data/orbit)")
	sc.Flags().StringVar(&so.TLEs, "tles", "data/bench/tles_10000.txt", "large TLE file for the 200k case")
	sc.Flags().StringVar(&so.WorkDir, "work", "data/bench/milp", "folder for the MILP model and solution")
	var io_ telemetry.BenchOptions
	in := &cobra.Command{
		Use:   "ingest",
		Short: "Telemetry decode and store into a real InfluxDB against that server's own ceiling",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			io_.Out = cmd.OutOrStdout()
			return telemetry.RunBench(cmd.Context(), io_)
		},
	}
	in.Flags().StringVar(&io_.Dictionary, "dictionary", "examples/telemetry.yaml", "telemetry dictionary")
	in.Flags().StringVar(&io_.Dir, "data", "data/bench/ingest", "folder for influxd's data and the spools (emptied first)")
	in.Flags().IntVar(&io_.Points, "points", 300_000, "points per measurement")
	in.Flags().IntVar(&io_.Rounds, "rounds", 3, "alternating rounds")
	var mo direwolf.BenchOptions
	md := &cobra.Command{
		Use:   "modem",
		Short: "AFSK 1200 and G3RUH 9600 decoding against direwolf's atest on the same noisy files, and the bit error rate against theory",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			mo.Out = cmd.OutOrStdout()
			return direwolf.RunBench(cmd.Context(), mo)
		},
	}
	md.Flags().StringVar(&mo.Dir, "data", "data/bench/modem", "folder for the generated recordings")
	md.Flags().IntVar(&mo.Frames, "frames", 100, "frames per recording")
	bench.AddCommand(p, sc, in, md)
	return bench
}
