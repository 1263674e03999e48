package control

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ipgs/ipgs/scheduler/clock"
	"github.com/ipgs/ipgs/uplink/command"
)

// TestClusterCommandsOnce: a three-server cluster on loopback, the
// control service, three stations' links, an operator, a planner and a
// viewer. A command queued by the operator reaches every station's
// history with one network-wide id; one station claims it and the others
// are refused while its contact lasts; the viewer cannot queue
// (refused, audited), nor write the command stream; a station cannot
// issue a plan. Then one server is killed: a second command, its stages
// and the claim still go through; a station that goes silent has its
// contacts re-planned to the others, and gets a plan with them back.
func TestClusterCommandsOnce(t *testing.T) {
	m, pl, replan := networkPlan(t)
	users := map[string]Role{"mc": Control, "alice": Operator, "pat": Planner, "vic": Viewer}
	var stNames []string
	for _, s := range m.Stations {
		users[s.Name] = Station
		stNames = append(stNames, s.Name)
	}
	n := newNet(t, 3, users)
	clk := clock.NewScaled(pl.Problem.Start.Add(time.Hour), 60)
	svc := NewService(ServiceConfig{Client: n.connect("mc"), Roster: n.roster, Clock: clk, Replicas: 3, Plan: pl, Replan: replan,
		Silence: 10 * time.Minute, Log: tlog{t}})
	ctx, cancel := context.WithCancel(context.Background())
	svcDone := make(chan error, 1)
	go func() { svcDone <- svc.Run(ctx) }()
	defer func() {
		cancel()
		<-svcDone
	}()
	sts := map[string]*station{}
	for _, name := range stNames {
		sts[name] = n.station(t, name, clk, nil)
	}
	for _, name := range stNames {
		eventually(t, name+" has plan version 1", func() bool { return sts[name].newest().Version >= 1 })
	}
	if got, want := len(sts[stNames[0]].newest().Contacts), len(pl.Contacts); got != want {
		t.Fatalf("plan version 1 has %d contacts, the plan %d", got, want)
	}

	alice, vic, pat := n.connect("alice"), n.connect("vic"), n.connect("pat")
	sat := m.Satellites[0].NORAD
	queue := func(c *Client, name string) (uint32, error) {
		var q Queued
		err := c.Ask(ctx, VerbQueue, Request{Command: &command.Record{Sat: sat, Name: name, Opcode: 7, Args: []string{"level=3"}}}, &q)
		return q.ID, err
	}
	id, err := queue(alice, "SET_MODE")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range stNames {
		eventually(t, name+" has command "+itoa(id), func() bool {
			p, _ := sts[name].hist.Pending(sat)
			return len(p) == 1 && p[0].ID == id && p[0].Operator == "alice"
		})
	}

	// two stations see the satellite: the first to claim uplinks it
	a, b := sts[stNames[0]], sts[stNames[1]]
	until := clk.Now().Add(10 * time.Minute)
	if !claim(t, a.link, id, sat, until) {
		t.Fatal("the first claim was refused")
	}
	if claim(t, b.link, id, sat, until) {
		t.Fatal("a second station's claim was granted while the first holds it")
	}
	a.hist.Stage(id, sat, command.Sent, clk.Now(), stNames[0], "")
	eventually(t, "the sent stage at the other stations", func() bool {
		cs, _ := b.hist.Commands()
		return len(cs) == 1 && cs[0].State() == command.Sent
	})

	// the viewer: refused by the service (audited), and by the server
	if _, err := queue(vic, "SET_MODE"); !errors.Is(err, ErrRefused) {
		t.Fatalf("viewer's queue: %v, want refused", err)
	}
	vic.Conn().Publish("ipgs.cmd.1", []byte(`{"kind":"queued"}`))
	vic.Conn().Flush()
	select {
	case err := <-vic.Errors():
		if !strings.Contains(err.Error(), "Permissions Violation") {
			t.Fatalf("viewer writing the command stream: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the server took the viewer's write to the command stream")
	}
	// a station: cannot issue a plan
	if err := b.link.cfg.Client.Ask(ctx, VerbReplan, Request{Reason: "mine"}, nil); !errors.Is(err, ErrRefused) {
		t.Fatalf("a station's re-plan: %v, want refused", err)
	}
	b.link.cfg.Client.Conn().Publish("ipgs.plan", []byte(`{"version":99}`))
	b.link.cfg.Client.Conn().Flush()
	select {
	case err := <-b.link.cfg.Client.Errors():
		if !strings.Contains(err.Error(), "Permissions Violation") {
			t.Fatalf("a station writing the plan: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the server took a station's plan")
	}
	_ = pat

	// one server lost: the rest goes on
	n.servers[0].Shutdown()
	id2, err := queue(alice, "PING")
	if err != nil {
		t.Fatalf("with a server lost: %v", err)
	}
	if id2 <= id {
		t.Fatalf("second command id %d after %d", id2, id)
	}
	for _, name := range stNames {
		eventually(t, name+" has command "+itoa(id2), func() bool {
			p, _ := sts[name].hist.Pending(sat)
			return slices.ContainsFunc(p, func(c *command.Command) bool { return c.ID == id2 })
		})
	}
	if !claim(t, b.link, id2, sat, clk.Now().Add(5*time.Minute)) {
		t.Fatal("claim with a server lost: refused")
	}

	// a station goes silent: its contacts go to the others; back, it has
	// its share again
	silent := stNames[2]
	sts[silent].stop()
	eventually(t, "a plan without "+silent, func() bool {
		pm := a.newest()
		return slices.Contains(pm.Down, silent)
	})
	pm := a.newest()
	for _, c := range pm.Contacts {
		if c.Station == silent && c.End.After(clk.Now().Add(time.Minute)) {
			t.Fatalf("plan %d (down %v) still gives %s a contact at %v", pm.Version, pm.Down, silent, c.Start)
		}
	}
	sts[silent] = n.station(t, silent, clk, sts[silent].hist)
	eventually(t, silent+" back in the plan", func() bool {
		pm := a.newest()
		return pm.Version > 0 && !slices.Contains(pm.Down, silent)
	})
	pm = a.newest()
	back := 0
	for _, c := range pm.Contacts {
		if c.Station == silent && c.Start.After(clk.Now()) {
			back++
		}
	}
	if back == 0 {
		t.Fatalf("plan %d gives %s nothing after it came back", pm.Version, silent)
	}

	// the audit: every request, who made it, what came of it
	var sawRefused, sawQueue, sawPlan bool
	for _, au := range audits(t, alice) {
		switch {
		case au.Verb == VerbQueue && au.Who == "vic" && au.Outcome == "refused":
			sawRefused = true
		case au.Verb == VerbQueue && au.Who == "alice" && au.Outcome == "done":
			sawQueue = true
		case au.Verb == "plan" && strings.Contains(au.Reason, silent):
			sawPlan = true
		}
	}
	if !sawRefused || !sawQueue || !sawPlan {
		t.Fatalf("audit: viewer refused %v, operator's queue %v, re-plan for %s %v", sawRefused, sawQueue, silent, sawPlan)
	}
	t.Logf("commands %d and %d, %d plan versions, the newest with %d contacts, %d after %s came back", id, id2, pm.Version, len(pm.Contacts), back, silent)
}

func itoa(id uint32) string { return strconv.FormatUint(uint64(id), 10) }

// claim asks l for a claim until the service has answered, and says
// whether it was granted.
func claim(t *testing.T, l *StationLink, id uint32, sat int, until time.Time) bool {
	t.Helper()
	var granted bool
	eventually(t, "an answer to the claim on command "+itoa(id), func() bool {
		granted = l.Claim(id, sat, until)
		l.mu.Lock()
		defer l.mu.Unlock()
		_, answered := l.claims[id]
		return granted || answered && !l.asking[id]
	})
	return granted
}
