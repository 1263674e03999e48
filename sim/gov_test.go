package sim

import (
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
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
// the drones, and every station receipts what it first holds. Each
// station tallies what it holds; every tally's digest equals the honest
// tally's (the proposal and alice's, bob's and carol's ballots alone).
// Alice's ballot, cast at Tromso, reaches Wallops by the time Tromso's
// route predicted. An attacker's bundles reach the stations and none
// counts: a forged, an unsigned and an expired ballot; a replay; a
// proposal by a revoked council key dated before its revocation
// (backdating); mallory's two ballots of one sequence (equivocation); her
// ballot sent after the close, dated before it; and a receipt for it
// dated before the close, signed by the attacker as Wallops (a station
// impersonated). A directive signed by the council reaches DRONE-01,
// which verifies, decrypts and executes it.
func TestDayGovernance(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m, els := exampleMission(t)
		start := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
		gen := func(kind, owner string) *keys.Private { return newKey(t, kind, owner) }
		council := gen(keys.Sig, "council")
		alice, bob, carol, mallory := gen(keys.Sig, "alice"), gen(keys.Sig, "bob"), gen(keys.Sig, "carol"), gen(keys.Sig, "mallory")
		oldCouncil, attacker := gen(keys.Sig, "old council"), gen(keys.Sig, "attacker")
		droneKEM := gen(keys.KEM, "DRONE-01")
		stationKeys := map[string]*keys.Private{}
		for _, st := range []string{"Tromso", "Wallops", "Perth"} {
			stationKeys[st] = gen(keys.Sig, st)
		}
		revoked := start.Add(-time.Hour) // the old council key's revocation
		auth := gov.Authority{
			Key: func(id string) *keys.Public {
				for _, k := range []*keys.Private{council, oldCouncil, stationKeys["Tromso"], stationKeys["Wallops"], stationKeys["Perth"]} {
					if id == k.ID {
						return &k.Public
					}
				}
				return nil
			},
			May: func(id, kind string, at time.Time) error {
				if id == council.ID || (id == oldCouncil.ID && at.Before(revoked)) {
					return nil
				}
				return fmt.Errorf("not an authority at %s", at.Format(time.RFC3339))
			},
			Witness: func(id, station string, _ time.Time) error {
				if k := stationKeys[station]; k != nil && k.ID == id {
					return nil
				}
				return fmt.Errorf("not %s's key", station)
			},
		}
		witness := map[string]*gov.Witness{}
		var honest [][]byte // what an honest tally reads
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
			Mission: m, Elements: els, Start: start, Duration: 9 * time.Hour, Speed: 600, InMemory: true, DataDir: t.TempDir(), Seed: 7, Out: testWriter{t},
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
					for _, st := range []string{"Tromso", "Wallops", "Perth"} {
						witness[st] = &gov.Witness{Station: st, Key: stationKeys[st], Src: eid(st), Dsts: append(others(st), eid(st))}
					}
					// submit sends copies to dsts from station st, keeps one,
					// and has st receipt it
					submit := func(st string, raws [][]byte) error {
						mu.Lock()
						ledger[st] = append(ledger[st], raws[0])
						honest = append(honest, raws[0])
						mu.Unlock()
						receipts, err := witness[st].Observe(raws[:1], now)
						if err != nil {
							return err
						}
						for _, raw := range append(raws, receipts...) {
							if _, err := nodes[st].Submit(raw, now); err != nil {
								return err
							}
						}
						return nil
					}
					p := &gov.Proposal{Title: "Raise the heater setpoint", Text: "to 25 C on every drone", Options: []string{"yes", "no"},
						Opens: now, Closes: now.Add(5 * time.Hour), Roll: []gov.Voter{{Name: "alice", Key: alice.Public}, {Name: "bob", Key: bob.Public}, {Name: "carol", Key: carol.Public}, {Name: "mallory", Key: mallory.Public}}}
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
					// backdating: the revoked council key's proposal, its
					// bundle dated before the revocation
					bp := &gov.Proposal{Title: "Hand the drones to the old council", Options: []string{"yes", "no"},
						Opens: revoked.Add(-2 * time.Hour), Closes: now.Add(5 * time.Hour), Roll: []gov.Voter{{Name: "mallory", Key: mallory.Public}}}
					bpe := &bpsec.Envelope{Kind: gov.KindProposal, Seq: 1, Expires: now.Add(12 * time.Hour), Body: bp.Encode()}
					braws, err := gov.Seal(bpe, oldCouncil, eid("Perth"), others("Perth"), nil, revoked.Add(-2*time.Hour))
					if err != nil {
						return err
					}
					// equivocation: mallory (on the roll) signs yes and no
					// under one nonce and one sequence, handed in at two
					// stations
					nonce := []byte("mallory-nonce-16")
					eq := func(choice int, st string) [][]byte {
						e := &bpsec.Envelope{Kind: gov.KindVote, Seq: 1, Nonce: nonce, Expires: now.Add(12 * time.Hour), Body: (&gov.Ballot{Proposal: propID, Choice: choice, Cast: now}).Encode()}
						r, err := gov.Seal(e, mallory, eid(st), append(others(st), eid(st)), nil, now)
						if err != nil {
							t.Fatal(err)
						}
						return r
					}
					for _, raw := range append(braws, eq(0, "Perth")...) {
						if _, err := nodes["Perth"].Submit(raw, now); err != nil {
							return err
						}
					}
					for _, raw := range eq(1, "Wallops") {
						if _, err := nodes["Wallops"].Submit(raw, now); err != nil {
							return err
						}
					}
					// after the close: mallory's ballot dated before it, and
					// a receipt for it dated before it, signed by the
					// attacker as Wallops
					closes := now.Add(5 * time.Hour)
					c.AfterFunc(closes.Add(10*time.Minute).Sub(now), func() {
						at := c.Now()
						e := &bpsec.Envelope{Kind: gov.KindVote, Seq: 2, Expires: at.Add(12 * time.Hour), Body: (&gov.Ballot{Proposal: propID, Choice: 1, Cast: closes.Add(-time.Minute)}).Encode()}
						lraws, err := gov.Seal(e, mallory, eid("Perth"), append(others("Perth"), eid("Perth")), nil, closes.Add(-time.Minute))
						if err != nil {
							t.Error(err)
							return
						}
						fake := &gov.Witness{Station: "Wallops", Key: attacker, Src: eid("Wallops"), Dsts: append(others("Wallops"), eid("Wallops"))}
						fr, err := fake.Observe(lraws[:1], closes.Add(-time.Hour))
						if err != nil {
							t.Error(err)
							return
						}
						for _, raw := range append(lraws, fr...) {
							if _, err := nodes["Perth"].Submit(raw, at); err != nil {
								t.Error(err)
							}
						}
					})
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
				Witness: func(st string, raws [][]byte, now time.Time) ([][]byte, error) {
					return witness[st].Observe(raws, now)
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
		// the honest tally: the proposal and the honest ballots, with the
		// stations' receipts
		mu.Lock()
		for _, st := range []string{"Tromso", "Wallops", "Perth"} {
			for _, raw := range ledger[st] {
				if b, err := bundle.Decode(raw); err == nil {
					if e, err := bpsec.DecodeEnvelope(b.Payload().Data); err == nil && e.Kind == gov.KindReceipt && auth.Key(e.Author) != nil {
						honest = append(honest, raw)
					}
				}
			}
		}
		mu.Unlock()
		ht, err := gov.Read(honest, auth).Tally(propID)
		if err != nil {
			t.Fatalf("the honest tally: %v", err)
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
			if len(l.Proposals) != 1 {
				t.Errorf("%s holds %d proposals, want 1 (the backdated one refused)", st, len(l.Proposals))
			}
			if len(tl.Equivocations) != 1 {
				t.Errorf("%s: equivocations %q, want mallory's", st, tl.Equivocations)
			}
			if st == "Perth" && !strings.Contains(strings.Join(tl.Refused, "\n"), "ballot of mallory (seq 2): first held by [Perth]") {
				t.Errorf("Perth: mallory's late ballot is not refused for its receipt: %q", tl.Refused)
			}
			if tl.Digest != ht.Digest {
				t.Errorf("%s's digest %s, the honest tally's %s", st, tl.Digest, ht.Digest)
			}
			digests = append(digests, tl.Digest)
		}
		if len(digests) != 3 {
			t.Errorf("tallies at %d stations", len(digests))
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
