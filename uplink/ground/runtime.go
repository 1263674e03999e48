// Package ground is a ground station's runtime: everything one station
// runs to work its part of the network's contact plan, in one place.
// ipgs station run is one runtime; the demo, the in-process desktop and
// the emulator's whole-day tests run one per station against the
// emulator, on one clock.
//
// A runtime owns the station engine (TNC link, radios, link security),
// the station's files (telemetry.jsonl and passes.jsonl in its folder),
// the telemetry store's shipper, the bundle agent with its TCPCL ground
// links, and the status endpoint. Run starts them all and returns only
// once every goroutine it started has returned.
package ground

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/mission/tle"
	"github.com/ipgs/ipgs/scheduler/clock"
	"github.com/ipgs/ipgs/scheduler/plan"
	"github.com/ipgs/ipgs/telemetry"
	"github.com/ipgs/ipgs/telemetry/dict"
	"github.com/ipgs/ipgs/uplink/ccsds/link"
	"github.com/ipgs/ipgs/uplink/command"
	"github.com/ipgs/ipgs/uplink/control"
	"github.com/ipgs/ipgs/uplink/dtn"
	"github.com/ipgs/ipgs/uplink/kiss"
	"github.com/ipgs/ipgs/uplink/proc"
	"github.com/ipgs/ipgs/uplink/station"
	"github.com/ipgs/ipgs/uplink/station/status"
)

// Config is what a station runtime is made of.
type Config struct {
	Mission  *mission.Mission
	Elements []*tle.Elements
	Station  int        // index in Mission.Stations
	Plan     *plan.Plan // the network's plan (plan.NetworkOptions)
	Start    time.Time  // the planned window
	Duration time.Duration
	Clock    clock.Clock
	// Dir is the station's own folder: telemetry.jsonl, passes.jsonl and,
	// when History is nil, commands.jsonl.
	Dir     string
	History *command.History // shared by the stations of one process
	// The TNC: Dial opens it (nil: TCP to TNC, host:port).
	TNC          string
	Dial         func(ctx context.Context) (io.ReadWriteCloser, error)
	TransmitOnly bool // the downlink comes only through Engine().Inject (an SDR)
	Radio        station.Radio
	Security     station.FrameSecurity
	// Telemetry, if set, decodes, checks and spools every packet before
	// it is acknowledged; Influx, if set too, is where the runtime ships
	// the spool.
	Telemetry *telemetry.Store
	Influx    *telemetry.Influx
	// Webhooks, if set with Telemetry, are told of every alarm event.
	Webhooks *telemetry.Webhooks
	// AtAOS are procedures run at each contact with their satellite (as
	// the contact starts), as Operator, with the commands of Dictionary.
	AtAOS      []AOSProcedure
	Dictionary *command.Dictionary
	Operator   string
	Bundles    *Bundles // nil: no bundle agent
	// Status, if set, is where the status endpoint is served (ipgs gui
	// --attach): an address on the loopback interface. StatusToken is the
	// secret its clients present (status.LoadToken keeps one).
	Status      string
	StatusToken string
	// NoSync skips fsyncs (accelerated clocks: a millisecond of fsync is
	// seconds of virtual time).
	NoSync bool
	// SinkFile, if set, wraps telemetry.jsonl (a test's full disk).
	SinkFile func(*os.File) station.SinkFile
	Log      io.Writer // what goes wrong, and the engine's notes
	// Control, if set, is the station's link to the network's control
	// plane (connected as the station): the station works the newest plan
	// version it brings and never plans the network itself, takes the
	// network's commands into its history and claims each before it
	// uplinks it, and sends its stages, pass reports, alarms and a
	// heartbeat every Heartbeat (0: 10 s on Clock).
	Control   *control.Client
	Heartbeat time.Duration
	// Reports and Progress, if set, see every pass report and progress
	// line after the runtime recorded them.
	Reports  func(station.Report)
	Progress func(station.Progress)
}

// Runtime is a running station. Make it with New, run it with Run.
type Runtime struct {
	cfg    Config
	name   string
	engine *station.Engine
	board  *status.Board
	node   *dtn.Node
	agent  *agent
	link   *control.StationLink // nil: no control plane

	tm         *station.FileSink
	repFile    *os.File
	ownHistory bool
	// procedures run at AOS: their context and goroutines (Run's)
	procMu    sync.Mutex
	procCtx   context.Context
	procWG    sync.WaitGroup
	procsRun  map[string]bool
	latest    proc.Latest // every value received, for the procedures at AOS
	archiveMu sync.Mutex
	status    net.Listener

	closeOnce  sync.Once
	replanning sync.Mutex
	mu         sync.Mutex // guards plan and repFile writes
	plan       *plan.Plan
}

// New opens the station's files, bundle store and status port, and makes
// its engine; nothing runs until Run.
func New(cfg Config) (r *Runtime, err error) {
	if cfg.Mission == nil || cfg.Plan == nil {
		return nil, errors.New("ground: a mission and a plan are needed")
	}
	if cfg.Station < 0 || cfg.Station >= len(cfg.Mission.Stations) {
		return nil, fmt.Errorf("ground: no station %d in the mission", cfg.Station)
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	sc := &cfg.Mission.Stations[cfg.Station]
	r = &Runtime{cfg: cfg, name: sc.Name, plan: cfg.Plan}
	if cfg.Control != nil {
		// no contact before the control plane's plan: the station never
		// plans the network (cfg.Plan is only the problem it applies
		// versions on)
		r.plan, _ = plan.Apply(cfg.Plan, nil)
	}
	made := r // (a failing return sets r to nil before this runs)
	defer func() {
		if err != nil {
			made.Close()
		}
	}()
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return nil, err
	}
	if r.tm, err = station.OpenFileSinkWith(filepath.Join(cfg.Dir, "telemetry.jsonl"), cfg.SinkFile); err != nil {
		return nil, err
	}
	if r.tm.Recovered != "" {
		fmt.Fprintf(cfg.Log, "station %s: %s\n", sc.Name, r.tm.Recovered)
	}
	var note string
	if r.repFile, note, err = openLog(filepath.Join(cfg.Dir, "passes.jsonl")); err != nil {
		return nil, err
	}
	if note != "" {
		fmt.Fprintf(cfg.Log, "station %s: %s\n", sc.Name, note)
	}
	hist := cfg.History
	if hist == nil {
		if hist, err = command.OpenHistory(filepath.Join(cfg.Dir, "commands.jsonl")); err != nil {
			return nil, err
		}
		hist.NoSync = cfg.NoSync
		r.ownHistory = true
		r.cfg.History = hist
	}
	if cfg.Control != nil {
		r.link = control.NewStationLink(control.StationConfig{Client: cfg.Control, History: hist, Clock: cfg.Clock,
			Heartbeat: cfg.Heartbeat, Log: cfg.Log, OnPlan: r.takePlan, OnAck: r.takeAck,
			Status: func() any { return r.board.Summary() }, Values: func() any { return r.board.Values() }})
		hist.Appended = r.link.Stage
	}
	r.board = &status.Board{Station: sc.Name, Clock: cfg.Clock.Now}
	r.board.SetPlan(status.PlanOf(r.plan, cfg.Station))
	r.tm.NoSync = cfg.NoSync
	r.tm.OnProblem = func(text string) { r.problem("disk", text) }
	var sink station.Sink = r.tm
	if ts := cfg.Telemetry; ts != nil {
		sink = station.IngestSink(sink, ts)
		r.board.Alarms = ts.Alarms.Alarms
		prev := ts.OnDecoded
		ts.OnDecoded = func(p *telemetry.Packet, d *dict.Decoded) {
			if prev != nil {
				prev(p, d)
			}
			if p.Station == sc.Name {
				telemetry.Readings(p, d, func(v telemetry.Reading) {
					r.board.Value(status.Value{Sat: v.Sat, Packet: v.Packet, Field: v.Field, Value: v.Value, Text: v.Text, Units: v.Units,
						Severity: v.Severity.String(), At: v.At, Yellow: v.Limits.Yellow, Red: v.Limits.Red})
					if len(cfg.AtAOS) > 0 {
						r.latest.Record(v.Sat, v.Packet, v.Field, v.Value, v.At)
					}
				})
			}
		}
	}
	if cfg.Bundles != nil {
		if r.agent, err = newAgent(r, cfg.Bundles); err != nil {
			return nil, err
		}
		r.node = r.agent.node
		node, name := r.node, sc.Name
		r.board.Bundles = func() []dtn.Row { return node.Rows(name, cfg.Clock.Now()) }
	}
	if cfg.Status != "" {
		if err := loopback(cfg.Status); err != nil {
			return nil, err
		}
		if len(cfg.StatusToken) < 32 {
			return nil, errors.New("status endpoint: no token (status.LoadToken makes one)")
		}
		if r.status, err = net.Listen("tcp", cfg.Status); err != nil {
			return nil, fmt.Errorf("status endpoint %s: %w", cfg.Status, err)
		}
	}
	satNodes, bitRates := cfg.Mission.SatNodes()
	var claim func(uint32, int, time.Time) bool
	if r.link != nil {
		claim = r.link.Claim
	}
	r.engine = station.New(station.Options{Claim: claim,
		Name: sc.Name, Call: station.Callsign(cfg.Mission, cfg.Station), TNC: cfg.TNC, Dial: cfg.Dial,
		TNCPort: uint8(sc.Radio.TNCPort), KISS: KISSParams(sc.Radio.KISS), TNCTransmitOnly: cfg.TransmitOnly,
		Contacts: station.LinkWindows(station.PlanContacts(r.plan, cfg.Station), r.plan, cfg.Mission, cfg.Station, mission.MaxLinkFER),
		Sats:     station.SatCallsigns(cfg.Mission),
		History:  r.cfg.History, Sink: sink, Clock: cfg.Clock, Log: cfg.Log, Radio: cfg.Radio, Security: cfg.Security,
		DTN: r.node, SatNodes: satNodes, BitRate: bitRates, Until: cfg.Start.Add(cfg.Duration),
		Progress: r.progress, Reports: r.report, Archive: r.archive, CCSDS: link.Profiles(cfg.Mission),
	})
	return r, nil
}

// archive keeps a frame the engine did not work in the station's
// raw-frames.jsonl: when, which station, the bytes, and why.
func (r *Runtime) archive(at time.Time, frame []byte, why string) {
	r.archiveMu.Lock()
	defer r.archiveMu.Unlock()
	f, err := os.OpenFile(filepath.Join(r.cfg.Dir, "raw-frames.jsonl"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		fmt.Fprintln(r.cfg.Log, "raw frames:", err)
		return
	}
	defer f.Close()
	line, _ := json.Marshal(struct {
		Time    time.Time `json:"time"`
		Station string    `json:"station"`
		Frame   string    `json:"frame"` // hex
		Why     string    `json:"why"`
	}{at.UTC(), r.name, hex.EncodeToString(frame), why})
	f.Write(append(line, '\n'))
}

// Name is the station's name.
func (r *Runtime) Name() string { return r.name }

// Engine is the station engine (an SDR hands it frames with Inject).
func (r *Runtime) Engine() *station.Engine { return r.engine }

// Node is the station's bundle node (nil: none).
func (r *Runtime) Node() *dtn.Node { return r.node }

// Board is the station's status as the status endpoint serves it.
func (r *Runtime) Board() *status.Board { return r.board }

// StatusAddr is where the status endpoint listens ("" without one).
func (r *Runtime) StatusAddr() string {
	if r.status == nil {
		return ""
	}
	return r.status.Addr().String()
}

// Plan is the network plan the station works.
func (r *Runtime) Plan() *plan.Plan {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.plan
}

// problem raises (text != "") or clears a problem of the station: on
// the status board and, with a telemetry store, as a station alarm (red
// when the station cannot keep what it receives, yellow otherwise).
func (r *Runtime) problem(kind, text string) {
	r.board.Problem(kind, text)
	if ts := r.cfg.Telemetry; ts != nil {
		sev := "yellow"
		if kind == "disk" {
			sev = "red"
		}
		ts.Alarms.Station(r.name, kind, sev, text, r.cfg.Clock.Now())
	}
	if text != "" {
		fmt.Fprintf(r.cfg.Log, "station %s: %s\n", r.name, text)
	}
}

// AOSProcedure is a procedure run at every contact with a satellite.
type AOSProcedure struct {
	Sat    int
	Name   string
	Source []byte
}

// atAOS starts the procedures for p's contact, once per contact.
func (r *Runtime) atAOS(p station.Progress) {
	r.procMu.Lock()
	defer r.procMu.Unlock()
	if r.procCtx == nil || r.procCtx.Err() != nil {
		return
	}
	key := fmt.Sprintf("%d/%d", p.Sat, p.Start.UnixNano())
	if r.procsRun[key] {
		return
	}
	for _, ap := range r.cfg.AtAOS {
		if ap.Sat != p.Sat {
			continue
		}
		if r.procsRun == nil {
			r.procsRun = map[string]bool{}
		}
		r.procsRun[key] = true
		env := proc.Env{History: r.cfg.History, Dict: r.cfg.Dictionary, Sat: p.Sat, SatName: p.Name, Clock: r.cfg.Clock, Operator: r.cfg.Operator, Out: r.cfg.Log,
			Latest: r.latest.Get, After: r.latest.After}
		ctx := r.procCtx
		r.procWG.Go(func() {
			fmt.Fprintf(r.cfg.Log, "station %s: AOS of %s: running %s\n", r.name, p.Name, ap.Name)
			if _, err := proc.Run(ctx, env, ap.Name, ap.Source); err != nil {
				fmt.Fprintf(r.cfg.Log, "station %s: %v\n", r.name, err)
			}
		})
	}
}

func (r *Runtime) progress(p station.Progress) {
	r.board.Progress(p)
	if len(r.cfg.AtAOS) > 0 {
		r.atAOS(p)
	}
	if ts := r.cfg.Telemetry; ts != nil {
		ts.Alarms.Progress(p.Sat, p.Station, p.Time, p.Packets)
	}
	if r.cfg.Progress != nil {
		r.cfg.Progress(p)
	}
}

func (r *Runtime) report(rep station.Report) {
	r.board.Report(rep)
	// a whole planned contact without a frame is a station problem: say
	// so, with the causes the engine can check; a contact that hears
	// anything clears it (one with no session, its pass too low for the
	// link to close, is neither)
	switch {
	case !rep.Session:
	case rep.FramesRx == 0:
		text := r.engine.Silent(station.Contact{NORAD: rep.Sat, Name: rep.Name, Start: rep.Start, End: rep.End})
		if rep.HandshakeBytes > 0 && rep.HandshakeSeconds == 0 {
			text += fmt.Sprintf("; the link security handshake was never confirmed (%d bytes sent): nothing comes down before it is", rep.HandshakeBytes)
		}
		if rep.RadioError != "" {
			text += "; the radio: " + rep.RadioError
		}
		r.problem("silent", text)
	default:
		r.problem("silent", "")
	}
	if ts := r.cfg.Telemetry; ts != nil {
		ts.Alarms.ContactEnded(rep.Sat)
		if err := station.RecordPass(ts, rep); err != nil {
			fmt.Fprintf(r.cfg.Log, "station %s: pass report not stored as telemetry: %v\n", r.name, err)
		}
	}
	r.mu.Lock()
	err := writeJSONLine(r.repFile, rep)
	r.mu.Unlock()
	if err != nil {
		fmt.Fprintf(r.cfg.Log, "station %s: %s: %v\n", r.name, r.repFile.Name(), err)
		r.board.Problem("passes", fmt.Sprintf("pass reports not written: %v", err))
	}
	if r.link != nil {
		r.link.Report(reportKey(rep), rep)
	}
	if r.cfg.Reports != nil {
		r.cfg.Reports(rep)
	}
}

// Run works the station until the end of the planned window or ctx,
// with everything it owns, and returns once all of it has stopped. It
// returns ctx.Err() when ctx ended first.
func (r *Runtime) Run(ctx context.Context) error {
	defer r.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	defer wg.Wait()
	defer r.procWG.Wait() // the procedures at AOS: stopped by cancel, which runs first
	defer cancel()        // (runs first: everything below stops, then is joined)
	r.procMu.Lock()
	r.procCtx = ctx
	r.procMu.Unlock()
	if ts, to := r.cfg.Telemetry, r.cfg.Influx; ts != nil && to != nil {
		sh := &telemetry.Shipper{Spool: ts.Spool, To: *to, Log: r.cfg.Log, Rejected: filepath.Join(r.cfg.Dir, "rejected.lp"),
			Problem: func(text string) { r.board.Problem("store", text) }}
		wg.Go(func() { sh.Run(ctx) })
	}
	if ts, wh := r.cfg.Telemetry, r.cfg.Webhooks; ts != nil && wh != nil {
		ts.OnAlarm = wh.Notify
		wg.Go(func() { wh.Run(ctx) })
	}
	if r.agent != nil {
		r.agent.run(ctx, &wg)
	}
	if r.link != nil {
		if ts := r.cfg.Telemetry; ts != nil {
			prev := ts.OnAlarm
			ts.OnAlarm = func(e telemetry.Event) {
				if prev != nil {
					prev(e)
				}
				r.link.Alarm(fmt.Sprintf("%s-%s-%d", e.Alarm.ID, e.Kind, e.Time.UnixNano()), e)
			}
		}
		r.resync()
		wg.Go(func() { r.link.Run(ctx) })
	}
	if r.status != nil {
		hs := &http.Server{Handler: r.statusServer(), ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second,
			WriteTimeout: 60 * time.Second, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10}
		wg.Go(func() { hs.Serve(r.status) })
		wg.Go(func() {
			<-ctx.Done()
			hs.Close()
		})
	}
	return r.engine.Run(ctx)
}

// Close closes what New opened, for a runtime that will not Run (Run
// closes it when it returns); again, it does nothing.
func (r *Runtime) Close() { r.closeOnce.Do(r.close) }

func (r *Runtime) close() {
	if r.agent != nil {
		r.agent.close()
	}
	if r.status != nil {
		r.status.Close()
	}
	if r.tm != nil {
		if err := r.tm.Close(); err != nil {
			fmt.Fprintf(r.cfg.Log, "station %s: %v\n", r.name, err)
		}
	}
	if r.repFile != nil {
		r.repFile.Close()
	}
}

// statusServer is the status endpoint's handler: the board, alarm
// acknowledgements, re-plans and the store's history.
func (r *Runtime) statusServer() *status.Server {
	srv := &status.Server{Board: r.board, Token: r.cfg.StatusToken, Hosts: status.LoopbackHosts(r.status.Addr().String())}
	if ts := r.cfg.Telemetry; ts != nil {
		srv.Ack = func(id, who string) error { return ts.Alarms.Ack(id, who, r.cfg.Clock.Now()) }
		srv.History = func(q telemetry.Query) ([]telemetry.Sample, error) { return telemetry.QuerySpool(ts.Spool, q) }
	}
	if mr, ok := r.cfg.Radio.(station.ManualRadio); ok {
		srv.Radio = mr.Manual
	}
	srv.Replan = func(ctx context.Context, pins []status.Pass) error {
		if r.link != nil {
			return errors.New("this station works the network's plan from the control plane: pin passes and re-plan at mission control")
		}
		var locks []plan.LockEntry
		for _, p := range pins {
			locks = append(locks, plan.LockEntry{Sat: p.Sat, Station: p.Station, Start: p.Start, End: p.End, Pinned: true})
		}
		r.recordPins(pins)
		_, err := r.Replan(ctx, locks)
		return err
	}
	return srv
}

// recordPins appends a re-plan's pins, with who pinned each, to the
// station's pins.jsonl: who moved the plan is on record.
func (r *Runtime) recordPins(pins []status.Pass) {
	f, err := os.OpenFile(filepath.Join(r.cfg.Dir, "pins.jsonl"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		fmt.Fprintln(r.cfg.Log, "re-plan: pins:", err)
		return
	}
	defer f.Close()
	line, _ := json.Marshal(struct {
		Time time.Time     `json:"time"`
		Pins []status.Pass `json:"pins"`
	}{r.cfg.Clock.Now().UTC(), pins})
	f.Write(append(line, '\n'))
	for _, p := range pins {
		fmt.Fprintf(r.cfg.Log, "station %s: re-plan: %s over %s at %s pinned by %s\n", r.name, p.Name, p.Station, p.Start.UTC().Format(time.RFC3339), cmpOr(p.By, "an unnamed operator"))
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// KISSParams converts the mission file's KISS settings (nil: none are
// sent, the TNC keeps its own).
func KISSParams(k *mission.KISSConfig) *kiss.Params {
	if k == nil {
		return nil
	}
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	return &kiss.Params{TXDelay: ms(k.TXDelayMS), Persistence: uint8(k.Persistence), SlotTime: ms(k.SlotTimeMS), TXTail: ms(k.TXTailMS), FullDuplex: k.FullDuplex}
}

// writeJSONLine appends v as one line of JSON, in one write.
func writeJSONLine(f *os.File, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = f.Write(append(b, '\n'))
	return err
}

// openLog opens (creating) a JSON-lines file for appending, first cutting
// a torn last line (a crash in the middle of a write); note says so.
func openLog(path string) (f *os.File, note string, err error) {
	b, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return nil, "", err
	}
	if n := bytes.LastIndexByte(b, '\n') + 1; n < len(b) {
		if err := os.Truncate(path, int64(n)); err != nil {
			return nil, "", fmt.Errorf("%s: cutting a torn last line: %w", path, err)
		}
		note = fmt.Sprintf("%s: cut a torn last line of %d bytes at byte %d", path, len(b)-n, n)
	}
	f, err = os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	return f, note, err
}

// loopback refuses a listening address off the loopback interface: the
// status endpoint has no TLS, so it serves only this machine (an operator
// elsewhere reaches it through an SSH tunnel).
func loopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("status endpoint %q: want host:port", addr)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("status endpoint %q: only a loopback address (127.0.0.1:PORT) is served; reach it from elsewhere through an SSH tunnel", addr)
	}
	return nil
}
