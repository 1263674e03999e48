package sim

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/mission/geo"
	"github.com/ipgs/ipgs/mission/tle"
	"github.com/ipgs/ipgs/pqlink/keys"
	"github.com/ipgs/ipgs/pqlink/sdls"
	"github.com/ipgs/ipgs/scheduler/clock"
	"github.com/ipgs/ipgs/scheduler/plan"
	"github.com/ipgs/ipgs/sdr/serialtnc"
	"github.com/ipgs/ipgs/telemetry"
	"github.com/ipgs/ipgs/uplink/bstore"
	"github.com/ipgs/ipgs/uplink/cgr"
	"github.com/ipgs/ipgs/uplink/command"
	"github.com/ipgs/ipgs/uplink/control"
	"github.com/ipgs/ipgs/uplink/dtn"
	"github.com/ipgs/ipgs/uplink/ground"
	"github.com/ipgs/ipgs/uplink/proto"
	"github.com/ipgs/ipgs/uplink/station"
)

// DayOptions configure a simulated span of operations: the emulator and
// every station of the mission, in one process, on one clock.
type DayOptions struct {
	Mission    *mission.Mission
	Elements   []*tle.Elements
	Dictionary *command.Dictionary
	Start      time.Time
	Duration   time.Duration
	Speed      float64 // virtual seconds per wall second
	// Clock, if set, is the day's clock (it must read Start now); nil: a
	// clock from Start at Speed. A desktop shows the day on the same one.
	Clock   clock.Clock
	Faults  Faults
	DataDir string // command history, telemetry, pass reports
	Seed    uint64
	Out     io.Writer // live lines and the summary (nil: quiet)
	// AtAOS are procedures every station runs at each contact with their
	// satellite (ground.Config.AtAOS), as Operator.
	AtAOS    []ground.AOSProcedure
	Operator string
	// Queue is called once the history is open, before the first contact,
	// to queue commands.
	Queue func(h *command.History, d *command.Dictionary) error
	// Serial lists stations that talk to the emulator through its serial
	// TNC (a pseudo-terminal opened with go-serial) instead of TCP.
	Serial []string
	// Telemetry, if set, decodes, checks and stores every packet (and
	// Influx, if set, is where its shipper sends them).
	Telemetry *telemetry.Store
	Influx    *telemetry.Influx
	// Security, if set, runs the space link under pqlink/sdls: every
	// station signs its handshakes, every drone enforces them.
	Security *DaySecurity
	// Tap, if set, sees every frame each station transmits (a test's
	// eavesdropper, to replay them).
	Tap func(station string, frame []byte)
	// Started, if set, is called once the emulator runs with a way to
	// connect to a station's TNC port (a test's attacker connects there).
	Started func(dial func(station string) (net.Conn, error))
	// InMemory opens no sockets: the stations reach the emulator and
	// each other over in-memory links. A test runs the day so inside a
	// testing/synctest bubble, where the clock is simulated: virtual time
	// advances only when everything waits, and a day takes only the CPU
	// its work needs, however loaded the machine.
	InMemory bool
	// Planned, Report and Progress, if set, follow the day (the GUI).
	Planned  func(*plan.Plan)
	Report   func(station.Report)
	Progress func(station.Progress)
	// Replanner, if set, is handed the day's re-plan once the stations
	// run: it plans again from the clock's now with an operator's pins,
	// hands every station engine and bundle node the new plan, and calls
	// Planned with it.
	Replanner func(Replan)
	// Bundles, if set, makes every station and drone with a DTN node
	// number a bundle node that relays on the plan.
	Bundles *DayBundles
	// Control, if set, runs the day through a control plane: the embedded
	// NATS server and the control service (the plan's one planner), every
	// station its own history and a link as itself, Queue's commands
	// queued by an operator through the service.
	Control *DayControl
}

// DayControl configures a day's control plane.
type DayControl struct {
	Silence time.Duration // a station's heartbeat missing this long moves its contacts (0: never)
	// Ready, if set, is told the control plane's URL once it serves.
	Ready func(url string)
	// Heartbeat is how often each station sends its heartbeat, in the
	// day's time (0: every 5 minutes; a station's own default of 10 s is
	// 400 a second of the wall clock at 4000x, which loads the machine
	// the accelerated day runs on).
	Heartbeat time.Duration
}

func (c *DayControl) heartbeat() time.Duration {
	if c == nil {
		return 0
	}
	if c.Heartbeat == 0 {
		return 5 * time.Minute
	}
	return c.Heartbeat
}

// Replan re-plans a running day with an operator's pins (plan.Replan).
type Replan func(ctx context.Context, pins []plan.LockEntry) (*plan.Plan, error)

// DayBundles configure bundle relay in a day.
type DayBundles struct {
	// Terrestrial lists pairs of stations joined on the ground.
	Terrestrial [][2]string
	// Ready is called with the stations' nodes (by station name) and the
	// emulator once the stores are open and the plan is known, before
	// the first contact: submit bundles there.
	Ready func(nodes map[string]*dtn.Node, emu *Emulator, clk clock.Clock) error
	// Deliver takes a bundle arriving at a station's own node; Directive
	// one arriving at a drone's.
	Deliver   func(station string, raw []byte, e bstore.Entry) error
	Directive func(norad int, raw []byte, now time.Time) (*proto.Command, error)
	// Witness answers bundles delivered to a station (its receipts; see
	// ground.Bundles.Witness).
	Witness func(station string, raws [][]byte, now time.Time) ([][]byte, error)
	Quota   [3]int64
}

// DaySecurity are the keys of a secured day: each station's ML-DSA-65 key
// and each drone's X-Wing key. Every station may command every drone.
type DaySecurity struct {
	Stations map[string]*keys.Private
	Sats     map[int]*keys.Private
	Budget   sdls.Budget
}

// NewDaySecurity generates keys for the mission's stations and drones.
func NewDaySecurity(m *mission.Mission) (*DaySecurity, error) {
	ds := &DaySecurity{Stations: map[string]*keys.Private{}, Sats: map[int]*keys.Private{}}
	for _, st := range m.Stations {
		k, err := keys.Generate(keys.Sig, st.Name)
		if err != nil {
			return nil, err
		}
		ds.Stations[st.Name] = k
	}
	for _, sc := range m.Satellites {
		k, err := keys.Generate(keys.KEM, sc.Name)
		if err != nil {
			return nil, err
		}
		ds.Sats[sc.NORAD] = k
	}
	return ds, nil
}

// SatAccount proves what happened to one satellite's telemetry.
type SatAccount struct {
	Received   []uint32 // command ids received onboard
	NORAD      int
	Name       string
	Generated  uint32
	OnGround   int // distinct packet numbers received
	Onboard    int // still in the onboard store
	Lost       []uint32
	Overflow   int
	Duplicates int
}

// DayResult is what a day produced.
type DayResult struct {
	Plan     *plan.Plan
	Reports  []station.Report
	Accounts []SatAccount
	Commands []*command.Command
	Stats    Stats
	Wall     time.Duration
	// Telemetry: points stored, shipped to InfluxDB, and alarms open.
	Points, Shipped uint64
	Alarms          []telemetry.Alarm
	// Link security at the stations (downlink frames refused, handshakes).
	GroundSecurity sdls.Stats
	// Onboard is each drone's state at the end.
	Onboard []Onboard
}

// RunDay plans the span, runs the emulator and the stations, and accounts
// for every telemetry packet and command.
func RunDay(ctx context.Context, o DayOptions) (*DayResult, error) {
	if o.Speed <= 0 {
		o.Speed = 1
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.Dictionary == nil {
		o.Dictionary = command.Default()
	}
	// Satellites of other buses are commanded with their bus's dictionary.
	if _, err := command.LoadBuses(o.Dictionary, o.Mission); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(o.DataDir, 0o755); err != nil {
		return nil, err
	}
	// the contact plan
	po := plan.NetworkOptions(o.Mission, o.Elements, o.Start, o.Duration, o.Out)
	po.Out = mustCreate(filepath.Join(o.DataDir, "plan.json"))
	pl, err := plan.Run(ctx, po)
	if err != nil {
		return nil, fmt.Errorf("plan: %w", err)
	}
	histPath := filepath.Join(o.DataDir, "commands.jsonl")
	if o.Control != nil {
		// what Queue queues, for the operator to queue on the control
		// plane (each station keeps its own history)
		histPath = filepath.Join(o.DataDir, "queue.jsonl")
		os.Remove(histPath)
	}
	hist, err := command.OpenHistory(histPath)
	if err != nil {
		return nil, err
	}
	// accelerated: an fsync of a few ms would be many virtual seconds
	hist.NoSync = o.Speed > 10
	if o.Queue != nil {
		if err := o.Queue(hist, o.Dictionary); err != nil {
			return nil, err
		}
	}
	clk := o.Clock
	if clk == nil {
		clk = clock.NewScaled(o.Start, o.Speed)
	}
	var cp *dayControl
	if o.Control != nil {
		if cp, err = startControl(ctx, o, po, pl, clk, hist); err != nil {
			return nil, err
		}
		defer cp.stop()
	}
	var esec *Security
	if o.Security != nil {
		esec = &Security{KEM: o.Security.Sats, Trusted: map[int]map[string]*keys.Public{}}
		for _, sc := range o.Mission.Satellites {
			tr := map[string]*keys.Public{}
			for _, k := range o.Security.Stations {
				tr[k.ID] = &k.Public
			}
			esec.Trusted[sc.NORAD] = tr
		}
	}
	var eb *Bundles
	var contacts []cgr.Contact
	if o.Bundles != nil {
		var err error
		if contacts, err = dtn.MissionContacts(o.Mission, pl, o.Bundles.Terrestrial, o.Start, o.Start.Add(o.Duration)); err != nil {
			return nil, err
		}
		eb = &Bundles{Dir: filepath.Join(o.DataDir, "bundles", "drones"), Contacts: contacts, Deliver: o.Bundles.Directive, Quota: o.Bundles.Quota, NoSync: o.Speed > 10}
	}
	emu, err := New(Options{Mission: o.Mission, Elements: o.Elements, Dictionary: o.Dictionary, Clock: clk, Faults: o.Faults, Seed: o.Seed, Log: o.Out,
		Serial: len(o.Serial) > 0, Security: esec, Bundles: eb, UplinkAirtime: eb != nil, InMemory: o.InMemory})
	if err != nil {
		return nil, err
	}
	defer emu.Close()
	if o.Planned != nil {
		o.Planned(pl)
	}
	var links map[string]groundLink
	if o.Bundles != nil && len(o.Bundles.Terrestrial) > 0 {
		if links, err = groundLinks(o.Mission, o.Bundles.Terrestrial, o.InMemory); err != nil {
			return nil, err
		}
	}
	shipDone := make(chan error, 1)
	var shipper *telemetry.Shipper
	sctx, stopShip := context.WithCancel(context.WithoutCancel(ctx))
	defer stopShip()
	if o.Telemetry != nil && o.Influx != nil {
		shipper = &telemetry.Shipper{Spool: o.Telemetry.Spool, To: *o.Influx, Log: o.Out, Rejected: filepath.Join(o.DataDir, "telemetry", "rejected.lp")}
		go func() { shipDone <- shipper.Run(sctx) }()
	}
	res := &DayResult{Plan: pl}
	var mu sync.Mutex
	var stations []*ground.Runtime
	defer func() {
		for _, rt := range stations {
			rt.Close()
		}
	}()
	var grounds []*sdls.Ground
	nodes := map[string]*dtn.Node{}
	for i, sc := range o.Mission.Stations {
		var sec station.FrameSecurity
		if o.Security != nil {
			ground := &sdls.Ground{Station: o.Security.Stations[sc.Name], SatKeys: map[int]*keys.Public{}, Budget: o.Security.Budget}
			for n, k := range o.Security.Sats {
				ground.SatKeys[n] = &k.Public
			}
			sec = ground
			grounds = append(grounds, ground)
		}
		var dial func(context.Context) (io.ReadWriteCloser, error)
		if o.Tap != nil || o.InMemory {
			name := sc.Name
			dial = func(ctx context.Context) (io.ReadWriteCloser, error) {
				c, err := dialStation(ctx, emu, name)
				if err != nil || o.Tap == nil {
					return c, err
				}
				return tapConn{c, func(b []byte) { o.Tap(name, b) }}, nil
			}
		}
		if slices.Contains(o.Serial, sc.Name) {
			path := emu.SerialPath(sc.Name)
			dial = func(context.Context) (io.ReadWriteCloser, error) {
				return serialtnc.Open(serialtnc.Options{Port: path})
			}
		}
		var bundles *ground.Bundles
		if o.Bundles != nil && sc.DTNNode != "" {
			name := sc.Name
			bundles = &ground.Bundles{Store: filepath.Join(o.DataDir, "bundles", sc.Name+".db"), Quota: o.Bundles.Quota, Terrestrial: o.Bundles.Terrestrial}
			if o.Bundles.Deliver != nil {
				bundles.Deliver = func(raw []byte, e bstore.Entry) error { return o.Bundles.Deliver(name, raw, e) }
			}
			if o.Bundles.Witness != nil {
				bundles.Witness = func(raws [][]byte, now time.Time) ([][]byte, error) { return o.Bundles.Witness(name, raws, now) }
			}
			if l, ok := links[sc.Name]; ok {
				bundles.TLS, bundles.Listener, bundles.Peers, bundles.Dial = l.tls, l.ln, l.peers, l.dial
			}
		}
		stHist, stControl := hist, (*control.Client)(nil)
		if cp != nil {
			if stHist, stControl, err = cp.station(sc.Name); err != nil {
				return nil, err
			}
		}
		rt, err := ground.New(ground.Config{Control: stControl, Heartbeat: o.Control.heartbeat(),
			Mission: o.Mission, Elements: o.Elements, Station: i, Plan: pl, Start: o.Start, Duration: o.Duration, Clock: clk,
			Dir: filepath.Join(o.DataDir, "stations", sc.Name), History: stHist, TNC: emu.Addr(sc.Name), Dial: dial,
			Security: sec, Telemetry: o.Telemetry, Bundles: bundles, NoSync: o.Speed > 10, Log: o.Out,
			AtAOS: o.AtAOS, Dictionary: o.Dictionary, Operator: o.Operator,
			Reports: func(r station.Report) {
				if o.Report != nil {
					o.Report(r)
				}
				mu.Lock()
				res.Reports = append(res.Reports, r)
				mu.Unlock()
				fmt.Fprintln(o.Out, reportLine(r))
			},
			Progress: func(pr station.Progress) {
				if o.Progress != nil {
					o.Progress(pr)
				}
				fmt.Fprintf(o.Out, "%s  %-8s %-9s %s  rx %4d frames %4d packets\n", pr.Time.Format("01-02 15:04:05"), pr.Station, pr.Name,
					elevation(emu, pr), pr.FramesRx, pr.Packets)
			},
		})
		if err != nil {
			return nil, err
		}
		stations = append(stations, rt)
		if n := rt.Node(); n != nil {
			nodes[sc.Name] = n
		}
	}
	if o.Bundles != nil && o.Bundles.Ready != nil {
		if err := o.Bundles.Ready(nodes, emu, clk); err != nil {
			return nil, err
		}
	}
	if o.Replanner != nil {
		var rmu sync.Mutex
		cur := pl
		o.Replanner(func(ctx context.Context, pins []plan.LockEntry) (*plan.Plan, error) {
			rmu.Lock()
			defer rmu.Unlock()
			ro := po
			ro.Out = mustCreate(filepath.Join(o.DataDir, "plan.json"))
			npl, err := plan.Replan(ctx, ro, cur, pins, clk.Now())
			if c, ok := ro.Out.(io.Closer); ok {
				c.Close()
			}
			if err != nil {
				return nil, err
			}
			cur = npl
			mu.Lock()
			res.Plan = npl
			mu.Unlock()
			for _, rt := range stations {
				rt.SetPlan(npl)
			}
			if o.Bundles != nil {
				if cs, err := dtn.MissionContacts(o.Mission, npl, o.Bundles.Terrestrial, o.Start, o.Start.Add(o.Duration)); err == nil {
					emu.SetContacts(cs)
				}
			}
			fmt.Fprintf(o.Out, "re-planned from %s: %d contacts, %d pinned\n", clk.Now().Format("01-02 15:04:05"), len(npl.Contacts), len(pins))
			if o.Planned != nil {
				o.Planned(npl)
			}
			return npl, nil
		})
	}
	wall0 := time.Now()
	ectx, stopEmu := context.WithCancel(ctx)
	emuDone := make(chan error, 1)
	go func() { emuDone <- emu.Serve(ectx) }()
	if o.Started != nil {
		o.Started(func(name string) (net.Conn, error) { return dialStation(ectx, emu, name) })
	}
	var wg sync.WaitGroup
	errs := make([]error, len(stations))
	for i, rt := range stations {
		wg.Go(func() { errs[i] = rt.Run(ctx) })
	}
	wg.Wait()
	stopEmu()
	<-emuDone
	res.Wall = time.Since(wall0)
	if o.Telemetry != nil {
		o.Telemetry.Sync()
		res.Points = o.Telemetry.Stats.Points.Load()
		res.Alarms = o.Telemetry.Alarms.Alarms()
		if shipper != nil {
			// let the shipper catch up (bounded: InfluxDB may be down, the
			// spool keeps the rest for the next run)
			for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
				if st := o.Telemetry.Spool.State(); st.Acked >= st.Synced {
					break
				}
			}
			stopShip()
			<-shipDone
			res.Shipped = shipper.Shipped.Load()
		}
	}
	for _, err := range errs {
		if err != nil && ctx.Err() == nil {
			return res, err
		}
	}
	res.Stats = emu.Stats()
	res.Onboard = emu.Onboard()
	for _, g := range grounds {
		res.GroundSecurity.Add(g.Counts())
	}
	// account for every packet
	ground := map[int]map[uint32]bool{}
	for _, rt := range stations {
		for sat, nos := range rt.Engine().Received() {
			if ground[sat] == nil {
				ground[sat] = map[uint32]bool{}
			}
			for _, no := range nos {
				ground[sat][no] = true
			}
		}
	}
	for _, ob := range emu.Onboard() {
		a := SatAccount{Received: ob.Received, NORAD: ob.NORAD, Name: ob.Name, Generated: ob.Generated, OnGround: len(ground[ob.NORAD]), Onboard: len(ob.Stored), Overflow: ob.Overflow}
		onboard := map[uint32]bool{}
		for _, no := range ob.Stored {
			onboard[no] = true
		}
		for no := uint32(1); no <= ob.Generated; no++ {
			if !ground[ob.NORAD][no] && !onboard[no] {
				a.Lost = append(a.Lost, no)
			}
		}
		res.Accounts = append(res.Accounts, a)
	}
	sort.Slice(res.Accounts, func(i, j int) bool { return res.Accounts[i].NORAD < res.Accounts[j].NORAD })
	// reports in the order of their contacts' ends (two stations may end
	// at the same instant, and report in either order)
	slices.SortStableFunc(res.Reports, func(a, b station.Report) int {
		if c := a.End.Compare(b.End); c != 0 {
			return c
		}
		if c := strings.Compare(a.Station, b.Station); c != 0 {
			return c
		}
		return a.Sat - b.Sat
	})
	res.Commands, _ = hist.Commands()
	if cp != nil {
		res.Commands = cp.commands()
	}
	return res, ctx.Err()
}

// elevation is the satellite's elevation seen from the station, for the
// live lines.
func elevation(emu *Emulator, pr station.Progress) string {
	for _, d := range emu.drones {
		if d.norad != pr.Sat {
			continue
		}
		for _, s := range emu.sts {
			if s.name != pr.Station {
				continue
			}
			r, v, err := d.prop.At(pr.Time)
			if err != nil {
				return ""
			}
			re, ve := geo.TEMEToECEF(pr.Time, r, v)
			l := s.topo.Look(re, ve)
			return fmt.Sprintf("el %4.1f° az %5.1f°", l.ElDeg, l.AzDeg)
		}
	}
	return ""
}

func mustCreate(path string) io.Writer {
	f, err := os.Create(path)
	if err != nil {
		return io.Discard
	}
	return f
}
