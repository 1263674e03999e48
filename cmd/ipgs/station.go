package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ipgs/ipgs/uplink/ccsds/link"
	procs "github.com/ipgs/ipgs/uplink/proc"

	"github.com/spf13/cobra"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/mission/sgp4"
	"github.com/ipgs/ipgs/pqlink/gov"
	"github.com/ipgs/ipgs/pqlink/trust"
	"github.com/ipgs/ipgs/sdr/hamlib"
	"github.com/ipgs/ipgs/sdr/radio"
	"github.com/ipgs/ipgs/sdr/rx"
	"github.com/ipgs/ipgs/sdr/serialtnc"
	"github.com/ipgs/ipgs/sdr/track"
	"github.com/ipgs/ipgs/telemetry"
	"github.com/ipgs/ipgs/telemetry/spool"
	"github.com/ipgs/ipgs/uplink/command"
	"github.com/ipgs/ipgs/uplink/control"
	"github.com/ipgs/ipgs/uplink/dtn"
	"github.com/ipgs/ipgs/uplink/ground"
	"github.com/ipgs/ipgs/uplink/station"
	"github.com/ipgs/ipgs/uplink/station/status"
)

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
		webhooks                           []string
		procAtAOS                          []string
		operator                           string
		webhookTokenEnv                    string
		control                            string
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
			m, els, dict, data, err := f.load(cmd.Context())
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
			dur, err := planSpan(f.duration)
			if err != nil {
				return err
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
			name := m.Stations[idx].Name
			histPath := filepath.Join(data, "commands.jsonl")
			var ctl *control.Client
			if f.control != "" {
				// the network's commands come over the control plane, into
				// the station's own history
				histPath = filepath.Join(data, "stations", name, "commands.jsonl")
				if ctl, err = ground.ConnectControl(f.control, filepath.Join(data, "control"), name); err != nil {
					return err
				}
				defer ctl.Close()
			}
			hist, err := command.OpenHistory(histPath)
			if err != nil {
				return err
			}
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
				// the operator's offsets by satellite, kept for the next passes
				offPath := filepath.Join(data, "stations", name, "radio-offsets.json")
				if rs.Offsets, err = radio.LoadOffsets(offPath); err != nil {
					return err
				}
				rs.OnOffset = func(offsets map[int]float64) {
					if err := radio.SaveOffsets(offPath, offsets); err != nil {
						fmt.Fprintln(cmd.ErrOrStderr(), "ipgs: radio offsets:", err)
					}
				}
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
								rsat := radio.Sat{Prop: p, DownlinkHz: sc.DownlinkHz, UplinkHz: sc.UplinkHz, Baud: sc.Baud()}
								if prof, ok := link.FromMission(&sc); ok {
									code := prof.Code()
									rsat.Code = &code
								}
								rs.Sats[e.CatalogNumber] = rsat
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
			var statusToken string
			if f.status != "" {
				if statusToken, err = status.LoadToken(statusTokenPath(m, data)); err != nil {
					return err
				}
			}
			cfg := ground.Config{
				Mission: m, Elements: els, Station: idx, Plan: pl, Start: start, Duration: dur, Clock: clk,
				Dir: filepath.Join(data, "stations", name), History: hist, TNC: f.tnc, Dial: dial, TransmitOnly: f.receive == "sdr", Radio: rad,
				Status: f.status, StatusToken: statusToken, NoSync: f.speed > 10, Log: cmd.ErrOrStderr(), Control: ctl,
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
				if len(f.webhooks) > 0 {
					urls, err := telemetry.ParseWebhooks(f.webhooks)
					if err != nil {
						return usage(err)
					}
					cfg.Webhooks = &telemetry.Webhooks{URLs: urls, Token: os.Getenv(f.webhookTokenEnv), Station: name, Log: cmd.ErrOrStderr()}
					fmt.Fprintf(out, "alarms: posted to %d webhook(s)\n", len(urls))
				}
				if tc.Influx != nil {
					fmt.Fprintf(out, "telemetry: store %s, InfluxDB %s bucket %s\n", tc.Dir, tc.Influx.URL, tc.Influx.Bucket)
				} else {
					fmt.Fprintf(out, "telemetry: store %s (no InfluxDB configured)\n", tc.Dir)
				}
			}
			if !cmd.Flags().Changed("secure") {
				f.secure = len(m.Security.Stations) > 0 // on whenever there is a trust store
			}
			if !f.secure && len(m.Security.Stations) > 0 {
				fmt.Fprintf(cmd.ErrOrStderr(), "ipgs: warning: the mission has a trust store, but --secure=false: the space link runs unprotected and this station signs no governance receipts\n")
			}
			var witness *gov.Witness
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
				if witness, err = stationWitness(st, name, passphraseFrom(f.passEnv), clk.Now()); err != nil {
					return mission.BadInput(fmt.Errorf("governance receipts: %v", err))
				}
			}
			if f.bundles && m.Stations[idx].DTNNode != "" {
				if cfg.Bundles, err = stationBundles(m, idx, data, out); err != nil {
					return err
				}
				if witness != nil {
					cfg.Bundles.Witness = witness.Observe
					fmt.Fprintf(out, "governance: this station receipts every proposal and ballot it receives, signed with %s\n", witness.Key.ID)
				}
			}
			for _, pa := range f.procAtAOS {
				satArg, file, ok := strings.Cut(pa, "=")
				if !ok {
					return usage(fmt.Errorf("--proc-at-aos %q: want SAT=FILE", pa))
				}
				sat, err := findSat(m, satArg)
				if err != nil {
					return err
				}
				src, err := os.ReadFile(file)
				if err != nil {
					return err
				}
				if err := procs.Check(filepath.Base(file), src); err != nil {
					return mission.BadInput(err)
				}
				cfg.AtAOS = append(cfg.AtAOS, ground.AOSProcedure{Sat: sat, Name: filepath.Base(file), Source: src})
				fmt.Fprintf(out, "procedures: %s at each contact with %d\n", filepath.Base(file), sat)
			}
			cfg.Dictionary, cfg.Operator = dict, operatorName(f.operator)
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
	run.Flags().StringArrayVar(&f.procAtAOS, "proc-at-aos", nil, "run a procedure at each contact with a satellite: SAT=FILE (repeat)")
	run.Flags().StringVar(&f.operator, "operator", "", "who the procedures at AOS run as, in the command history (default: the login name)")
	run.Flags().StringArrayVar(&f.webhooks, "alarm-webhook", nil, "post alarm events of a severity to a URL: SEVERITY=URL, SEVERITY red, yellow, stale or * (repeat)")
	run.Flags().StringVar(&f.webhookTokenEnv, "webhook-token-env", "", "environment variable with a bearer token for the alarm webhooks")
	run.Flags().BoolVar(&f.secure, "secure", false, "secure the space link and sign governance receipts with the station's key from the trust store (ipgs keys); on by default when the mission has one")
	run.Flags().BoolVar(&f.bundles, "bundles", true, "run the station's bundle agent (when it has a dtn_node): store, routing, outbox and inbox, TCPCL ground links")
	run.Flags().StringVar(&f.passEnv, "passphrase-env", "", "environment variable with the passphrase of a sealed station key")
	run.Flags().StringVar(&f.rtlTCP, "rtl-tcp", "", "rtl_tcp host:port of an SDR that receives the downlink (default: the station's radio.rtl_tcp; \"none\" to disable)")
	run.Flags().StringVar(&f.receive, "receive", "", "where the downlink comes from: tnc, sdr (the TNC only transmits) or both (default: both with an SDR, else tnc)")
	run.Flags().StringVar(&f.recordIQ, "record-iq", "", "directory to keep each pass's SDR samples in as SigMF, with the decoded frames annotated")
	run.Flags().StringVar(&f.status, "status", "", "serve the station's status for mission control (ipgs gui --attach) on this host:port, e.g. 127.0.0.1:8101")
	run.Flags().StringVar(&f.control, "control", "", "work the network's plan and commands from its control plane (NATS URLs, comma-separated; ipgs control serve), as this station")
	run.Flags().StringVar(&f.rot, "rotator", "", "rotctld host:port for tracking (default: the station's rotator.address; \"none\" to disable)")
	st.AddCommand(run, newStationRadioCmd())
	return st
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

// passphraseFrom reads a passphrase from the named environment variable.
func passphraseFrom(env string) []byte {
	if env == "" {
		return nil
	}
	return []byte(os.Getenv(env))
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

// statusTokenPath is where a station keeps the token of its status
// endpoint, mode 0600, beside its keys; ipgs gui --attach reads it there.
func statusTokenPath(m *mission.Mission, data string) string {
	return filepath.Join(trust.KeysDir(m, data), "status.token")
}
