// Package gov is ipgs's governance application: proposals with a signed
// voter roll, ballots signed by voters, directives to drones, and a tally
// that any node holding the bundles recomputes to the same result.
//
// Every item is a pqlink/bpsec governance envelope sealed in a BPv7
// bundle: signed with ML-DSA-65 (BIB-MLDSA65, covering the primary block,
// so the creation time and destination are signed too); directives are
// also encrypted for the drone's X-Wing key (BCB-XWING-AES-GCM).
//
// # The tally rule
//
// Authors choose every time they sign, so times that decide something
// come from receipts instead: when a station first holds a proposal or a
// ballot (its operator posted it, or it was delivered there) it signs a
// receipt (KindReceipt) with its own key and sends it to every station.
// An item's evidence is the time by which the quorum of distinct stations
// (Authority.Quorum, the mission's security.receipts) held it.
//
// An item's id is the first 16 bytes of SHA-256 over its envelope, in
// hex, so every copy of it has the same id. A proposal counts if an
// authority allowed to sign proposals at its evidence time signed it (a
// revoked authority cannot backdate one); until the quorum has receipted
// it, it and the ballots on its roll are pending. For a proposal, a
// ballot is counted when all of these hold:
//
//   - it carries a valid ML-DSA-65 signature by a key on the proposal's
//     roll (unsigned and forged ballots are refused when read);
//   - its envelope had not expired when its bundle was created;
//   - its cast time (signed) lies in [opens, closes);
//   - its evidence lies before closes (a ballot sent after the close
//     counts for nothing whatever times it claims);
//   - its choice is one of the options.
//
// Copies of the same envelope (the same author and nonce: a replay, or
// the ballot delivered over two routes) count once. When a voter cast
// several valid ballots, the one with the highest sequence number counts
// (ties: the smallest nonce). Nothing depends on the order in which
// bundles arrived, or on the clock of the node that tallies, so two nodes
// with the same bundles get the same counts and the same digest.
package gov

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ipgs/ipgs/pqlink/bpsec"
	"github.com/ipgs/ipgs/pqlink/keys"
	"github.com/ipgs/ipgs/uplink/bundle"
	"github.com/ipgs/ipgs/uplink/cbor"
)

// Kinds.
const (
	KindProposal  = "proposal"
	KindVote      = "vote"
	KindDirective = "directive"
)

// Voter is one entry of a roll.
type Voter struct {
	Name string
	Key  keys.Public // ML-DSA-65
}

// Proposal is what voters decide on.
type Proposal struct {
	Title, Text   string
	Options       []string
	Opens, Closes time.Time
	Roll          []Voter
}

// Ballot is one voter's choice.
type Ballot struct {
	Proposal string // proposal id
	Choice   int    // index into the options
	Cast     time.Time
}

// Directive is a decision delivered to a drone: a command to execute.
type Directive struct {
	Sat      int
	Opcode   uint16
	Command  string // its name in the dictionary (for people)
	Args     []byte // encoded as the dictionary encodes them
	Proposal string // the proposal that decided it (may be empty)
}

func ms(t time.Time) uint64 { return bpsec.DTNTime(t) }

func fromMS(v uint64) time.Time {
	return time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(min(v, uint64(1<<62)/uint64(time.Millisecond))) * time.Millisecond)
}

// Encode returns the proposal's body.
func (p *Proposal) Encode() []byte {
	b := cbor.AppendArray(nil, 6)
	b = cbor.AppendText(b, p.Title)
	b = cbor.AppendText(b, p.Text)
	b = cbor.AppendArray(b, len(p.Options))
	for _, o := range p.Options {
		b = cbor.AppendText(b, o)
	}
	b = cbor.AppendUint(b, ms(p.Opens))
	b = cbor.AppendUint(b, ms(p.Closes))
	b = cbor.AppendArray(b, len(p.Roll))
	for _, v := range p.Roll {
		b = cbor.AppendArray(b, 2)
		b = cbor.AppendText(b, v.Name)
		b = cbor.AppendBytes(b, v.Key.Key)
	}
	return b
}

// DecodeProposal reads a proposal body.
func DecodeProposal(data []byte) (*Proposal, error) {
	d := cbor.NewDecoder(data, 0)
	if n, err := d.ArrayLen(); err != nil || n != 6 {
		return nil, bad(d, err, "a proposal is a 6-item array")
	}
	p := &Proposal{}
	var err error
	if p.Title, err = d.Text(); err != nil {
		return nil, err
	}
	if p.Text, err = d.Text(); err != nil {
		return nil, err
	}
	n, err := d.ArrayLen()
	if err != nil {
		return nil, err
	}
	if n < 2 || n > 64 {
		return nil, bad(d, nil, fmt.Sprintf("%d options (2 to 64)", n))
	}
	for range n {
		o, err := d.Text()
		if err != nil {
			return nil, err
		}
		p.Options = append(p.Options, o)
	}
	o, err := d.Uint()
	if err != nil {
		return nil, err
	}
	c, err := d.Uint()
	if err != nil {
		return nil, err
	}
	p.Opens, p.Closes = fromMS(o), fromMS(c)
	if !p.Closes.After(p.Opens) {
		return nil, bad(d, nil, "the voting window closes before it opens")
	}
	if n, err = d.ArrayLen(); err != nil {
		return nil, err
	}
	for range n {
		if m, err := d.ArrayLen(); err != nil || m != 2 {
			return nil, bad(d, err, "a voter is a 2-item array")
		}
		name, err := d.Text()
		if err != nil {
			return nil, err
		}
		pub, err := d.Bytes()
		if err != nil {
			return nil, err
		}
		k := keys.Public{Kind: keys.Sig, Owner: name, Key: slices.Clone(pub), ID: keys.Fingerprint(keys.Sig, pub)}
		if err := k.Check(); err != nil {
			return nil, fmt.Errorf("gov: voter %s: %w", name, err)
		}
		p.Roll = append(p.Roll, Voter{Name: name, Key: k})
	}
	if !d.Done() {
		return nil, bad(d, nil, "bytes after the proposal")
	}
	return p, nil
}

func bad(d *cbor.Decoder, err error, msg string) error {
	if err != nil {
		return fmt.Errorf("gov: %s: %w", msg, err)
	}
	return &cbor.Error{Offset: d.Offset(), Msg: "gov: " + msg}
}

// Encode returns the ballot's body.
func (b *Ballot) Encode() []byte {
	out := cbor.AppendArray(nil, 3)
	out = cbor.AppendText(out, b.Proposal)
	out = cbor.AppendUint(out, uint64(b.Choice))
	return cbor.AppendUint(out, ms(b.Cast))
}

// DecodeBallot reads a ballot body.
func DecodeBallot(data []byte) (*Ballot, error) {
	d := cbor.NewDecoder(data, 0)
	if n, err := d.ArrayLen(); err != nil || n != 3 {
		return nil, bad(d, err, "a ballot is a 3-item array")
	}
	b := &Ballot{}
	var err error
	if b.Proposal, err = d.Text(); err != nil {
		return nil, err
	}
	c, err := d.Uint()
	if err != nil {
		return nil, err
	}
	if c > 64 {
		return nil, bad(d, nil, fmt.Sprintf("choice %d", c))
	}
	b.Choice = int(c)
	t, err := d.Uint()
	if err != nil {
		return nil, err
	}
	b.Cast = fromMS(t)
	if !d.Done() {
		return nil, bad(d, nil, "bytes after the ballot")
	}
	return b, nil
}

// Encode returns the directive's body.
func (x *Directive) Encode() []byte {
	b := cbor.AppendArray(nil, 5)
	b = cbor.AppendUint(b, uint64(x.Sat))
	b = cbor.AppendUint(b, uint64(x.Opcode))
	b = cbor.AppendText(b, x.Command)
	b = cbor.AppendBytes(b, x.Args)
	return cbor.AppendText(b, x.Proposal)
}

// DecodeDirective reads a directive body.
func DecodeDirective(data []byte) (*Directive, error) {
	d := cbor.NewDecoder(data, 0)
	if n, err := d.ArrayLen(); err != nil || n != 5 {
		return nil, bad(d, err, "a directive is a 5-item array")
	}
	x := &Directive{}
	sat, err := d.Uint()
	if err != nil {
		return nil, err
	}
	op, err := d.Uint()
	if err != nil {
		return nil, err
	}
	if sat > 1<<31 || op > 0xffff {
		return nil, bad(d, nil, "satellite or opcode out of range")
	}
	x.Sat, x.Opcode = int(sat), uint16(op)
	if x.Command, err = d.Text(); err != nil {
		return nil, err
	}
	if x.Args, err = d.Bytes(); err != nil {
		return nil, err
	}
	x.Args = slices.Clone(x.Args)
	if x.Proposal, err = d.Text(); err != nil {
		return nil, err
	}
	if !d.Done() {
		return nil, bad(d, nil, "bytes after the directive")
	}
	return x, nil
}

// ID is a proposal's id: its envelope's hash.
func ID(e *bpsec.Envelope) string {
	h := sha256.Sum256(e.Encode())
	return hex.EncodeToString(h[:16])
}

// bundleSeq numbers the bundles this process makes: a random start, so
// two processes of one node making bundles in the same millisecond do not
// collide.
var bundleSeq atomic.Uint64

func init() {
	var b [4]byte
	rand.Read(b[:])
	bundleSeq.Store(uint64(binary.BigEndian.Uint32(b[:])) << 16)
}

// Seal makes one bundle per destination of an envelope (they share its
// nonce, so they are copies of one item), each with its own bundle
// sequence number.
func Seal(e *bpsec.Envelope, author *keys.Private, src bundle.EID, dsts []bundle.EID, recipients []*keys.Public, now time.Time) ([][]byte, error) {
	var out [][]byte
	for _, d := range dsts {
		raw, err := bpsec.SealSeq(e, author, src, d, recipients, now, bundleSeq.Add(1))
		if err != nil {
			return nil, err
		}
		out = append(out, raw)
	}
	return out, nil
}

// Authority is what reading needs of the trust store.
type Authority struct {
	Key func(id string) *keys.Public             // a trusted key (nil: unknown)
	May func(id, kind string, t time.Time) error // whether it may sign kind at t
	// Witness says whether key id may sign receipts as station at t
	// (nil: no station may, and nothing is ever counted).
	Witness func(id, station string, t time.Time) error
	// Quorum is how many distinct stations must have receipted an item
	// before it is judged (0: one).
	Quorum int
}

// Item is a governance bundle read and verified.
type Item struct {
	Kind     string
	Envelope *bpsec.Envelope
	Created  time.Time
	Proposal *Proposal // KindProposal
	ID       string    // KindProposal: its id
	Ballot   *Ballot   // KindVote
	Voter    string    // KindVote: the voter's name on the roll
	// Evidence is when the quorum of stations held it, by their
	// receipts (zero: not yet).
	Evidence Evidence
}

// Rejection is a bundle that was not accepted, and why.
type Rejection struct {
	Bundle string // bundle id (or an offset when it did not decode)
	Reason string
}

// Ledger is what a node knows: verified proposals and ballots, and what
// was refused.
type Ledger struct {
	Proposals map[string]*Item
	Ballots   []*Item
	Rejected  []Rejection
	// Pending are proposals no quorum of stations has receipted yet, and
	// ballots on their rolls: judged when the receipts arrive.
	Pending []Rejection

	quorum   int
	evidence map[string]evidence // item id → station → earliest receipt
}

// Errors of reading.
var (
	ErrUnsigned = errors.New("unsigned")
	ErrNoRoll   = errors.New("voter on no known roll")
)

// Read verifies raw governance bundles in an order that does not depend
// on theirs (proposals first: their rolls hold the voters' keys). Bundles
// that do not verify are listed in Rejected with the reason; they are
// never counted.
func Read(raws [][]byte, auth Authority) *Ledger {
	l := &Ledger{Proposals: map[string]*Item{}, quorum: max(auth.Quorum, 1), evidence: map[string]evidence{}}
	type entry struct {
		raw []byte
		b   *bundle.Bundle
		pre *bpsec.Envelope // as read, not yet verified
	}
	var props, votes, receipts []entry
	for i, raw := range raws {
		b, err := bundle.Decode(raw)
		if err != nil {
			l.Rejected = append(l.Rejected, Rejection{fmt.Sprintf("#%d", i), err.Error()})
			continue
		}
		p := b.Payload()
		if p == nil {
			continue
		}
		e, err := bpsec.DecodeEnvelope(p.Data)
		if err != nil {
			l.Rejected = append(l.Rejected, Rejection{b.Primary.ID(), "not a governance envelope: " + err.Error()})
			continue
		}
		switch e.Kind {
		case KindProposal:
			props = append(props, entry{raw, b, e})
		case KindVote:
			votes = append(votes, entry{raw, b, e})
		case KindReceipt:
			receipts = append(receipts, entry{raw, b, e})
		}
	}
	for _, x := range receipts {
		if err := l.receipt(x.raw, x.b, auth); err != nil {
			l.Rejected = append(l.Rejected, Rejection{x.b.Primary.ID(), err.Error()})
		}
	}
	pendingRoll := map[string]*keys.Public{}
	for _, x := range props {
		// a proposal is judged when the quorum of stations held it: its
		// author's authority then, not at the time it claims
		pre := x.pre
		ev, ok := l.evidence[ID(pre)].at(l.quorum)
		if !ok {
			if e, err := open(x.raw, x.b, auth.Key, func(string, string, time.Time) error { return nil }, fromMS(x.b.Primary.Created)); err == nil {
				if p, err := DecodeProposal(e.Body); err == nil {
					for _, v := range p.Roll {
						pendingRoll[v.Key.ID] = &v.Key
					}
				}
			}
			l.Pending = append(l.Pending, Rejection{x.b.Primary.ID(), fmt.Sprintf("proposal %s: awaiting receipts from %d station(s)", ID(pre), l.quorum)})
			continue
		}
		e, err := open(x.raw, x.b, auth.Key, auth.May, ev.At)
		if err != nil {
			l.Rejected = append(l.Rejected, Rejection{x.b.Primary.ID(), err.Error()})
			continue
		}
		p, err := DecodeProposal(e.Body)
		if err != nil {
			l.Rejected = append(l.Rejected, Rejection{x.b.Primary.ID(), err.Error()})
			continue
		}
		id := ID(e)
		l.Proposals[id] = &Item{Kind: KindProposal, Envelope: e, Created: fromMS(x.b.Primary.Created), Proposal: p, ID: id, Evidence: ev}
	}
	voters := map[string]*keys.Public{}
	names := map[string]string{}
	for _, p := range l.Proposals {
		for _, v := range p.Proposal.Roll {
			voters[v.Key.ID] = &v.Key
			names[v.Key.ID] = v.Name
		}
	}
	voterKey := func(id string) *keys.Public {
		if k := voters[id]; k != nil {
			return k
		}
		return pendingRoll[id]
	}
	onRoll := func(id, kind string, _ time.Time) error {
		if kind != KindVote {
			return fmt.Errorf("a voter key signs only votes, not %s", kind)
		}
		if voters[id] == nil && pendingRoll[id] == nil {
			return ErrNoRoll
		}
		return nil
	}
	for _, x := range votes {
		created := fromMS(x.b.Primary.Created)
		e, err := open(x.raw, x.b, voterKey, onRoll, created)
		if err != nil {
			l.Rejected = append(l.Rejected, Rejection{x.b.Primary.ID(), err.Error()})
			continue
		}
		if voters[e.Author] == nil {
			l.Pending = append(l.Pending, Rejection{x.b.Primary.ID(), "a ballot on the roll of a proposal awaiting receipts"})
			continue
		}
		bl, err := DecodeBallot(e.Body)
		if err != nil {
			l.Rejected = append(l.Rejected, Rejection{x.b.Primary.ID(), err.Error()})
			continue
		}
		ev, _ := l.evidence[ID(e)].at(l.quorum)
		l.Ballots = append(l.Ballots, &Item{Kind: KindVote, Envelope: e, Created: created, Ballot: bl, Voter: names[e.Author], Evidence: ev})
	}
	sort.Slice(l.Rejected, func(i, j int) bool { return l.Rejected[i].Bundle < l.Rejected[j].Bundle })
	sort.Slice(l.Pending, func(i, j int) bool { return l.Pending[i].Bundle < l.Pending[j].Bundle })
	return l
}

// receipt verifies a receipt and records what it says: signed by a key
// the trust store grants to the station it names, at the time the
// receipt was made.
func (l *Ledger) receipt(raw []byte, b *bundle.Bundle, auth Authority) error {
	created := fromMS(b.Primary.Created)
	var station string
	may := func(id, kind string, t time.Time) error {
		if kind != KindReceipt {
			return fmt.Errorf("not a receipt")
		}
		return nil
	}
	e, err := open(raw, b, auth.Key, may, created)
	if err != nil {
		return err
	}
	r, err := DecodeReceipt(e.Body)
	if err != nil {
		return err
	}
	station = r.Station
	if auth.Witness == nil {
		return fmt.Errorf("gov: receipt by %s: no station may sign receipts", station)
	}
	if err := auth.Witness(e.Author, station, created); err != nil {
		return fmt.Errorf("gov: receipt by %s: %w", station, err)
	}
	for _, it := range r.Items {
		ev := l.evidence[it.ID]
		if ev == nil {
			ev = evidence{}
			l.evidence[it.ID] = ev
		}
		if t, ok := ev[station]; !ok || it.At.Before(t) {
			ev[station] = it.At
		}
	}
	return nil
}

// open verifies a governance bundle as bpsec.Open does, judging expiry at
// the bundle's creation, so the answer is the same on every node and at
// any time.
func open(raw []byte, b *bundle.Bundle, key func(string) *keys.Public, may func(string, string, time.Time) error, at time.Time) (*bpsec.Envelope, error) {
	if k := b.Block(2); k == nil || k.Type != bundle.TypeBIB {
		return nil, fmt.Errorf("gov: %w: no signature block", ErrUnsigned)
	}
	return bpsec.Open(raw, nil, key, may, nil, at)
}

// Counted is one counted ballot.
type Counted struct {
	Voter  string
	Key    string
	Choice int
	Seq    uint64
	Cast   time.Time
	// Evidence is the receipts that show the ballot was on the ground
	// before the close.
	Evidence Evidence
}

// Tally is the result for one proposal.
type Tally struct {
	Proposal string
	Title    string
	Options  []string
	Opens    time.Time
	Closes   time.Time
	Roll     int
	// Quorum is how many stations' receipts each item needed; Witnessed
	// is the proposal's (its author was judged at that time).
	Quorum    int
	Witnessed Evidence
	Counts    []int
	Counted   []Counted
	// Refused lists ballots for this proposal that were read but not
	// counted, with the rule they broke (superseded ballots included).
	Refused []string
	// Equivocations are voters who signed different ballots at one
	// sequence number: none of those counts.
	Equivocations []string
	Digest        string
}

// Tally counts the ballots for a proposal by the package's rule.
func (l *Ledger) Tally(id string) (*Tally, error) {
	pi := l.Proposals[id]
	if pi == nil {
		return nil, fmt.Errorf("gov: no verified proposal %s", id)
	}
	p := pi.Proposal
	t := &Tally{Proposal: id, Title: p.Title, Options: p.Options, Opens: p.Opens, Closes: p.Closes, Roll: len(p.Roll), Counts: make([]int, len(p.Options)), Quorum: l.quorum, Witnessed: pi.Evidence}
	onRoll := map[string]string{}
	for _, v := range p.Roll {
		onRoll[v.Key.ID] = v.Name
	}
	// valid ballots grouped by voter and sequence: a group whose ballots
	// choose differently is an equivocation, refused whole and flagged; a
	// voter's ballot is the one of its highest sequence that is not. The
	// rule depends only on the set of ballots, never on their order.
	type group struct {
		items   []*Item
		choices map[int]bool
	}
	groups := map[string]map[uint64]*group{}
	seen := map[string]bool{}
	for _, b := range l.Ballots {
		if b.Ballot.Proposal != id {
			continue
		}
		e := b.Envelope
		who := fmt.Sprintf("ballot of %s (seq %d)", orKey(b.Voter, e.Author), e.Seq)
		k := fmt.Sprintf("%s/%s/%d/%d", e.Author, hex.EncodeToString(e.Nonce), e.Seq, b.Ballot.Choice)
		if seen[k] {
			continue // a copy: counts once
		}
		seen[k] = true
		switch {
		case onRoll[e.Author] == "":
			t.Refused = append(t.Refused, who+": not on this proposal's roll")
			continue
		case b.Ballot.Cast.Before(p.Opens) || !b.Ballot.Cast.Before(p.Closes):
			t.Refused = append(t.Refused, fmt.Sprintf("%s: cast %s, outside the window", who, b.Ballot.Cast.UTC().Format(time.RFC3339)))
			continue
		case b.Ballot.Choice < 0 || b.Ballot.Choice >= len(p.Options):
			t.Refused = append(t.Refused, fmt.Sprintf("%s: choice %d is not an option", who, b.Ballot.Choice))
			continue
		case b.Evidence.At.IsZero():
			t.Refused = append(t.Refused, fmt.Sprintf("%s: no receipt from %d station(s) yet", who, l.quorum))
			continue
		case !b.Evidence.At.Before(p.Closes):
			t.Refused = append(t.Refused, fmt.Sprintf("%s: first %s, not before the close (by the receipts held here: an earlier one may yet arrive)", who, b.Evidence))
			continue
		}
		if groups[e.Author] == nil {
			groups[e.Author] = map[uint64]*group{}
		}
		g := groups[e.Author][e.Seq]
		if g == nil {
			g = &group{choices: map[int]bool{}}
			groups[e.Author][e.Seq] = g
		}
		g.items = append(g.items, b)
		g.choices[b.Ballot.Choice] = true
	}
	best := map[string]*Item{}
	for author, bySeq := range groups {
		for seq, g := range bySeq {
			name := orKey(g.items[0].Voter, author)
			if len(g.choices) > 1 {
				t.Equivocations = append(t.Equivocations, fmt.Sprintf("%s signed %d different ballots at seq %d", name, len(g.items), seq))
				t.Refused = append(t.Refused, fmt.Sprintf("ballots of %s (seq %d): equivocation, none counts", name, seq))
				continue
			}
			rep := g.items[0]
			for _, b := range g.items[1:] {
				if later(b, rep) { // the same choice: the representative is the one of the least nonce
					rep = b
				}
			}
			if cur := best[author]; cur == nil || cur.Envelope.Seq < seq {
				best[author] = rep
			}
		}
		for seq := range bySeq {
			if c := best[author]; c != nil && seq < c.Envelope.Seq {
				t.Refused = append(t.Refused, fmt.Sprintf("ballot of %s (seq %d): superseded by seq %d", orKey(c.Voter, author), seq, c.Envelope.Seq))
			}
		}
	}
	for author, b := range best {
		t.Counts[b.Ballot.Choice]++
		t.Counted = append(t.Counted, Counted{Voter: onRoll[author], Key: author, Choice: b.Ballot.Choice, Seq: b.Envelope.Seq, Cast: b.Ballot.Cast, Evidence: b.Evidence})
	}
	sort.Slice(t.Counted, func(i, j int) bool { return t.Counted[i].Key < t.Counted[j].Key })
	sort.Strings(t.Refused)
	sort.Strings(t.Equivocations)
	h := sha256.New()
	fmt.Fprintf(h, "%s\n", id)
	for i, c := range t.Counts {
		fmt.Fprintf(h, "%d %d\n", i, c)
	}
	for _, c := range t.Counted {
		fmt.Fprintf(h, "%s %d %d %d\n", c.Key, c.Choice, c.Seq, ms(c.Cast))
	}
	t.Digest = hex.EncodeToString(h.Sum(nil)[:16])
	return t, nil
}

func later(a, b *Item) bool {
	if a.Envelope.Seq != b.Envelope.Seq {
		return a.Envelope.Seq > b.Envelope.Seq
	}
	return hex.EncodeToString(a.Envelope.Nonce) < hex.EncodeToString(b.Envelope.Nonce)
}

func orKey(name, key string) string {
	if name != "" {
		return name
	}
	return key
}

// String renders a tally for people.
func (t *Tally) String() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "proposal %s: %s\n", t.Proposal, t.Title)
	fmt.Fprintf(&sb, "  voting %s to %s, %d voters on the roll, %d ballots counted\n", t.Opens.UTC().Format(time.RFC3339), t.Closes.UTC().Format(time.RFC3339), t.Roll, len(t.Counted))
	fmt.Fprintf(&sb, "  evidence: stations' signed receipts, %d per item; the proposal was %s\n", t.Quorum, t.Witnessed)
	for i, o := range t.Options {
		fmt.Fprintf(&sb, "  %-20s %d\n", o, t.Counts[i])
	}
	for _, c := range t.Counted {
		fmt.Fprintf(&sb, "  counted: %s for %q (seq %d), %s\n", orKey(c.Voter, c.Key), t.Options[c.Choice], c.Seq, c.Evidence)
	}
	for _, r := range t.Refused {
		fmt.Fprintf(&sb, "  not counted: %s\n", r)
	}
	fmt.Fprintf(&sb, "  digest %s\n", t.Digest)
	return sb.String()
}

// OpenDirective verifies and decrypts a directive at a drone: signed by
// an authority allowed directives, for this satellite, not expired at now,
// not a replay.
func OpenDirective(raw []byte, sat int, kem *keys.Private, auth Authority, replay *bpsec.Replay, now time.Time) (*Directive, *bpsec.Envelope, error) {
	b, err := bundle.Decode(raw)
	if err != nil {
		return nil, nil, err
	}
	if k := b.Block(2); k == nil || k.Type != bundle.TypeBIB {
		return nil, nil, fmt.Errorf("gov: %w: no signature block", ErrUnsigned)
	}
	e, err := bpsec.Open(raw, kem, auth.Key, auth.May, replay, now)
	if err != nil {
		return nil, nil, err
	}
	if e.Kind != KindDirective {
		return nil, nil, fmt.Errorf("gov: a %s bundle addressed to a drone", e.Kind)
	}
	x, err := DecodeDirective(e.Body)
	if err != nil {
		return nil, nil, err
	}
	if x.Sat != sat {
		return nil, nil, fmt.Errorf("gov: a directive for satellite %d reached %d", x.Sat, sat)
	}
	return x, e, nil
}
