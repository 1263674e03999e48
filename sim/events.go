package sim

import (
	"container/heap"
	"time"
)

// event is something that happens at a virtual time.
type event struct {
	at time.Time
	fn func()
}

type eventQueue []event

func (q eventQueue) Len() int { return len(q) }

func (q eventQueue) Less(i, j int) bool { return q[i].at.Before(q[j].at) }

func (q eventQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }

func (q *eventQueue) Push(x any) { *q = append(*q, x.(event)) }

func (q *eventQueue) Pop() any { old := *q; e := old[len(old)-1]; *q = old[:len(old)-1]; return e }

func (e *Emulator) at(t time.Time, fn func()) { heap.Push(&e.events, event{t, fn}) }
