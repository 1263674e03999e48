package ground

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/mission/tle"
	"github.com/ipgs/ipgs/scheduler/clock"
	"github.com/ipgs/ipgs/scheduler/plan"
	"github.com/ipgs/ipgs/uplink/control"
)

// ControlUser is the control service's own user in a roster.
const ControlUser = "mission-control"

// InitControl makes a control folder for a mission: a roster with the
// control service, every station and the given operators, planners and
// viewers, each with its seed file (owner only). Users already in the
// roster are kept as they are.
func InitControl(dir string, m *mission.Mission, people map[string]control.Role) (*control.Roster, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "roster.json")
	ro, err := control.LoadRoster(path)
	if errors.Is(err, os.ErrNotExist) {
		ro, err = &control.Roster{}, nil
	}
	if err != nil {
		return nil, err
	}
	want := map[string]control.Role{ControlUser: control.Control}
	for _, s := range m.Stations {
		want[s.Name] = control.Station
	}
	for name, role := range people {
		want[name] = role
	}
	names := make([]string, 0, len(want))
	for n := range want {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if ro.Role(n) != "" {
			continue
		}
		if _, err := ro.Add(n, want[n], control.SeedFile(dir, n)); err != nil {
			return nil, err
		}
	}
	return ro, ro.Save(path)
}

// ControlOptions are the control service's (ipgs control serve).
type ControlOptions struct {
	Mission  *mission.Mission
	Elements []*tle.Elements
	Start    time.Time
	Duration time.Duration
	Clock    clock.Clock
	Dir      string // the control folder: roster.json, seeds, JetStream's store
	// Listen is the embedded server's address (127.0.0.1:4222); with
	// Servers set, no server is embedded and the service joins those
	// (a cluster: comma-separated URLs).
	Listen   string
	Servers  string
	Replicas int
	Silence  time.Duration // a station's heartbeat missing this long: its contacts go to the others
	Log      io.Writer
	// Ready, if set, is told the URL clients connect to once serving.
	Ready func(url string)
}

// RunControl runs the control plane of a mission until ctx ends: the
// embedded NATS server (unless Servers names others) and the control
// service, the network's one planner.
func RunControl(ctx context.Context, o ControlOptions) error {
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	ro, err := control.LoadRoster(filepath.Join(o.Dir, "roster.json"))
	if err != nil {
		return fmt.Errorf("control: %w (ipgs control init makes the roster and the keys)", err)
	}
	urls := o.Servers
	if urls == "" {
		host, port, err := splitHostPort(o.Listen)
		if err != nil {
			return err
		}
		srv, err := control.StartServer(control.ServerConfig{Name: "ipgs", Host: host, Port: port, Store: filepath.Join(o.Dir, "jetstream"), Users: ro.Users})
		if err != nil {
			return err
		}
		defer srv.Shutdown()
		urls = srv.URL()
	}
	key, err := control.LoadSeed(control.SeedFile(o.Dir, ControlUser))
	if err != nil {
		return err
	}
	cl, err := control.Connect(urls, ControlUser, key)
	if err != nil {
		return err
	}
	defer cl.Close()
	po := plan.NetworkOptions(o.Mission, o.Elements, o.Start, o.Duration, io.Discard)
	pl, err := plan.Run(ctx, po)
	if err != nil {
		return err
	}
	svc := control.NewService(control.ServiceConfig{Client: cl, Roster: ro, Clock: o.Clock, Replicas: max(o.Replicas, 1), Plan: pl,
		Silence: o.Silence, Log: o.Log,
		Replan: control.Replanner(po)})
	if o.Ready != nil {
		o.Ready(urls)
	}
	err = svc.Run(ctx)
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// ConnectControl connects a user of a control folder (its seed there).
func ConnectControl(urls, dir, name string) (*control.Client, error) {
	key, err := control.LoadSeed(control.SeedFile(dir, name))
	if err != nil {
		return nil, err
	}
	return control.Connect(urls, name, key)
}

func splitHostPort(addr string) (string, int, error) {
	if addr == "" {
		return "127.0.0.1", 4222, nil
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, fmt.Errorf("control: listen %q: want host:port", addr)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 {
		return "", 0, fmt.Errorf("control: listen %q: bad port", addr)
	}
	return host, n, nil
}
