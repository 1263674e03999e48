package sim

import (
	"encoding/binary"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ipgs/ipgs/mission"
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

// Vote is the demo's governance round: a council key proposes at the
// first station, one voter per station votes there (alternating yes and
// no), every item travels to every other station through the drones only,
// and the council sends the first drone a directive (an onboard LOG
// entry). Keys are generated for the run.
type Vote struct {
	m        *mission.Mission
	council  *keys.Private
	voters   []*keys.Private          // one per station
	stations map[string]*keys.Private // each station's receipt key
	witness  map[string]*gov.Witness
	kem      *keys.Private // the first drone's X-Wing key
	sat      int
	text     string
	replay   bpsec.Replay
	proposal string

	mu     sync.Mutex
	ledger map[string][][]byte // station → governance bundles it holds
	// what the contact plan predicted when the round began: when the
	// proposal reaches each station, and the directive its drone
	origin, directiveFrom string
	proposalBy            map[string]time.Time
	ballotBy              map[[2]string]time.Time // [from, to]
	directiveBy           time.Time
}

// arrival is when the contact plan predicts a bundle of size bytes from
// n reaches node to (false: no route in the plan).
func arrival(n *dtn.Node, to uint64, size int, now time.Time) (time.Time, bool) {
	var best time.Time
	for _, r := range n.Router().Routes(n.Num, to, size, now, time.Time{}, nil) {
		if best.IsZero() || r.Arrival.Before(best) {
			best = r.Arrival
		}
	}
	return best, !best.IsZero()
}

// NewVote makes the keys of a vote for m.
func NewVote(m *mission.Mission) (*Vote, error) {
	if len(m.Stations) < 2 || len(m.Satellites) == 0 {
		return nil, fmt.Errorf("a vote needs two stations and a drone")
	}
	v := &Vote{m: m, sat: m.Satellites[0].NORAD, ledger: map[string][][]byte{}, stations: map[string]*keys.Private{}, witness: map[string]*gov.Witness{}}
	var err error
	if v.council, err = keys.Generate(keys.Sig, "council"); err != nil {
		return nil, err
	}
	if v.kem, err = keys.Generate(keys.KEM, m.Satellites[0].Name); err != nil {
		return nil, err
	}
	for _, st := range m.Stations {
		k, err := keys.Generate(keys.Sig, "voter at "+st.Name)
		if err != nil {
			return nil, err
		}
		v.voters = append(v.voters, k)
		if v.stations[st.Name], err = keys.Generate(keys.Sig, st.Name); err != nil {
			return nil, err
		}
	}
	v.text = "directive: heater setpoint 25 C (decided by the council's vote)"
	return v, nil
}

func (v *Vote) auth() gov.Authority {
	return gov.Authority{
		Key: func(id string) *keys.Public {
			if id == v.council.ID {
				return &v.council.Public
			}
			for _, k := range v.stations {
				if k.ID == id {
					return &k.Public
				}
			}
			return nil
		},
		May: func(id, kind string, _ time.Time) error {
			if id == v.council.ID {
				return nil
			}
			return fmt.Errorf("%s is not the council", id)
		},
		Witness: func(id, station string, _ time.Time) error {
			if k := v.stations[station]; k != nil && k.ID == id {
				return nil
			}
			return fmt.Errorf("%s is not station %s's key", id, station)
		},
	}
}

// Bundles returns the day's bundle options that run the vote.
func (v *Vote) Bundles(dict *command.Dictionary) *DayBundles {
	return &DayBundles{
		Ready: func(nodes map[string]*dtn.Node, _ *Emulator, c clock.Clock) error {
			return v.start(nodes, dict, c.Now())
		},
		Deliver: func(st string, raw []byte, _ bstore.Entry) error {
			v.mu.Lock()
			v.ledger[st] = append(v.ledger[st], raw)
			v.mu.Unlock()
			return nil
		},
		Witness: func(st string, raws [][]byte, now time.Time) ([][]byte, error) {
			v.mu.Lock()
			w := v.witness[st]
			v.mu.Unlock()
			if w == nil {
				return nil, nil
			}
			return w.Observe(raws, now)
		},
		Directive: func(norad int, raw []byte, now time.Time) (*proto.Command, error) {
			v.mu.Lock()
			sat, kem := v.sat, v.kem
			v.mu.Unlock()
			if norad != sat {
				return nil, nil
			}
			x, e, err := gov.OpenDirective(raw, norad, kem, v.auth(), &v.replay, now)
			if err != nil {
				return nil, nil // refused: dropped, never executed
			}
			return &proto.Command{ID: 0x80000000 | binary.BigEndian.Uint32(e.Nonce), Opcode: x.Opcode, Args: x.Args}, nil
		},
	}
}

func (v *Vote) start(nodes map[string]*dtn.Node, dict *command.Dictionary, now time.Time) error {
	var names []string
	for _, st := range v.m.Stations {
		if nodes[st.Name] != nil {
			names = append(names, st.Name)
		}
	}
	if len(names) < 2 {
		return fmt.Errorf("a vote needs two stations with a dtn_node")
	}
	// the proposal starts at the station from which the plan predicts
	// it reaches every other station soonest, and the directive goes to
	// the drone it predicts reachable soonest, from the station that
	// reaches it: so the round completes in the run when it can
	const size = 8 << 10
	worst := func(st string) (time.Time, map[string]time.Time) {
		var w time.Time
		by := map[string]time.Time{}
		for _, o := range names {
			if o == st {
				continue
			}
			at, ok := arrival(nodes[st], nodes[o].Num, size, now)
			if !ok {
				return time.Time{}, nil
			}
			by[o] = at
			if at.After(w) {
				w = at
			}
		}
		return w, by
	}
	origin := names[0]
	bestW, bestBy := worst(origin)
	for _, st := range names[1:] {
		if w, by := worst(st); by != nil && (bestBy == nil || w.Before(bestW)) {
			origin, bestW, bestBy = st, w, by
		}
	}
	dSat, dFrom, dBy := v.sat, names[len(names)-1], time.Time{}
	for _, sc := range v.m.Satellites {
		node, err := mission.IPNNode(sc.DTNNode)
		if err != nil {
			continue
		}
		for _, st := range names {
			if at, ok := arrival(nodes[st], uint64(node), size, now); ok && (dBy.IsZero() || at.Before(dBy)) {
				dSat, dFrom, dBy = sc.NORAD, st, at
			}
		}
	}
	if dSat != v.sat {
		k, err := keys.Generate(keys.KEM, fmt.Sprint(dSat))
		if err != nil {
			return err
		}
		v.mu.Lock()
		v.sat, v.kem = dSat, k
		v.mu.Unlock()
	}
	ballotBy := map[[2]string]time.Time{}
	for _, a := range names {
		for _, b := range names {
			if at, ok := arrival(nodes[a], nodes[b].Num, size, now); ok && a != b {
				ballotBy[[2]string{a, b}] = at
			}
		}
	}
	v.mu.Lock()
	v.origin, v.proposalBy, v.directiveFrom, v.directiveBy, v.ballotBy = origin, bestBy, dFrom, dBy, ballotBy
	v.mu.Unlock()
	eid := func(st string) bundle.EID { return bundle.IPN(nodes[st].Num, 7) }
	others := func(st string) []bundle.EID {
		var out []bundle.EID
		for _, o := range names {
			if o != st {
				out = append(out, eid(o))
			}
		}
		return out
	}
	v.mu.Lock()
	for _, st := range names {
		var all []bundle.EID
		for _, o := range names {
			all = append(all, eid(o))
		}
		v.witness[st] = &gov.Witness{Station: st, Key: v.stations[st], Src: eid(st), Dsts: all}
	}
	v.mu.Unlock()
	// submit posts an item at station st: its ledger keeps a copy, the
	// station receipts it (first held on the ground there), and the
	// bundles go to every other station
	submit := func(st string, raws [][]byte) error {
		v.mu.Lock()
		v.ledger[st] = append(v.ledger[st], raws[0])
		w := v.witness[st]
		v.mu.Unlock()
		receipts, err := w.Observe(raws[:1], now)
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
	p := &gov.Proposal{Title: "Raise the drones' heater setpoint to 25 C", Options: []string{"yes", "no"}, Opens: now, Closes: now.Add(10 * time.Hour)}
	for i, st := range v.m.Stations {
		p.Roll = append(p.Roll, gov.Voter{Name: "voter at " + st.Name, Key: v.voters[i].Public})
	}
	pe := &bpsec.Envelope{Kind: gov.KindProposal, Seq: 1, Expires: now.Add(24 * time.Hour), Body: p.Encode()}
	raws, err := gov.Seal(pe, v.council, eid(origin), others(origin), nil, now)
	if err != nil {
		return err
	}
	v.mu.Lock()
	v.proposal = gov.ID(pe)
	v.mu.Unlock()
	if err := submit(origin, raws); err != nil {
		return err
	}
	for i, st := range v.m.Stations {
		if nodes[st.Name] == nil {
			continue
		}
		e := &bpsec.Envelope{Kind: gov.KindVote, Seq: 1, Expires: now.Add(24 * time.Hour), Body: (&gov.Ballot{Proposal: v.proposal, Choice: i % 2, Cast: now}).Encode()}
		raws, err := gov.Seal(e, v.voters[i], eid(st.Name), others(st.Name), nil, now)
		if err != nil {
			return err
		}
		if err := submit(st.Name, raws); err != nil {
			return err
		}
	}
	def, ok := dict.Lookup("LOG")
	if !ok {
		return nil
	}
	vals, err := def.Validate([]string{v.text})
	if err != nil {
		return err
	}
	args, err := def.Encode(vals)
	if err != nil {
		return err
	}
	var node int
	for _, sc := range v.m.Satellites {
		if sc.NORAD == dSat {
			if node, err = mission.IPNNode(sc.DTNNode); err != nil {
				return nil // no drone is a DTN node: no directive
			}
		}
	}
	x := &gov.Directive{Sat: dSat, Opcode: def.Opcode, Command: def.Name, Args: args, Proposal: v.proposal}
	de := &bpsec.Envelope{Kind: gov.KindDirective, Seq: 2, Expires: now.Add(24 * time.Hour), Body: x.Encode()}
	draws, err := gov.Seal(de, v.council, eid(dFrom), []bundle.EID{bundle.IPN(uint64(node), 7)}, []*keys.Public{&v.kem.Public}, now)
	if err != nil {
		return err
	}
	_, err = nodes[dFrom].Submit(draws[0], now)
	return err
}

// Report writes each station's tally and whether the directive ran, and
// reports whether every station's tally is the same.
func (v *Vote) Report(w io.Writer, onboard []Onboard) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	var names []string
	for st := range v.ledger {
		names = append(names, st)
	}
	sort.Strings(names)
	fmt.Fprintf(w, "governance: proposal %s from %s, %d voters, every item carried by the drones only, timed by the stations' signed receipts\n", v.proposal, v.origin, len(v.voters))
	digests := map[string]bool{}
	for _, st := range names {
		l := gov.Read(v.ledger[st], v.auth())
		t, err := l.Tally(v.proposal)
		if err != nil {
			why := "the proposal has not arrived"
			for _, p := range l.Pending {
				if strings.Contains(p.Reason, v.proposal) {
					why = "the proposal awaits a station's receipt"
				}
			}
			if at, ok := v.proposalBy[st]; ok {
				why += fmt.Sprintf(" (the plan predicted it by %s)", at.UTC().Format("15:04"))
			} else if st != v.origin {
				why += " (no route in the plan)"
			}
			fmt.Fprintf(w, "  %-10s not complete: %s; %d governance bundles held\n", st, why, len(v.ledger[st]))
			digests[""] = true
			continue
		}
		fmt.Fprintf(w, "  %-10s %d of %d ballots:", st, len(t.Counted), t.Roll)
		for i, o := range t.Options {
			fmt.Fprintf(w, " %s %d", o, t.Counts[i])
		}
		fmt.Fprintf(w, ", digest %s\n", t.Digest)
		digests[t.Digest] = true
		// the voters not counted, and why
		for _, voter := range v.m.Stations {
			name := "voter at " + voter.Name
			if slices.ContainsFunc(t.Counted, func(c gov.Counted) bool { return c.Voter == name }) {
				continue
			}
			why := "its ballot has not arrived"
			for _, r := range t.Refused {
				if strings.Contains(r, name) {
					why = r
				}
			}
			if why == "its ballot has not arrived" {
				if at, ok := v.ballotBy[[2]string{voter.Name, st}]; ok {
					why += fmt.Sprintf(" (the plan predicted it by %s)", at.UTC().Format("15:04"))
				} else {
					why += fmt.Sprintf(" (no route from %s to %s through the drones in this run's contact plan)", voter.Name, st)
				}
			}
			fmt.Fprintf(w, "  %-10s   not counted: %s: %s\n", "", name, why)
		}
	}
	ran := false
	for _, o := range onboard {
		if o.NORAD == v.sat && slices.Contains(o.Log, v.text) {
			ran = true
		}
	}
	switch {
	case ran:
		fmt.Fprintf(w, "  directive from %s to %d: executed onboard\n", v.directiveFrom, v.sat)
	case v.directiveBy.IsZero():
		fmt.Fprintf(w, "  directive to %d: not executed: no drone is reachable in the contact plan\n", v.sat)
	default:
		fmt.Fprintf(w, "  directive from %s to %d: not executed yet (the plan predicted delivery by %s)\n", v.directiveFrom, v.sat, v.directiveBy.UTC().Format("15:04"))
	}
	return len(digests) == 1
}

// Proposal is the vote's proposal id ("" before the day starts).
func (v *Vote) Proposal() string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.proposal
}

// Tally is the vote as station st sees it from the governance bundles it
// holds (an error until the proposal has reached it).
func (v *Vote) Tally(st string) (*gov.Tally, error) {
	v.mu.Lock()
	raws := slices.Clone(v.ledger[st])
	p := v.proposal
	v.mu.Unlock()
	return gov.Read(raws, v.auth()).Tally(p)
}
