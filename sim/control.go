package sim

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/ipgs/ipgs/scheduler/clock"
	"github.com/ipgs/ipgs/scheduler/plan"
	"github.com/ipgs/ipgs/uplink/command"
	"github.com/ipgs/ipgs/uplink/control"
	"github.com/ipgs/ipgs/uplink/ground"
)

// dayOperator is who queues a day's commands on its control plane.
const dayOperator = "operator"

// dayControl is a day's control plane: the embedded server, the service
// and the clients it made.
type dayControl struct {
	dir     string
	srv     *control.Server
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	clients []*control.Client
	hists   []*command.History
	noSync  bool
}

// startControl makes the day's roster and keys, starts the embedded
// server and the service, and queues what Queue put in queued through
// the service as the operator.
func startControl(ctx context.Context, o DayOptions, po plan.Options, pl *plan.Plan, clk clock.Clock, queued *command.History) (*dayControl, error) {
	dir := filepath.Join(o.DataDir, "control")
	os.RemoveAll(dir) // each day starts its control plane afresh
	ro, err := ground.InitControl(dir, o.Mission, map[string]control.Role{dayOperator: control.Operator})
	if err != nil {
		return nil, err
	}
	cp := &dayControl{dir: dir, noSync: o.Speed > 10}
	if cp.srv, err = control.StartServer(control.ServerConfig{Name: "ipgs", Store: filepath.Join(dir, "jetstream"), Users: ro.Users}); err != nil {
		return nil, err
	}
	mc, err := cp.connect(ground.ControlUser)
	if err != nil {
		cp.stop()
		return nil, err
	}
	svc := control.NewService(control.ServiceConfig{Client: mc, Roster: ro, Clock: clk, Plan: pl, Silence: o.Control.Silence, Log: o.Out,
		Replan: control.Replanner(po)})
	sctx, cancel := context.WithCancel(ctx)
	cp.cancel = cancel
	cp.wg.Go(func() { svc.Run(sctx) })
	op, err := cp.connect(dayOperator)
	if err != nil {
		cp.stop()
		return nil, err
	}
	cmds, err := queued.Commands()
	if err != nil {
		cp.stop()
		return nil, err
	}
	qctx, qcancel := context.WithTimeout(ctx, time.Minute)
	defer qcancel()
	n := 0
	for _, c := range cmds {
		if c.State() != command.Queued {
			continue
		}
		n++
		rec := c.Record
		if err := op.Ask(qctx, control.VerbQueue, control.Request{ID: fmt.Sprintf("day-%d", c.ID), Command: &rec}, nil); err != nil {
			cp.stop()
			return nil, fmt.Errorf("control plane: queueing %s for %d: %w", c.Name, c.Sat, err)
		}
	}
	fmt.Fprintf(o.Out, "control plane: %s (embedded NATS with JetStream), %d commands queued by %s\n", cp.srv.URL(), n, dayOperator)
	if o.Control.Ready != nil {
		o.Control.Ready(cp.srv.URL())
	}
	return cp, nil
}

func (cp *dayControl) connect(name string) (*control.Client, error) {
	c, err := ground.ConnectControl(cp.srv.URL(), cp.dir, name)
	if err == nil {
		cp.clients = append(cp.clients, c)
	}
	return c, err
}

// station is a station's own history and its client.
func (cp *dayControl) station(name string) (*command.History, *control.Client, error) {
	path := filepath.Join(cp.dir, "..", "stations", name, "commands.jsonl")
	os.Remove(path) // an earlier day's, whose ids this control plane starts again
	h, err := command.OpenHistory(path)
	if err != nil {
		return nil, nil, err
	}
	h.NoSync = cp.noSync
	cp.hists = append(cp.hists, h)
	c, err := cp.connect(name)
	return h, c, err
}

// commands is the network's command history as the station that has
// most of it holds it (each holds the queue and every station's stages).
func (cp *dayControl) commands() []*command.Command {
	var best []*command.Command
	most := -1
	for _, h := range cp.hists {
		cs, _ := h.Commands()
		n := 0
		for _, c := range cs {
			n += len(c.Stages)
		}
		if n > most {
			best, most = cs, n
		}
	}
	return best
}

func (cp *dayControl) stop() {
	if cp.cancel != nil {
		cp.cancel()
	}
	cp.wg.Wait()
	for _, c := range cp.clients {
		c.Close()
	}
	if cp.srv != nil {
		cp.srv.Shutdown()
	}
}
