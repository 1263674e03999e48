package ltp

import (
	"bytes"
	"container/heap"
	"math/rand/v2"
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)

// link is two engines over a simulated channel: a bit rate, a one-way
// light time, segment loss each way, and outages when nothing passes.
type link struct {
	now     time.Time
	owlt    time.Duration
	rate    float64 // bit/s
	loss    float64
	down    [][2]time.Time
	rng     *rand.Rand
	q       events
	busy    map[uint64]time.Time
	engines map[uint64]*Engine
	sent    map[uint64]int // segments by sender
	bytes   map[uint64]int
}

type event struct {
	at  time.Time
	to  uint64
	seg []byte
	seq int
}
type events []event

func (q events) Len() int { return len(q) }
func (q events) Less(i, j int) bool {
	if !q[i].at.Equal(q[j].at) {
		return q[i].at.Before(q[j].at)
	}
	return q[i].seq < q[j].seq
}
func (q events) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *events) Push(x any)   { *q = append(*q, x.(event)) }
func (q *events) Pop() any     { o := *q; x := o[len(o)-1]; *q = o[:len(o)-1]; return x }

func (l *link) isDown(t time.Time) bool {
	for _, d := range l.down {
		if !t.Before(d[0]) && t.Before(d[1]) {
			return true
		}
	}
	return false
}

// sender returns engine from's Send.
func (l *link) sender(from uint64) func(uint64, []byte) {
	return func(to uint64, seg []byte) {
		start := l.now
		if b := l.busy[from]; b.After(start) {
			start = b
		}
		end := start.Add(time.Duration(float64(8*(len(seg)+28)) / l.rate * float64(time.Second)))
		l.busy[from] = end
		l.sent[from]++
		l.bytes[from] += len(seg)
		if l.isDown(start) || l.rng.Float64() < l.loss {
			return
		}
		heap.Push(&l.q, event{at: end.Add(l.owlt), to: to, seg: bytes.Clone(seg), seq: l.sent[from] + 1000000*int(from)})
	}
}

// run advances to end, ticking both engines every second.
func (l *link) run(t testing.TB, end time.Time, until func() bool) {
	next := l.now
	for l.now.Before(end) {
		if until != nil && until() {
			return
		}
		if l.q.Len() > 0 && !l.q[0].at.After(next) {
			ev := heap.Pop(&l.q).(event)
			l.now = ev.at
			if err := l.engines[ev.to].Handle(ev.seg, l.now); err != nil {
				t.Fatal(err)
			}
			continue
		}
		l.now = next
		for _, e := range l.engines {
			e.Tick(l.now)
		}
		next = next.Add(time.Second)
	}
}

func newLink(owlt time.Duration, rate, loss float64, seed uint64) *link {
	return &link{now: t0, owlt: owlt, rate: rate, loss: loss, rng: rand.New(rand.NewPCG(seed, 1)),
		busy: map[uint64]time.Time{}, engines: map[uint64]*Engine{}, sent: map[uint64]int{}, bytes: map[uint64]int{}}
}

// pair makes engines 1 (Earth) and 2 (Mars) on l, timers set from its
// light time, and returns what engine 2 received and engine 1's outcomes.
func pair(l *link) (got *[][]byte, done *map[SessionID]error) {
	var blocks [][]byte
	outcomes := map[SessionID]error{}
	rt := func(uint64) time.Duration { return 2*l.owlt + 30*time.Second }
	up := func(_ uint64, t time.Time) bool { return !l.isDown(t) }
	l.engines[1] = New(Config{Engine: 1, Send: l.sender(1), RoundTrip: rt, Up: up,
		Done: func(s SessionID, err error) { outcomes[s] = err }})
	l.engines[2] = New(Config{Engine: 2, Send: l.sender(2), RoundTrip: rt, Up: up,
		Deliver: func(_ SessionID, client uint64, b []byte) { blocks = append(blocks, bytes.Clone(b)) }})
	return &blocks, &outcomes
}

func block(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7) ^ seed
	}
	return b
}

// TestRedPartOverLightTime sends blocks to Mars at 20 minutes' light time
// with 10% of segments lost each way (data, checkpoints, reports and
// acknowledgements alike): every block arrives once and whole, and every
// export session ends acknowledged.
func TestRedPartOverLightTime(t *testing.T) {
	l := newLink(20*time.Minute, 256000, 0.10, 3)
	got, done := pair(l)
	var want [][]byte
	for i := range 5 {
		b := block(50_000+i*1000, byte(i))
		want = append(want, b)
		l.engines[1].Send(2, 1, b, -1, l.now)
	}
	l.run(t, t0.Add(12*time.Hour), func() bool { return len(*done) == len(want) })
	if len(*got) != len(want) {
		t.Fatalf("%d blocks delivered, want %d (at %v)", len(*got), len(want), l.now.Sub(t0))
	}
	for _, w := range want {
		found := false
		for _, g := range *got {
			found = found || bytes.Equal(g, w)
		}
		if !found {
			t.Fatalf("a block of %d bytes did not arrive whole", len(w))
		}
	}
	for s, err := range *done {
		if err != nil {
			t.Fatalf("session %v: %v", s, err)
		}
	}
	t.Logf("5 blocks over 20 min light time, 10%% loss: all acknowledged after %v; %d segments sent, %d answered", l.now.Sub(t0).Round(time.Second), l.sent[1], l.sent[2])
}

// TestOutageOfHours cuts the link for three hours right after the
// blocks go out: the timers wait it out (no resend into the gap counts
// towards the limit), and the transfer completes after it.
func TestOutageOfHours(t *testing.T) {
	l := newLink(3*time.Minute, 64000, 0.02, 5)
	l.down = [][2]time.Time{{t0.Add(10 * time.Second), t0.Add(3*time.Hour + 10*time.Second)}}
	got, done := pair(l)
	l.engines[1].Send(2, 1, block(200_000, 9), -1, l.now)
	l.run(t, t0.Add(8*time.Hour), func() bool { return len(*done) == 1 })
	if len(*got) != 1 || len(*done) != 1 {
		t.Fatalf("%d delivered, %d sessions ended", len(*got), len(*done))
	}
	for _, err := range *done {
		if err != nil {
			t.Fatal(err)
		}
	}
	if l.now.Before(t0.Add(3 * time.Hour)) {
		t.Fatalf("done at %v, inside the outage", l.now.Sub(t0))
	}
	t.Logf("through a 3 h outage: acknowledged %v after the start", l.now.Sub(t0).Round(time.Second))
}

// TestCancelAfterLimit: a peer that never answers gets the session
// cancelled after the limit of resent checkpoints, and Done says so.
func TestCancelAfterLimit(t *testing.T) {
	l := newLink(time.Second, 64000, 1, 7) // everything lost
	_, done := pair(l)
	l.engines[1].Send(2, 1, block(5000, 1), -1, l.now)
	l.run(t, t0.Add(3*time.Hour), func() bool { return len(*done) == 1 })
	for _, err := range *done {
		if err == nil {
			t.Fatal("a session to a silent peer ended well")
		}
		t.Log(err)
	}
	if len(*done) != 1 {
		t.Fatal("the session was never given up")
	}
}

// TestGreenTail: a block with a green tail delivers its red part; the
// session ends when the red part is acknowledged.
func TestGreenTail(t *testing.T) {
	l := newLink(10*time.Second, 64000, 0, 1)
	got, done := pair(l)
	b := block(10_000, 3)
	l.engines[1].Send(2, 1, b, 4000, l.now)
	l.run(t, t0.Add(time.Hour), func() bool { return len(*done) == 1 })
	if len(*got) != 1 || !bytes.Equal((*got)[0], b[:4000]) {
		t.Fatalf("delivered %d blocks", len(*got))
	}
}

// TestHugeOffsetDropped: a red data segment claiming an offset of a
// terabyte is dropped, not reserved for.
func TestHugeOffsetDropped(t *testing.T) {
	var logged []string
	e := New(Config{Engine: 2, Send: func(uint64, []byte) {}, Log: func(f string, a ...any) { logged = append(logged, f) }})
	seg := (&Segment{Type: RedCPEORPEOB, Session: SessionID{Engine: 1, Number: 1}, Client: 1, Offset: 1 << 40, Data: []byte{1}, Checkpoint: 2}).Append(nil)
	if err := e.Handle(seg, t0); err != nil {
		t.Fatal(err)
	}
	if _, im := e.Pending(); im != 0 || len(logged) != 1 {
		t.Fatalf("%d import sessions, %d lines logged", im, len(logged))
	}
}
