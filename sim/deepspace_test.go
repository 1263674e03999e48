package sim

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/pqlink/bpsec"
	"github.com/ipgs/ipgs/pqlink/gov"
	"github.com/ipgs/ipgs/pqlink/keys"
	"github.com/ipgs/ipgs/scheduler/clock"
	"github.com/ipgs/ipgs/uplink/bstore"
	"github.com/ipgs/ipgs/uplink/bundle"
	"github.com/ipgs/ipgs/uplink/dtn"
)

// TestInterplanetaryWeek flies a week of the example interplanetary
// mission (examples/interplanetary.yaml) with 10 % of LTP segments lost
// on every link each way: the deep-space stations hand the council's
// directives for the Mars relay in turn, twice a day; each travels to
// MARS-1 over the relay contacts (directly, or through LUNAR-1), minutes
// of light time away, and MARS-1 answers each one back to its station.
// Every directive reaches MARS-1, and every answer its station, by the
// arrival CGR predicted when it was sent (its route's arrival with the
// light time of each hop and the three LTP round trips each relay contact
// keeps for resends; the route's "latest" is no test here, the lunar
// relay having Mars all week); nothing is lost. MARS-1 opens the
// directives with no round trip (signed by the council, encrypted for
// its X-Wing key) and refuses a forged one (an attacker's key), a
// tampered one (the council's, its body changed) and a replay (a
// directive's signed envelope sent again in a new bundle days later).
func TestInterplanetaryWeek(t *testing.T) {
	if testing.Short() {
		t.Skip("a simulated week")
	}
	synctest.Test(t, func(t *testing.T) {
		m, err := mission.Load("../examples/interplanetary.yaml")
		if err != nil {
			t.Fatal(err)
		}
		start := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)
		gen := func(kind, owner string) *keys.Private { return newKey(t, kind, owner) }
		council, attacker, marsKEM := gen(keys.Sig, "council"), gen(keys.Sig, "attacker"), gen(keys.KEM, "MARS-1")
		auth := gov.Authority{
			Key: func(id string) *keys.Public {
				if id == council.ID {
					return &council.Public
				}
				return nil
			},
			May: func(id, kind string, at time.Time) error { return nil },
		}
		const mars = 202
		var replay bpsec.Replay
		stations := []string{"Goldstone", "Madrid", "Canberra"}

		type trip struct {
			from               string
			sent, by           time.Time // handed in, and predicted delivery
			at                 time.Time // delivered at MARS-1
			answerBy, answered time.Time
			why                string // the answer's route, as MARS-1 explained it
		}
		var mu sync.Mutex
		trips := map[string]*trip{} // by the directive's nonce
		refused := map[string]error{}
		var nodes map[string]*dtn.Node
		var clk clock.Clock

		directive := func(n int, now time.Time) *bpsec.Envelope {
			x := &gov.Directive{Sat: mars, Opcode: 1, Command: "LOG", Args: []byte(fmt.Sprintf("directive %d", n))}
			return &bpsec.Envelope{Kind: gov.KindDirective, Seq: uint64(n + 1), Expires: now.Add(6 * 24 * time.Hour), Body: x.Encode()}
		}
		eid := func(name string) bundle.EID {
			return bundle.IPN(nodes[name].Num, 1)
		}
		var captured []byte // a copy of the first directive, for the replay
		submit := func(name string, raw []byte, now time.Time) string {
			e, err := nodes[name].Submit(raw, now)
			if err != nil {
				t.Errorf("%s: %v", name, err)
			}
			return e.ID
		}
		ready := func(ns map[string]*dtn.Node, c clock.Clock) error {
			nodes, clk = ns, c
			for i := range 12 {
				c.AfterFunc(time.Duration(i)*12*time.Hour, func() {
					now := c.Now()
					st := stations[i%3]
					e := directive(i, now)
					dsts := []bundle.EID{bundle.IPN(mars, 7)}
					if i == 0 {
						dsts = append(dsts, bundle.IPN(mars, 8)) // a second copy, which the attacker captures
					}
					raws, err := gov.Seal(e, council, eid(st), dsts, []*keys.Public{&marsKEM.Public}, now)
					if err != nil {
						t.Error(err)
						return
					}
					id := submit(st, raws[0], now)
					rt, err := nodes[st].Route(id, now)
					if err != nil || rt == nil {
						t.Errorf("directive %d: no route from %s to MARS-1: %v", i, st, err)
						return
					}
					mu.Lock()
					trips[hex.EncodeToString(e.Nonce)] = &trip{from: st, sent: now, by: rt.Arrival}
					if i == 0 {
						captured = raws[1]
					}
					mu.Unlock()
				})
			}
			// the attacks, from Madrid
			c.AfterFunc(30*time.Hour, func() {
				now := c.Now()
				forged, err := gov.Seal(directive(100, now), attacker, eid("Madrid"), []bundle.EID{bundle.IPN(mars, 7)}, []*keys.Public{&marsKEM.Public}, now)
				if err != nil {
					t.Error(err)
					return
				}
				submit("Madrid", forged[0], now)
				tampered, err := gov.Seal(directive(101, now), council, eid("Madrid"), []bundle.EID{bundle.IPN(mars, 7)}, []*keys.Public{&marsKEM.Public}, now)
				if err != nil {
					t.Error(err)
					return
				}
				b, _ := bundle.Decode(tampered[0])
				b.Payload().Data[len(b.Payload().Data)-1] ^= 1
				raw, _ := b.Encode()
				submit("Madrid", raw, now)
			})
			c.AfterFunc(3*24*time.Hour, func() {
				// a replay: a copy of the first directive (its own bundle,
				// the council's signature, the nonce MARS-1 opened three
				// days ago), captured and handed in again
				mu.Lock()
				raw := captured
				mu.Unlock()
				submit("Madrid", raw, c.Now())
			})
			return nil
		}
		deliver := func(node string, raw []byte, e bstore.Entry) error {
			now := clk.Now()
			b, err := bundle.Decode(raw)
			if err != nil {
				return nil
			}
			if node == "MARS-1" {
				_, env, err := gov.OpenDirective(raw, mars, marsKEM, auth, &replay, now)
				if err != nil {
					mu.Lock()
					refused[e.ID] = err
					mu.Unlock()
					t.Logf("%s MARS-1 refused %s: %v", now.Format("01-02 15:04"), e.ID, err)
					return nil
				}
				nonce := hex.EncodeToString(env.Nonce)
				mu.Lock()
				tr := trips[nonce]
				mu.Unlock()
				if tr == nil {
					t.Errorf("MARS-1 opened a directive nobody sent")
					return nil
				}
				// the answer, to the station that sent it
				ans := &bundle.Bundle{
					Primary: bundle.Primary{CRCType: bundle.CRC32C, Dest: b.Primary.Source, Source: bundle.IPN(mars, 1), ReportTo: bundle.IPN(mars, 1),
						Created: bundle.DTNTime(now), Seq: uint64(len(nonce)) + uint64(now.Unix()), Lifetime: uint64((6 * 24 * time.Hour).Milliseconds())},
					Blocks: []bundle.Block{{Type: bundle.TypePayload, Number: 1, CRCType: bundle.CRC32C, Data: []byte("done " + nonce)}},
				}
				ar, _ := ans.Encode()
				id := submit("MARS-1", ar, now)
				rt, err := nodes["MARS-1"].Route(id, now)
				why, _ := nodes["MARS-1"].Explain(id, now)
				mu.Lock()
				tr.at, tr.why = now, why
				if err == nil && rt != nil {
					tr.answerBy = rt.Arrival
				}
				mu.Unlock()
				return nil
			}
			if p := b.Payload(); p != nil && len(p.Data) > 5 && string(p.Data[:5]) == "done " {
				mu.Lock()
				if tr := trips[string(p.Data[5:])]; tr != nil && node == tr.from {
					tr.answered = now
				}
				mu.Unlock()
			}
			return nil
		}
		res, err := RunDeepSpace(context.Background(), DeepSpaceOptions{
			Mission: m, Start: start, Duration: 7 * 24 * time.Hour, DataDir: t.TempDir(), FrameLoss: 0.10, Seed: 23,
			Ready: ready, Deliver: deliver,
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("LTP segments: %d sent on the links, %d lost (%.1f %%, outside a contact or by the channel)", res.Segments, res.Lost, 100*float64(res.Lost)/float64(res.Segments))
		mu.Lock()
		defer mu.Unlock()
		if len(trips) != 12 {
			t.Fatalf("%d directives sent, want 12", len(trips))
		}
		var worst time.Duration
		for nonce, tr := range trips {
			switch {
			case tr.at.IsZero():
				t.Errorf("directive from %s at %s never reached MARS-1", tr.from, tr.sent.Format("01-02 15:04"))
			case tr.at.After(tr.by):
				t.Errorf("directive from %s at %s reached MARS-1 at %s, predicted by %s", tr.from, tr.sent.Format("01-02 15:04"), tr.at.Format("01-02 15:04:05"), tr.by.Format("01-02 15:04:05"))
			case tr.answered.IsZero():
				t.Errorf("the answer to %s's directive (%s) never came back", tr.from, nonce[:8])
			case tr.answered.After(tr.answerBy):
				t.Errorf("the answer to %s's directive came back at %s, predicted by %s:\n%s", tr.from, tr.answered.Format("01-02 15:04:05"), tr.answerBy.Format("01-02 15:04:05"), tr.why)
			default:
				worst = max(worst, tr.answered.Sub(tr.sent))
				t.Logf("%s %s: at MARS-1 %s (predicted by %s), answer back %s (predicted by %s)", tr.sent.Format("01-02 15:04"), tr.from,
					tr.at.Format("01-02 15:04:05"), tr.by.Format("01-02 15:04:05"), tr.answered.Format("01-02 15:04:05"), tr.answerBy.Format("01-02 15:04:05"))
			}
		}
		t.Logf("longest round trip, directive to answer: %s", worst)
		kinds := map[string]int{}
		for _, err := range refused {
			switch {
			case errors.Is(err, bpsec.ErrReplayed):
				kinds["replayed"]++
			case strings.Contains(err.Error(), "no matching key"):
				kinds["forged"]++
			case strings.Contains(err.Error(), "integrity check failed"):
				kinds["tampered"]++
			}
		}
		if len(refused) != 3 || kinds["replayed"] != 1 || kinds["forged"] != 1 || kinds["tampered"] != 1 {
			t.Errorf("MARS-1 refused %v, want one forged, one tampered and one replayed", kinds)
		}
		for name, s := range res.Nodes {
			t.Logf("%s: %+v", name, s)
		}
	})
}
