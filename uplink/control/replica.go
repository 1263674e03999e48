package control

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/ipgs/ipgs/uplink/command"
)

// Replica keeps a command history in step with the network's (mission
// control's copy, for the Commanding tab and procedures): every command
// queued and every stage any station saw. Commands queued or cancelled in
// it go through the control service as the client's user.
type Replica struct {
	c   *Client
	h   *command.History
	log io.Writer
}

// NewReplica hooks h's Queue and Cancel to the control plane; Run keeps
// h in step.
func NewReplica(c *Client, h *command.History, log io.Writer) *Replica {
	if log == nil {
		log = io.Discard
	}
	r := &Replica{c: c, h: h, log: log}
	h.Queuer = r.queue
	h.Canceller = r.cancel
	return r
}

func (r *Replica) queue(rec command.Record) (uint32, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var q Queued
	if err := r.c.Ask(ctx, VerbQueue, Request{Command: &rec}, &q); err != nil {
		return 0, err
	}
	// the command is the network's once the service has it; it is in
	// this history once the command stream brings it back (at once,
	// mostly)
	return q.ID, nil
}

func (r *Replica) cancel(id uint32, _ time.Time, _, reason string) (bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := r.c.Ask(ctx, VerbCancel, Request{CmdID: id, Reason: reason}, nil); err != nil {
		return false, err
	}
	return true, nil
}

// Run follows the command and stage streams into the history until ctx
// ends.
func (r *Replica) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() {
		r.c.follow(ctx, StreamCmds, nil, false, func(m jetstream.Msg) { putCmd(r.h, m, r.log, nil) })
	})
	r.c.follow(ctx, StreamStages, nil, false, func(m jetstream.Msg) {
		var rec command.Record
		if json.Unmarshal(m.Data(), &rec) == nil {
			put(r.h, rec, r.log)
		}
	})
	return ctx.Err()
}

// putCmd takes one message of the command stream into h (a queued
// command gets its id, the message's sequence); a claim goes to onClaim.
func putCmd(h *command.History, m jetstream.Msg, log io.Writer, onClaim func(CmdMsg)) {
	var cm CmdMsg
	meta, err := m.Metadata()
	if err != nil || json.Unmarshal(m.Data(), &cm) != nil {
		return
	}
	switch cm.Kind {
	case "queued":
		cm.Record.ID = uint32(meta.Sequence.Stream)
		put(h, cm.Record, log)
	case "cancelled":
		put(h, cm.Record, log)
	case "claim":
		if onClaim != nil {
			onClaim(cm)
		}
	}
}

func put(h *command.History, r command.Record, log io.Writer) {
	if _, err := h.Put(r); err != nil {
		fmt.Fprintf(log, "command history: %v (command %d %s from the network not kept)\n", err, r.ID, r.Stage)
	}
}
