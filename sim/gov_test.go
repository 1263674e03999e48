package sim

import (
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ipgs/ipgs/pqlink/bpsec"
	"github.com/ipgs/ipgs/pqlink/gov"
	"github.com/ipgs/ipgs/pqlink/keys"
	"github.com/ipgs/ipgs/scheduler/clock"
	"github.com/ipgs/ipgs/uplink/bstore"
	"github.com/ipgs/ipgs/uplink/bundle"
	"github.com/ipgs/ipgs/uplink/command"
	"github.com/ipgs/ipgs/uplink/dtn"
	"github.com/ipgs/ipgs/uplink/proto"
)

// TestDayGovernance runs a vote across the three example stations with no
// terrestrial links: the proposal and every ballot travel only through
// the drones. Each station tallies what it holds; the tallies are
// identical. Alice's ballot, cast at Tromso, reaches Wallops by the time
// Tromso's route predicted. A forged, an unsigned and an expired ballot,
// and a replay, reach stations and are never counted. A directive signed
// by the council reaches DRONE-01, which verifies, decrypts and executes
// it.
func TestDayGovernance(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m, els := exampleMission(t)
		start := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
		gen := func(kind, owner string) *keys.Private {
			k, err := keys.Generate(kind, owner)
			if err != nil {
				t.Fatal(err)
			}
			return k
		}
		council := gen(keys.Sig, "council")
		alice, bob, carol := gen(keys.Sig, "alice"), gen(keys.Sig, "bob"), gen(keys.Sig, "carol")
		droneKEM := gen(keys.KEM, "DRONE-01")
		auth := gov.Authority{
			Key: func(id string) *keys.Public {
				if id == council.ID {
					return &council.Public
				}
				return nil
			},
			May: func(id, kind string, _ time.Time) error {
				if id == council.ID {
					return nil
				}
				return fmt.Errorf("not an authority")
			},
		}
		dict := command.Default()
		logDef, ok := dict.Lookup("LOG")
		if !ok {
			t.Fatal("no LOG command")
		}

		var mu sync.Mutex
		ledger := map[string][][]byte{} // what each station holds
		delivered := map[string]time.Time{}
		var aliceID string
		var aliceLatest time.Time
		var propID string
		var clk clock.Clock
		var replay bpsec.Replay
		directiveText := "directive: heater setpoint 25 C"

		res, err := RunDay(context.Background(), DayOptions{
			Mission: m, Elements: els, Start: start, Duration: 6 * time.Hour, Speed: 600, InMemory: true, DataDir: t.TempDir(), Seed: 7, Out: testWriter{t},
			Bundles: &DayBundles{
				Ready: func(nodes map[string]*dtn.Node, emu *Emulator, c clock.Clock) error {
					clk = c
					now := c.Now()
					eid := func(st string) bundle.EID { return bundle.IPN(nodes[st].Num, 7) }
					others := func(st string) []bundle.EID {
						var out []bundle.EID
						for _, o := range []string{"Tromso", "Wallops", "Perth"} {
							if o != st {
								out = append(out, eid(o))
							}
						}
						return out
					}
					// submit sends copies to dsts from station st and keeps one
					submit := func(st string, raws [][]byte) error {
						mu.Lock()
						ledger[st] = append(ledger[st], raws[0])
						mu.Unlock()
						for _, raw := range raws {
							if _, err := nodes[st].Submit(raw, now); err != nil {
								return err
							}
						}
						return nil
					}
					p := &gov.Proposal{Title: "Raise the heater setpoint", Text: "to 25 C on every drone", Options: []string{"yes", "no"},
						Opens: now, Closes: now.Add(5 * time.Hour), Roll: []gov.Voter{{Name: "alice", Key: alice.Public}, {Name: "bob", Key: bob.Public}, {Name: "carol", Key: carol.Public}}}
					pe := &bpsec.Envelope{Kind: gov.KindProposal, Seq: 1, Expires: now.Add(12 * time.Hour), Body: p.Encode()}
					raws, err := gov.Seal(pe, council, eid("Tromso"), others("Tromso"), nil, now)
					if err != nil {
						return err
					}
					propID = gov.ID(pe) // sealing names the author and draws the nonce
					if err := submit("Tromso", raws); err != nil {
						return err
					}
					ballot := func(k *keys.Private, st string, choice int, seq uint64) ([][]byte, error) {
						e := &bpsec.Envelope{Kind: gov.KindVote, Seq: seq, Expires: now.Add(12 * time.Hour), Body: (&gov.Ballot{Proposal: propID, Choice: choice, Cast: now}).Encode()}
						return gov.Seal(e, k, eid(st), others(st), nil, now)
					}
					a, err := ballot(alice, "Tromso", 0, 1)
					if err != nil {
						return err
					}
					if err := submit("Tromso", a); err != nil {
						return err
					}
					for _, raw := range a {
						b, _ := bundle.Decode(raw)
						if b.Primary.Dest.Node == nodes["Wallops"].Num {
							aliceID = b.Primary.ID()
							rt, err := nodes["Tromso"].Route(aliceID, now)
							if err != nil || rt == nil {
								return fmt.Errorf("no route for alice's ballot to Wallops: %v", err)
							}
							aliceLatest = rt.Latest
							t.Logf("alice's ballot to Wallops:\n%s", must(nodes["Tromso"].Explain(aliceID, now)))
						}
					}
					b, err := ballot(bob, "Wallops", 1, 1)
					if err != nil {
						return err
					}
					if err := submit("Wallops", b); err != nil {
						return err
					}
					cb, err := ballot(carol, "Perth", 0, 1)
					if err != nil {
						return err
					}
					if err := submit("Perth", cb); err != nil {
						return err
					}
					// attacks, sent from Perth to the others: carol's ballot
					// with its choice changed after signing (forged), one
					// without its signature (unsigned), and one whose envelope
					// expired before it was made
					forged, _ := bundle.Decode(cb[0])
					fe, _ := bpsec.DecodeEnvelope(forged.Payload().Data)
					fe.Body = (&gov.Ballot{Proposal: propID, Choice: 1, Cast: now}).Encode()
					forged.Payload().Data = fe.Encode()
					forged.Primary.Seq = 900
					fraw, _ := forged.Encode()
					unsigned, _ := bundle.Decode(cb[1])
					unsigned.Blocks = slices.DeleteFunc(unsigned.Blocks, func(k bundle.Block) bool { return k.Type == bundle.TypeBIB })
					unsigned.Primary.Seq = 901
					uraw, _ := unsigned.Encode()
					ee := &bpsec.Envelope{Kind: gov.KindVote, Seq: 7, Nonce: make([]byte, 16), Author: carol.ID, Expires: now.Add(-time.Minute),
						Body: (&gov.Ballot{Proposal: propID, Choice: 1, Cast: now}).Encode()}
					eb := &bundle.Bundle{
						Primary: bundle.Primary{CRCType: bundle.CRC32C, Dest: eid("Tromso"), Source: eid("Perth"), ReportTo: eid("Perth"), Created: bpsec.DTNTime(now), Seq: 902, Lifetime: 12 * 3600000},
						Blocks:  []bundle.Block{{Type: bundle.TypePayload, Number: 1, CRCType: bundle.CRC32C, Data: ee.Encode()}},
					}
					if err := bpsec.AddBIBMLDSA(eb, 2, []uint64{1}, eid("Perth"), carol, 7); err != nil {
						return err
					}
					eraw, _ := eb.Encode()
					for _, raw := range [][]byte{fraw, uraw, eraw} {
						if _, err := nodes["Perth"].Submit(raw, now); err != nil {
							return err
						}
					}
					// a replay: alice's ballot to Wallops handed in again at Perth
					if _, err := nodes["Perth"].Submit(a[0], now); err != nil {
						return err
					}
					// the council's directive to DRONE-01, encrypted for it
					vals, err := logDef.Validate([]string{directiveText})
					if err != nil {
						return err
					}
					args, err := logDef.Encode(vals)
					if err != nil {
						return err
					}
					x := &gov.Directive{Sat: 90001, Opcode: logDef.Opcode, Command: "LOG", Args: args, Proposal: propID}
					de := &bpsec.Envelope{Kind: gov.KindDirective, Seq: 2, Expires: now.Add(12 * time.Hour), Body: x.Encode()}
					draws, err := gov.Seal(de, council, eid("Wallops"), []bundle.EID{bundle.IPN(101, 7)}, []*keys.Public{&droneKEM.Public}, now)
					if err != nil {
						return err
					}
					_, err = nodes["Wallops"].Submit(draws[0], now)
					return err
				},
				Deliver: func(st string, raw []byte, e bstore.Entry) error {
					mu.Lock()
					defer mu.Unlock()
					ledger[st] = append(ledger[st], raw)
					delivered[st+" "+e.ID] = clk.Now()
					return nil
				},
				Directive: func(norad int, raw []byte, now time.Time) (*proto.Command, error) {
					x, e, err := gov.OpenDirective(raw, norad, droneKEM, auth, &replay, now)
					if err != nil {
						t.Logf("drone %d refused a directive: %v", norad, err)
						return nil, nil
					}
					id := 0x80000000 | binary.BigEndian.Uint32(e.Nonce)
					return &proto.Command{ID: id, Opcode: x.Opcode, Args: x.Args}, nil
				},
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		var digests []string
		for _, st := range []string{"Tromso", "Wallops", "Perth"} {
			l := gov.Read(ledger[st], auth)
			tl, err := l.Tally(propID)
			if err != nil {
				t.Errorf("%s: %v", st, err)
				continue
			}
			t.Logf("%s holds %d governance bundles:\n%s", st, len(ledger[st]), tl)
			for _, r := range l.Rejected {
				t.Logf("%s refused %s: %s", st, r.Bundle, r.Reason)
			}
			if tl.Counts[0] != 2 || tl.Counts[1] != 1 {
				t.Errorf("%s counts %v, want yes 2, no 1", st, tl.Counts)
			}
			digests = append(digests, tl.Digest)
		}
		if len(digests) != 3 || digests[0] != digests[1] || digests[1] != digests[2] {
			t.Errorf("the tallies differ: %v", digests)
		}
		at, ok := delivered["Wallops "+aliceID]
		if !ok {
			t.Errorf("alice's ballot never reached Wallops")
		} else {
			t.Logf("alice's ballot: cast at Tromso %s, at Wallops %s, predicted by %s", start.Format("15:04"), at.Format("15:04:05"), aliceLatest.Format("15:04:05"))
			if at.After(aliceLatest) {
				t.Errorf("alice's ballot reached Wallops at %s, after the predicted %s", at.Format(time.RFC3339), aliceLatest.Format(time.RFC3339))
			}
		}
		executed := false
		for _, o := range res.Onboard {
			if o.NORAD == 90001 && slices.Contains(o.Log, directiveText) {
				executed = true
			}
		}
		if !executed {
			t.Errorf("DRONE-01 did not execute the directive")
		}
	})
}
