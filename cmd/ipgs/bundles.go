package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/mission/tle"
	"github.com/ipgs/ipgs/pqlink/bpsec"
	"github.com/ipgs/ipgs/pqlink/gov"
	"github.com/ipgs/ipgs/pqlink/keys"
	"github.com/ipgs/ipgs/pqlink/trust"
	"github.com/ipgs/ipgs/scheduler/plan"
	"github.com/ipgs/ipgs/sim"
	"github.com/ipgs/ipgs/uplink/bstore"
	"github.com/ipgs/ipgs/uplink/dtn"
	"github.com/ipgs/ipgs/uplink/ground"
	"github.com/ipgs/ipgs/uplink/proto"
	"github.com/ipgs/ipgs/uplink/tcpcl"
	"github.com/spf13/cobra"
)

// Where a station's bundle agent keeps things, under the data folder.
func bundleStorePath(data, station string) string {
	return filepath.Join(data, "bundles", station+".db")
}
func outboxDir(data, station string) string { return ground.OutboxDir(data, station) }
func inboxDir(data, station string) string  { return ground.InboxDir(data, station) }
func adminSocket(data, station string) string {
	return filepath.Join(data, "bundles", station+".sock")
}

// stationBundles configures station idx's bundle agent for ipgs station
// run: its store, outbox, inbox and admin socket under the data folder,
// and its TCPCL ground links. Each station's TLS identity is made on
// first use in the keys folder's tcpcl/ (NAME.crt, NAME.key); a station
// trusts every certificate in that folder, so joining two stations means
// copying each one's NAME.crt to the other.
func stationBundles(m *mission.Mission, idx int, data string, out io.Writer) (*ground.Bundles, error) {
	st := &m.Stations[idx]
	num, err := mission.IPNNode(st.DTNNode)
	if err != nil {
		return nil, err
	}
	b := &ground.Bundles{Store: bundleStorePath(data, st.Name), Terrestrial: m.TerrestrialLinks(),
		Inbox: inboxDir(data, st.Name), Outbox: outboxDir(data, st.Name), Admin: adminSocket(data, st.Name), Out: out}
	for i := range m.Stations {
		o := &m.Stations[i]
		for _, l := range b.Terrestrial {
			if l != [2]string{st.Name, o.Name} && l != [2]string{o.Name, st.Name} {
				continue
			}
			if pn, err := mission.IPNNode(o.DTNNode); err == nil && o.TCPCL != "" && pn > num {
				b.Peers = append(b.Peers, ground.Peer{Addr: o.TCPCL, Node: uint64(pn)}) // the smaller node number dials
			}
		}
	}
	if st.TCPCL == "" && len(b.Peers) == 0 && len(st.DTNPeers) == 0 {
		return b, nil
	}
	id, pool, err := tcpclIdentity(trust.KeysDir(m, data), st.Name, dtn.NodeID(uint64(num)))
	if err != nil {
		return nil, err
	}
	b.TLS = tcpcl.TLSConfig(id, pool)
	if st.TCPCL != "" {
		if b.Listener, err = net.Listen("tcp", st.TCPCL); err != nil {
			return nil, fmt.Errorf("tcpcl: %w", err)
		}
		fmt.Fprintf(out, "bundles: TCPCLv4 with TLS 1.3 on %s\n", b.Listener.Addr())
	}
	for _, p := range st.DTNPeers {
		how := "TLS required"
		if p.TLS == "optional" {
			how = "TLS optional: a session without it is not authenticated"
		}
		where := "it dials " + st.TCPCL
		if p.Address != "" {
			where = "dialled at " + p.Address
		}
		fmt.Fprintf(out, "bundles: DTN peer %s (routed as node %d), %s, %s\n", p.Node, p.PeerNumber(), where, how)
	}
	return b, nil
}

// tcpclIdentity loads (making it the first time) a station's TLS
// identity and the certificates it trusts: each of the folder's
// certificates, pinned (none vouches for another).
func tcpclIdentity(keysDir, station, nodeID string) (tls.Certificate, []*x509.Certificate, error) {
	dir := filepath.Join(keysDir, "tcpcl")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return tls.Certificate{}, nil, err
	}
	crt, key := filepath.Join(dir, station+".crt"), filepath.Join(dir, station+".key")
	id, err := tcpcl.LoadIdentity(crt, key)
	if os.IsNotExist(err) {
		if id, err = tcpcl.NewIdentity(nodeID); err == nil {
			err = tcpcl.SaveIdentity(id, crt, key)
		}
	}
	if err != nil {
		return id, nil, err
	}
	var trusted []*x509.Certificate
	files, _ := filepath.Glob(filepath.Join(dir, "*.crt"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return id, nil, err
		}
		blk, _ := pem.Decode(b)
		if blk == nil || blk.Type != "CERTIFICATE" {
			return id, nil, fmt.Errorf("%s: no PEM certificate", f)
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return id, nil, fmt.Errorf("%s: %w", f, err)
		}
		trusted = append(trusted, c)
	}
	return id, trusted, nil
}

// simBundles makes the emulator's drones bundle nodes (ipgs sim): their
// stores under data/bundles/drones, routing on the same plan as the
// stations, and directives executed once verified against the trust
// store (none without one).
func simBundles(m *mission.Mission, data string, pl *plan.Plan, from, to time.Time, passEnv string, noSync bool, log io.Writer) (*sim.Bundles, error) {
	contacts, err := dtn.MissionContacts(m, pl, m.TerrestrialLinks(), from, to)
	if err != nil {
		return nil, err
	}
	b := &sim.Bundles{Dir: filepath.Join(data, "bundles", "drones"), Contacts: contacts, NoSync: noSync}
	st, err := trust.Load(m, trust.KeysDir(m, data))
	if err != nil {
		return b, nil
	}
	var mu sync.Mutex
	replays := map[int]*bpsec.Replay{} // each drone its own: what one accepted says nothing of another
	auth := gov.Authority{Key: func(id string) *keys.Public { return st.Keys[id] }, May: st.MayAuthor}
	b.Deliver = func(norad int, raw []byte, now time.Time) (*proto.Command, error) {
		kem, _, err := st.Onboard(norad, passphraseFrom(passEnv), now)
		if err != nil {
			fmt.Fprintf(log, "sim: %d: a directive arrived, but the drone has no key: %v\n", norad, err)
			return nil, nil
		}
		mu.Lock()
		replay := replays[norad]
		if replay == nil {
			replay = &bpsec.Replay{}
			replays[norad] = replay
		}
		mu.Unlock()
		x, e, err := gov.OpenDirective(raw, norad, kem, auth, replay, now)
		if err != nil {
			fmt.Fprintf(log, "sim: %d: directive refused: %v\n", norad, err)
			return nil, nil
		}
		fmt.Fprintf(log, "sim: %d: directive %s (proposal %s) verified: executing\n", norad, x.Command, x.Proposal)
		return &proto.Command{ID: 0x80000000 | binary.BigEndian.Uint32(e.Nonce), Opcode: x.Opcode, Args: x.Args}, nil
	}
	return b, nil
}

// planNetwork plans the network's contacts as ipgs station run and ipgs
// sim both do, so that separate processes given the same --start and
// --duration route on the same plan.
func planNetwork(ctx context.Context, m *mission.Mission, els []*tle.Elements, start time.Time, dur time.Duration, log io.Writer) (*plan.Plan, error) {
	return plan.Run(ctx, networkPlanOptions(m, els, start, dur, log))
}

// networkPlanOptions are the options every station plans the network with.
func networkPlanOptions(m *mission.Mission, els []*tle.Elements, start time.Time, dur time.Duration, log io.Writer) plan.Options {
	return plan.NetworkOptions(m, els, start, dur, log)
}

func newBundleCmd() *cobra.Command {
	top := &cobra.Command{Use: "bundle", Short: "A station's bundle store: what it holds and where it goes"}
	var f struct {
		missionFlags
		station, start, duration string
	}
	ask := func(cmd *cobra.Command, req string) error {
		m, els, _, data, err := f.load(cmd.Context())
		if err != nil {
			return err
		}
		var st *mission.StationConfig
		for i := range m.Stations {
			if strings.EqualFold(m.Stations[i].Name, f.station) {
				st = &m.Stations[i]
			}
		}
		if st == nil {
			return usage(fmt.Errorf("--station %q is not in the mission", f.station))
		}
		out := cmd.OutOrStdout()
		// a running station answers from its live state
		if s, err := dtn.AskAdmin(adminSocket(data, st.Name), req); err == nil {
			fmt.Fprint(out, s)
			if strings.HasPrefix(s, "error: ") {
				return mission.BadInput(errors.New(strings.TrimPrefix(strings.TrimSpace(s), "error: ")))
			}
			return nil
		}
		// else open its store and route on a fresh plan
		num, err := mission.IPNNode(st.DTNNode)
		if err != nil {
			return mission.BadInput(fmt.Errorf("station %s has no dtn_node", st.Name))
		}
		bs, err := bstore.Open(bundleStorePath(data, st.Name), bstore.Options{})
		if err != nil {
			return err
		}
		defer bs.Close()
		start, dur, err := simSpan(f.start, f.duration)
		if err != nil {
			return err
		}
		pl, err := planNetwork(cmd.Context(), m, els, start, dur, io.Discard)
		if err != nil {
			return err
		}
		contacts, err := dtn.MissionContacts(m, pl, m.TerrestrialLinks(), start, start.Add(dur))
		if err != nil {
			return err
		}
		n := dtn.NewNode(uint64(num), bs, nil)
		n.SetContacts(contacts)
		fmt.Fprintf(out, "(%s is not running: routes on a plan of %s from %s)\n", st.Name, dur, start.Format(time.RFC3339))
		s := n.Admin(req, start)
		fmt.Fprint(out, s)
		if strings.HasPrefix(s, "error: ") {
			return mission.BadInput(errors.New(strings.TrimPrefix(strings.TrimSpace(s), "error: ")))
		}
		return nil
	}
	list := &cobra.Command{
		Use:   "list --station S",
		Short: "The bundles a station holds: source, destination, size, class, expiry and next hop",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return ask(cmd, "list") },
	}
	route := &cobra.Command{
		Use:   "route ID --station S",
		Short: "Explain a held bundle's route: each contact, the predicted delivery, and the routes it beat",
		Args:  cobra.ExactArgs(1),
		RunE:  func(cmd *cobra.Command, args []string) error { return ask(cmd, "route "+args[0]) },
	}
	salvage := &cobra.Command{
		Use:   "salvage --station S",
		Short: "Move a damaged bundle store aside and start it anew with every bundle that can still be read",
		Long: `When a station's bundle store is damaged (ipgs station run and ipgs bundle
list say so and name the file), salvage moves the file aside (FILE.damaged-TIME,
kept for inspection), opens a new store in its place and puts back every
bundle it can still read. It says how many it kept and what was lost. Run it
with the station stopped.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, _, _, data, err := f.load(cmd.Context())
			if err != nil {
				return err
			}
			idx, err := findStation(m, f.station, f.config)
			if err != nil {
				return err
			}
			path := bundleStorePath(data, m.Stations[idx].Name)
			if _, err := os.Stat(path); err != nil {
				return mission.BadInput(fmt.Errorf("no bundle store: %w", err))
			}
			res, err := bstore.Salvage(path, bstore.Options{}, time.Now())
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "moved the damaged store to %s\nkept %d bundles in a new %s\n", res.MovedTo, res.Kept, path)
			for _, l := range res.Lost {
				fmt.Fprintf(out, "not readable: %s\n", l)
			}
			return nil
		},
	}
	for _, c := range []*cobra.Command{list, route, salvage} {
		addMissionFlags(c, &f.missionFlags)
		c.Flags().StringVar(&f.station, "station", "", "station name")
		c.Flags().StringVar(&f.start, "start", "now", "when the station is not running: plan from this time")
		c.Flags().StringVar(&f.duration, "duration", "1d", "when the station is not running: plan this far ahead")
		top.AddCommand(c)
	}
	return top
}
