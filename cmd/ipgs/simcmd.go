package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/pqlink/keys"
	"github.com/ipgs/ipgs/pqlink/trust"
	"github.com/ipgs/ipgs/sim"
)

func newSimCmd() *cobra.Command {
	var f struct {
		missionFlags
		start, host string
		speed, loss float64
		basePort    int
		serial      bool
		rtlTCP      bool
		anchor      string
		secure      bool
		passEnv     string
		bundles     bool
		duration    string
	}
	c := &cobra.Command{
		Use:   "sim",
		Short: "Run the satellite emulator: a KISS TCP port per station",
		Long: `Flies the mission's constellation and serves each station's link as KISS
over TCP (station i on --base-port+i; 127.0.0.1 unless --host). Run
'ipgs station run' against it, with the same --start and --speed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, els, dict, data, err := f.load(cmd.Context())
			if err != nil {
				return err
			}
			clk, start, err := virtualClock(cmd, f.start, f.anchor, f.speed)
			if err != nil {
				return err
			}
			var sec *sim.Security
			if !cmd.Flags().Changed("secure") {
				f.secure = len(m.Security.Stations) > 0 // on whenever there is a trust store
			}
			if f.secure {
				if sec, err = simSecurity(m, data, f.passEnv, clk.Now()); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "link security: every drone enforces pqlink/sdls with its X-Wing key and the trust store's station keys\n")
			}
			var bundles *sim.Bundles
			if f.bundles {
				dur, err := planSpan(f.duration)
				if err != nil {
					return err
				}
				pl, err := planNetwork(cmd.Context(), m, els, start, dur, cmd.ErrOrStderr())
				if err != nil {
					return err
				}
				if bundles, err = simBundles(m, data, pl, start, start.Add(dur), f.passEnv, f.speed > 10, cmd.ErrOrStderr()); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "bundles: drones with a dtn_node relay bundles on the plan of %s from %s; stores in %s\n", dur, start.Format(time.RFC3339), bundles.Dir)
			}
			emu, err := sim.New(sim.Options{Mission: m, Elements: els, Dictionary: dict, Clock: clk, Host: f.host, BasePort: f.basePort,
				Faults: sim.Faults{FrameLoss: f.loss}, Log: cmd.ErrOrStderr(), Serial: f.serial, Security: sec, Bundles: bundles, RTLTCP: f.rtlTCP,
				UplinkAirtime: bundles != nil})
			if err != nil {
				return err
			}
			for _, s := range m.Stations {
				fmt.Fprintf(cmd.OutOrStdout(), "station %-10s KISS TCP %s", s.Name, emu.Addr(s.Name))
				if p := emu.SerialPath(s.Name); p != "" {
					fmt.Fprintf(cmd.OutOrStdout(), "  serial %s", p)
				}
				if a := emu.RTLAddr(s.Name); a != "" {
					fmt.Fprintf(cmd.OutOrStdout(), "  rtl_tcp %s", a)
				}
				fmt.Fprintln(cmd.OutOrStdout())
			}
			err = emu.Serve(cmd.Context())
			if errors.Is(err, context.Canceled) {
				return nil
			}
			return err
		},
	}
	addMissionFlags(c, &f.missionFlags)
	c.Flags().BoolVar(&f.secure, "secure", false, "the drones enforce link security with the keys of the trust store (ipgs keys); on by default when the mission has one")
	c.Flags().StringVar(&f.passEnv, "passphrase-env", "", "environment variable with the passphrase of sealed keys")
	c.Flags().StringVar(&f.start, "start", "now", "virtual start time, RFC 3339")
	c.Flags().Float64Var(&f.speed, "speed", 1, "virtual seconds per wall second")
	c.Flags().StringVar(&f.host, "host", "127.0.0.1", "address the station ports bind to")
	c.Flags().IntVar(&f.basePort, "base-port", 8001, "station i listens on base-port+i (0: any free port)")
	c.Flags().Float64Var(&f.loss, "loss", 0, "extra frame loss probability")
	c.Flags().BoolVar(&f.bundles, "bundles", true, "the drones relay bundles, routing on the plan of --duration from --start (the stations' too)")
	c.Flags().StringVar(&f.duration, "duration", "1d", "the span the bundle routes are planned over (the same as ipgs station run)")
	c.Flags().BoolVar(&f.serial, "serial", false, "also offer each station's link as a serial TNC (a pseudo-terminal)")
	c.Flags().BoolVar(&f.rtlTCP, "rtl-tcp", false, "also serve each station's downlink as FM IQ from an emulated RTL-SDR on an rtl_tcp port (for real-time runs)")
	c.Flags().StringVar(&f.anchor, "wall-start", "", "wall time at which the virtual clock reads --start (default: the next whole 10 s)")
	return c
}

// simSecurity loads every drone's key and trusted station keys.
func simSecurity(m *mission.Mission, data, passEnv string, at time.Time) (*sim.Security, error) {
	st, err := trust.Load(m, trust.KeysDir(m, data))
	if err != nil {
		return nil, err
	}
	sec := &sim.Security{KEM: map[int]*keys.Private{}, Trusted: map[int]map[string]*keys.Public{},
		May: func(sat int, id string, t time.Time) error { return st.MayCommand(id, sat, t) }}
	for _, sc := range m.Satellites {
		k, tr, err := st.Onboard(sc.NORAD, passphraseFrom(passEnv), at)
		if err != nil {
			return nil, mission.BadInput(fmt.Errorf("%s: %v (ipgs keys init makes the keys and the trust store)", sc.Name, err))
		}
		sec.KEM[sc.NORAD], sec.Trusted[sc.NORAD] = k, tr
	}
	return sec, nil
}

// simSpan reads --start (RFC 3339 or now, to the minute) and --duration
// of a simulated run.
func simSpan(startFlag, durationFlag string) (time.Time, time.Duration, error) {
	dur, err := planSpan(durationFlag)
	if err != nil {
		return time.Time{}, 0, err
	}
	start, err := mission.ParseTime(startFlag, time.Now().Truncate(time.Minute))
	if err != nil {
		return time.Time{}, 0, usage(err)
	}
	return start, dur, nil
}

// maxPlanSpan is the longest window a station, the emulator or the demo
// plans and works at once: a quarter. (Ten years took minutes to plan,
// and the process did not answer SIGTERM meanwhile.)
const maxPlanSpan = 92 * 24 * time.Hour

// planSpan reads a --duration of operations: positive, at most a quarter.
func planSpan(flag string) (time.Duration, error) {
	dur, err := mission.ParseDuration(flag)
	if err != nil || !(dur > 0 && dur <= maxPlanSpan) {
		return 0, usage(fmt.Errorf("--duration %q: want a positive length up to 92d, such as 12h", flag))
	}
	return dur, nil
}
