package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"

	"github.com/spf13/cobra"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/mission/sgp4"
	"github.com/ipgs/ipgs/scheduler/clock"
	"github.com/ipgs/ipgs/sdr/radio"
	"github.com/ipgs/ipgs/sdr/recording"
	"github.com/ipgs/ipgs/sdr/rx"
)

type modemListenOpts struct {
	missionFlags
	addr, sat, station string
	freq               float64
	baud, repair, ppm  int
	gain               float64
	record, duration   string
	start, anchor      string
	clk                clock.Clock
}

func newModemListenCmd() *cobra.Command {
	var o modemListenOpts
	c := &cobra.Command{
		Use:   "listen --rtl-tcp HOST:PORT (--freq HZ --baud B | --sat NAME --station NAME)",
		Short: "Receive AX.25 live from an rtl_tcp SDR, with the pass's Doppler removed; one TNC2 line per frame",
		Long: `Tunes an rtl_tcp dongle 50 kHz below the downlink and decodes FM AX.25
frames from it until --duration or Ctrl-C. With --sat and --station
the satellite's downlink frequency and modem come from the mission and
the predicted Doppler is removed as the pass goes (refined by a
frequency-locked loop; the dongle is retuned when the Doppler outgrows
its band). --record keeps the samples as SigMF with each decoded frame
annotated. Each line is the UTC time, the Doppler corrected and the
frame; the count and the receiver's state go to stderr at the end.`,
		Example: `  ipgs modem listen --rtl-tcp 127.0.0.1:1234 --freq 145.825e6 --baud 1200
  ipgs modem listen --rtl-tcp 127.0.0.1:40985 --config examples/mission.yaml --sat DRONE-12 --station Tromso --record pass.sigmf-meta`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt)
			defer stop()
			var err error
			if o.clk, _, err = virtualClock(cmd, o.start, o.anchor, 1); err != nil {
				return err
			}
			return runModemListen(ctx, o, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	addMissionFlags(c, &o.missionFlags)
	c.Flags().StringVar(&o.addr, "rtl-tcp", "127.0.0.1:1234", "the rtl_tcp server")
	c.Flags().Float64Var(&o.freq, "freq", 0, "downlink frequency, Hz (default: the satellite's downlink_hz)")
	c.Flags().IntVar(&o.baud, "baud", 0, "1200 or 9600 (default: the satellite's modem, else 1200)")
	c.Flags().StringVar(&o.sat, "sat", "", "satellite (name or NORAD number) whose Doppler to remove")
	c.Flags().StringVar(&o.station, "station", "", "the mission's station the dongle is at (with --sat)")
	c.Flags().IntVar(&o.repair, "repair", 1, "flip up to this many of a failed frame's least-sure bits (0, 1 or 2)")
	c.Flags().Float64Var(&o.gain, "gain", 0, "tuner gain, dB (0: automatic)")
	c.Flags().IntVar(&o.ppm, "ppm", 0, "the dongle's frequency correction, ppm")
	c.Flags().StringVar(&o.record, "record", "", "keep the samples as SigMF: a path ending in .sigmf-meta")
	c.Flags().StringVar(&o.start, "start", "now", "the time now, RFC 3339, for the Doppler prediction (with the emulator: the same as ipgs sim)")
	c.Flags().StringVar(&o.anchor, "wall-start", "", "wall time at which the clock reads --start (the same as ipgs sim)")
	c.Flags().StringVar(&o.duration, "duration", "", "stop after this long, e.g. 10m (default: until Ctrl-C)")
	return c
}

// runModemListen receives until ctx ends or the duration passes.
func runModemListen(ctx context.Context, o modemListenOpts, out, errOut io.Writer) error {
	if o.repair < 0 || o.repair > 2 {
		return usage(fmt.Errorf("--repair %d: 0, 1 or 2", o.repair))
	}
	cfg := rx.Config{Addr: o.addr, Freq: o.freq, Baud: o.baud, Repair: o.repair, Gain: o.gain, PPM: o.ppm, Record: o.record, Clock: o.clk}
	if (o.sat == "") != (o.station == "") {
		return usage(fmt.Errorf("--sat and --station go together: the Doppler depends on both"))
	}
	if o.sat != "" {
		m, els, _, _, err := o.load(ctx)
		if err != nil {
			return err
		}
		norad, err := findSat(m, o.sat)
		if err != nil {
			return err
		}
		idx, err := findStation(m, o.station, o.config)
		if err != nil {
			return err
		}
		var sat radio.Sat
		for _, e := range els {
			if e.CatalogNumber == norad {
				if sat.Prop, err = sgp4.New(e); err != nil {
					return mission.BadInput(fmt.Errorf("satellite %d: %v", norad, err))
				}
			}
		}
		for _, sc := range m.Satellites {
			if sc.NORAD == norad {
				sat.DownlinkHz = sc.DownlinkHz
				if cfg.Baud == 0 {
					cfg.Baud = sc.Baud()
				}
			}
		}
		if cfg.Freq == 0 {
			cfg.Freq = sat.DownlinkHz
		}
		sat.DownlinkHz = cfg.Freq
		cfg.Doppler = radio.Doppler(sat, m.PassStations()[idx].Location)
	}
	if cfg.Baud == 0 {
		cfg.Baud = 1200
	}
	if cfg.Freq <= 0 {
		return usage(fmt.Errorf("no frequency: give --freq, or --sat and --station"))
	}
	if cfg.Baud != 1200 && cfg.Baud != 9600 {
		return usage(fmt.Errorf("--baud %d: 1200 or 9600", cfg.Baud))
	}
	if o.duration != "" {
		d, err := mission.ParseDuration(o.duration)
		if err != nil || d <= 0 {
			return usage(fmt.Errorf("--duration %q: want a positive length", o.duration))
		}
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d)
		defer cancel()
	}
	var mu sync.Mutex
	s, err := rx.Start(ctx, cfg, func(f rx.Frame) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(out, "%s %+6.0f Hz  %s\n", f.Time.UTC().Format("15:04:05.0"), f.ShiftHz, recording.TNC2(f.Data))
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(errOut, "listening on %.0f Hz at %d baud through rtl_tcp %s\n", cfg.Freq, cfg.Baud, cfg.Addr)
	<-ctx.Done()
	err = s.Close()
	st := s.Stats()
	fmt.Fprintf(errOut, "%d frames decoded (%d repaired); %.1f s of samples, Doppler now %+.0f Hz (max %.0f), FLL %+.0f Hz, %d retunes, %d reconnects\n",
		st.Frames, st.Repaired, float64(st.Samples)/rx.DefaultRate, st.DopplerHz, st.DopplerMaxHz, st.FLLHz, st.Retunes, st.Reconnects)
	if st.Recording != "" {
		fmt.Fprintf(errOut, "recorded %s\n", st.Recording)
	}
	return err
}
