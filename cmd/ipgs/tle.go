package main

import (
	"github.com/spf13/cobra"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/scheduler/catalog"
)

func newTLECmd() *cobra.Command {
	var f struct {
		missionPath, cache, maxAge string
		allowBad                   bool
	}
	tle := &cobra.Command{
		Use:   "tle",
		Short: "Import, list and check element sets (TLE, OMM) and their sources",
		Long: `Element sets (TLE, or OMM as JSON, XML or KVN, its covariance kept) come
from files, URLs (CelesTrak's GP API, e.g.
https://celestrak.org/NORAD/elements/gp.php?GROUP=active&FORMAT=json) and
two services named by scheme:
  spacetrack:25544,43017     Space-Track's GP class (or spacetrack:class/gp/...);
                             credentials from SPACETRACK_IDENTITY and
                             SPACETRACK_PASSWORD
  celestrak-sup:starlink     CelesTrak's supplemental GP (operators' ephemerides)
Fetched copies are cached with their source and fetch time; a source that
fails falls back to its cached copy, with a warning.`,
	}
	pf := tle.PersistentFlags()
	pf.StringVar(&f.missionPath, "mission", "", "mission file: its sources, satellites and cache")
	pf.StringVar(&f.cache, "cache", "", "cache directory (default: the mission's, or data/catalog)")
	pf.StringVar(&f.maxAge, "max-age", "3d", "element sets older than this are stale")
	pf.BoolVar(&f.allowBad, "allow-bad-checksum", false, "accept TLE lines whose checksum is wrong (with a warning)")

	opts := func(cmd *cobra.Command, args []string) (catalog.Options, error) {
		o := catalog.Options{Sources: args, Out: cmd.OutOrStdout(), Log: cmd.ErrOrStderr()}
		maxAge, err := mission.ParseDuration(f.maxAge)
		if err != nil {
			return o, usage(err)
		}
		o.MaxAge = maxAge
		o.Catalog = &catalog.Catalog{Dir: "data/catalog"}
		if f.missionPath != "" {
			if o.Mission, err = mission.Load(f.missionPath); err != nil {
				return o, err
			}
			o.Catalog = catalog.ForMission(o.Mission)
			if !cmd.Flags().Changed("max-age") {
				o.MaxAge = o.Mission.StaleAfter()
			}
		}
		if f.cache != "" {
			o.Catalog.Dir = f.cache
		}
		o.Catalog.AllowBadChecksum = f.allowBad
		return o, nil
	}
	run := func(fn func(cmd *cobra.Command, o catalog.Options) error) func(*cobra.Command, []string) error {
		return func(cmd *cobra.Command, args []string) error {
			o, err := opts(cmd, args)
			if err != nil {
				return err
			}
			return fn(cmd, o)
		}
	}
	tle.AddCommand(&cobra.Command{
		Use:   "import [SOURCE...]",
		Short: "Fetch sources now (files or URLs) and cache them",
		RunE: run(func(cmd *cobra.Command, o catalog.Options) error {
			return catalog.RunImport(cmd.Context(), o)
		}),
	}, &cobra.Command{
		Use:   "list [SOURCE...]",
		Short: "List element sets with epoch, age and provenance (no fetch when cached)",
		RunE: run(func(cmd *cobra.Command, o catalog.Options) error {
			return catalog.RunList(cmd.Context(), o)
		}),
	}, &cobra.Command{
		Use:   "check [SOURCE...]",
		Short: "Warn about stale element sets, failed sources and satellites without elements (exit 1 on warnings)",
		RunE: run(func(cmd *cobra.Command, o catalog.Options) error {
			return catalog.RunCheck(cmd.Context(), o)
		}),
	})
	var tx catalog.TransmittersOptions
	transmitters := &cobra.Command{
		Use:   "transmitters [FILE|URL]",
		Short: "Import SatNOGS DB's transmitters into the mission's satellites: frequencies, modem, baud, status",
		Long: `Reads SatNOGS DB's transmitter list (its JSON, from a file or a URL; default
` + catalog.SatNOGSTransmittersURL + `) and sets each mission
satellite's downlink_hz, uplink_hz, modem and bit_rate from its active
transmitter (the one on the mission's frequency when it is still active),
and lists all its transmitters with their status, so ipgs tle check can
warn of inactive ones. Shows the changes; --write writes the mission file,
keeping its comments.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				tx.Source = args[0]
			}
			tx.MissionPath, tx.Out = f.missionPath, cmd.OutOrStdout()
			tx.Catalog = &catalog.Catalog{}
			return catalog.RunTransmitters(cmd.Context(), tx)
		},
	}
	transmitters.Flags().BoolVar(&tx.Write, "write", false, "write the changes into the mission file")
	tle.AddCommand(transmitters)
	return tle
}
