// Package desktop opens the mission-control window (the only package that
// imports fyne.io/fyne/v2/app): it runs the mission in-process, as ipgs
// demo does, and feeds the views' model from the engine.
package desktop

import (
	"context"
	"fmt"
	"io"
	"math"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"github.com/ipgs/ipgs/gui"
	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/mission/geo"
	"github.com/ipgs/ipgs/mission/sgp4"
	"github.com/ipgs/ipgs/mission/tle"
	"github.com/ipgs/ipgs/scheduler/clock"
	"github.com/ipgs/ipgs/scheduler/plan"
	"github.com/ipgs/ipgs/sim"
	"github.com/ipgs/ipgs/telemetry"
	"github.com/ipgs/ipgs/telemetry/dict"
	"github.com/ipgs/ipgs/uplink/command"
	"github.com/ipgs/ipgs/uplink/dtn"
	"github.com/ipgs/ipgs/uplink/proc"
	"github.com/ipgs/ipgs/uplink/station"
	"github.com/ipgs/ipgs/uplink/station/status"
)

// Options for Run.
type Options struct {
	Mission    *mission.Mission
	Elements   []*tle.Elements
	Dictionary *command.Dictionary
	TMDict     *dict.Dictionary
	DataDir    string
	Start      time.Time
	Duration   time.Duration
	Speed      float64
	Log        io.Writer
}

// openWindow makes the app's window on a new model. The window's size
// survives a restart; closing it calls cancel.
func openWindow(title string, ms *mission.Mission, cancel func(), log io.Writer) (fyne.Window, *gui.Model, *alerter) {
	a := app.NewWithID("org.ipgs.mission-control")
	w := a.NewWindow(title)
	m := gui.NewModel()
	// who is at the console: the gui.operator preference, else the login name
	prefs := a.Preferences()
	op := prefs.String("gui.operator")
	if op == "" {
		if u, err := user.Current(); err == nil {
			op = u.Username
		}
	}
	m.SetOperator(op)
	al := &alerter{app: a, log: log}
	m.OnRaised(al.raised)
	sats := map[string]int{}
	for _, s := range ms.Satellites {
		sats[s.Name] = s.NORAD
	}
	w.SetContent(gui.NewMain(m, w, sats))
	w.Resize(fyne.NewSize(float32(prefs.FloatWithFallback("gui.width", 1100)), float32(prefs.FloatWithFallback("gui.height", 700))))
	w.SetCloseIntercept(func() {
		sz := w.Canvas().Size()
		prefs.SetFloat("gui.width", float64(sz.Width))
		prefs.SetFloat("gui.height", float64(sz.Height))
		cancel()
		w.Close()
	})
	return w, m, al
}

// Run opens the window and flies the mission until the window closes or
// ctx ends.
func Run(ctx context.Context, o Options) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, m, al := openWindow("ipgs mission control", o.Mission, cancel, o.Log)
	defer al.wait()
	run := filepath.Join(o.DataDir, "gui-"+o.Start.Format("20060102T150405"))
	store, err := telemetry.OpenStore(filepath.Join(run, "telemetry"), o.TMDict)
	if err != nil {
		return err
	}
	defer store.Close()
	latest := &proc.Latest{} // every value as it arrives, for procedures
	store.OnDecoded = func(p *telemetry.Packet, d *dict.Decoded) {
		telemetry.Readings(p, d, func(r telemetry.Reading) {
			latest.Record(r.Sat, r.Packet, r.Field, r.Value, r.At)
			m.SetValue(gui.Value{Sat: r.Sat, Packet: r.Packet, Field: r.Field, Value: r.Value, Text: r.Text, Units: r.Units, Severity: r.Severity, Limits: r.Limits, At: r.At})
		})
	}
	m.SetBackfill(func(sat int, packet, field string) ([]gui.Sample, error) {
		ss, err := telemetry.QuerySpool(store.Spool, telemetry.Query{Sat: strconv.Itoa(sat), Measurement: packet, Field: field, Limit: 2000})
		return samplesOf(ss), err
	})
	radioErrs := &lastErrors{m: map[string]string{}}
	props := props(o)
	tracker := newTracker(props, o.Mission)
	tracks := &skyTracks{props: props, mission: o.Mission}
	var stations []gui.StationMark
	for _, st := range o.Mission.Stations {
		stations = append(stations, gui.StationMark{Name: st.Name, At: gui.LatLon{Lat: st.Lat, Lon: st.Lon}})
	}
	var nodesMu sync.Mutex
	var nodes map[string]*dtn.Node
	var vote *sim.Vote
	var bundles *sim.DayBundles
	if v, err := sim.NewVote(o.Mission); err == nil {
		vote, bundles = v, v.Bundles(o.Dictionary)
		ready := bundles.Ready
		bundles.Ready = func(ns map[string]*dtn.Node, e *sim.Emulator, c clock.Clock) error {
			nodesMu.Lock()
			nodes = ns
			nodesMu.Unlock()
			return ready(ns, e, c)
		}
	}
	// one clock for the day and the views: the views show the day's time
	clk := clock.NewScaled(o.Start, o.Speed)
	var wg sync.WaitGroup // the day and the views' refresh, joined when the window closes
	wg.Go(func() {
		tick := time.NewTicker(200 * time.Millisecond) // the views' frame rate, in wall time
		defer tick.Stop()
		n := 0
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				now := clk.Now()
				m.SetNow(now)
				m.SetMap(tracker.Marks(now), stations, gui.Subsolar(now))
				m.SetAlarms(store.Alarms.Alarms(), func(id, who string) error { return store.Alarms.Ack(id, who, clk.Now()) })
				m.SetRadios(radiosOf(now, m, props, o.Mission))
				m.SetProblems(problemsOf(now, o, radioErrs.get()))
				if n++; n%10 == 0 { // every 2 s: routing every bundle is not free
					nodesMu.Lock()
					ns := nodes
					nodesMu.Unlock()
					m.SetBundles(bundlesOf(now, ns))
					if vote != nil {
						m.SetProposals(proposalsOf(now, vote, o.Mission))
					}
				}
			}
		}
	})
	wg.Go(func() {
		sec, err := sim.NewDaySecurity(o.Mission)
		if err != nil {
			fmt.Fprintln(o.Log, "gui:", err)
			return
		}
		_, err = sim.RunDay(ctx, sim.DayOptions{
			Mission: o.Mission, Elements: o.Elements, Dictionary: o.Dictionary, Start: o.Start, Duration: o.Duration, Speed: o.Speed, Clock: clk,
			DataDir: run, Out: o.Log, Seed: uint64(o.Start.Unix()), Telemetry: store, Security: sec, Bundles: bundles,
			Queue: func(h *command.History, _ *command.Dictionary) error {
				m.SetCommanding(o.Dictionary, h)
				m.SetProcedureRunner(procedureRunner(m, latest, h, o.Dictionary, o.Mission, clk))
				return nil
			},
			Planned: func(pl *plan.Plan) {
				// a re-plan starts now: the passes before it stay in the view
				contacts, left := status.PlanOf(pl, -1)
				ps := guiPasses(contacts, tracks)
				for _, p := range m.Passes() {
					if !p.End.After(pl.Problem.Start) {
						ps = append(ps, p)
					}
				}
				m.SetPasses(ps)
				m.SetUnscheduled(guiPasses(left, tracks))
			},
			Replanner: func(replan sim.Replan) {
				m.SetReplanner(func(pins []gui.Pass) error {
					var locks []plan.LockEntry
					for _, p := range pins {
						locks = append(locks, plan.LockEntry{Sat: p.Sat, Station: p.Station, Start: p.Start, End: p.End, Pinned: true})
						fmt.Fprintf(o.Log, "re-plan: %s over %s at %s pinned by %s\n", p.Name, p.Station, p.Start.UTC().Format(time.RFC3339), p.PinnedBy)
					}
					_, err := replan(ctx, locks)
					return err
				})
			},
			Report: func(r station.Report) {
				m.PassDone(r.Station, r.Sat, r.Start, r.Packets, r.HandshakeSeconds)
				m.Progress(r.Station, 0, 0)
				if r.RadioError != "" {
					radioErrs.set(r.Station, r.RadioError)
				}
			},
			Progress: func(p station.Progress) { m.Progress(p.Station, p.FramesRx, p.Packets) },
		})
		if err != nil && ctx.Err() == nil {
			fmt.Fprintln(o.Log, "gui:", err)
		}
	})
	w.ShowAndRun()
	cancel()
	m.StopProcedures()
	wg.Wait()
	return nil
}

// procedureRunner runs procedures from the window: commands into h,
// telemetry from latest (every value, as it arrives), on clk, as the
// operator at the console.
func procedureRunner(m *gui.Model, latest *proc.Latest, h *command.History, d *command.Dictionary, ms *mission.Mission, clk clock.Clock) gui.ProcedureRunner {
	return func(ctx context.Context, name string, src []byte, sat int, out io.Writer) error {
		var satName string
		for _, sc := range ms.Satellites {
			if sc.NORAD == sat {
				satName = sc.Name
			}
		}
		_, err := proc.Run(ctx, proc.Env{History: h, Dict: d, Sat: sat, SatName: satName, Latest: latest.Get, After: latest.After,
			Clock: clk, Operator: m.Operator(), Out: out}, name, src)
		return err
	}
}

type propagators map[int]*sgp4.Propagator

func props(o Options) propagators {
	ps := propagators{}
	for _, e := range o.Elements {
		if p, err := sgp4.New(e); err == nil {
			ps[e.CatalogNumber] = p
		}
	}
	return ps
}

// skyTracks computes passes' predicted sky tracks (azimuth, elevation
// every 10 s), each once.
type skyTracks struct {
	props   propagators
	mission *mission.Mission
	mu      sync.Mutex
	done    map[string][][2]float64
}

func (s *skyTracks) of(p status.Pass) [][2]float64 {
	k := p.Station + "/" + strconv.Itoa(p.Sat) + "/" + p.Start.String() + "/" + p.End.String()
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.done[k]; ok {
		return t
	}
	var t [][2]float64
	prop := s.props[p.Sat]
	for i, st := range s.mission.Stations {
		if st.Name != p.Station || prop == nil {
			continue
		}
		topo := geo.NewTopocentric(s.mission.PassStations()[i].Location)
		for tt := p.Start; !tt.After(p.End); tt = tt.Add(10 * time.Second) {
			r, v, err := prop.At(tt)
			if err != nil {
				break
			}
			re, ve := geo.TEMEToECEF(tt, r, v)
			l := topo.Look(re, ve)
			t = append(t, [2]float64{l.AzDeg, l.ElDeg})
		}
	}
	if s.done == nil {
		s.done = map[string][][2]float64{}
	}
	s.done[k] = t
	return t
}

// guiPasses turns contacts (with their sky tracks) and left-out passes
// into the views' passes.
func guiPasses(ps []status.Pass, tracks *skyTracks) []gui.Pass {
	var out []gui.Pass
	for _, p := range ps {
		gp := gui.Pass{Station: p.Station, Sat: p.Sat, Name: p.Name, Start: p.Start, End: p.End, MaxEl: p.MaxEl, Pinned: p.Pinned, Reason: p.Reason}
		if p.Reason == "" {
			gp.Track = tracks.of(p)
			if gp.MaxEl == 0 { // a contact from a plan version: its track says
				for _, pt := range gp.Track {
					gp.MaxEl = max(gp.MaxEl, math.Round(pt[1]*10)/10)
				}
			}
		}
		out = append(out, gp)
	}
	return out
}

// newTracker follows the mission's satellites that have element sets.
func newTracker(ps propagators, m *mission.Mission) *gui.Tracker {
	var sats []gui.Orbiting
	for _, sc := range m.Satellites {
		if p := ps[sc.NORAD]; p != nil {
			sats = append(sats, gui.Orbiting{Name: sc.Name, Prop: p})
		}
	}
	return gui.NewTracker(sats)
}
