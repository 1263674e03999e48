package desktop

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/ipgs/ipgs/gui"
	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/mission/tle"
	"github.com/ipgs/ipgs/pqlink/gov"
	"github.com/ipgs/ipgs/pqlink/trust"
	"github.com/ipgs/ipgs/scheduler/clock"
	"github.com/ipgs/ipgs/scheduler/plan"
	"github.com/ipgs/ipgs/telemetry"
	"github.com/ipgs/ipgs/telemetry/dict"
	"github.com/ipgs/ipgs/uplink/command"
	"github.com/ipgs/ipgs/uplink/control"
	"github.com/ipgs/ipgs/uplink/proc"
	"github.com/ipgs/ipgs/uplink/station"
	"github.com/ipgs/ipgs/uplink/station/status"
)

// AttachOptions for Attach.
type AttachOptions struct {
	Mission    *mission.Mission
	Elements   []*tle.Elements
	Dictionary *command.Dictionary
	// DataDir holds the command history the stations uplink from (the
	// mission's data_dir, shared by the stations on this machine).
	DataDir string
	// Stations are the running station engines' status addresses
	// (ipgs station run --status), and Token the secret they share.
	Stations []string
	Token    string
	// Influx, when set, is where charts fetch older values if no station
	// has them.
	Influx *telemetry.Influx
	Log    io.Writer
}

// Attach opens the window on station engines that run elsewhere (ipgs
// station run --status): it polls each station every second for its plan,
// reports, contact in progress, telemetry values and alarms, and sends the
// operator's acknowledgements and re-plans to them. The map, sky and radio
// views are predicted here from the mission's element sets at the
// stations' clock.
func Attach(ctx context.Context, o AttachOptions) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, m, al := openWindow("ipgs mission control (attached)", o.Mission, cancel, o.Log)
	defer al.wait()
	hist, herr := command.OpenHistory(filepath.Join(o.DataDir, "commands.jsonl"))
	if herr == nil {
		m.SetCommanding(o.Dictionary, hist)
	} else {
		fmt.Fprintln(o.Log, "gui: commanding:", herr)
	}
	ps := props(Options{Elements: o.Elements})
	at := &attached{o: o, m: m, props: ps, tracks: &skyTracks{props: ps, mission: o.Mission}}
	for _, addr := range o.Stations {
		at.clients = append(at.clients, &status.Client{Addr: addr, Token: o.Token})
	}
	if herr == nil {
		m.SetProcedureRunner(procedureRunner(m, &at.latest, hist, o.Dictionary, o.Mission, clock.Real{}))
	}
	m.SetReplanner(at.replan)
	m.SetRadioControl(at.radio)
	if ts, err := trust.Load(o.Mission, trust.KeysDir(o.Mission, o.DataDir)); err == nil {
		a := ts.Authority()
		at.auth = &a
	} else {
		fmt.Fprintln(o.Log, "gui: governance: the trust store:", err)
	}
	m.SetBackfill(at.backfill)
	polled := make(chan struct{})
	go func() {
		defer close(polled)
		at.poll(ctx)
	}()
	w.ShowAndRun()
	cancel()
	m.StopProcedures()
	<-polled
	return nil
}

// attached is the model's feed from the stations.
type attached struct {
	o       AttachOptions
	m       *gui.Model
	props   propagators
	tracker *gui.Tracker
	clients []*status.Client
	ctl     *control.Client // attached through the control plane (AttachControl)

	mu     sync.Mutex
	snaps  []*status.Snapshot // per client, the latest (nil: none yet)
	errs   []string           // per client, why the last poll failed
	tracks *skyTracks
	sig    string
	// governance: the trust store's judgement of the stations' ledgers
	auth  *gov.Authority
	polls int
	// every value the stations report, for procedures
	latest proc.Latest
}

func (at *attached) poll(ctx context.Context) {
	at.snaps = make([]*status.Snapshot, len(at.clients))
	at.errs = make([]string, len(at.clients))
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		var wg sync.WaitGroup
		for i, c := range at.clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cctx, cancel := context.WithTimeout(ctx, 3*time.Second)
				defer cancel()
				s, err := c.Snapshot(cctx)
				at.mu.Lock()
				if err != nil {
					at.errs[i] = err.Error()
				} else {
					at.snaps[i], at.errs[i] = s, ""
				}
				at.mu.Unlock()
			}()
		}
		wg.Wait()
		at.update()
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// update turns the stations' snapshots into the model.
func (at *attached) update() {
	at.mu.Lock()
	snaps, errs := slices.Clone(at.snaps), slices.Clone(at.errs)
	at.mu.Unlock()
	var now time.Time
	var passes, left []gui.Pass
	var alarms []telemetry.Alarm
	var problems []string
	for i, s := range snaps {
		if errs[i] != "" {
			problems = append(problems, errs[i])
		}
		if s == nil {
			continue
		}
		if s.Now.After(now) {
			now = s.Now
		}
		passes = append(passes, guiPasses(s.Plan, at.tracks)...)
		// reports: the passes they name are done (a report of a pass no
		// longer in the plan, from before a re-plan, is added)
		for _, r := range s.Reports {
			found := false
			for j := range passes {
				p := &passes[j]
				if p.Station == r.Station && p.Sat == r.Sat && p.Start.Equal(r.Start) {
					p.Done, p.Packets, p.Handshake, found = true, r.Packets, r.HandshakeSeconds, true
				}
			}
			if !found {
				passes = append(passes, gui.Pass{Station: r.Station, Sat: r.Sat, Name: r.Name, Start: r.Start, End: r.End, Done: true, Packets: r.Packets, Handshake: r.HandshakeSeconds})
			}
		}
		left = append(left, guiPasses(s.LeftOut, at.tracks)...)
		if s.Progress != nil {
			at.m.Progress(s.Station, s.Progress.FramesRx, s.Progress.Packets)
		} else {
			at.m.Progress(s.Station, 0, 0)
		}
		for _, v := range s.Values {
			at.latest.Record(v.Sat, v.Packet, v.Field, v.Value, v.At)
			at.m.SetValue(gui.Value{Sat: v.Sat, Packet: v.Packet, Field: v.Field, Value: v.Value, Text: v.Text, Units: v.Units, Severity: severityOf(v.Severity), At: v.At,
				Limits: dict.Limits{Yellow: v.Yellow, Red: v.Red}})
		}
		alarms = append(alarms, s.Alarms...)
		for _, p := range s.Problems {
			problems = append(problems, s.Station+" "+p)
		}
	}
	if now.IsZero() {
		now = time.Now().UTC()
	}
	at.m.SetNow(now)
	sig := fmt.Sprint(len(passes), len(left))
	for _, p := range passes {
		sig += fmt.Sprint(p.Station, p.Sat, p.Start.Unix(), p.Done, p.Packets, p.Pinned)
	}
	for _, p := range left {
		sig += fmt.Sprint(p.Station, p.Sat, p.Start.Unix())
	}
	if sig != at.sig { // only a changed plan: the operator's pending pins stay
		at.sig = sig
		at.m.SetPasses(passes)
		at.m.SetUnscheduled(left)
	}
	at.m.SetAlarms(alarms, at.ack)
	var bundles []gui.BundleRow
	for _, s := range snaps {
		if s != nil {
			bundles = append(bundles, guiRows(s.Bundles)...)
		}
	}
	at.m.SetBundles(bundles)
	if at.polls++; at.auth != nil && at.polls%5 == 1 { // every 5 s: the ledgers verified from scratch
		at.m.SetProposals(ledgerProposals(now, at.o.Mission, at.o.DataDir, *at.auth))
	}
	if at.tracker == nil {
		at.tracker = newTracker(at.props, at.o.Mission)
	}
	var stations []gui.StationMark
	for _, st := range at.o.Mission.Stations {
		stations = append(stations, gui.StationMark{Name: st.Name, At: gui.LatLon{Lat: st.Lat, Lon: st.Lon}})
	}
	at.m.SetMap(at.tracker.Marks(now), stations, gui.Subsolar(now))
	radios := radiosOf(now, at.m, at.props, at.o.Mission)
	for i := range radios {
		radios[i].TNC = "attached"
	}
	at.m.SetRadios(radios)
	at.m.SetProblems(append(problemsOf(now, Options{Mission: at.o.Mission, Elements: at.o.Elements}, nil), problems...))
}

// ack sends an acknowledgement to the station that raised the alarm (to
// the control service, which tells every station).
func (at *attached) ack(id, who string) error {
	if at.ctl != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return at.ctl.Ask(ctx, control.VerbAck, control.Request{Alarm: id}, nil)
	}
	at.mu.Lock()
	snaps := slices.Clone(at.snaps)
	at.mu.Unlock()
	for i, s := range snaps {
		if s == nil {
			continue
		}
		for _, a := range s.Alarms {
			if a.ID == id {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				return at.clients[i].Ack(ctx, id, who)
			}
		}
	}
	return fmt.Errorf("no station holds alarm %s", id)
}

// replan sends the pins to every station: each plans the network again
// with them and works its part.
func (at *attached) replan(pins []gui.Pass) error {
	if at.ctl != nil {
		// the network's one planner re-plans: the new version comes back
		// through the plan stream
		var le []plan.LockEntry
		for _, p := range pins {
			le = append(le, plan.LockEntry{Sat: p.Sat, Station: p.Station, Start: p.Start, End: p.End, Pinned: true})
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		return at.ctl.Ask(ctx, control.VerbPin, control.Request{Pins: le}, nil)
	}
	var sp []status.Pass
	for _, p := range pins {
		sp = append(sp, status.Pass{Sat: p.Sat, Name: p.Name, Station: p.Station, Start: p.Start, End: p.End, Pinned: true, By: p.PinnedBy})
	}
	var errs []error
	for _, c := range at.clients {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		if _, err := c.Replan(ctx, sp); err != nil {
			errs = append(errs, err)
		}
		cancel()
	}
	at.sig = "" // the next poll takes the new plan
	if len(errs) > 0 {
		return errs[0]
	}
	return nil
}

// backfill asks the stations for a field's older values, then InfluxDB.
func (at *attached) backfill(sat int, packet, field string) ([]gui.Sample, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var out []gui.Sample
	seen := map[int64]bool{}
	add := func(ss []telemetry.Sample) {
		for _, s := range samplesOf(ss) {
			if !seen[s.At.UnixNano()] {
				seen[s.At.UnixNano()] = true
				out = append(out, s)
			}
		}
	}
	for _, c := range at.clients {
		if ss, err := c.History(ctx, sat, packet, field, time.Time{}); err == nil {
			add(ss)
		}
	}
	if len(out) == 0 && at.o.Influx != nil {
		ss, err := telemetry.QueryInflux(ctx, *at.o.Influx, telemetry.Query{Sat: strconv.Itoa(sat), Measurement: packet, Field: field, Limit: 2000})
		if err != nil {
			return nil, err
		}
		add(ss)
	}
	return out, nil
}

func severityOf(s string) dict.Severity {
	switch s {
	case dict.Red.String():
		return dict.Red
	case dict.Yellow.String():
		return dict.Yellow
	}
	return dict.Nominal
}

// samplesOf keeps the numeric samples, for a chart.
func samplesOf(ss []telemetry.Sample) []gui.Sample {
	var out []gui.Sample
	for _, s := range ss {
		switch v := s.Value.(type) {
		case float64:
			out = append(out, gui.Sample{At: s.Time, V: v})
		case int64:
			out = append(out, gui.Sample{At: s.Time, V: float64(v)})
		}
	}
	return out
}

// radio sends an operator's hand on a station's radios to that station.
func (at *attached) radio(stationName string, m station.Manual) error {
	if at.ctl != nil {
		return errNoRadioOverControl
	}
	at.mu.Lock()
	var c *status.Client
	for i, s := range at.snaps {
		if s != nil && s.Station == stationName {
			c = at.clients[i]
		}
	}
	at.mu.Unlock()
	if c == nil {
		return fmt.Errorf("no attached station is %s", stationName)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return c.Radio(ctx, m)
}
