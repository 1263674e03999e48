package desktop

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/mission/tle"
	"github.com/ipgs/ipgs/pqlink/trust"
	"github.com/ipgs/ipgs/scheduler/clock"
	"github.com/ipgs/ipgs/telemetry"
	"github.com/ipgs/ipgs/uplink/command"
	"github.com/ipgs/ipgs/uplink/control"
	"github.com/ipgs/ipgs/uplink/station"
	"github.com/ipgs/ipgs/uplink/station/status"
)

// ControlOptions for AttachControl.
type ControlOptions struct {
	Mission    *mission.Mission
	Elements   []*tle.Elements
	Dictionary *command.Dictionary
	DataDir    string
	// Client is the operator's (or viewer's, or planner's) connection to
	// the network's control plane.
	Client *control.Client
	Influx *telemetry.Influx
	Log    io.Writer
}

// AttachControl opens the window on the network through its control
// plane (ipgs control serve): the newest plan version, the stations'
// heartbeats, pass reports, alarms and telemetry values, each as the
// streams bring them; commands, pins and alarm acknowledgements go to the
// control service as the client's user, which may refuse them by role.
func AttachControl(ctx context.Context, o ControlOptions) error {
	if o.Log == nil {
		o.Log = io.Discard
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, m, al := openWindow("ipgs mission control ("+o.Client.Name+" on the control plane)", o.Mission, cancel, o.Log)
	defer al.wait()
	m.SetOperator(o.Client.Name) // who the control plane knows: what is queued is queued as this user
	var wg sync.WaitGroup
	defer wg.Wait()
	// mission control's copy of the network's command history, made
	// anew from the streams
	histPath := filepath.Join(o.DataDir, "control", o.Client.Name+"-commands.jsonl")
	os.Remove(histPath)
	hist, herr := command.OpenHistory(histPath)
	ps := props(Options{Elements: o.Elements})
	at := &attached{o: AttachOptions{Mission: o.Mission, Elements: o.Elements, Dictionary: o.Dictionary, DataDir: o.DataDir, Influx: o.Influx, Log: o.Log},
		m: m, props: ps, tracks: &skyTracks{props: ps, mission: o.Mission}, ctl: o.Client}
	if herr == nil {
		rep := control.NewReplica(o.Client, hist, o.Log)
		wg.Go(func() { rep.Run(ctx) })
		m.SetCommanding(o.Dictionary, hist)
		m.SetProcedureRunner(procedureRunner(m, &at.latest, hist, o.Dictionary, o.Mission, clock.Real{}))
	} else {
		fmt.Fprintln(o.Log, "gui: commanding:", herr)
	}
	m.SetReplanner(at.replan)
	m.SetRadioControl(at.radio)
	if ts, err := trust.Load(o.Mission, trust.KeysDir(o.Mission, o.DataDir)); err == nil {
		a := ts.Authority()
		at.auth = &a
	}
	m.SetBackfill(at.backfill)
	feed := newControlFeed(o.Client, o.Mission)
	wg.Go(func() { feed.run(ctx, at) })
	w.ShowAndRun()
	cancel()
	m.StopProcedures()
	return nil
}

// controlFeed is what the streams say of each station, made into the
// snapshots the attached window shows.
type controlFeed struct {
	c *control.Client
	m *mission.Mission

	mu      sync.Mutex
	plan    control.PlanMsg
	reports map[string][]station.Report
	beats   map[string]beat
	alarms  map[string]map[string]telemetry.Alarm // station → alarm id → alarm
	values  map[string][]status.Value
}

func newControlFeed(c *control.Client, m *mission.Mission) *controlFeed {
	return &controlFeed{c: c, m: m, reports: map[string][]station.Report{}, beats: map[string]beat{},
		alarms: map[string]map[string]telemetry.Alarm{}, values: map[string][]status.Value{}}
}

type beat struct {
	hb   control.Heartbeat
	sum  status.Summary
	seen time.Time // wall clock
}

func (f *controlFeed) run(ctx context.Context, at *attached) {
	var wg sync.WaitGroup
	defer wg.Wait()
	follow := func(stream string, filter []string, last bool, fn func(jetstream.Msg)) {
		wg.Go(func() { control.Follow(ctx, f.c, stream, filter, last, fn) })
	}
	follow(control.StreamPlan, nil, true, func(m jetstream.Msg) { f.takePlan(m.Data()) })
	follow(control.StreamReports, nil, false, func(m jetstream.Msg) { f.takeReport(m.Data()) })
	follow(control.StreamStatus, nil, true, func(m jetstream.Msg) { f.heartbeat(m.Data()) })
	follow(control.StreamAlarms, []string{"ipgs.alarm.>"}, false, func(m jetstream.Msg) { f.takeAlarm(m.Subject(), m.Data()) })
	tm, err := f.c.Conn().Subscribe("ipgs.tm.*", func(m *nats.Msg) { f.takeValues(m.Subject, m.Data) })
	if err == nil {
		defer tm.Unsubscribe()
	}
	live, err := f.c.Conn().Subscribe("ipgs.status.*", func(m *nats.Msg) { f.heartbeat(m.Data) })
	if err == nil {
		defer live.Unsubscribe()
	}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		at.mu.Lock()
		at.snaps, at.errs = f.snapshots()
		at.mu.Unlock()
		at.update()
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func (f *controlFeed) takePlan(b []byte) {
	var pm control.PlanMsg
	if json.Unmarshal(b, &pm) != nil {
		return
	}
	f.mu.Lock()
	if pm.Version > f.plan.Version {
		f.plan = pm
	}
	f.mu.Unlock()
}

func (f *controlFeed) takeReport(b []byte) {
	var r station.Report
	if json.Unmarshal(b, &r) != nil {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	rs := f.reports[r.Station]
	if slices.ContainsFunc(rs, func(x station.Report) bool { return x.Sat == r.Sat && x.Start.Equal(r.Start) }) {
		return // published again (a station's restart): once
	}
	rs = append(rs, r)
	if len(rs) > 200 {
		rs = rs[len(rs)-200:]
	}
	f.reports[r.Station] = rs
}

func (f *controlFeed) takeAlarm(subject string, b []byte) {
	var e telemetry.Event
	if json.Unmarshal(b, &e) != nil {
		return
	}
	name := strings.TrimPrefix(subject, "ipgs.alarm.")
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.alarms[name] == nil {
		f.alarms[name] = map[string]telemetry.Alarm{}
	}
	if e.Kind == "cleared" {
		delete(f.alarms[name], e.Alarm.ID)
	} else {
		f.alarms[name][e.Alarm.ID] = e.Alarm
	}
}

func (f *controlFeed) takeValues(subject string, b []byte) {
	var vs []status.Value
	if json.Unmarshal(b, &vs) != nil {
		return
	}
	f.mu.Lock()
	f.values[strings.TrimPrefix(subject, "ipgs.tm.")] = vs
	f.mu.Unlock()
}

func (f *controlFeed) heartbeat(b []byte) {
	var hb control.Heartbeat
	if json.Unmarshal(b, &hb) != nil {
		return
	}
	var sum status.Summary
	json.Unmarshal(hb.Status, &sum)
	f.mu.Lock()
	if old, ok := f.beats[hb.Station]; !ok || !hb.Time.Before(old.hb.Time) {
		f.beats[hb.Station] = beat{hb: hb, sum: sum, seen: time.Now()}
	}
	f.mu.Unlock()
}

// snapshots are the stations' state as the streams told it, one per
// station of the mission, with a problem for a station not heard from.
func (f *controlFeed) snapshots() ([]*status.Snapshot, []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	names := map[int]string{}
	for _, s := range f.m.Satellites {
		names[s.NORAD] = s.Name
	}
	var snaps []*status.Snapshot
	var errs []string
	for _, st := range f.m.Stations {
		b, ok := f.beats[st.Name]
		s := &status.Snapshot{Station: st.Name, Now: b.hb.Time, Reports: slices.Clone(f.reports[st.Name]), Progress: b.sum.Progress,
			Values: f.values[st.Name], Problems: slices.Clone(b.sum.Problems)}
		for _, c := range f.plan.Contacts {
			if c.Station == st.Name {
				s.Plan = append(s.Plan, status.Pass{Sat: c.Sat, Name: names[c.Sat], Station: c.Station, Start: c.Start, End: c.End, Pinned: c.Pinned})
			}
		}
		for _, a := range f.alarms[st.Name] {
			s.Alarms = append(s.Alarms, a)
		}
		slices.SortFunc(s.Alarms, func(a, b telemetry.Alarm) int { return strings.Compare(a.ID, b.ID) })
		if slices.Contains(f.plan.Down, st.Name) {
			s.Problems = append(s.Problems, fmt.Sprintf("left out of plan version %d: no heartbeat", f.plan.Version))
		}
		e := ""
		switch {
		case !ok:
			e = st.Name + ": no heartbeat on the control plane yet"
		case time.Since(b.seen) > time.Minute:
			e = fmt.Sprintf("%s: no heartbeat for %v", st.Name, time.Since(b.seen).Round(time.Second))
		}
		snaps = append(snaps, s)
		errs = append(errs, e)
	}
	return snaps, errs
}

// errNoRadioOverControl: hands on a station's radios go to its status
// endpoint (ipgs station radio), not through the control plane.
var errNoRadioOverControl = errors.New("the radios by hand go to the station's status endpoint (ipgs station radio ... --status), not through the control plane")
