package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/mission/sgp4"
	"github.com/ipgs/ipgs/mission/tle"
	"github.com/ipgs/ipgs/pqlink/keys"
	"github.com/ipgs/ipgs/pqlink/trust"
	"github.com/ipgs/ipgs/scheduler/catalog"
	"github.com/ipgs/ipgs/scheduler/clock"
	"github.com/ipgs/ipgs/sdr/hamlib"
	"github.com/ipgs/ipgs/sdr/radio"
	"github.com/ipgs/ipgs/sdr/rx"
	"github.com/ipgs/ipgs/sdr/serialtnc"
	"github.com/ipgs/ipgs/sdr/track"
	"github.com/ipgs/ipgs/sim"
	"github.com/ipgs/ipgs/telemetry"
	"github.com/ipgs/ipgs/telemetry/influxd"
	"github.com/ipgs/ipgs/telemetry/spool"
	"github.com/ipgs/ipgs/uplink/command"
	"github.com/ipgs/ipgs/uplink/dtn"
	"github.com/ipgs/ipgs/uplink/ground"
	"github.com/ipgs/ipgs/uplink/station"
)

// missionFlags locate the mission file and the data folder.
type missionFlags struct {
	config, data string
}

func addMissionFlags(c *cobra.Command, f *missionFlags) {
	c.Flags().StringVar(&f.config, "config", "examples/mission.yaml", "mission file")
	c.Flags().StringVar(&f.data, "data", "", "data folder: command history, telemetry, pass reports (default: the mission's data_dir, else data)")
}

// load reads the mission, its element sets and its command dictionary.
func (f missionFlags) load(ctx context.Context) (*mission.Mission, []*tle.Elements, *command.Dictionary, string, error) {
	m, err := mission.Load(f.config)
	if err != nil {
		return nil, nil, nil, "", err
	}
	set := catalog.ForMission(m).LoadMission(ctx, m, false)
	var els []*tle.Elements
	for _, e := range set.Entries {
		els = append(els, e.Elements)
	}
	if len(set.Missing) > 0 {
		return nil, nil, nil, "", mission.BadInput(fmt.Errorf("%s: %d satellites have no element set (first: %s)", f.config, len(set.Missing), set.Missing[0].Name))
	}
	var dict *command.Dictionary
	if m.Commands != "" {
		if dict, err = command.LoadDictionary(m.Resolve(m.Commands)); err != nil {
			return nil, nil, nil, "", mission.BadInput(err)
		}
	} else if dict, err = command.ParseDictionary([]byte(command.ExampleDictionary), "built-in"); err != nil {
		return nil, nil, nil, "", err
	}
	return m, els, dict, f.dataDir(m), nil
}

// dataDir is --data, else the mission's data_dir, else data.
func (f missionFlags) dataDir(m *mission.Mission) string {
	switch {
	case f.data != "":
		return f.data
	case m.DataDir != "":
		return m.DataDir
	}
	return "data"
}

func newDemoCmd() *cobra.Command {
	var f struct {
		missionFlags
		duration, start string
		speed, loss     float64
		influxd         string
		secure, vote    bool
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
			res, err := sim.RunDay(cmd.Context(), sim.DayOptions{
				Bundles: bundles,
				Mission: m, Elements: els, Dictionary: dict, Start: start, Duration: dur, Speed: f.speed, Security: sec,
				Faults: sim.Faults{FrameLoss: f.loss}, DataDir: run, Out: out, Seed: uint64(start.Unix()),
				Telemetry: store, Influx: influx,
				Queue: func(h *command.History, d *command.Dictionary) error {
					// a PING for every drone, so the summary shows commanding
					def, ok := d.Lookup("PING")
					if !ok {
						return nil
					}
					for _, s := range m.Satellites {
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
	c.Flags().BoolVar(&f.vote, "vote", true, "run a governance vote relayed as bundles through the drones")
	c.Flags().StringVar(&f.influxd, "influxd", "auto", "influxd to start on 127.0.0.1 for the telemetry (auto: bin/influxd if built; none: the mission's telemetry.url)")
	return c
}

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
			if f.secure {
				if sec, err = simSecurity(m, data, f.passEnv, clk.Now()); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "link security: every drone enforces pqlink/sdls with its X-Wing key and the trust store's station keys\n")
			}
			var bundles *sim.Bundles
			if f.bundles {
				dur, err := mission.ParseDuration(f.duration)
				if err != nil || dur <= 0 {
					return usage(fmt.Errorf("--duration %q: want a positive length", f.duration))
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
	c.Flags().BoolVar(&f.secure, "secure", false, "the drones enforce link security with the keys of the trust store (ipgs keys)")
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

func newStationCmd() *cobra.Command {
	st := &cobra.Command{Use: "station", Short: "Ground station engine"}
	var f struct {
		missionFlags
		name, tnc, start, duration, anchor string
		rig, rot                           string
		rtlTCP, receive, recordIQ          string
		speed                              float64
		secure, bundles                    bool
		passEnv                            string
		status                             string
	}
	run := &cobra.Command{
		Use:   "run",
		Short: "Work a station's contacts: sessions, telemetry, commands, pass reports",
		Long: `Plans the network's contacts for --duration and works this station's:
before AOS prepares the radios, at AOS opens a session with the satellite,
stores and acknowledges telemetry (data/stations/STATION/telemetry.jsonl), uplinks queued
commands (ipgs cmd send) and records their verification, closes at LOS
and appends a pass report (data/stations/STATION/passes.jsonl).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, els, _, data, err := f.load(cmd.Context())
			if err != nil {
				return err
			}
			idx, err := findStation(m, f.name, f.config)
			if err != nil {
				return err
			}
			clk, start, err := virtualClock(cmd, f.start, f.anchor, f.speed)
			if err != nil {
				return err
			}
			dur, err := mission.ParseDuration(f.duration)
			if err != nil || dur <= 0 {
				return usage(fmt.Errorf("--duration %q: want a positive length", f.duration))
			}
			if f.tnc == "" {
				f.tnc = m.Stations[idx].Radio.TNC
			}
			var dial func(context.Context) (io.ReadWriteCloser, error)
			if dev, ok := strings.CutPrefix(f.tnc, "serial:"); ok {
				dial = func(context.Context) (io.ReadWriteCloser, error) {
					return serialtnc.Open(serialtnc.Options{Port: dev})
				}
			}
			f.tnc = strings.TrimPrefix(f.tnc, "tcp://")
			if f.tnc == "" {
				return usage(fmt.Errorf("no TNC: give --tnc host:port (or serial:/dev/...) or radio.tnc in the mission file"))
			}
			pl, err := planNetwork(cmd.Context(), m, els, start, dur, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			hist, err := command.OpenHistory(filepath.Join(data, "commands.jsonl"))
			if err != nil {
				return err
			}
			name := m.Stations[idx].Name
			out := cmd.OutOrStdout()
			var rad station.Radio
			var rs *radio.Station
			rtlAddr := pick(f.rtlTCP, m.Stations[idx].Radio.RTLTCP)
			switch f.receive {
			case "":
				f.receive = "tnc"
				if rtlAddr != "" {
					f.receive = "both"
				}
			case "tnc":
			case "sdr", "both":
				if rtlAddr == "" {
					return usage(fmt.Errorf("--receive %s needs an SDR: give --rtl-tcp host:port or radio.rtl_tcp in the mission file", f.receive))
				}
			default:
				return usage(fmt.Errorf("--receive %q: want tnc, sdr or both", f.receive))
			}
			if f.receive == "tnc" {
				rtlAddr = ""
			}
			if rigAddr, rotAddr := pick(f.rig, m.Stations[idx].Radio.Rig), pick(f.rot, m.Stations[idx].Rotator.Address); rigAddr != "" || rotAddr != "" || rtlAddr != "" {
				rc := m.Stations[idx].Radio
				rs = &radio.Station{Location: m.PassStations()[idx].Location, Clock: clk, Sats: map[int]radio.Sat{}, Park: track.AzEl{Az: 0, El: 90}, Log: cmd.ErrOrStderr(),
					Duplex: rc.Duplex, RXVFO: rc.RXVFO, TXVFO: rc.TXVFO}
				if rigAddr != "" {
					rs.Rig = hamlib.DialRig(rigAddr, 0)
					defer rs.Rig.Close()
				}
				if rotAddr != "" {
					rs.Rotator = hamlib.DialRotator(rotAddr, 0)
					defer rs.Rotator.Close()
				}
				for _, e := range els {
					if p, err := sgp4.New(e); err == nil {
						rs.Sats[e.CatalogNumber] = radio.Sat{Prop: p}
						for _, sc := range m.Satellites {
							if sc.NORAD == e.CatalogNumber {
								rs.Sats[e.CatalogNumber] = radio.Sat{Prop: p, DownlinkHz: sc.DownlinkHz, UplinkHz: sc.UplinkHz, Baud: sc.Baud()}
							}
						}
					}
				}
				if rtlAddr != "" {
					rs.SDR = &rx.Config{Addr: rtlAddr, Repair: 1}
					rs.RecordDir = f.recordIQ
				}
				rad = rs
				fmt.Fprintf(out, "radios: rig %s, rotator %s, SDR %s (receiving through %s)\n", orNone(rigAddr), orNone(rotAddr), orNone(rtlAddr), f.receive)
			}
			fmt.Fprintf(out, "station %s: %d contacts in the next %s, TNC %s\n", name, len(station.PlanContacts(pl, idx)), dur, f.tnc)
			cfg := ground.Config{
				Mission: m, Elements: els, Station: idx, Plan: pl, Start: start, Duration: dur, Clock: clk,
				Dir: filepath.Join(data, "stations", name), History: hist, TNC: f.tnc, Dial: dial, TransmitOnly: f.receive == "sdr", Radio: rad,
				Status: f.status, NoSync: f.speed > 10, Log: cmd.ErrOrStderr(),
				Reports: func(r station.Report) { fmt.Fprintln(out, stationReportLine(r, rs != nil && rs.SDR != nil)) },
			}
			// telemetry: decoded, checked and spooled before any ACK, then
			// shipped to InfluxDB when one is configured
			tc := telemetry.ConfigFor(m, data)
			if tc.Dictionary != "" {
				td, err := tc.LoadDictionary()
				if err != nil {
					return err
				}
				// each station its own store: stations on one machine share the data folder
				tc.Dir = filepath.Join(tc.Dir, name)
				store, err := telemetry.OpenStoreWith(tc.Dir, td, spool.Options{NoSync: f.speed > 10})
				if err != nil {
					return err
				}
				defer store.Close()
				if store.Spool.Recovery != "" {
					fmt.Fprintln(cmd.ErrOrStderr(), "ipgs: telemetry spool:", store.Spool.Recovery)
				}
				cfg.Telemetry, cfg.Influx = store, tc.Influx
				if tc.Influx != nil {
					fmt.Fprintf(out, "telemetry: store %s, InfluxDB %s bucket %s\n", tc.Dir, tc.Influx.URL, tc.Influx.Bucket)
				} else {
					fmt.Fprintf(out, "telemetry: store %s (no InfluxDB configured)\n", tc.Dir)
				}
			}
			if f.secure {
				st, err := trust.Load(m, trust.KeysDir(m, data))
				if err != nil {
					return err
				}
				g, err := st.Ground(name, passphraseFrom(f.passEnv), clk.Now())
				if err != nil {
					return mission.BadInput(fmt.Errorf("link security: %v (ipgs keys init makes the keys and the trust store)", err))
				}
				cfg.Security = g
				fmt.Fprintf(out, "link security: signing with %s, %d satellite keys\n", g.Station.ID, len(g.SatKeys))
			}
			if f.bundles && m.Stations[idx].DTNNode != "" {
				if cfg.Bundles, err = stationBundles(m, idx, data, out); err != nil {
					return err
				}
			}
			rt, err := ground.New(cfg)
			if err != nil {
				return err
			}
			if rs != nil {
				rs.Frames = rt.Engine().Inject
			}
			if n := rt.Node(); n != nil {
				fmt.Fprintf(out, "bundles: node %s, store %s, outbox %s, inbox %s\n", dtn.NodeID(n.Num), cfg.Bundles.Store, cfg.Bundles.Outbox, cfg.Bundles.Inbox)
			}
			if a := rt.StatusAddr(); a != "" {
				fmt.Fprintf(out, "status: http://%s/api/status (ipgs gui --attach %s)\n", a, a)
			}
			err = rt.Run(cmd.Context())
			if errors.Is(err, context.Canceled) {
				return nil
			}
			return err
		},
	}
	addMissionFlags(run, &f.missionFlags)
	run.Flags().StringVar(&f.name, "station", "", "station name (from the mission file)")
	run.Flags().StringVar(&f.tnc, "tnc", "", "KISS TNC: host:port (TCP) or serial:/dev/ttyX (default: the station's radio.tnc)")
	run.Flags().StringVar(&f.start, "start", "now", "virtual start, RFC 3339 (with the emulator: the same as ipgs sim)")
	run.Flags().StringVar(&f.duration, "duration", "1d", "how far ahead to plan and work")
	run.Flags().Float64Var(&f.speed, "speed", 1, "virtual seconds per wall second (the same as ipgs sim)")
	run.Flags().StringVar(&f.anchor, "wall-start", "", "wall time at which the virtual clock reads --start (the same as ipgs sim)")
	run.Flags().StringVar(&f.rig, "rig", "", "rigctld host:port for Doppler tuning (default: the station's radio.rig; \"none\" to disable)")
	run.Flags().BoolVar(&f.secure, "secure", false, "secure the space link with the station's key from the trust store (ipgs keys)")
	run.Flags().BoolVar(&f.bundles, "bundles", true, "run the station's bundle agent (when it has a dtn_node): store, routing, outbox and inbox, TCPCL ground links")
	run.Flags().StringVar(&f.passEnv, "passphrase-env", "", "environment variable with the passphrase of a sealed station key")
	run.Flags().StringVar(&f.rtlTCP, "rtl-tcp", "", "rtl_tcp host:port of an SDR that receives the downlink (default: the station's radio.rtl_tcp; \"none\" to disable)")
	run.Flags().StringVar(&f.receive, "receive", "", "where the downlink comes from: tnc, sdr (the TNC only transmits) or both (default: both with an SDR, else tnc)")
	run.Flags().StringVar(&f.recordIQ, "record-iq", "", "directory to keep each pass's SDR samples in as SigMF, with the decoded frames annotated")
	run.Flags().StringVar(&f.status, "status", "", "serve the station's status for mission control (ipgs gui --attach) on this host:port, e.g. 127.0.0.1:8101")
	run.Flags().StringVar(&f.rot, "rotator", "", "rotctld host:port for tracking (default: the station's rotator.address; \"none\" to disable)")
	st.AddCommand(run)
	return st
}

func newCmdCmd() *cobra.Command {
	top := &cobra.Command{Use: "cmd", Short: "Commanding: validate and queue commands, show their history"}
	var f struct {
		missionFlags
		at  string
		yes bool
		sat int
	}
	send := &cobra.Command{
		Use:   "send SAT NAME [ARG...]",
		Short: "Validate a command against the dictionary and queue it for the satellite's next contact",
		Long: `SAT is a NORAD number or a satellite name from the mission file; NAME a
command from the dictionary; arguments as name=value or in order. Bad
arguments are refused here and never reach the queue. --at sets a time tag:
the satellite executes the command at that onboard time. Hazardous
commands need --yes.`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, _, dict, data, err := f.load(cmd.Context())
			if err != nil {
				return err
			}
			sat, err := findSat(m, args[0])
			if err != nil {
				return err
			}
			def, vals, err := lookupCommand(dict, args[1], args[2:])
			if err != nil {
				return err
			}
			if def.Hazardous && !f.yes {
				return mission.BadInput(fmt.Errorf("%s is hazardous: confirm with --yes", def.Name))
			}
			var at time.Time
			if f.at != "" {
				if at, err = mission.ParseTime(f.at, time.Now()); err != nil {
					return usage(err)
				}
			}
			payload, err := def.Encode(vals)
			if err != nil {
				return err
			}
			var texts []string
			for _, v := range vals {
				texts = append(texts, v.Name+"="+v.Text)
			}
			hist, err := command.OpenHistory(filepath.Join(data, "commands.jsonl"))
			if err != nil {
				return err
			}
			id, err := hist.Queue(command.Record{Sat: sat, Name: def.Name, Opcode: def.Opcode, Args: texts, Payload: payload, At: at,
				Time: time.Now().UTC(), Hazard: def.Hazardous})
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "queued command %d: %s %s for %d\n", id, def.Name, strings.Join(texts, " "), sat)
			return nil
		},
	}
	addMissionFlags(send, &f.missionFlags)
	send.Flags().StringVar(&f.at, "at", "", "time tag: execute at this onboard time (RFC 3339)")
	send.Flags().BoolVar(&f.yes, "yes", false, "confirm a hazardous command")
	history := &cobra.Command{
		Use:   "history",
		Short: "Commands with their verification stages",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, _, _, data, err := f.load(cmd.Context())
			if err != nil {
				return err
			}
			hist, err := command.OpenHistory(filepath.Join(data, "commands.jsonl"))
			if err != nil {
				return err
			}
			all, err := hist.Commands()
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSAT\tCOMMAND\tSTATE\tSTAGES\tREASON\t")
			for _, c := range all {
				if f.sat != 0 && c.Sat != f.sat {
					continue
				}
				var st []string
				for _, s := range c.Stages {
					st = append(st, s.Stage+"@"+s.Time.Format("01-02T15:04:05")+stationOf(s))
				}
				fmt.Fprintf(tw, "%d\t%d\t%s %s\t%s\t%s\t%s\t\n", c.ID, c.Sat, c.Name, strings.Join(c.Args, " "), c.State(), strings.Join(st, " "), c.Last().Reason)
			}
			return tw.Flush()
		},
	}
	addMissionFlags(history, &f.missionFlags)
	history.Flags().IntVar(&f.sat, "sat", 0, "only this satellite (NORAD number)")
	top.AddCommand(send, history)
	return top
}

func stationOf(r command.Record) string {
	if r.Station == "" {
		return ""
	}
	return "(" + r.Station + ")"
}

// findStation is the index of the mission's station called name.
func findStation(m *mission.Mission, name, config string) (int, error) {
	for i, s := range m.Stations {
		if strings.EqualFold(s.Name, name) {
			return i, nil
		}
	}
	return -1, usage(fmt.Errorf("--station %q is not in %s", name, config))
}

func findSat(m *mission.Mission, s string) (int, error) {
	n, err := strconv.Atoi(s)
	for _, sc := range m.Satellites {
		if (err == nil && sc.NORAD == n) || strings.EqualFold(sc.Name, s) {
			return sc.NORAD, nil
		}
	}
	return 0, mission.BadInput(fmt.Errorf("satellite %q is not in the mission", s))
}

// virtualClock is the clock of ipgs sim and ipgs station run: real time,
// or virtual time from start at speed, anchored at the wall time anchor
// (RFC 3339; default the next whole 10 s) so separate processes agree.
func virtualClock(cmd *cobra.Command, startFlag, anchorFlag string, speed float64) (clock.Clock, time.Time, error) {
	start, err := mission.ParseTime(startFlag, time.Now())
	if err != nil {
		return nil, start, usage(err)
	}
	if speed == 1 && startFlag == "now" {
		return clock.Real{}, start, nil
	}
	anchor := clock.NextAnchor(time.Now())
	if anchorFlag != "" {
		if anchor, err = time.Parse(time.RFC3339Nano, anchorFlag); err != nil {
			return nil, start, usage(fmt.Errorf("--wall-start %q: want RFC 3339", anchorFlag))
		}
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "virtual time %s at wall %s, %gx (give other processes --start %s --speed %g --wall-start %s)\n",
		start.Format(time.RFC3339), anchor.Format(time.RFC3339), speed, start.Format(time.RFC3339), speed, anchor.Format(time.RFC3339))
	return clock.NewScaledAt(start, speed, anchor), start, nil
}

// pick returns the flag when given ("none" disables), else the mission's value.
func pick(flag, mission string) string {
	switch flag {
	case "none":
		return ""
	case "":
		return mission
	}
	return flag
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
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

// passphraseFrom reads a passphrase from the named environment variable.
func passphraseFrom(env string) []byte {
	if env == "" {
		return nil
	}
	return []byte(os.Getenv(env))
}

// simSecurity loads every drone's key and trusted station keys.
func simSecurity(m *mission.Mission, data, passEnv string, at time.Time) (*sim.Security, error) {
	st, err := trust.Load(m, trust.KeysDir(m, data))
	if err != nil {
		return nil, err
	}
	sec := &sim.Security{KEM: map[int]*keys.Private{}, Trusted: map[int]map[string]*keys.Public{}}
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
	dur, err := mission.ParseDuration(durationFlag)
	if err != nil || dur <= 0 {
		return time.Time{}, 0, usage(fmt.Errorf("--duration %q: want a positive length such as 12h", durationFlag))
	}
	start, err := mission.ParseTime(startFlag, time.Now().Truncate(time.Minute))
	if err != nil {
		return time.Time{}, 0, usage(err)
	}
	return start, dur, nil
}

// lookupCommand finds a dictionary command and validates its arguments
// (errors are bad input).
func lookupCommand(dict *command.Dictionary, name string, args []string) (*command.Def, []command.Value, error) {
	def, ok := dict.Lookup(name)
	if !ok {
		return nil, nil, mission.BadInput(fmt.Errorf("no command %q in the dictionary", name))
	}
	vals, err := def.Validate(args)
	if err != nil {
		return nil, nil, mission.BadInput(err)
	}
	return def, vals, nil
}

// stationReportLine is ipgs station run's line at the end of a contact.
func stationReportLine(r station.Report, sdr bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s LOS: rx %d frames, %d packets, %d frame errors, %d commands verified",
		r.End.Format(time.RFC3339), r.Name, r.FramesRx, r.Packets, r.FrameErrors, r.CommandsVerified)
	if r.HandshakeBytes > 0 {
		fmt.Fprintf(&b, "; link security handshake %d bytes in %.1f s", r.HandshakeBytes, r.HandshakeSeconds)
	}
	if r.SecurityRejected > 0 {
		fmt.Fprintf(&b, "; %d downlink frames refused by link security", r.SecurityRejected)
	}
	if r.Radio != nil {
		fmt.Fprintf(&b, "; pointing error mean %.1f° max %.1f°, Doppler up to %.0f Hz, %d retunes, %d radio errors",
			r.Radio.PointingErrMeanDeg, r.Radio.PointingErrMaxDeg, r.Radio.DopplerMaxHz, r.Radio.Retunes, len(r.Radio.Errors))
		if sdr {
			fmt.Fprintf(&b, "; SDR %d frames (%d repaired), FLL %+.0f Hz", r.Radio.SDRFrames, r.Radio.SDRRepaired, r.Radio.SDRFLLHz)
		}
	}
	return b.String()
}
