package cop1

import (
	"fmt"
	"time"

	"github.com/ipgs/ipgs/uplink/ccsds/tc"
	"github.com/ipgs/ipgs/uplink/ccsds/tm"
)

// FOP states (232.1-B section 5.2).
const (
	Active             = 1 // S1
	RetransmitNoWait   = 2 // S2
	RetransmitWithWait = 3 // S3
	InitialisingNoBC   = 4 // S4
	InitialisingWithBC = 5 // S5
	Initial            = 6 // S6
)

// Event is what FOP-1 tells the station about a frame or the channel:
// a frame acknowledged by the CLCW, an alert, and at an alert each frame
// it purged (never acknowledged: the command failed or may have run, the
// operator decides).
type Event struct {
	Kind string // "transmitted" (the first time), "acknowledged", "alert", "purged"
	ID   any    // the caller's id of the frame acknowledged
	Seq  uint8
	Text string
}

// FOP is FOP-1 for one virtual channel.
type FOP struct {
	SCID uint16
	VCID uint8
	// K is the FOP sliding window (frames sent and not yet acknowledged,
	// 1 to 255; 0: 5); T1 the wait for an acknowledgement before sending
	// again (0: 30 s); Limit the transmissions of a frame (0: 3).
	K     int
	T1    time.Duration
	Limit int
	// Send transmits an encoded TC frame (a CLTU is made of it below).
	Send func(frame []byte)
	// Events hears of acknowledgements and alerts.
	Events func(Event)

	state    int
	vs       uint8 // V(S): the next frame's N(S)
	nnr      uint8 // NN(R): the first frame not yet acknowledged
	sent     []pending
	queue    []pending // waiting for room in the window
	deadline time.Time
	tries    int
}

type pending struct {
	id   any
	seq  uint8
	data []byte
}

func (f *FOP) k() int {
	if f.K <= 0 {
		return 5
	}
	return min(f.K, 255)
}

func (f *FOP) t1() time.Duration {
	if f.T1 <= 0 {
		return 30 * time.Second
	}
	return f.T1
}

func (f *FOP) limit() int {
	if f.Limit <= 0 {
		return 3
	}
	return f.Limit
}

// State is FOP-1's state (Active ... Initial).
func (f *FOP) State() int {
	if f.state == 0 {
		return Initial
	}
	return f.state
}

func (f *FOP) alert(text string) {
	f.state = Initial
	purged := append(f.sent, f.queue...)
	f.sent, f.queue = nil, nil
	if f.Events != nil {
		f.Events(Event{Kind: "alert", Text: text})
		for _, p := range purged {
			f.Events(Event{Kind: "purged", ID: p.id, Seq: p.seq, Text: text})
		}
	}
}

func (f *FOP) frame(seq uint8, data []byte, bypass, control bool) {
	raw, err := (&tc.Frame{Bypass: bypass, Control: control, SCID: f.SCID, VCID: f.VCID, Seq: seq, Data: data}).Encode(nil)
	if err == nil && f.Send != nil {
		f.Send(raw)
	}
}

// InitiateWithSetVR starts the AD service from V(S): it sends Set V(R)
// (a BC frame) and waits for the CLCW to report it (state S5).
func (f *FOP) InitiateWithSetVR(vs uint8, now time.Time) {
	f.vs, f.nnr, f.sent = vs, vs, nil
	f.state = InitialisingWithBC
	f.tries = 1
	f.deadline = now.Add(f.t1())
	f.frame(0, tc.SetVR(vs), true, true)
}

// InitiateNoCLCW starts the AD service at once, trusting V(S) = V(R).
func (f *FOP) InitiateNoCLCW(vs uint8) {
	f.vs, f.nnr, f.sent = vs, vs, nil
	f.state = Active
}

// Unlock sends FARM-1 the Unlock command.
func (f *FOP) Unlock() { f.frame(0, tc.Unlock, true, true) }

// Submit queues data for the AD service (sequence-controlled); it is
// sent as soon as the window has room. id comes back when it is
// acknowledged.
func (f *FOP) Submit(id any, data []byte, now time.Time) error {
	if len(data) == 0 || len(data) > tc.MaxData {
		return fmt.Errorf("cop1: %d data bytes", len(data))
	}
	f.queue = append(f.queue, pending{id: id, data: data})
	f.pump(now)
	return nil
}

// Expedite sends data at once in a BD frame (no window, no retransmission).
func (f *FOP) Expedite(data []byte) { f.frame(0, data, true, false) }

// Outstanding is the frames sent and not acknowledged, and those waiting.
func (f *FOP) Outstanding() (sent, waiting int) { return len(f.sent), len(f.queue) }

func (f *FOP) pump(now time.Time) {
	if f.State() != Active {
		return
	}
	for len(f.queue) > 0 && len(f.sent) < f.k() {
		p := f.queue[0]
		f.queue = f.queue[1:]
		p.seq = f.vs
		f.vs++
		f.sent = append(f.sent, p)
		f.frame(p.seq, p.data, false, false)
		if f.Events != nil {
			f.Events(Event{Kind: "transmitted", ID: p.id, Seq: p.seq})
		}
		if len(f.sent) == 1 {
			f.tries, f.deadline = 1, now.Add(f.t1())
		}
	}
}

func (f *FOP) retransmit(now time.Time) {
	for _, p := range f.sent {
		f.frame(p.seq, p.data, false, false)
	}
	f.tries++
	f.deadline = now.Add(f.t1())
}

// CLCW takes a CLCW of the channel from the downlink.
func (f *FOP) CLCW(c tm.CLCW, now time.Time) {
	if c.VCID != f.VCID || c.COP != 1 {
		return
	}
	if c.Lockout {
		if f.State() != Initial {
			f.alert("lockout: FARM-1 refuses the channel until Unlock")
		}
		return
	}
	if f.State() == InitialisingWithBC {
		if c.ReportValue == f.vs && !c.Retransmit && !c.Wait {
			f.state, f.tries = Active, 0
			f.pump(now)
		}
		return
	}
	if f.State() == Initial {
		return
	}
	// N(R) acknowledges frames up to N(R)-1
	acked := int(c.ReportValue - f.nnr)
	if acked > len(f.sent) {
		f.alert(fmt.Sprintf("the CLCW's N(R) %d acknowledges frames never sent (NN(R) %d, V(S) %d)", c.ReportValue, f.nnr, f.vs))
		return
	}
	for _, p := range f.sent[:acked] {
		if f.Events != nil {
			f.Events(Event{Kind: "acknowledged", ID: p.id, Seq: p.seq})
		}
	}
	f.sent = f.sent[acked:]
	f.nnr = c.ReportValue
	if acked > 0 {
		f.tries, f.deadline = 1, now.Add(f.t1())
	}
	switch {
	case c.Wait:
		f.state = RetransmitWithWait
	case c.Retransmit && len(f.sent) > 0:
		if f.State() != RetransmitNoWait || acked > 0 {
			f.state = RetransmitNoWait
			if f.tries >= f.limit() {
				f.alert("the transmission limit was reached")
				return
			}
			f.retransmit(now)
		}
	default:
		f.state = Active
	}
	if len(f.sent) == 0 && f.State() != Initial {
		f.state = Active
	}
	f.pump(now)
}

// Tick runs FOP-1's timer: when T1 has passed without an acknowledgement,
// the outstanding frames are sent again (or, at the limit, an alert).
func (f *FOP) Tick(now time.Time) {
	if now.Before(f.deadline) {
		return
	}
	switch f.State() {
	case InitialisingWithBC:
		if f.tries >= f.limit() {
			f.alert("Set V(R) was not confirmed")
			return
		}
		f.tries++
		f.deadline = now.Add(f.t1())
		f.frame(0, tc.SetVR(f.vs), true, true)
	case Active, RetransmitNoWait:
		if len(f.sent) == 0 {
			return
		}
		if f.tries >= f.limit() {
			f.alert("T1 expired at the transmission limit")
			return
		}
		f.state = RetransmitNoWait
		f.retransmit(now)
	}
}
