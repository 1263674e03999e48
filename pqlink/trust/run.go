package trust

import (
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/pqlink/gov"
	"github.com/ipgs/ipgs/pqlink/keys"
	"github.com/ipgs/ipgs/pqlink/sdls"
	"github.com/ipgs/ipgs/uplink/bundle"
)

// Gen makes a key for owner in dir: <owner>-<kind>-<id[:8]>.key (0600,
// sealed when passphrase is set) and the public .pub beside it.
func Gen(dir, kind, owner string, passphrase []byte) (*keys.Private, string, error) {
	switch kind {
	case "sig", keys.Sig:
		kind = keys.Sig
	case "kem", keys.KEM:
		kind = keys.KEM
	default:
		return nil, "", mission.BadInput(fmt.Errorf("--kind %q: want sig (ML-DSA-65) or kem (X-Wing)", kind))
	}
	if strings.TrimSpace(owner) == "" || strings.ContainsAny(owner, "/\\\x00") {
		return nil, "", mission.BadInput(fmt.Errorf("--owner %q: a station, satellite or authority name", owner))
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, "", err
	}
	k, err := keys.Generate(kind, owner)
	if err != nil {
		return nil, "", err
	}
	short := map[string]string{keys.Sig: "sig", keys.KEM: "kem"}[kind]
	base := filepath.Join(dir, fmt.Sprintf("%s-%s-%s", strings.ReplaceAll(owner, " ", "_"), short, k.ID[:8]))
	if err := k.Save(base+".key", passphrase); err != nil {
		return nil, "", err
	}
	pub, _ := k.MarshalPublic()
	if err := os.WriteFile(base+".pub", append(pub, '\n'), 0o644); err != nil {
		return nil, "", err
	}
	return k, base + ".key", nil
}

// List prints every key in the store with its roles.
func (s *Store) List(w io.Writer, now time.Time) {
	ids := make([]string, 0, len(s.Keys))
	for id := range s.Keys {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b string) int {
		ka, kb := s.Keys[a], s.Keys[b]
		if c := strings.Compare(ka.Owner, kb.Owner); c != 0 {
			return c
		}
		return strings.Compare(ka.Kind, kb.Kind)
	})
	private := map[string]string{}
	files, _ := filepath.Glob(filepath.Join(s.Dir, "*.key"))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		if p, err := keys.ParsePublic(b, f); err == nil {
			if strings.Contains(string(b), `"sealed"`) {
				private[p.ID] = "sealed"
			} else {
				private[p.ID] = "yes"
			}
		}
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tOWNER\tCREATED\tPRIVATE\tROLES")
	for _, id := range ids {
		k := s.Keys[id]
		var roles []string
		for _, g := range s.m.Security.Stations {
			if g.Key == id {
				sats := "all satellites"
				if len(g.Satellites) > 0 {
					sats = fmt.Sprint(g.Satellites)
				}
				roles = append(roles, fmt.Sprintf("commands %s as %s", sats, g.Station))
			}
		}
		for _, a := range s.m.Security.Authorities {
			if a.Key == id {
				roles = append(roles, fmt.Sprintf("signs %s as %s", strings.Join(a.Kinds, ","), a.Name))
			}
		}
		for _, sc := range s.m.Satellites {
			if slices.Contains(sc.Keys, id) {
				roles = append(roles, "key exchange of "+sc.Name)
			}
		}
		if r, ok := s.Revoked(id, now); ok {
			roles = []string{"REVOKED: " + r.Reason}
		}
		if len(roles) == 0 {
			roles = []string{"(not in the trust store)"}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", id, k.Kind, k.Owner, k.Created.Format("2006-01-02"), orNo(private[id]), strings.Join(roles, "; "))
	}
	for _, f := range slices.Sorted(maps.Keys(s.Unreadable)) {
		fmt.Fprintf(tw, "UNREADABLE\t\t%s\t\t\tnot trusted: %v\n", filepath.Base(f), s.Unreadable[f])
	}
	if len(ids) == 0 && len(s.Unreadable) == 0 {
		fmt.Fprintf(tw, "(no keys in %s: ipgs keys gen makes one)\n", s.Dir)
	}
	tw.Flush()
}

func orNo(s string) string {
	if s == "" {
		return "no"
	}
	return s
}

// Find returns the key whose id starts with prefix (unique).
func (s *Store) Find(prefix string) (*keys.Public, error) {
	var found *keys.Public
	for id, k := range s.Keys {
		if strings.HasPrefix(id, prefix) {
			if found != nil {
				return nil, mission.BadInput(fmt.Errorf("key id prefix %q matches more than one key", prefix))
			}
			found = k
		}
	}
	if found == nil || prefix == "" {
		return nil, mission.BadInput(fmt.Errorf("%w: %q in %s", ErrUnknownKey, prefix, s.Dir))
	}
	return found, nil
}

// LoadPrivate opens the private key file of id in the store's folder.
func (s *Store) LoadPrivate(id string, passphrase []byte) (*keys.Private, error) {
	files, _ := filepath.Glob(filepath.Join(s.Dir, "*.key"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		if p, err := keys.ParsePublic(b, f); err == nil && p.ID == id {
			return keys.Parse(b, f, passphrase)
		}
	}
	return nil, fmt.Errorf("%w: no private key file for %s in %s", ErrUnknownKey, id, s.Dir)
}

// stationPrivate opens the signing key station uses at t (passphrase
// if it is sealed).
func (s *Store) stationPrivate(station string, passphrase []byte, t time.Time) (*keys.Private, error) {
	id, err := s.StationKey(station, t)
	if err != nil {
		return nil, err
	}
	return s.LoadPrivate(id, passphrase)
}

// Authority is what reading governance bundles needs of the store: the
// keys, who may author what, which keys may sign receipts for which
// station, and the quorum of receipts.
func (s *Store) Authority() gov.Authority {
	return gov.Authority{Key: func(id string) *keys.Public { return s.Keys[id] }, May: s.MayAuthor, Witness: s.MayWitness, Quorum: s.Quorum()}
}

// Witness makes the governance receipts of station, signed with its key
// in force at t, for every station's governance endpoint (service svc).
func (s *Store) Witness(station string, passphrase []byte, t time.Time, svc uint64) (*gov.Witness, error) {
	k, err := s.stationPrivate(station, passphrase, t)
	if err != nil {
		return nil, err
	}
	w := &gov.Witness{Station: station, Key: k}
	for _, sc := range s.m.Stations {
		n, err := mission.IPNNode(sc.DTNNode)
		if err != nil {
			continue
		}
		w.Dsts = append(w.Dsts, bundle.IPN(uint64(n), svc))
		if strings.EqualFold(sc.Name, station) {
			w.Src = bundle.IPN(uint64(n), svc)
		}
	}
	return w, nil
}

// Ground builds the station's end of the space link security: its
// signing key in force at t (opened with passphrase if sealed) and every
// satellite's key-exchange key.
func (s *Store) Ground(station string, passphrase []byte, t time.Time) (*sdls.Ground, error) {
	k, err := s.stationPrivate(station, passphrase, t)
	if err != nil {
		return nil, err
	}
	g := &sdls.Ground{Station: k, SatKeys: map[int]*keys.Public{}}
	for _, sc := range s.m.Satellites {
		if pk, err := s.SatKey(sc.NORAD); err == nil {
			g.SatKeys[sc.NORAD] = pk
		}
	}
	return g, nil
}

// Onboard returns what a satellite holds: its key-exchange private key and
// the station keys it trusts at t.
func (s *Store) Onboard(sat int, passphrase []byte, t time.Time) (*keys.Private, map[string]*keys.Public, error) {
	pk, err := s.SatKey(sat)
	if err != nil {
		return nil, nil, err
	}
	k, err := s.LoadPrivate(pk.ID, passphrase)
	if err != nil {
		return nil, nil, err
	}
	return k, s.StationKeys(sat, t), nil
}
