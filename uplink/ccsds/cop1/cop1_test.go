package cop1

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/ipgs/ipgs/uplink/ccsds/tc"
)

// link runs FOP-1 against FARM-1 over a channel that loses TC frames and
// CLCWs with probability loss, one second a step, a CLCW every step.
type link struct {
	t         *testing.T
	rng       *rand.Rand
	loss      float64
	fop       *FOP
	farm      *FARM
	now       time.Time
	delivered []string
	acked     []any
	alerts    []string
	purged    []any
	inFlight  [][]byte
}

func newLink(t *testing.T, loss float64, seed uint64) *link {
	l := &link{t: t, rng: rand.New(rand.NewPCG(seed, 1)), loss: loss, now: time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)}
	l.farm = &FARM{VCID: 0, Window: 10}
	l.fop = &FOP{SCID: 0x1ab, VCID: 0, K: 5, T1: 8 * time.Second, Limit: 20,
		Send: func(raw []byte) { l.inFlight = append(l.inFlight, raw) },
		Events: func(e Event) {
			switch e.Kind {
			case "acknowledged":
				l.acked = append(l.acked, e.ID)
			case "alert":
				l.alerts = append(l.alerts, e.Text)
			case "purged":
				l.purged = append(l.purged, e.ID)
			}
		}}
	return l
}

func (l *link) step() {
	l.now = l.now.Add(time.Second)
	l.fop.Tick(l.now)
	frames := l.inFlight
	l.inFlight = nil
	for _, raw := range frames {
		if l.rng.Float64() < l.loss {
			continue
		}
		fr, _, err := tc.Decode(raw)
		if err != nil {
			l.t.Fatal(err)
		}
		if l.farm.Frame(fr) == Accepted && !fr.Bypass {
			l.delivered = append(l.delivered, string(fr.Data))
		}
	}
	if l.rng.Float64() >= l.loss {
		l.fop.CLCW(l.farm.CLCW(), l.now)
	}
}

// TestCOP1OverLossyLink: 500 commands through 10 % and then 30 % loss of
// TC frames and CLCWs each way: every one delivered once, in order, and
// acknowledged; nothing outstanding at the end; no alert.
func TestCOP1OverLossyLink(t *testing.T) {
	for _, loss := range []float64{0.10, 0.30} {
		l := newLink(t, loss, uint64(loss*100))
		l.fop.InitiateWithSetVR(0, l.now)
		var want []string
		for i := 0; i < 500; i++ {
			cmd := fmt.Sprintf("command %d", i)
			want = append(want, cmd)
			if err := l.fop.Submit(i, []byte(cmd), l.now); err != nil {
				t.Fatal(err)
			}
			if i%7 == 0 {
				l.step()
			}
		}
		for range 20000 {
			if sent, waiting := l.fop.Outstanding(); sent == 0 && waiting == 0 {
				break
			}
			l.step()
		}
		sent, waiting := l.fop.Outstanding()
		t.Logf("loss %.0f%%: %d delivered, %d acknowledged, %d outstanding, alerts %q, %s", loss*100, len(l.delivered), len(l.acked), sent+waiting, l.alerts, l.now.Format("15:04:05"))
		if len(l.alerts) > 0 || sent+waiting > 0 || len(l.delivered) != len(want) || len(l.acked) != len(want) {
			t.Fatalf("loss %.0f%%: delivered %d of %d", loss*100, len(l.delivered), len(want))
		}
		for i := range want {
			if l.delivered[i] != want[i] || l.acked[i] != i {
				t.Fatalf("loss %.0f%%: item %d delivered %q, acknowledged %v", loss*100, i, l.delivered[i], l.acked[i])
			}
		}
	}
}

// TestLockoutAndUnlock: a frame far outside FARM-1's window locks the
// channel out; FOP-1 alerts on the CLCW's lockout; Unlock and Set V(R)
// bring the channel back, and commands flow again.
func TestLockoutAndUnlock(t *testing.T) {
	l := newLink(t, 0, 9)
	l.fop.InitiateWithSetVR(0, l.now)
	l.step()
	l.fop.Submit("a", []byte("a"), l.now)
	l.step()
	l.step()
	// an attacker's (or a confused station's) frame numbered far ahead
	raw, _ := (&tc.Frame{SCID: 0x1ab, Seq: 100, Data: []byte("x")}).Encode(nil)
	fr, _, _ := tc.Decode(raw)
	if l.farm.Frame(fr) != Discarded || !l.farm.CLCW().Lockout {
		t.Fatal("a frame outside the window did not lock the channel out")
	}
	l.fop.Submit("b", []byte("b"), l.now)
	for range 5 {
		l.step()
	}
	if len(l.alerts) == 0 || l.fop.State() != Initial {
		t.Fatalf("no alert on lockout: state %d, alerts %q", l.fop.State(), l.alerts)
	}
	l.fop.Unlock()
	l.step()
	l.fop.InitiateWithSetVR(l.farm.CLCW().ReportValue, l.now)
	for range 3 {
		l.step()
	}
	l.fop.Submit("c", []byte("c"), l.now)
	for range 5 {
		l.step()
	}
	if got := fmt.Sprint(l.delivered); got != "[a c]" || l.fop.State() != Active || fmt.Sprint(l.purged) != "[b]" {
		t.Fatalf("after Unlock: delivered %s, purged %v, state %d", got, l.purged, l.fop.State())
	}
}

// TestFARMWindow: the positive window asks for a retransmission, the
// negative one drops copies silently, a BD frame is always accepted.
func TestFARMWindow(t *testing.T) {
	f := &FARM{Window: 10}
	ad := func(seq uint8) Verdict { return f.Frame(&tc.Frame{Seq: seq, Data: []byte{1}}) }
	if ad(0) != Accepted || ad(1) != Accepted {
		t.Fatal("in order")
	}
	if ad(3) != Discarded || !f.CLCW().Retransmit {
		t.Fatal("a gap: no retransmit flag")
	}
	if ad(2) != Accepted || f.CLCW().Retransmit {
		t.Fatal("the missing frame")
	}
	if ad(1) != Discarded || f.CLCW().Lockout || f.CLCW().ReportValue != 3 {
		t.Fatal("a copy")
	}
	if f.Frame(&tc.Frame{Bypass: true, Data: []byte{1}}) != Accepted {
		t.Fatal("BD")
	}
	f.Full = func() bool { return true }
	if ad(3) != Discarded || !f.CLCW().Wait {
		t.Fatal("a full buffer: no wait")
	}
}
