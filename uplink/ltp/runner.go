package ltp

import (
	"context"
	"sync"
	"time"

	"github.com/ipgs/ipgs/scheduler/clock"
)

// runner is an engine behind a lock, on a clock: what UDP and Mem share.
type runner struct {
	mu  sync.Mutex
	eng *Engine
	clk clock.Clock
}

// Send starts an export session (see Engine.Send). A block already on
// its way to the peer (in a session taken up again from the store after
// a restart, which its client sends again not knowing) is not sent
// twice: that session's id is returned.
func (r *runner) Send(to, client uint64, block []byte, red int) SessionID {
	r.mu.Lock()
	defer r.mu.Unlock()
	if id, ok := r.eng.Sending(to, client, block); ok {
		return id
	}
	return r.eng.Send(to, client, block, red, r.clk.Now())
}

// Pending is Engine.Pending.
func (r *runner) Pending() (exports, imports int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.eng.Pending()
}

// Mem runs an engine over a link of the caller's: segments go out
// through the Config's Send, and come in through Input. A simulation
// delays and loses them as its channel says (ipgs's interplanetary week
// does so in virtual time).
type Mem struct {
	runner
	in chan []byte
}

// NewMem makes the engine cfg describes (cfg.Send is the caller's) and
// takes up the sessions of its store.
func NewMem(cfg Config, clk clock.Clock) (*Mem, error) {
	if clk == nil {
		clk = clock.Real{}
	}
	m := &Mem{runner: runner{clk: clk, eng: New(cfg)}, in: make(chan []byte, 4096)}
	if err := m.eng.Restore(clk.Now()); err != nil {
		return nil, err
	}
	return m, nil
}

// Input hands the engine one arriving segment (dropped when a backlog of
// 4096 is waiting, as a full receive buffer drops a datagram).
func (m *Mem) Input(seg []byte) {
	select {
	case m.in <- seg:
	default:
	}
}

// Run handles arriving segments and runs the timers every second until
// ctx is done.
func (m *Mem) Run(ctx context.Context) error {
	tick := m.clk.NewTimer(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case seg := <-m.in:
			m.mu.Lock()
			m.eng.Handle(seg, m.clk.Now())
			m.mu.Unlock()
		case <-tick.C:
			m.mu.Lock()
			m.eng.Tick(m.clk.Now())
			m.mu.Unlock()
			tick.Reset(time.Second)
		}
	}
}
