package control

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ipgs/ipgs/scheduler/clock"
	"github.com/ipgs/ipgs/uplink/command"
)

// StationConfig is a ground station's link to the control plane.
type StationConfig struct {
	Client  *Client // connected as the station (role station)
	History *command.History
	Clock   clock.Clock
	// Heartbeat is how often the station says it is alive, on Clock (0:
	// 10 s); Status, if set, is what each heartbeat carries.
	Heartbeat time.Duration
	Status    func() any
	// Values, if set, are the station's latest telemetry values, sent on
	// ipgs.tm.<station> with a heartbeat at most once a second of the
	// wall clock: what mission control's screens show (the full
	// telemetry goes to the store).
	Values func() any
	// OnPlan is given each newer plan version (the newest there is, at
	// the start).
	OnPlan func(PlanMsg)
	// OnAck is told of alarm acknowledgements made at mission control.
	OnAck func(alarm, by string)
	Log   io.Writer
}

// StationLink is a running station's side of the control plane: it
// brings the network's commands into the station's history and the
// newest plan to the station, and takes the station's stages, pass
// reports, alarms and heartbeats to the network, in order, each once.
type StationLink struct {
	cfg  StationConfig
	name string

	mu      sync.Mutex
	out     []outMsg
	wake    chan struct{}
	version int
	claims  map[uint32]Claimed
	asked   map[uint32]time.Time // claims the service could not answer or refused, and when (wall clock)
	asking  map[uint32]bool      // claims being asked for
	runCtx  context.Context      // Run's, while it runs: the claims' askers stop with it
	askers  sync.WaitGroup
}

type outMsg struct {
	subject, id string
	body        any
}

// NewStationLink makes the link; Run runs it.
func NewStationLink(cfg StationConfig) *StationLink {
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	if cfg.Heartbeat == 0 {
		cfg.Heartbeat = 10 * time.Second
	}
	return &StationLink{cfg: cfg, name: cfg.Client.Name, wake: make(chan struct{}, 1), claims: map[uint32]Claimed{}, asked: map[uint32]time.Time{}, asking: map[uint32]bool{}}
}

// Version is the plan version the station works (0: none yet).
func (l *StationLink) Version() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.version
}

// Run follows the plan, commands, stages and acknowledgements, sends the
// heartbeat and publishes what the station hands it, until ctx ends.
func (l *StationLink) Run(ctx context.Context) error {
	c := l.cfg.Client
	var wg sync.WaitGroup
	defer wg.Wait()
	defer l.askers.Wait()
	l.mu.Lock()
	l.runCtx = ctx
	l.mu.Unlock()
	defer func() {
		l.mu.Lock()
		l.runCtx = nil
		l.mu.Unlock()
	}()
	wg.Go(func() { c.follow(ctx, StreamPlan, nil, true, l.takePlan) })
	wg.Go(func() { c.follow(ctx, StreamCmds, nil, false, l.takeCmd) })
	wg.Go(func() { c.follow(ctx, StreamStages, nil, false, l.takeStage) })
	if l.cfg.OnAck != nil {
		wg.Go(func() {
			c.follow(ctx, StreamAlarms, []string{"ipgs.alarmack"}, false, func(m jetstream.Msg) {
				var a struct{ Alarm, By string }
				if json.Unmarshal(m.Data(), &a) == nil {
					l.cfg.OnAck(a.Alarm, a.By)
				}
			})
		})
	}
	wg.Go(func() { l.publisher(ctx) })
	var lastValues time.Time
	for {
		hb := Heartbeat{Station: l.name, Time: l.cfg.Clock.Now().UTC(), Plan: l.Version()}
		if l.cfg.Status != nil {
			hb.Status, _ = json.Marshal(l.cfg.Status())
		}
		b, _ := json.Marshal(hb)
		c.nc.Publish("ipgs.status."+l.name, b) // core NATS: a lost one is missed, not resent
		if l.cfg.Values != nil && time.Since(lastValues) >= time.Second {
			lastValues = time.Now()
			if vb, err := json.Marshal(l.cfg.Values()); err == nil {
				c.nc.Publish("ipgs.tm."+l.name, vb)
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-l.cfg.Clock.After(l.cfg.Heartbeat):
		}
	}
}

func (l *StationLink) takePlan(m jetstream.Msg) {
	var pm PlanMsg
	if err := json.Unmarshal(m.Data(), &pm); err != nil {
		fmt.Fprintf(l.cfg.Log, "station %s: a plan version that does not decode: %v\n", l.name, err)
		return
	}
	l.mu.Lock()
	newer := pm.Version > l.version
	if newer {
		l.version = pm.Version
	}
	l.mu.Unlock()
	if newer && l.cfg.OnPlan != nil {
		l.cfg.OnPlan(pm)
	}
}

func (l *StationLink) takeCmd(m jetstream.Msg) {
	putCmd(l.cfg.History, m, l.cfg.Log, func(cm CmdMsg) {
		l.mu.Lock()
		l.claims[cm.Record.ID] = Claimed{Granted: cm.Holder == l.name, Holder: cm.Holder, Until: cm.Until}
		l.mu.Unlock()
	})
}

func (l *StationLink) takeStage(m jetstream.Msg) {
	var r command.Record
	if json.Unmarshal(m.Data(), &r) != nil || r.Station == l.name {
		return
	}
	put(l.cfg.History, r, l.cfg.Log)
}

// Claim says whether the station may uplink command id to sat in a
// contact that ends at until. It never waits on the network: without an
// answer yet it asks the service in the background and says no for now
// (the engine asks again on its next round), so a control plane that is
// slow or away delays a command, never the contact.
func (l *StationLink) Claim(id uint32, sat int, until time.Time) bool {
	now := l.cfg.Clock.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	c, ok := l.claims[id]
	switch {
	case ok && c.Holder == l.name && !until.After(c.Until):
		return true
	case ok && c.Holder != l.name && now.Before(c.Until):
		return false
	case l.asking[id] || l.runCtx == nil:
		return false
	}
	// a claim the service could not answer, or refused, is asked for
	// again after a few seconds
	if last, tried := l.asked[id]; tried && time.Since(last) < 3*time.Second {
		return false
	}
	l.asking[id] = true
	ctx := l.runCtx
	l.askers.Go(func() {
		var got Claimed
		actx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		err := l.cfg.Client.Ask(actx, VerbClaim, Request{ID: fmt.Sprintf("%d-%d", id, until.UnixNano()), CmdID: id, Sat: sat, Until: until}, &got)
		l.mu.Lock()
		defer l.mu.Unlock()
		delete(l.asking, id)
		if err != nil {
			if ctx.Err() == nil {
				fmt.Fprintf(l.cfg.Log, "station %s: command %d not claimed: %v\n", l.name, id, err)
			}
			l.asked[id] = time.Now()
			return
		}
		if !got.Granted {
			l.asked[id] = time.Now()
		}
		l.claims[id] = got
	})
	return false
}

// Stage publishes a stage the station recorded.
func (l *StationLink) Stage(r command.Record) {
	if r.Stage == command.Queued {
		return // queued through the service, never by a station
	}
	l.enqueue(fmt.Sprintf("ipgs.stage.%s.%d", l.name, r.Sat), fmt.Sprintf("s-%d-%s-%s-%d", r.ID, r.Stage, r.Station, r.Time.UnixNano()), r)
}

// Report publishes a pass report; key names it (the same report
// published again is kept once).
func (l *StationLink) Report(key string, rep any) {
	l.enqueue("ipgs.report."+l.name, "r-"+l.name+"-"+key, rep)
}

// Alarm publishes an alarm event; key names it.
func (l *StationLink) Alarm(key string, ev any) {
	l.enqueue("ipgs.alarm."+l.name, "a-"+l.name+"-"+key, ev)
}

// Pending is how many messages wait to be published.
func (l *StationLink) Pending() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.out)
}

func (l *StationLink) enqueue(subject, id string, body any) {
	l.mu.Lock()
	l.out = append(l.out, outMsg{subject, strings.ReplaceAll(id, " ", "_"), body})
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// publisher publishes what waits, in order, each until the stream has
// it (through lost servers and reconnections).
func (l *StationLink) publisher(ctx context.Context) {
	for {
		l.mu.Lock()
		var m *outMsg
		if len(l.out) > 0 {
			m = &l.out[0]
		}
		l.mu.Unlock()
		if m == nil {
			select {
			case <-ctx.Done():
				return
			case <-l.wake:
			}
			continue
		}
		if err := l.cfg.Client.publish(ctx, m.subject, m.body, m.id); err != nil {
			return // ctx ended
		}
		l.mu.Lock()
		l.out = l.out[1:]
		l.mu.Unlock()
	}
}
