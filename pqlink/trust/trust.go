// Package trust answers who may do what, from the mission file's security
// section and the key files: which station keys may command which
// satellites (and when: rotation overlaps the old and the new key), which
// authorities may sign which kinds of governance bundle, and which keys
// are revoked, by the mission file or by a revocation that an authority
// signed.
package trust

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/pqlink/bpsec"
	"github.com/ipgs/ipgs/pqlink/keys"
	"github.com/ipgs/ipgs/uplink/bundle"
	"github.com/ipgs/ipgs/uplink/cbor"
)

// Store is a mission's trust store.
type Store struct {
	Dir  string                  // the keys folder
	Keys map[string]*keys.Public // every public key found, by id
	// Unreadable are key files that could not be read, with why: they
	// are not trusted (a damaged file fails closed), and List shows them.
	Unreadable map[string]error
	m          *mission.Mission
	revoked    map[string]Revocation
}

// Revocation withdraws trust in a key from a time on. It is published as
// a governance bundle of kind "revocation", signed (BIB-MLDSA65) by an
// authority allowed to sign revocations; its body is the CBOR array
// [key id, reason, effective time (ms since 2000)].
type Revocation struct {
	Key       string
	Reason    string
	Effective time.Time
	By        string // the authority's key id
	// Learned is when this node first had the revocation (recorded in
	// revocations/learned.json): it takes effect no later than that, and
	// its author is judged then, not at the time the author claims.
	Learned time.Time
}

func (r *Revocation) body() []byte {
	var b []byte
	b = cbor.AppendArray(b, 3)
	b = cbor.AppendText(b, r.Key)
	b = cbor.AppendText(b, r.Reason)
	return cbor.AppendUint(b, bpsec.DTNTime(r.Effective))
}

func decodeRevocation(body []byte) (Revocation, error) {
	d := cbor.NewDecoder(body, 0)
	var r Revocation
	if n, err := d.ArrayLen(); err != nil || n != 3 {
		if err == nil {
			err = fmt.Errorf("a revocation is [key, reason, effective]")
		}
		return r, err
	}
	var err error
	if r.Key, err = d.Text(); err != nil {
		return r, err
	}
	if r.Reason, err = d.Text(); err != nil {
		return r, err
	}
	ms, err := d.Uint()
	if err != nil {
		return r, err
	}
	r.Effective = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(min(ms, 1<<40)) * time.Millisecond)
	return r, nil
}

// KeysDir is the mission's keys folder: security.keys_dir, else
// <data>/keys.
func KeysDir(m *mission.Mission, data string) string {
	if m.Security.KeysDir != "" {
		return m.Resolve(m.Security.KeysDir)
	}
	return filepath.Join(data, "keys")
}

// Load reads every key file (*.key, *.pub) in dir and the revocations in
// dir/revocations, as of now.
func Load(m *mission.Mission, dir string) (*Store, error) { return LoadAt(m, dir, time.Now()) }

// LoadAt is Load at the time now: revocations first seen are recorded as
// learned then.
//
// Revocations are applied in the order this node learned them. Each is
// judged when it was learned: an author revoked by then (by the mission
// file or a revocation learned earlier) revokes nothing, whatever date it
// claims, so a revoked key can never backdate its way back; and each takes
// effect no later than when it was learned. Revocations learned at the
// same time are judged against what was known before them, all alike, so
// two authorities revoking each other are both revoked: never a key freed
// by the order of files.
func LoadAt(m *mission.Mission, dir string, now time.Time) (*Store, error) {
	s := &Store{Dir: dir, Keys: map[string]*keys.Public{}, Unreadable: map[string]error{}, m: m, revoked: map[string]Revocation{}}
	for _, id := range m.Security.Revoked {
		s.revoke(Revocation{Key: id, Reason: "listed in the mission file"})
	}
	for _, pat := range []string{"*.key", "*.pub"} {
		files, _ := filepath.Glob(filepath.Join(dir, pat))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				s.Unreadable[f] = err
				continue
			}
			k, err := keys.ParsePublic(b, f)
			if err != nil {
				s.Unreadable[f] = err
				continue
			}
			s.Keys[k.ID] = k
		}
	}
	learned := readLearned(dir)
	type signed struct {
		file string
		r    Revocation
	}
	var rs []signed
	changed := false
	revs, _ := filepath.Glob(filepath.Join(dir, "revocations", "*.bundle"))
	for _, f := range revs {
		// a revocation that does not verify is set aside, never a reason
		// for the store not to load (anyone can drop a file in a folder)
		b, err := os.ReadFile(f)
		if err != nil {
			s.Unreadable[f] = err
			continue
		}
		r, err := s.openRevocation(b)
		if err != nil {
			s.Unreadable[f] = err
			continue
		}
		h := sha256.Sum256(b)
		k := hex.EncodeToString(h[:])
		at, ok := learned[k]
		if !ok {
			at, changed = now.UTC(), true
			learned[k] = at
		}
		r.Learned = at
		if r.Effective.IsZero() || r.Effective.After(at) {
			r.Effective = at
		}
		rs = append(rs, signed{f, r})
	}
	slices.SortFunc(rs, func(a, b signed) int {
		return cmp.Or(a.r.Learned.Compare(b.r.Learned), strings.Compare(a.file, b.file))
	})
	for i := 0; i < len(rs); {
		j := i
		for j < len(rs) && rs[j].r.Learned.Equal(rs[i].r.Learned) {
			j++
		}
		var ok []Revocation
		for _, x := range rs[i:j] {
			if err := s.MayAuthor(x.r.By, "revocation", x.r.Learned); err != nil {
				s.Unreadable[x.file] = fmt.Errorf("revocation of %s by %s, learned %s: %w", x.r.Key, x.r.By, x.r.Learned.Format(time.RFC3339), err)
				continue
			}
			ok = append(ok, x.r)
		}
		for _, r := range ok {
			s.revoke(r)
		}
		i = j
	}
	if changed {
		// best effort: a folder that cannot be written still loads, and
		// learns these again (as now) the next time
		writeLearned(dir, learned)
	}
	return s, nil
}

// readLearned reads when this node first had each revocation file, by
// the file's SHA-256.
func readLearned(dir string) map[string]time.Time {
	out := map[string]time.Time{}
	b, err := os.ReadFile(filepath.Join(dir, "revocations", "learned.json"))
	if err == nil {
		json.Unmarshal(b, &out) // a damaged record: learned again, as now
	}
	return out
}

func writeLearned(dir string, learned map[string]time.Time) error {
	b, err := json.MarshalIndent(learned, "", "  ")
	if err != nil {
		return err
	}
	path := filepath.Join(dir, "revocations", "learned.json")
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// openRevocation verifies a revocation bundle: signed by an authority
// allowed to revoke at its effective time.
func (s *Store) openRevocation(raw []byte) (Revocation, error) {
	trusted := func(id string) *keys.Public { return s.Keys[id] }
	var r Revocation
	may := func(id, kind string, _ time.Time) error {
		if kind != "revocation" {
			return fmt.Errorf("a %s bundle where a revocation belongs", kind)
		}
		return nil // checked below, at the revocation's effective time
	}
	e, err := bpsec.Open(raw, nil, trusted, may, nil, time.Now())
	if err != nil {
		return r, err
	}
	if r, err = decodeRevocation(e.Body); err != nil {
		return r, err
	}
	r.By = e.Author
	return r, nil // its author is judged when it was learned (LoadAt)
}

// Revoke publishes a revocation of key id as a bundle signed with the
// authority key by, stored in the keys folder (revocations/ID.bundle), to
// be relayed like any governance bundle.
func (s *Store) Revoke(id, reason string, by *keys.Private, effective time.Time) (*Revocation, string, error) {
	r := &Revocation{Key: id, Reason: reason, Effective: effective.UTC(), By: by.ID}
	if err := s.MayAuthor(by.ID, "revocation", effective); err != nil {
		return nil, "", err
	}
	now := time.Now()
	raw, err := bpsec.Seal(&bpsec.Envelope{Kind: "revocation", Seq: uint64(now.UnixNano()), Expires: now.Add(100 * 365 * 24 * time.Hour), Body: r.body()},
		by, bundle.None, bundle.None, nil, now)
	if err != nil {
		return nil, "", err
	}
	dir := filepath.Join(s.Dir, "revocations")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, "", err
	}
	path := filepath.Join(dir, id+".bundle")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		return nil, "", err
	}
	// learned here now, as the next Load will say
	learned := readLearned(s.Dir)
	h := sha256.Sum256(raw)
	learned[hex.EncodeToString(h[:])] = now.UTC()
	writeLearned(s.Dir, learned)
	r.Learned = now.UTC()
	if r.Effective.IsZero() || r.Effective.After(r.Learned) {
		r.Effective = r.Learned
	}
	s.revoke(*r)
	return r, path, nil
}

// revoke records r; a key revoked twice stays revoked from the earlier
// of the two (a later revocation never lifts an earlier one).
func (s *Store) revoke(r Revocation) {
	if old, ok := s.revoked[r.Key]; ok && (old.Effective.IsZero() || !r.Effective.IsZero() && old.Effective.Before(r.Effective)) {
		return
	}
	s.revoked[r.Key] = r
}

// Errors of the checks.
var (
	ErrUnknownKey = errors.New("unknown key")
	ErrRevoked    = errors.New("key revoked")
	ErrNotGranted = errors.New("not granted")
)

// Revoked returns the revocation of id in force at t, if any.
func (s *Store) Revoked(id string, t time.Time) (Revocation, bool) {
	r, ok := s.revoked[id]
	if !ok || (!r.Effective.IsZero() && t.Before(r.Effective)) {
		return Revocation{}, false
	}
	return r, true
}

func within(t, from, to time.Time) bool {
	return (from.IsZero() || !t.Before(from)) && (to.IsZero() || t.Before(to))
}

// usable checks that key id is known and not revoked at t: what every
// grant asks first.
func (s *Store) usable(id string, t time.Time) error {
	if s.Keys[id] == nil {
		return fmt.Errorf("%w: %s (no key file in %s)", ErrUnknownKey, id, s.Dir)
	}
	if r, ok := s.Revoked(id, t); ok {
		return fmt.Errorf("%w: %s (%s)", ErrRevoked, id, r.Reason)
	}
	return nil
}

// MayCommand checks that station key id may command sat at t.
func (s *Store) MayCommand(id string, sat int, t time.Time) error {
	if err := s.usable(id, t); err != nil {
		return err
	}
	for _, g := range s.m.Security.Stations {
		if g.Key == id && (len(g.Satellites) == 0 || slices.Contains(g.Satellites, sat)) && within(t, g.NotBefore, g.NotAfter) {
			return nil
		}
	}
	return fmt.Errorf("%w: key %s may not command satellite %d at %s", ErrNotGranted, id, sat, t.UTC().Format(time.RFC3339))
}

// MayAuthor checks that key id may sign bundles of kind at t.
func (s *Store) MayAuthor(id, kind string, t time.Time) error {
	if err := s.usable(id, t); err != nil {
		return err
	}
	for _, a := range s.m.Security.Authorities {
		if a.Key == id && slices.Contains(a.Kinds, kind) && within(t, a.NotBefore, a.NotAfter) {
			return nil
		}
	}
	return fmt.Errorf("%w: key %s may not sign %s bundles", ErrNotGranted, id, kind)
}

// MayWitness checks that key id may sign receipts as station at t: the
// trust store grants it to that station then, and it is not revoked.
func (s *Store) MayWitness(id, station string, t time.Time) error {
	if err := s.usable(id, t); err != nil {
		return err
	}
	for _, g := range s.m.Security.Stations {
		if g.Key == id && strings.EqualFold(g.Station, station) && within(t, g.NotBefore, g.NotAfter) {
			return nil
		}
	}
	return fmt.Errorf("%w: key %s is not station %s's at %s", ErrNotGranted, id, station, t.UTC().Format(time.RFC3339))
}

// Quorum is how many stations' receipts a governance item needs (the
// mission's security.receipts, at least one).
func (s *Store) Quorum() int { return max(s.m.Security.Receipts, 1) }

// StationKeys returns the keys that may command sat at t (what the
// satellite trusts).
func (s *Store) StationKeys(sat int, t time.Time) map[string]*keys.Public {
	out := map[string]*keys.Public{}
	for _, g := range s.m.Security.Stations {
		if s.MayCommand(g.Key, sat, t) == nil {
			out[g.Key] = s.Keys[g.Key]
		}
	}
	return out
}

// StationKey returns the key the named station signs with at t.
func (s *Store) StationKey(station string, t time.Time) (string, error) {
	var ids []string
	for _, g := range s.m.Security.Stations {
		if strings.EqualFold(g.Station, station) && s.Keys[g.Key] != nil && within(t, g.NotBefore, g.NotAfter) {
			if _, rev := s.Revoked(g.Key, t); !rev {
				ids = append(ids, g.Key)
			}
		}
	}
	if len(ids) == 0 {
		return "", fmt.Errorf("%w: station %s has no key in force at %s", ErrNotGranted, station, t.UTC().Format(time.RFC3339))
	}
	return ids[len(ids)-1], nil // the newest grant wins during an overlap
}

// SatKey returns the key-exchange key of sat.
func (s *Store) SatKey(sat int) (*keys.Public, error) {
	for _, sc := range s.m.Satellites {
		if sc.NORAD != sat {
			continue
		}
		for _, id := range sc.Keys {
			if k := s.Keys[id]; k != nil && k.Kind == keys.KEM {
				return k, nil
			}
		}
		return nil, fmt.Errorf("%w: satellite %d has no X-Wing key in %s", ErrUnknownKey, sat, s.Dir)
	}
	return nil, fmt.Errorf("satellite %d is not in the mission", sat)
}
