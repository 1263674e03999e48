package gov

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ipgs/ipgs/pqlink/bpsec"
	"github.com/ipgs/ipgs/pqlink/keys"
	"github.com/ipgs/ipgs/uplink/bundle"
)

var now = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

type fixture struct {
	council, alice, bob, carol, eve *keys.Private
	wallops, tromso                 *keys.Private // the stations' receipt keys
	auth                            Authority
}

func newFixture(t *testing.T) *fixture {
	f := &fixture{}
	for _, k := range []**keys.Private{&f.council, &f.alice, &f.bob, &f.carol, &f.eve, &f.wallops, &f.tromso} {
		var err error
		if *k, err = keys.Generate(keys.Sig, "x"); err != nil {
			t.Fatal(err)
		}
	}
	f.auth = Authority{
		Key: func(id string) *keys.Public {
			for _, k := range []*keys.Private{f.council, f.wallops, f.tromso} {
				if id == k.ID {
					return &k.Public
				}
			}
			return nil
		},
		Witness: func(id, station string, _ time.Time) error {
			if (station == "Wallops" && id == f.wallops.ID) || (station == "Tromso" && id == f.tromso.ID) {
				return nil
			}
			return fmt.Errorf("%s is not station %s's key", id, station)
		},
		May: func(id, kind string, _ time.Time) error {
			if id == f.council.ID {
				return nil
			}
			return fmt.Errorf("%s is no authority", id)
		},
	}
	return f
}

func (f *fixture) propose(t *testing.T) ([]byte, string) {
	p := &Proposal{Title: "Raise the heater setpoint", Text: "to 25 C on all drones", Options: []string{"yes", "no"},
		Opens: now, Closes: now.Add(24 * time.Hour),
		Roll: []Voter{{"alice", f.alice.Public}, {"bob", f.bob.Public}, {"carol", f.carol.Public}}}
	e := &bpsec.Envelope{Kind: KindProposal, Seq: 1, Expires: now.Add(48 * time.Hour), Body: p.Encode()}
	raws, err := Seal(e, f.council, bundle.IPN(1, 7), []bundle.EID{bundle.IPN(2, 7)}, nil, now)
	if err != nil {
		t.Fatal(err)
	}
	return raws[0], ID(e)
}

// received returns raws with the receipts station signs for them at at
// (a station's first holding them).
func (f *fixture) received(t *testing.T, station string, at time.Time, raws ...[]byte) [][]byte {
	t.Helper()
	k := map[string]*keys.Private{"Wallops": f.wallops, "Tromso": f.tromso}[station]
	if k == nil {
		k = f.eve // an impostor
	}
	w := &Witness{Station: station, Key: k, Src: bundle.IPN(1, 7), Dsts: []bundle.EID{bundle.IPN(1, 7)}}
	rs, err := w.Observe(raws, at)
	if err != nil {
		t.Fatal(err)
	}
	return append(slices.Clone(raws), rs...)
}

func vote(t *testing.T, k *keys.Private, prop string, choice int, seq uint64, cast time.Time) []byte {
	e := &bpsec.Envelope{Kind: KindVote, Seq: seq, Expires: cast.Add(48 * time.Hour), Body: (&Ballot{prop, choice, cast}).Encode()}
	raws, err := Seal(e, k, bundle.IPN(1, 7), []bundle.EID{bundle.IPN(2, 7)}, nil, cast)
	if err != nil {
		t.Fatal(err)
	}
	return raws[0]
}

// TestTallyRule: one ballot per voter on the roll, the latest sequence
// number; forged, unsigned, expired, replayed, late and off-roll ballots
// never count; the result does not depend on arrival order or copies.
func TestTallyRule(t *testing.T) {
	f := newFixture(t)
	prop, id := f.propose(t)
	at := now.Add(time.Hour)
	aliceYes := vote(t, f.alice, id, 0, 1, at)
	aliceNo := vote(t, f.alice, id, 1, 2, at.Add(time.Minute)) // changes her mind
	bobYes := vote(t, f.bob, id, 0, 1, at)
	// forged: carol's ballot with its choice changed after signing
	forged := vote(t, f.carol, id, 0, 1, at)
	b, _ := bundle.Decode(forged)
	e, _ := bpsec.DecodeEnvelope(b.Payload().Data)
	e.Body = (&Ballot{id, 1, at}).Encode()
	b.Payload().Data = e.Encode()
	forged, _ = b.Encode()
	// unsigned: the same ballot without its signature block
	b, _ = bundle.Decode(vote(t, f.carol, id, 1, 2, at))
	b.Blocks = slices.DeleteFunc(b.Blocks, func(k bundle.Block) bool { return k.Type == bundle.TypeBIB })
	unsigned, _ := b.Encode()
	// expired: an envelope that expired before its bundle was made
	e = &bpsec.Envelope{Kind: KindVote, Seq: 3, Nonce: make([]byte, 16), Expires: at.Add(-time.Minute), Body: (&Ballot{id, 1, at}).Encode(), Author: f.carol.ID}
	b = &bundle.Bundle{
		Primary: bundle.Primary{CRCType: bundle.CRC32C, Dest: bundle.IPN(2, 7), Source: bundle.IPN(1, 7), ReportTo: bundle.IPN(1, 7), Created: bpsec.DTNTime(at), Seq: 3, Lifetime: 3600000},
		Blocks:  []bundle.Block{{Type: bundle.TypePayload, Number: 1, CRCType: bundle.CRC32C, Data: e.Encode()}},
	}
	if err := bpsec.AddBIBMLDSA(b, 2, []uint64{1}, bundle.IPN(1, 7), f.carol, 7); err != nil {
		t.Fatal(err)
	}
	expired, _ := b.Encode()
	late := vote(t, f.carol, id, 1, 4, now.Add(25*time.Hour))
	offRoll := vote(t, f.eve, id, 1, 1, at)
	// eve signs with alice's name on the roll? she cannot: the roll
	// holds alice's key

	all := f.received(t, "Wallops", at.Add(time.Minute), prop, aliceYes, aliceNo, bobYes, bobYes, forged, unsigned, expired, offRoll)
	all = append(all, f.received(t, "Wallops", now.Add(25*time.Hour), late)...)
	l := Read(all, f.auth)
	tl, err := l.Tally(id)
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + tl.String())
	for _, r := range l.Rejected {
		t.Logf("refused when read: %s: %s", r.Bundle, r.Reason)
	}
	if tl.Counts[0] != 1 || tl.Counts[1] != 1 || len(tl.Counted) != 2 {
		t.Fatalf("counts %v (alice's second ballot says no, bob yes; nothing else counts)", tl.Counts)
	}
	reasons := strings.Join(func() []string {
		var s []string
		for _, r := range l.Rejected {
			s = append(s, r.Reason)
		}
		return append(s, tl.Refused...)
	}(), "\n")
	for _, want := range []string{"integrity check failed", "unsigned", "expired", "outside the window", "no matching key", "superseded"} {
		if !strings.Contains(reasons, want) {
			t.Errorf("no refusal saying %q:\n%s", want, reasons)
		}
	}
	// any order, any number of copies: the same digest
	rng := rand.New(rand.NewPCG(1, 2))
	for range 5 {
		shuffled := append(slices.Clone(all), aliceNo, prop)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		t2, err := Read(shuffled, f.auth).Tally(id)
		if err != nil || t2.Digest != tl.Digest {
			t.Fatalf("another order gave %v (%v)", t2, err)
		}
	}
	// a proposal not signed by an authority is refused
	p2 := &Proposal{Title: "x", Options: []string{"a", "b"}, Opens: now, Closes: now.Add(time.Hour)}
	pe := &bpsec.Envelope{Kind: KindProposal, Seq: 9, Expires: now.Add(time.Hour), Body: p2.Encode()}
	raws, _ := Seal(pe, f.eve, bundle.IPN(1, 7), []bundle.EID{bundle.IPN(2, 7)}, nil, now)
	if l := Read(f.received(t, "Wallops", now, raws...), f.auth); len(l.Proposals) != 0 || len(l.Rejected) != 1 {
		t.Fatalf("a rogue proposal was read: %+v", l)
	}
}

func TestDirective(t *testing.T) {
	f := newFixture(t)
	kem, err := keys.Generate(keys.KEM, "DRONE-01")
	if err != nil {
		t.Fatal(err)
	}
	x := &Directive{Sat: 90001, Opcode: 3, Command: "SET_MODE", Args: []byte{2}, Proposal: "abc"}
	e := &bpsec.Envelope{Kind: KindDirective, Seq: 1, Expires: now.Add(time.Hour), Body: x.Encode()}
	raws, err := Seal(e, f.council, bundle.IPN(1, 7), []bundle.EID{bundle.IPN(101, 7)}, []*keys.Public{&kem.Public}, now)
	if err != nil {
		t.Fatal(err)
	}
	var r bpsec.Replay
	got, _, err := OpenDirective(raws[0], 90001, kem, f.auth, &r, now.Add(time.Minute))
	if err != nil || got.Command != "SET_MODE" || got.Args[0] != 2 {
		t.Fatalf("%+v %v", got, err)
	}
	if _, _, err := OpenDirective(raws[0], 90001, kem, f.auth, &r, now.Add(2*time.Minute)); err == nil {
		t.Fatal("a replayed directive opened")
	}
	if _, _, err := OpenDirective(raws[0], 90002, kem, f.auth, &bpsec.Replay{}, now); err == nil {
		t.Fatal("a directive for another drone opened")
	}
}

func FuzzBodies(f *testing.F) {
	f.Add((&Ballot{"abc", 1, now}).Encode())
	f.Add((&Directive{Sat: 1, Opcode: 2, Command: "X"}).Encode())
	f.Add((&Proposal{Title: "t", Options: []string{"a", "b"}, Opens: now, Closes: now.Add(time.Hour)}).Encode())
	f.Fuzz(func(t *testing.T, b []byte) {
		if p, err := DecodeProposal(b); err == nil && len(p.Options) < 2 {
			t.Fatal("a proposal with fewer than two options")
		}
		DecodeBallot(b)
		DecodeDirective(b)
	})
}

// voteWith is vote with the envelope's nonce given (an equivocating voter
// reuses one).
func voteWith(t *testing.T, k *keys.Private, prop string, choice int, seq uint64, cast time.Time, nonce []byte) []byte {
	e := &bpsec.Envelope{Kind: KindVote, Seq: seq, Nonce: nonce, Expires: cast.Add(48 * time.Hour), Body: (&Ballot{prop, choice, cast}).Encode()}
	raws, err := Seal(e, k, bundle.IPN(1, 7), []bundle.EID{bundle.IPN(2, 7)}, nil, cast)
	if err != nil {
		t.Fatal(err)
	}
	return raws[0]
}

// TestEquivocation (issue: the same voter signing two ballots of the same
// nonce and sequence with different choices made the tally depend on
// which arrived first): the tally is the same for every order of the
// ballots and their copies, an equivocating voter's ballots at that
// sequence do not count, and the equivocation is flagged.
func TestEquivocation(t *testing.T) {
	f := newFixture(t)
	prop, id := f.propose(t)
	at := now.Add(time.Hour)
	nonce := bytes.Repeat([]byte{7}, 16)
	ballots := [][]byte{
		vote(t, f.alice, id, 0, 1, at),
		voteWith(t, f.bob, id, 0, 1, at, nonce), // bob: yes and no, one nonce, one sequence
		voteWith(t, f.bob, id, 1, 1, at, nonce),
		vote(t, f.carol, id, 1, 1, at),
		vote(t, f.carol, id, 0, 2, at.Add(time.Minute)), // carol changes her mind: fine
		vote(t, f.carol, id, 0, 2, at.Add(time.Minute)), // and her ballot arrives twice (another nonce, same choice)
	}
	var digest string
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 200 {
		raws := f.received(t, "Tromso", at, append([][]byte{prop}, ballots...)...)
		raws = append(raws, ballots[rng.IntN(len(ballots))]) // a copy of one
		rng.Shuffle(len(raws), func(i, j int) { raws[i], raws[j] = raws[j], raws[i] })
		tl, err := Read(raws, f.auth).Tally(id)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			digest = tl.Digest
			t.Logf("counts %v, equivocations %q", tl.Counts, tl.Equivocations)
			if tl.Counts[0] != 2 || tl.Counts[1] != 0 || len(tl.Equivocations) != 1 || !strings.Contains(tl.Equivocations[0], "bob") {
				t.Fatalf("counts %v, equivocations %q: want alice and carol yes, bob's equivocation flagged", tl.Counts, tl.Equivocations)
			}
		} else if tl.Digest != digest {
			t.Fatalf("order %d: digest %s, first order %s", i, tl.Digest, digest)
		}
	}
}

// TestDirectivesOutOfOrder (issue: directives that arrived out of order
// were dropped, each author's sequence having to rise strictly): within
// the replay window any order is accepted, each directive once; a copy,
// and one far below the highest, are refused.
func TestDirectivesOutOfOrder(t *testing.T) {
	f := newFixture(t)
	kem, err := keys.Generate(keys.KEM, "DRONE-01")
	if err != nil {
		t.Fatal(err)
	}
	seal := func(seq uint64) []byte {
		x := &Directive{Sat: 90001, Opcode: 3, Command: "SET_MODE", Args: []byte{byte(seq)}}
		e := &bpsec.Envelope{Kind: KindDirective, Seq: seq, Expires: now.Add(time.Hour), Body: x.Encode()}
		raws, err := Seal(e, f.council, bundle.IPN(1, 7), []bundle.EID{bundle.IPN(101, 7)}, []*keys.Public{&kem.Public}, now)
		if err != nil {
			t.Fatal(err)
		}
		return raws[0]
	}
	var r bpsec.Replay
	open := func(raw []byte) error {
		_, _, err := OpenDirective(raw, 90001, kem, f.auth, &r, now.Add(time.Minute))
		return err
	}
	ds := map[uint64][]byte{}
	for _, seq := range []uint64{3, 1, 2, 5, 4} {
		ds[seq] = seal(seq)
		if err := open(ds[seq]); err != nil {
			t.Errorf("directive %d, out of order: %v", seq, err)
		}
	}
	if err := open(ds[2]); !errors.Is(err, bpsec.ErrReplayed) {
		t.Errorf("directive 2 again: %v", err)
	}
	if err := open(seal(100)); err != nil {
		t.Fatal(err)
	}
	if err := open(seal(6)); !errors.Is(err, bpsec.ErrReplayed) {
		t.Errorf("directive 6, far below 100: %v", err)
	}
}

// TestBackdatedProposal (issue finding 3: a revoked authority's proposal
// dated before its revocation was accepted): a proposal is judged when
// the stations first held it, by their signed receipts, whatever
// creation time it claims; one no station has receipted is pending, not
// counted; a receipt by a key that is not the station's is refused.
func TestBackdatedProposal(t *testing.T) {
	f := newFixture(t)
	revoked := now.Add(2 * time.Hour)
	f.auth.May = func(id, kind string, at time.Time) error {
		if id != f.council.ID {
			return fmt.Errorf("%s is no authority", id)
		}
		if !at.Before(revoked) {
			return fmt.Errorf("council key revoked at %s", revoked.Format(time.RFC3339))
		}
		return nil
	}
	prop, id := f.propose(t) // created at now, before the revocation
	// first held on the ground after the revocation: refused
	l := Read(f.received(t, "Wallops", revoked.Add(time.Minute), prop), f.auth)
	if len(l.Proposals) != 0 || len(l.Rejected) != 1 || !strings.Contains(l.Rejected[0].Reason, "revoked") {
		t.Fatalf("a proposal first held after its author's revocation: proposals %d, refused %+v", len(l.Proposals), l.Rejected)
	}
	// no receipt yet: pending
	l = Read([][]byte{prop, vote(t, f.alice, id, 0, 1, now.Add(time.Hour))}, f.auth)
	if len(l.Proposals) != 0 || len(l.Pending) != 2 || len(l.Rejected) != 0 {
		t.Fatalf("unreceipted: proposals %d, pending %+v, refused %+v", len(l.Proposals), l.Pending, l.Rejected)
	}
	// an impostor's receipt, dated early, counts for nothing
	l = Read(f.received(t, "Tromso-impostor", now, prop), f.auth)
	if len(l.Proposals) != 0 || len(l.Rejected) != 1 {
		t.Fatalf("an impostor's receipt: proposals %d, refused %+v", len(l.Proposals), l.Rejected)
	}
	// held before the revocation: judged then, and counted
	l = Read(f.received(t, "Wallops", now.Add(time.Minute), prop), f.auth)
	if l.Proposals[id] == nil {
		t.Fatalf("a proposal held before the revocation was refused: %+v", l.Rejected)
	}
}

// TestBallotAfterClose (issue finding 4: a ballot sent after the close
// but dated before it replaced the voter's first): a ballot counts only
// when a quorum of stations receipted it before the close; the tally
// says which receipts it used. With a quorum of two, one station's word
// is not enough.
func TestBallotAfterClose(t *testing.T) {
	f := newFixture(t)
	prop, id := f.propose(t)
	closes := now.Add(24 * time.Hour)
	first := vote(t, f.alice, id, 0, 1, now.Add(time.Hour))
	// sent after the close, with a cast time and bundle time before it
	second := vote(t, f.alice, id, 1, 2, closes.Add(-time.Minute))
	raws := f.received(t, "Wallops", now.Add(time.Hour), prop, first)
	raws = append(raws, f.received(t, "Wallops", closes.Add(time.Hour), second)...)
	tl, err := Read(raws, f.auth).Tally(id)
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + tl.String())
	if tl.Counts[0] != 1 || tl.Counts[1] != 0 || !strings.Contains(strings.Join(tl.Refused, "\n"), "not before the close") {
		t.Fatalf("the late ballot counted: %v, refused %q", tl.Counts, tl.Refused)
	}
	if c := tl.Counted[0]; c.Evidence.At.IsZero() || c.Evidence.Stations[0] != "Wallops" {
		t.Fatalf("counted without evidence: %+v", c)
	}
	// an impostor station's receipt dated before the close does not help
	raws = append(raws, f.received(t, "Tromso-impostor", closes.Add(-time.Hour), second)[1:]...)
	if tl, _ := Read(raws, f.auth).Tally(id); tl.Counts[1] != 0 {
		t.Fatalf("an impostor's receipt counted: %v", tl.Counts)
	}
	// quorum 2: Wallops alone is not enough; with Tromso it is
	f.auth.Quorum = 2
	if tl, _ := Read(raws, f.auth).Tally(id); tl != nil {
		t.Fatalf("quorum 2 met by one station: %v", tl.Counts)
	}
	raws = append(raws, f.received(t, "Tromso", now.Add(2*time.Hour), prop, first)[2:]...)
	tl, err = Read(raws, f.auth).Tally(id)
	if err != nil || tl.Counts[0] != 1 || len(tl.Counted[0].Evidence.Stations) != 2 || !tl.Counted[0].Evidence.At.Equal(now.Add(2*time.Hour)) {
		t.Fatalf("quorum 2: %v, %v", tl, err)
	}
}

func FuzzReceipt(f *testing.F) {
	f.Add((&Receipt{Station: "Wallops", Items: []Receipted{{ID: strings.Repeat("ab", 16), At: now}}}).Encode())
	f.Add([]byte{0x82, 0x60, 0x80})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := DecodeReceipt(b)
		if err != nil {
			return
		}
		if r2, err := DecodeReceipt(r.Encode()); err != nil || r2.Station != r.Station || len(r2.Items) != len(r.Items) {
			t.Fatalf("a receipt does not read back: %v", err)
		}
	})
}
