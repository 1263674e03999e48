package control

import (
	"context"
	"encoding/json"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nkeys"

	"github.com/ipgs/ipgs/internal/example"
	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/scheduler/clock"
	"github.com/ipgs/ipgs/scheduler/plan"
	"github.com/ipgs/ipgs/uplink/command"
)

// net is a control plane on loopback for a test: servers, a roster and
// every user's key.
type testNet struct {
	t       testing.TB
	servers []*Server
	urls    string
	roster  *Roster
	keys    map[string]nkeys.KeyPair
}

func newNet(t testing.TB, nServers int, users map[string]Role) *testNet {
	t.Helper()
	n := &testNet{t: t, roster: &Roster{}, keys: map[string]nkeys.KeyPair{}}
	names := make([]string, 0, len(users))
	for name := range users {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		kp, err := nkeys.CreateUser()
		if err != nil {
			t.Fatal(err)
		}
		pub, _ := kp.PublicKey()
		n.keys[name] = kp
		n.roster.Users = append(n.roster.Users, User{Name: name, Role: users[name], NKey: pub})
	}
	store := func(int) string { return filepath.Join(t.TempDir(), "js") }
	if nServers == 1 { // the embedded server: no cluster
		s, err := StartServer(ServerConfig{Name: "ipgs", Store: store(0), Users: n.roster.Users})
		if err != nil {
			t.Fatal(err)
		}
		n.servers = []*Server{s}
	} else {
		servers, err := StartCluster(nServers, n.roster.Users, store)
		if err != nil {
			t.Fatal(err)
		}
		n.servers = servers
	}
	var urls []string
	for _, s := range n.servers {
		urls = append(urls, s.URL())
	}
	n.urls = strings.Join(urls, ",")
	t.Cleanup(func() {
		for _, s := range n.servers {
			s.Shutdown()
		}
	})
	return n
}

func (n *testNet) connect(name string) *Client {
	n.t.Helper()
	c, err := Connect(n.urls, name, n.keys[name])
	if err != nil {
		n.t.Fatal(err)
	}
	n.t.Cleanup(c.Close)
	return c
}

// eventually waits up to a minute for cond (a loaded machine is slow; no
// test here depends on how slow).
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("after a minute: not %s", what)
}

// networkPlan is the example mission's plan for 6 hours from 2026-11-22,
// and a re-planner that leaves out down stations.
func networkPlan(t *testing.T) (*mission.Mission, *plan.Plan, func(context.Context, *plan.Plan, []plan.LockEntry, []string, time.Time) (*plan.Plan, error)) {
	t.Helper()
	m, els := example.Mission(t)
	start := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	o := plan.NetworkOptions(m, els, start, 6*time.Hour, io.Discard)
	o.Deadline = 200 * time.Millisecond
	pl, err := plan.Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	replan := Replanner(o)
	return m, pl, replan
}

type station struct {
	link   *StationLink
	hist   *command.History
	cancel context.CancelFunc
	done   chan struct{}
	mu     sync.Mutex
	plans  []PlanMsg
}

func (n *testNet) station(t *testing.T, name string, clk clock.Clock, hist *command.History) *station {
	if hist == nil {
		var err error
		if hist, err = command.OpenHistory(filepath.Join(t.TempDir(), "commands.jsonl")); err != nil {
			t.Fatal(err)
		}
		hist.NoSync = true
	}
	st := &station{hist: hist, done: make(chan struct{})}
	st.link = NewStationLink(StationConfig{Client: n.connect(name), History: hist, Clock: clk, Heartbeat: 30 * time.Second,
		OnPlan: func(pm PlanMsg) { st.mu.Lock(); st.plans = append(st.plans, pm); st.mu.Unlock() }})
	hist.Appended = st.link.Stage
	ctx, cancel := context.WithCancel(context.Background())
	st.cancel = cancel
	go func() { defer close(st.done); st.link.Run(ctx) }()
	t.Cleanup(st.stop)
	return st
}

func (s *station) stop() {
	s.cancel()
	<-s.done
}

func (s *station) newest() PlanMsg {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.plans) == 0 {
		return PlanMsg{}
	}
	return s.plans[len(s.plans)-1]
}

func audits(t *testing.T, c *Client) []Audit {
	t.Helper()
	var out []Audit
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cons, err := c.js.OrderedConsumer(ctx, StreamAudit, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for {
		batch, err := cons.FetchNoWait(100)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for m := range batch.Messages() {
			n++
			var a Audit
			if err := json.Unmarshal(m.Data(), &a); err != nil {
				t.Fatal(err)
			}
			out = append(out, a)
		}
		if n == 0 {
			return out
		}
	}
}

// tlog writes to the test's log.
type tlog struct{ t *testing.T }

func (w tlog) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}
