package station

import (
	"context"
	"time"
)

// heard is a frame one receiver delivered.
type heard struct {
	data     string
	injected bool
	at       time.Time
}

// diversityWindow is how long a frame heard by one receiver is
// remembered to drop the other receiver's copy of it.
const diversityWindow = 3 * time.Second

// deliver queues a received frame unless the other receiver delivered
// the same bytes within diversityWindow. A repeat from the same receiver
// is the satellite sending again, and is kept.
func (e *Engine) deliver(ctx context.Context, data []byte, injected bool) bool {
	now := e.o.Clock.Now()
	e.mu.Lock()
	k := 0
	dup := false
	for _, h := range e.recent {
		if now.Sub(h.at) > diversityWindow {
			continue
		}
		e.recent[k] = h
		k++
		if h.injected != injected && h.data == string(data) {
			dup = true
		}
	}
	e.recent = e.recent[:k]
	if dup {
		e.dupes++
	} else {
		e.recent = append(e.recent, heard{string(data), injected, now})
		if injected {
			e.injected++
		}
	}
	e.mu.Unlock()
	if dup {
		return true
	}
	select {
	case e.frames <- data:
		return true
	case <-ctx.Done():
		return false
	}
}

// Inject hands the engine a frame another receiver (an SDR) heard,
// without FCS; it is handled as if the TNC had received it. A copy of a
// frame the TNC delivered moments ago is dropped, and the other way
// round. Inject waits while the engine's queue is full and drops the
// frame once the engine has stopped.
func (e *Engine) Inject(frame []byte) {
	e.mu.Lock()
	ctx := e.ctx
	e.mu.Unlock()
	if ctx == nil || ctx.Err() != nil {
		return
	}
	e.deliver(ctx, append([]byte(nil), frame...), true)
}

// Diversity reports how many frames came through Inject and how many
// copies heard by both receivers were dropped.
func (e *Engine) Diversity() (injected, duplicates int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.injected, e.dupes
}
