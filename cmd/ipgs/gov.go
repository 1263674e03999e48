package main

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/pqlink/bpsec"
	"github.com/ipgs/ipgs/pqlink/gov"
	"github.com/ipgs/ipgs/pqlink/keys"
	"github.com/ipgs/ipgs/pqlink/trust"
	"github.com/ipgs/ipgs/uplink/bstore"
	"github.com/ipgs/ipgs/uplink/bundle"
	"github.com/ipgs/ipgs/uplink/dtn"
)

// govService is the bundle service (ipn:N.7) of governance items.
const govService = 7

// govFlags are every ipgs gov command's.
type govFlags struct {
	missionFlags
	station, now, passEnv string
	start, anchor         string
	speed                 float64
}

func addGovFlags(c *cobra.Command, f *govFlags) {
	addMissionFlags(c, &f.missionFlags)
	c.Flags().StringVar(&f.station, "station", "", "the station whose ledger (its bundle inbox) and outbox are used")
	c.Flags().StringVar(&f.now, "now", "", "the time to sign at, RFC 3339 (default: the clock's time); the station's receipts are dated by the clock whatever this says")
	c.Flags().StringVar(&f.start, "start", "now", "with the emulator: its virtual clock's --start")
	c.Flags().Float64Var(&f.speed, "speed", 1, "with the emulator: its --speed")
	c.Flags().StringVar(&f.anchor, "wall-start", "", "with the emulator: its --wall-start")
	c.Flags().StringVar(&f.passEnv, "passphrase-env", "", "environment variable with the passphrase of a sealed key")
}

// govEnv is what a governance command works with.
type govEnv struct {
	m       *mission.Mission
	data    string
	station *mission.StationConfig
	node    uint64
	trust   *trust.Store
	now     time.Time // when to act (--now, or the clock)
	clock   time.Time // the clock's time, whatever --now says: receipts are dated by it
	pass    []byte
}

func (f *govFlags) env(cmd *cobra.Command) (*govEnv, error) {
	m, _, _, data, err := f.load(cmd.Context())
	if err != nil {
		return nil, err
	}
	g := &govEnv{m: m, data: data, pass: passphraseFrom(f.passEnv)}
	for i := range m.Stations {
		if strings.EqualFold(m.Stations[i].Name, f.station) {
			g.station = &m.Stations[i]
		}
	}
	if g.station == nil {
		return nil, usage(fmt.Errorf("--station %q is not in the mission", f.station))
	}
	n, err := mission.IPNNode(g.station.DTNNode)
	if err != nil {
		return nil, mission.BadInput(fmt.Errorf("station %s has no dtn_node: it cannot carry governance bundles", g.station.Name))
	}
	g.node = uint64(n)
	clk, _, err := virtualClock(cmd, f.start, f.anchor, f.speed)
	if err != nil {
		return nil, err
	}
	g.now, g.clock = clk.Now(), clk.Now()
	if f.now != "" {
		if g.now, err = mission.ParseTime(f.now, time.Now()); err != nil {
			return nil, usage(err)
		}
	}
	if g.trust, err = trust.Load(m, trust.KeysDir(m, data)); err != nil {
		return nil, err
	}
	return g, nil
}

// proposal opens the station's ledger and finds a proposal in it by id
// or prefix.
func (f *govFlags) proposal(cmd *cobra.Command, prefix string) (*govEnv, *gov.Ledger, *gov.Item, error) {
	g, err := f.env(cmd)
	if err != nil {
		return nil, nil, nil, err
	}
	l, err := g.ledger()
	if err != nil {
		return nil, nil, nil, err
	}
	pi, err := g.proposal(l, prefix)
	return g, l, pi, err
}

// ledger reads and verifies what the station holds.
func (g *govEnv) ledger() (*gov.Ledger, error) {
	raws, _, err := dtn.ReadFolder(inboxDir(g.data, g.station.Name))
	if err != nil {
		return nil, err
	}
	return gov.Read(raws, govAuthority(g.trust)), nil
}

// govAuthority is what reading governance bundles needs of a trust store.
func govAuthority(st *trust.Store) gov.Authority { return st.Authority() }

// stationWitness makes the receipts of the station named, signed with
// its key in force at now (sealed keys need pass).
func stationWitness(st *trust.Store, station string, pass []byte, now time.Time) (*gov.Witness, error) {
	return st.Witness(station, pass, now, govService)
}

func (g *govEnv) proposal(l *gov.Ledger, prefix string) (*gov.Item, error) {
	var found *gov.Item
	for id, p := range l.Proposals {
		if strings.HasPrefix(id, prefix) && prefix != "" {
			if found != nil {
				return nil, mission.BadInput(fmt.Errorf("%q matches more than one proposal", prefix))
			}
			found = p
		}
	}
	if found == nil {
		return nil, mission.BadInput(fmt.Errorf("no verified proposal %q in %s's ledger (%s)", prefix, g.station.Name, inboxDir(g.data, g.station.Name)))
	}
	return found, nil
}

// author opens the private key a command signs with.
func (g *govEnv) author(prefix string) (*keys.Private, error) {
	pub, err := g.trust.Find(prefix)
	if err != nil {
		return nil, err
	}
	return g.trust.LoadPrivate(pub.ID, g.pass)
}

// others are the governance endpoints of every other station with a
// DTN node.
func (g *govEnv) others() []bundle.EID {
	var out []bundle.EID
	for _, st := range g.m.Stations {
		if n, err := mission.IPNNode(st.DTNNode); err == nil && uint64(n) != g.node {
			out = append(out, bundle.IPN(uint64(n), govService))
		}
	}
	return out
}

// post hands sealed bundles to the station's agent (its outbox) and
// keeps the first in the station's own ledger, with the station's signed
// receipt for it (sent to every station) when its key can be opened.
func (g *govEnv) post(w io.Writer, raws [][]byte, ledger bool) error {
	if ledger {
		if _, err := dtn.WriteFile(inboxDir(g.data, g.station.Name), raws[0]); err != nil {
			return err
		}
		wit, err := stationWitness(g.trust, g.station.Name, g.pass, g.clock)
		if err != nil {
			fmt.Fprintf(w, "  not receipted by %s (%v): it counts once another station has receipted it\n", g.station.Name, err)
		} else {
			// dated by the clock, never by --now: a receipt is the
			// station's word of when it held the item
			receipts, err := wit.Observe(raws[:1], g.clock)
			if err != nil {
				return err
			}
			raws = append(raws, receipts...)
		}
	}
	for _, raw := range raws {
		_, e, _ := bstore.Describe(raw)
		dir := outboxDir(g.data, g.station.Name)
		if e.DestNode == g.node {
			dir = inboxDir(g.data, g.station.Name) // the station's own receipt
		}
		path, err := dtn.WriteFile(dir, raw)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "  bundle %s → %s (%d bytes): %s\n", e.ID, e.Dest, e.Size, path)
	}
	return nil
}

func newGovCmd() *cobra.Command {
	top := &cobra.Command{Use: "gov", Short: "Governance: proposals, ballots, tallies and directives, carried as signed bundles",
		Long: `Every item is an ML-DSA-65-signed governance envelope in a BPv7 bundle,
posted in the station's outbox for its bundle agent (ipgs station run) to
relay to every other station through the constellation or over TCPCL.
What a station received is its ledger (its bundle inbox); tally and show
verify it from scratch. The counting rule is in docs/dtn.md.`}
	top.AddCommand(newGovProposeCmd(), newGovVoteCmd(), newGovTallyCmd(), newGovShowCmd(), newGovDirectiveCmd())
	return top
}

func newGovProposeCmd() *cobra.Command {
	var f struct {
		govFlags
		key, title, text, opens, closes string
		options, voters                 []string
	}
	c := &cobra.Command{
		Use:   "propose --station S --key AUTHORITY --title T --option A --option B --voter KEY...",
		Short: "Sign a proposal (text, options, voting window, roll of voters' keys) and send it to every station",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			g, err := f.env(cmd)
			if err != nil {
				return err
			}
			if f.title == "" || len(f.options) < 2 || len(f.voters) == 0 {
				return usage(fmt.Errorf("a proposal needs --title, two --option or more, and --voter keys"))
			}
			opens, err := mission.ParseTime(f.opens, g.now)
			if err != nil {
				return usage(err)
			}
			closes, err := parseWhen(f.closes, opens)
			if err != nil {
				return usage(err)
			}
			if !closes.After(opens) {
				return usage(fmt.Errorf("--closes %s is not after --opens %s", closes.Format(time.RFC3339), opens.Format(time.RFC3339)))
			}
			p := &gov.Proposal{Title: f.title, Text: f.text, Options: f.options, Opens: opens, Closes: closes}
			for _, v := range f.voters {
				k, err := g.trust.Find(v)
				if err != nil {
					return err
				}
				if k.Kind != keys.Sig {
					return mission.BadInput(fmt.Errorf("voter key %s is a %s key, not a signing key", k.ID, k.Kind))
				}
				p.Roll = append(p.Roll, gov.Voter{Name: k.Owner, Key: *k})
			}
			author, err := g.author(f.key)
			if err != nil {
				return err
			}
			if err := g.trust.MayAuthor(author.ID, gov.KindProposal, g.now); err != nil {
				return mission.BadInput(err)
			}
			e := &bpsec.Envelope{Kind: gov.KindProposal, Seq: uint64(g.now.UnixMilli()), Expires: closes.Add(7 * 24 * time.Hour), Body: p.Encode()}
			raws, err := gov.Seal(e, author, bundle.IPN(g.node, govService), g.others(), nil, g.now)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "proposal %s: %s\n  options %s; voting %s to %s; %d voters on the roll\n", gov.ID(e), p.Title,
				strings.Join(p.Options, ", "), opens.UTC().Format(time.RFC3339), closes.UTC().Format(time.RFC3339), len(p.Roll))
			return g.post(out, raws, true)
		},
	}
	addGovFlags(c, &f.govFlags)
	c.Flags().StringVar(&f.key, "key", "", "the authority's signing key (id or prefix; it must be allowed proposals)")
	c.Flags().StringVar(&f.title, "title", "", "title")
	c.Flags().StringVar(&f.text, "text", "", "full text")
	c.Flags().StringArrayVar(&f.options, "option", nil, "an option (repeat)")
	c.Flags().StringArrayVar(&f.voters, "voter", nil, "a voter's signing key id or prefix (repeat): the roll")
	c.Flags().StringVar(&f.opens, "opens", "now", "voting opens, RFC 3339")
	c.Flags().StringVar(&f.closes, "closes", "1d", "voting closes: RFC 3339, or a length after --opens")
	return c
}

// parseWhen reads an RFC 3339 time or a length after base.
func parseWhen(s string, base time.Time) (time.Time, error) {
	if d, err := mission.ParseDuration(s); err == nil {
		return base.Add(d), nil
	}
	return mission.ParseTime(s, base)
}

func newGovVoteCmd() *cobra.Command {
	var f struct {
		govFlags
		key string
	}
	c := &cobra.Command{
		Use:   "vote PROPOSAL CHOICE --station S --key VOTER",
		Short: "Sign a ballot for a proposal the station holds and send it to every station",
		Long: `CHOICE is an option's name or number (from 1). A later ballot by the same
voter replaces an earlier one, if it is cast inside the window.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			g, _, pi, err := f.proposal(cmd, args[0])
			if err != nil {
				return err
			}
			p := pi.Proposal
			choice := slices.IndexFunc(p.Options, func(o string) bool { return strings.EqualFold(o, args[1]) })
			if n, err := strconv.Atoi(args[1]); err == nil && choice < 0 && n >= 1 && n <= len(p.Options) {
				choice = n - 1
			}
			if choice < 0 {
				return mission.BadInput(fmt.Errorf("%q is not an option of %s (%s)", args[1], pi.ID, strings.Join(p.Options, ", ")))
			}
			if g.now.Before(p.Opens) || !g.now.Before(p.Closes) {
				return mission.BadInput(fmt.Errorf("voting on %s is open from %s to %s, not at %s", pi.ID, p.Opens.UTC().Format(time.RFC3339), p.Closes.UTC().Format(time.RFC3339), g.now.UTC().Format(time.RFC3339)))
			}
			voter, err := g.author(f.key)
			if err != nil {
				return err
			}
			if !slices.ContainsFunc(p.Roll, func(v gov.Voter) bool { return v.Key.ID == voter.ID }) {
				return mission.BadInput(fmt.Errorf("key %s is not on the roll of %s", voter.ID, pi.ID))
			}
			e := &bpsec.Envelope{Kind: gov.KindVote, Seq: uint64(g.now.UnixMilli()), Expires: p.Closes.Add(7 * 24 * time.Hour),
				Body: (&gov.Ballot{Proposal: pi.ID, Choice: choice, Cast: g.now}).Encode()}
			raws, err := gov.Seal(e, voter, bundle.IPN(g.node, govService), g.others(), nil, g.now)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "ballot by %s for %q on %s\n", voter.Owner, p.Options[choice], pi.ID)
			return g.post(out, raws, true)
		},
	}
	addGovFlags(c, &f.govFlags)
	c.Flags().StringVar(&f.key, "key", "", "the voter's signing key (id or prefix)")
	return c
}

func newGovTallyCmd() *cobra.Command {
	var f govFlags
	c := &cobra.Command{
		Use:   "tally PROPOSAL --station S",
		Short: "Count a proposal's ballots in the station's ledger by the documented rule, with the digest nodes compare",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			g, l, pi, err := f.proposal(cmd, args[0])
			if err != nil {
				return err
			}
			t, err := l.Tally(pi.ID)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "at %s\n%s", g.station.Name, t)
			return nil
		},
	}
	addGovFlags(c, &f)
	return c
}

func newGovShowCmd() *cobra.Command {
	var f govFlags
	c := &cobra.Command{
		Use:   "show [PROPOSAL] --station S",
		Short: "List the proposals the station holds, or one in full (text, roll, ballots), and what was refused",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			g, err := f.env(cmd)
			if err != nil {
				return err
			}
			l, err := g.ledger()
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if len(args) == 0 {
				ids := make([]string, 0, len(l.Proposals))
				for id := range l.Proposals {
					ids = append(ids, id)
				}
				sort.Slice(ids, func(i, j int) bool { return l.Proposals[ids[i]].Created.Before(l.Proposals[ids[j]].Created) })
				fmt.Fprintf(out, "%s holds %d proposals, %d ballots; %d bundles refused\n", g.station.Name, len(l.Proposals), len(l.Ballots), len(l.Rejected))
				for _, id := range ids {
					p := l.Proposals[id].Proposal
					t, _ := l.Tally(id)
					state := "open"
					switch {
					case g.now.Before(p.Opens):
						state = "not yet open"
					case !g.now.Before(p.Closes):
						state = "closed"
					}
					fmt.Fprintf(out, "%s  %-40q %-12s closes %s  %d/%d voted\n", id, p.Title, state, p.Closes.UTC().Format(time.RFC3339), len(t.Counted), len(p.Roll))
				}
				for _, r := range l.Rejected {
					fmt.Fprintf(out, "refused %s: %s\n", r.Bundle, r.Reason)
				}
				return nil
			}
			pi, err := g.proposal(l, args[0])
			if err != nil {
				return err
			}
			p := pi.Proposal
			fmt.Fprintf(out, "proposal %s by %s, created %s\n  %s\n", pi.ID, pi.Envelope.Author, pi.Created.UTC().Format(time.RFC3339), p.Title)
			if p.Text != "" {
				fmt.Fprintf(out, "  %s\n", p.Text)
			}
			fmt.Fprintf(out, "  roll:\n")
			for _, v := range p.Roll {
				fmt.Fprintf(out, "    %-24s %s\n", v.Name, v.Key.ID)
			}
			t, err := l.Tally(pi.ID)
			if err != nil {
				return err
			}
			fmt.Fprint(out, t)
			for _, c := range t.Counted {
				fmt.Fprintf(out, "  counted: %-24s %-10s cast %s (seq %d)\n", c.Voter, p.Options[c.Choice], c.Cast.UTC().Format(time.RFC3339), c.Seq)
			}
			return nil
		},
	}
	addGovFlags(c, &f)
	return c
}

func newGovDirectiveCmd() *cobra.Command {
	var f struct {
		govFlags
		key, sat, expires string
	}
	c := &cobra.Command{
		Use:   "directive PROPOSAL --sat SAT --key AUTHORITY COMMAND [ARG...]",
		Short: "Send a drone a signed decision: a dictionary command, encrypted for the drone's key, executed once verified",
		Args:  cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			g, l, pi, err := f.proposal(cmd, args[0])
			if err != nil {
				return err
			}
			_, _, dict, _, err := f.load(cmd.Context())
			if err != nil {
				return err
			}
			norad, err := findSat(g.m, f.sat)
			if err != nil {
				return err
			}
			var sc mission.SatelliteConfig
			for _, s := range g.m.Satellites {
				if s.NORAD == norad {
					sc = s
				}
			}
			node, err := mission.IPNNode(sc.DTNNode)
			if err != nil {
				return mission.BadInput(fmt.Errorf("%s has no dtn_node: no bundle reaches it", sc.Name))
			}
			def, vals, err := lookupCommand(dict.For(sc.NORAD), args[1], args[2:])
			if err != nil {
				return err
			}
			cargs, err := def.Encode(vals)
			if err != nil {
				return err
			}
			kem, err := g.trust.SatKey(sc.NORAD)
			if err != nil {
				return mission.BadInput(err)
			}
			author, err := g.author(f.key)
			if err != nil {
				return err
			}
			if err := g.trust.MayAuthor(author.ID, gov.KindDirective, g.now); err != nil {
				return mission.BadInput(err)
			}
			life, err := mission.ParseDuration(f.expires)
			if err != nil {
				return usage(fmt.Errorf("--expires %q: %v", f.expires, err))
			}
			x := &gov.Directive{Sat: sc.NORAD, Opcode: def.Opcode, Command: def.Name, Args: cargs, Proposal: pi.ID}
			e := &bpsec.Envelope{Kind: gov.KindDirective, Seq: uint64(g.now.UnixMilli()), Expires: g.now.Add(life), Body: x.Encode()}
			raws, err := gov.Seal(e, author, bundle.IPN(g.node, govService), []bundle.EID{bundle.IPN(uint64(node), govService)}, []*keys.Public{kem}, g.now)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			t, _ := l.Tally(pi.ID)
			fmt.Fprintf(out, "directive %s to %s, deciding %s (tally %v of %s)\n", def.Name, sc.Name, pi.ID, t.Counts, strings.Join(t.Options, "/"))
			return g.post(out, raws, false)
		},
	}
	addGovFlags(c, &f.govFlags)
	c.Flags().StringVar(&f.key, "key", "", "the authority's signing key (id or prefix; it must be allowed directives)")
	c.Flags().StringVar(&f.sat, "sat", "", "the drone (name or NORAD number)")
	c.Flags().StringVar(&f.expires, "expires", "2d", "how long the directive stays valid")
	return c
}
