package control

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ipgs/ipgs/scheduler/clock"
	"github.com/ipgs/ipgs/scheduler/plan"
	"github.com/ipgs/ipgs/uplink/command"
)

// ServiceConfig is the control service: mission control's side of the
// control plane.
type ServiceConfig struct {
	Client   *Client // connected as a user with the service role
	Roster   *Roster
	Clock    clock.Clock
	Replicas int // each stream's copies: 1 on one server, 3 on a cluster
	// Plan is the network's plan at the start (version 1, unless the
	// plan stream has versions already: the newest is taken up).
	Plan *plan.Plan
	// Replan plans the network again from now, with pins, leaving out
	// the down stations.
	Replan func(ctx context.Context, prev *plan.Plan, pins []plan.LockEntry, down []string, now time.Time) (*plan.Plan, error)
	// Silence is how long a station may go without a heartbeat before its
	// contacts go to the others (0: never).
	Silence time.Duration
	Log     io.Writer
}

// Service is the running control service.
type Service struct {
	cfg ServiceConfig

	mu      sync.Mutex
	plan    *plan.Plan
	version int
	down    map[string]bool
	seen    map[string]time.Time // last heartbeat, on the service's clock
	cmds    map[uint32]*cmdState
	answers map[string][]byte // request key → answer, to answer a repeat the same
	order   []string
	// the streams' sequences taken in, to wait for the past at the start
	cmdSeq, stageSeq uint64
	caught           chan struct{}
	planned          func(PlanMsg) // OnPlan's

}

type cmdState struct {
	sat       int
	cancelled bool
	sent      bool // a station recorded it sent
	onboard   bool // received (or beyond) by the satellite
	holder    string
	until     time.Time
}

// NewService makes the service; Run runs it.
func NewService(cfg ServiceConfig) *Service {
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	if cfg.Replicas == 0 {
		cfg.Replicas = 1
	}
	return &Service{cfg: cfg, plan: cfg.Plan, down: map[string]bool{}, seen: map[string]time.Time{},
		cmds: map[uint32]*cmdState{}, answers: map[string][]byte{}, caught: make(chan struct{})}
}

// OnPlan, if called before Run, is told of every plan version the
// service publishes.
func (s *Service) OnPlan(fn func(PlanMsg)) { s.planned = fn }

// Run makes the streams, takes up their state, serves requests and
// watches heartbeats until ctx ends.
func (s *Service) Run(ctx context.Context) error {
	c := s.cfg.Client
	if err := ensureStreams(ctx, c.js, s.cfg.Replicas); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()

	// the past first: commands, their claims and stages, the newest plan
	lastCmd, err := lastSeq(ctx, c.js, StreamCmds)
	if err != nil {
		return err
	}
	lastStage, err := lastSeq(ctx, c.js, StreamStages)
	if err != nil {
		return err
	}
	wg.Go(func() { c.follow(ctx, StreamCmds, nil, false, s.takeCmd) })
	wg.Go(func() { c.follow(ctx, StreamStages, nil, false, s.takeStage) })
	for {
		s.mu.Lock()
		done := s.cmdSeq >= lastCmd && s.stageSeq >= lastStage
		s.mu.Unlock()
		if done {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	if err := s.takePlan(ctx); err != nil {
		return err
	}
	now := s.cfg.Clock.Now()
	for _, u := range s.cfg.Roster.Users {
		if u.Role == Station {
			s.seen[u.Name] = now // a station is given Silence from the start
		}
	}

	hb, err := c.nc.Subscribe("ipgs.status.*", s.heartbeat)
	if err != nil {
		return err
	}
	defer hb.Unsubscribe()
	rq, err := c.nc.QueueSubscribe("ipgs.req.*.*", "ipgs-control", func(m *nats.Msg) { s.request(ctx, m) })
	if err != nil {
		return err
	}
	defer rq.Unsubscribe()
	if s.cfg.Silence > 0 {
		wg.Go(func() { s.watch(ctx) })
	}
	fmt.Fprintf(s.cfg.Log, "control: serving, plan version %d\n", s.version)
	<-ctx.Done()
	return ctx.Err()
}

func lastSeq(ctx context.Context, js jetstream.JetStream, stream string) (uint64, error) {
	for {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		st, err := js.Stream(cctx, stream)
		var info *jetstream.StreamInfo
		if err == nil {
			info, err = st.Info(cctx)
		}
		cancel()
		if err == nil {
			return info.State.LastSeq, nil
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// takePlan takes up the newest plan version in the stream, or publishes
// the starting plan as version 1.
func (s *Service) takePlan(ctx context.Context) error {
	st, err := s.cfg.Client.js.Stream(ctx, StreamPlan)
	if err != nil {
		return err
	}
	m, err := st.GetLastMsgForSubject(ctx, "ipgs.plan")
	if err != nil && !errors.Is(err, jetstream.ErrMsgNotFound) {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if m != nil {
		var pm PlanMsg
		if err := json.Unmarshal(m.Data, &pm); err != nil {
			return fmt.Errorf("plan stream: newest version: %w", err)
		}
		s.version = pm.Version
		if s.plan != nil {
			s.plan, _ = plan.Apply(s.plan, pm.Contacts)
		}
		for _, d := range pm.Down {
			s.down[d] = true
		}
		return nil
	}
	if s.plan == nil {
		return nil
	}
	return s.publishPlan(ctx, s.plan, "", "the plan at the start")
}

// publishPlan publishes pl as the next version. Callers hold s.mu.
func (s *Service) publishPlan(ctx context.Context, pl *plan.Plan, by, why string) error {
	pm := PlanMsg{Version: s.version + 1, By: by, Why: why, Made: s.cfg.Clock.Now().UTC(), Contacts: pl.Locks()}
	for d := range s.down {
		pm.Down = append(pm.Down, d)
	}
	slices.Sort(pm.Down)
	if err := s.cfg.Client.publish(ctx, "ipgs.plan", pm, fmt.Sprintf("plan-%d", pm.Version)); err != nil {
		return err
	}
	s.version, s.plan = pm.Version, pl
	fmt.Fprintf(s.cfg.Log, "control: plan version %d (%d contacts): %s\n", pm.Version, len(pm.Contacts), why)
	if s.planned != nil {
		s.planned(pm)
	}
	return nil
}

func (s *Service) takeCmd(m jetstream.Msg) {
	var cm CmdMsg
	meta, err := m.Metadata()
	if err != nil || json.Unmarshal(m.Data(), &cm) != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cmdSeq = max(s.cmdSeq, meta.Sequence.Stream)
	switch cm.Kind {
	case "queued":
		if s.cmds[uint32(meta.Sequence.Stream)] == nil {
			s.cmds[uint32(meta.Sequence.Stream)] = &cmdState{sat: cm.Record.Sat}
		}
	case "cancelled":
		if c := s.cmds[cm.Record.ID]; c != nil {
			c.cancelled = true
		}
	case "claim":
		if c := s.cmds[cm.Record.ID]; c != nil {
			c.holder, c.until = cm.Holder, cm.Until
		}
	}
}

func (s *Service) takeStage(m jetstream.Msg) {
	var r command.Record
	meta, err := m.Metadata()
	if err != nil || json.Unmarshal(m.Data(), &r) != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stageSeq = max(s.stageSeq, meta.Sequence.Stream)
	c := s.cmds[r.ID]
	if c == nil {
		return
	}
	switch r.Stage {
	case command.Sent, command.Accepted, command.Acknowledged:
		c.sent = true
	case command.Received, command.Executed, command.Failed:
		c.sent, c.onboard = true, true
	}
}

func (s *Service) heartbeat(m *nats.Msg) {
	name := strings.TrimPrefix(m.Subject, "ipgs.status.")
	if s.cfg.Roster.Role(name) != Station {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seen[name] = s.cfg.Clock.Now()
	if s.down[name] {
		// (on the heartbeat subscription's goroutine: a re-plan of a
		// large network takes a while, heartbeats wait)
		delete(s.down, name)
		s.replanLocked(context.Background(), nil, "", fmt.Sprintf("station %s is back", name))
	}
}

// watch re-plans the network without stations silent for Silence.
func (s *Service) watch(ctx context.Context) {
	every := max(s.cfg.Silence/4, time.Second)
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.cfg.Clock.After(every):
		}
		now := s.cfg.Clock.Now()
		s.mu.Lock()
		var silent []string
		for name, t := range s.seen {
			if !s.down[name] && now.Sub(t) > s.cfg.Silence {
				s.down[name] = true
				silent = append(silent, name)
			}
		}
		if len(silent) > 0 {
			slices.Sort(silent)
			s.replanLocked(ctx, nil, "", fmt.Sprintf("no heartbeat from %s for %v: its contacts go to the others", strings.Join(silent, ", "), s.cfg.Silence))
		}
		s.mu.Unlock()
	}
}

// replanLocked re-plans and publishes the new version. Callers hold s.mu.
func (s *Service) replanLocked(ctx context.Context, pins []plan.LockEntry, by, why string) error {
	if s.plan == nil || s.cfg.Replan == nil {
		return errors.New("this control service has no planner")
	}
	var down []string
	for d := range s.down {
		down = append(down, d)
	}
	slices.Sort(down)
	pl, err := s.cfg.Replan(ctx, s.plan, pins, down, s.cfg.Clock.Now())
	if err != nil {
		fmt.Fprintf(s.cfg.Log, "control: re-plan (%s): %v\n", why, err)
		return err
	}
	if err := s.publishPlan(ctx, pl, by, why); err != nil {
		return err
	}
	s.audit(ctx, Audit{Who: cmp.Or(by, "control"), Role: Control, Verb: "plan", What: fmt.Sprintf("plan version %d, %d contacts", s.version, len(pl.Contacts)), Outcome: "done", Reason: why})
	return nil
}

// audit appends to the audit stream. Callers hold s.mu.
func (s *Service) audit(ctx context.Context, a Audit) {
	a.Time = s.cfg.Clock.Now().UTC()
	id := fmt.Sprintf("%s-%s-%d-%s", a.Who, a.Verb, a.Time.UnixNano(), a.What)
	if err := s.cfg.Client.publish(ctx, "ipgs.audit."+a.Verb, a, id); err != nil {
		fmt.Fprintf(s.cfg.Log, "control: audit not written: %v (%+v)\n", err, a)
	}
}
