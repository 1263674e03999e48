// Package bstore is a node's durable bundle store, on bbolt: every node,
// ground station and drone, keeps the bundles it holds here until they
// are forwarded or delivered.
//
// The contract:
//   - Put returns only after the bundle is on disk (bbolt's commit syncs),
//     so a receipt may be acknowledged as soon as Put returns.
//   - Bundles are deduplicated by bundle id (source, creation time,
//     sequence number, fragment offset): one that is held, or that was
//     delivered here, is a duplicate for as long as it lives. One that
//     comes back after it was forwarded is taken again (custody is
//     never dropped on a duplicate the node no longer holds).
//   - Expired bundles are refused, and Expire deletes those that expire
//     while stored.
//   - Each class of service (bulk, normal, expedited) has a byte quota. A
//     full store refuses a new bundle with ErrFull and says which quota;
//     nothing already stored is ever dropped to make room.
//
// The store also keeps the convergence layers' partial state: segments
// received of bundles not yet complete, and which segments a peer has
// acknowledged, so a transfer cut off by LOS or a crash resumes.
package bstore

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ipgs/ipgs/uplink/bundle"
)

// Classes of service.
const (
	Bulk      = 0
	Normal    = 1
	Expedited = 2
)

// ClassName names a class.
func ClassName(c int) string {
	switch c {
	case Bulk:
		return "bulk"
	case Expedited:
		return "expedited"
	}
	return "normal"
}

// Errors of Put.
var (
	ErrDuplicate = errors.New("bstore: duplicate bundle")
	ErrExpired   = errors.New("bstore: bundle expired")
	ErrFull      = errors.New("bstore: store full")
)

// Default quotas in bytes per class (bulk, normal, expedited).
var DefaultQuota = [3]int64{16 << 20, 32 << 20, 16 << 20}

var (
	bktMeta    = []byte("meta")    // id → Entry (JSON)
	bktRaw     = []byte("raw")     // id → bundle bytes
	bktSeen    = []byte("seen")    // id → expiry (unix ms) + delivered-here flag
	bktSeenK   = []byte("seenk")   // key → expiry (unix ms) + delivered-here flag + id
	bktUsage   = []byte("usage")   // class byte → bytes used
	bktRx      = []byte("rx")      // key(8) + offset(4) → segment bytes
	bktRxHdr   = []byte("rxhdr")   // key(8) → total(4) + from(8)
	bktTx      = []byte("tx")      // key(8) + peer(8) → acknowledged ranges
	bktTxRaw   = []byte("txraw")   // key(8) + peer(8) → the bundle as forwarded to that peer
	bktReports = []byte("reports") // sequence → a status report received (JSON)
)

// Entry is what the store knows of a bundle beside its bytes.
type Entry struct {
	ID       string    `json:"id"`
	Key      Key       `json:"key"`
	Source   string    `json:"source"`
	Dest     string    `json:"dest"`
	DestNode uint64    `json:"dest_node"`
	Class    int       `json:"class"`
	Size     int       `json:"size"`
	From     uint64    `json:"from"` // the node it came from (0: made here)
	Received time.Time `json:"received"`
	Created  time.Time `json:"created"`
	Expires  time.Time `json:"expires"`
	// Subject is kept when the bundle asks for status reports: enough to
	// make them after its bytes are gone.
	Subject *bundle.Subject `json:"subject,omitempty"`
	// Fragment: the bundle is a fragment of the bundle whose id is Whole.
	Fragment   bool   `json:"fragment,omitempty"`
	Whole      string `json:"whole,omitempty"`
	NoFragment bool   `json:"no_fragment,omitempty"` // it must not be fragmented
}

// Key is the short form of a bundle id the space link carries: the first
// 8 bytes of its SHA-256.
type Key [8]byte

// Options configure a store.
type Options struct {
	Quota [3]int64 // bytes per class; zero: DefaultQuota's
	// NoSync skips the fsync of each commit: only for accelerated
	// simulations, where an fsync of a few ms is many virtual seconds.
	// A crash can then lose what was acknowledged.
	NoSync bool
	// Names are the node numbers the routers know dtn-scheme nodes by
	// (node id, "dtn://name/", to number): a bundle for dtn://name/... is
	// routed as for that node. ipn destinations need none.
	Names map[string]uint64
}

// Store is a node's bundle store. It is safe for concurrent use.
type Store struct {
	db    *bolt.DB
	quota [3]int64
	names map[string]uint64
}

// NodeOf is the node id of a dtn-scheme endpoint ("dtn://name/" for
// dtn://name/anything; "" for any other).
func NodeOf(eid string) string {
	rest, ok := strings.CutPrefix(eid, "dtn://")
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(rest, "/")
	if name == "" {
		return ""
	}
	return "dtn://" + name + "/"
}

// Open opens (creating) the store in file path. Only one process may
// have it open; a second waits up to two seconds and fails. Every page of
// the file is read once first: a damaged file is a *CorruptError naming
// it (never a panic), and Salvage recovers what can be read.
func Open(path string, o Options) (s *Store, err error) {
	var db *bolt.DB
	defer func() {
		if r := recover(); r != nil {
			if db != nil {
				closeQuietly(db)
			}
			s, err = nil, &CorruptError{Path: path, Reason: fmt.Sprint(r)}
		}
	}()
	db, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("bstore: %s: %w", path, err)
	}
	if err := readAll(db); err != nil {
		closeQuietly(db)
		return nil, &CorruptError{Path: path, Reason: err.Error()}
	}
	db.NoSync = o.NoSync
	s = &Store{db: db, quota: o.Quota, names: o.Names}
	for i, q := range s.quota {
		if q <= 0 {
			s.quota[i] = DefaultQuota[i]
		}
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bktMeta, bktRaw, bktSeen, bktSeenK, bktUsage, bktRx, bktRxHdr, bktTx, bktTxRaw, bktReports} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("bstore: %s: %w", path, err)
	}
	return s, nil
}

// CorruptError is a store file that cannot be read: Salvage it.
type CorruptError struct {
	Path, Reason string
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("bstore: %s is damaged (%s): salvage it (ipgs bundle salvage) to keep the bundles that can be read", e.Path, e.Reason)
}

// readAll reads every bucket's every key and value once; a page bbolt
// cannot make sense of panics in this goroutine, and Open recovers it.
func readAll(db *bolt.DB) error {
	return db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			return b.ForEach(func(k, v []byte) error { return nil })
		})
	})
}

// closeQuietly closes a database that may be damaged.
func closeQuietly(db *bolt.DB) {
	defer func() { recover() }()
	db.Close()
}

// Salvaged says what Salvage did.
type Salvaged struct {
	MovedTo string   // where the damaged file now is
	Kept    int      // bundles read and stored again
	Lost    []string // what could not be read: bundle ids, or why none were
}

// Salvage moves a damaged store aside (to path.damaged-TIME) and starts an
// empty one at path with every bundle that can still be read from the
// damaged file. Receptions in progress and the record of bundles seen
// before are not carried over: a bundle sent again is taken again.
func Salvage(path string, o Options, now time.Time) (*Salvaged, error) {
	res := &Salvaged{MovedTo: fmt.Sprintf("%s.damaged-%s", path, now.UTC().Format("20060102T150405Z"))}
	if err := os.Rename(path, res.MovedTo); err != nil {
		return nil, fmt.Errorf("bstore: salvage: %w", err)
	}
	bundles, lost := readDamaged(res.MovedTo)
	// and what a damaged branch page hides from the tree: every leaf page,
	// read on its own
	seen := map[string]bool{}
	for _, raw := range bundles {
		seen[string(raw)] = true
	}
	for _, raw := range scanPages(res.MovedTo) {
		if !seen[string(raw)] {
			seen[string(raw)] = true
			bundles = append(bundles, raw)
		}
	}
	res.Lost = lost
	s, err := Open(path, o)
	if err != nil {
		return res, err
	}
	defer s.Close()
	for _, raw := range bundles {
		if _, err := s.Put(raw, 0, now); err != nil {
			if !errors.Is(err, ErrDuplicate) {
				res.Lost = append(res.Lost, err.Error())
			}
			continue
		}
		res.Kept++
	}
	if res.Kept > 0 {
		// what the tree could not read but the page scan found is not lost
		res.Lost = slices.DeleteFunc(res.Lost, func(l string) bool {
			id, _, _ := strings.Cut(l, ": ")
			_, _, ok, _ := s.Get(id)
			return ok
		})
	}
	return res, nil
}

// readDamaged reads what bundles it can from a damaged store file: the
// ids any bucket still lists, then each bundle on its own, so that a
// damaged page costs only the bundles on it.
func readDamaged(path string) (bundles [][]byte, lost []string) {
	var db *bolt.DB
	err := try(func() error {
		var err error
		db, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second, ReadOnly: true})
		return err
	})
	if err != nil {
		return nil, []string{fmt.Sprintf("every bundle: %v", err)}
	}
	defer closeQuietly(db)
	ids := map[string]bool{}
	for _, bkt := range [][]byte{bktMeta, bktSeen, bktRaw} {
		err := try(func() error {
			return db.View(func(tx *bolt.Tx) error {
				b := tx.Bucket(bkt)
				if b == nil {
					return nil
				}
				return b.ForEach(func(k, _ []byte) error { ids[string(k)] = true; return nil })
			})
		})
		if err != nil {
			lost = append(lost, fmt.Sprintf("part of the list of bundles (%s): %v", bkt, err))
		}
	}
	for _, id := range slices.Sorted(maps.Keys(ids)) {
		var raw []byte
		err := try(func() error {
			return db.View(func(tx *bolt.Tx) error {
				if b := tx.Bucket(bktRaw); b != nil {
					raw = bytes.Clone(b.Get([]byte(id)))
				}
				return nil
			})
		})
		switch {
		case err != nil:
			lost = append(lost, fmt.Sprintf("%s: %v", id, err))
		case raw == nil:
			// seen or delivered before, not held: nothing to keep
		default:
			if _, _, err := Describe(raw); err != nil {
				lost = append(lost, fmt.Sprintf("%s: %v", id, err))
				continue
			}
			bundles = append(bundles, raw)
		}
	}
	return bundles, lost
}

// try runs f, turning a panic (bbolt on a page it cannot read) into an
// error.
func try(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("unreadable: %v", r)
		}
	}()
	return f()
}

// Close closes the store.
func (s *Store) Close() error { return s.db.Close() }

var epoch2000 = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// DTNTime converts a bundle creation time to a time.Time.
func DTNTime(ms uint64) time.Time {
	return epoch2000.Add(time.Duration(min(ms, uint64(1<<62)/uint64(time.Millisecond))) * time.Millisecond)
}

// Describe decodes raw and fills an Entry for it (From and Received
// are the caller's).
func Describe(raw []byte) (*bundle.Bundle, Entry, error) {
	b, err := bundle.Decode(raw)
	if err != nil {
		return nil, Entry{}, err
	}
	p := &b.Primary
	created := DTNTime(p.Created)
	e := Entry{
		ID: p.ID(), Source: p.Source.String(), Dest: p.Dest.String(), Class: int(b.Class()), Size: len(raw), Subject: subjectOf(b),
		NoFragment: p.Flags&bundle.FlagNoFragment != 0,
		Created:    created, Expires: created.Add(time.Duration(min(p.Lifetime, uint64(1<<62)/uint64(time.Millisecond))) * time.Millisecond),
	}
	if p.Flags&bundle.FlagFragment != 0 {
		e.Fragment, e.Whole = true, wholeID(*p)
	}
	if p.Created == 0 {
		// no clock at the creator: the bundle lives Lifetime less its age
		// from when it is received (Put fills that in)
		e.Created, e.Expires = time.Time{}, time.Time{}
	}
	if p.Dest.Scheme == 2 {
		e.DestNode = p.Dest.Node
	}
	e.Key = KeyOf(e.ID)
	return b, e, nil
}

// ErrNoClock is a bundle of creation time 0 without a bundle age block.
var ErrNoClock = errors.New("no creation time")

// Put stores a bundle that arrived from node from (0: made here) at now.
// It returns ErrDuplicate (the bundle is already held or was held),
// ErrExpired, or ErrFull with the class and quota; the bundle is durable
// when it returns nil.
func (s *Store) Put(raw []byte, from uint64, now time.Time) (Entry, error) {
	e, err := s.describe(raw, from, now)
	if err != nil {
		return e, err
	}
	err = s.db.Update(func(tx *bolt.Tx) error { return s.put(tx, raw, e) })
	return e, err
}

// Replace puts pieces (fragments cut from the held bundle id) in its
// place in one transaction: the bundle and its pieces are never both
// missing, and a piece may have the bundle's own id (a fragment cut again
// from its start has the same offset, so the same id, as the fragment).
func (s *Store) Replace(id string, pieces [][]byte, from uint64, received, now time.Time) ([]Entry, error) {
	es := make([]Entry, len(pieces))
	for i, raw := range pieces {
		e, err := s.describe(raw, from, now)
		if err != nil {
			return nil, err
		}
		e.Received = received.UTC()
		es[i] = e
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		if err := s.remove(tx, []byte(id)); err != nil {
			return err
		}
		for i, raw := range pieces {
			if err := s.put(tx, raw, es[i]); err != nil && !errors.Is(err, ErrDuplicate) {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return es, nil
}

// describe checks a bundle to be stored and makes its entry.
func (s *Store) describe(raw []byte, from uint64, now time.Time) (Entry, error) {
	b, e, err := Describe(raw)
	if err != nil {
		return Entry{}, err
	}
	e.From, e.Received = from, now.UTC()
	if e.DestNode == 0 {
		e.DestNode = s.names[NodeOf(e.Dest)]
	}
	if limit, count, ok := b.Hops(); ok && count > limit {
		return e, fmt.Errorf("%w: %s has made %d hops of a limit of %d (RFC 9171 4.4.3)", bundle.ErrHopLimit, e.ID, count, limit)
	}
	if e.Expires.IsZero() { // creation time 0: expiry from the bundle's age
		age, ok := b.Age()
		if !ok {
			return e, fmt.Errorf("%w: %s has creation time 0 (no clock) and no bundle age block (RFC 9171 4.4.2)", ErrNoClock, e.ID)
		}
		left := int64(b.Primary.Lifetime) - int64(min(age, uint64(1<<62)))
		e.Expires = now.UTC().Add(time.Duration(max(left, 0)) * time.Millisecond)
	}
	if !now.Before(e.Expires) {
		return e, fmt.Errorf("%w: %s at %s", ErrExpired, e.ID, e.Expires.Format(time.RFC3339))
	}
	return e, nil
}

// put stores a described bundle in tx.
func (s *Store) put(tx *bolt.Tx, raw []byte, e Entry) error {
	id := []byte(e.ID)
	if v := tx.Bucket(bktSeen).Get(id); v != nil && (len(v) > 8 && v[8] == 1 || tx.Bucket(bktMeta).Get(id) != nil) {
		return fmt.Errorf("%w: %s", ErrDuplicate, e.ID)
	}
	usage := tx.Bucket(bktUsage)
	ck := []byte{byte(e.Class)}
	used := int64(0)
	if v := usage.Get(ck); len(v) == 8 {
		used = int64(binary.BigEndian.Uint64(v))
	}
	if used+int64(e.Size) > s.quota[e.Class] {
		return fmt.Errorf("%w: %s class holds %d of its %d bytes, %s needs %d", ErrFull, ClassName(e.Class), used, s.quota[e.Class], e.ID, e.Size)
	}
	meta, _ := json.Marshal(e)
	if err := tx.Bucket(bktMeta).Put(id, meta); err != nil {
		return err
	}
	if err := tx.Bucket(bktRaw).Put(id, raw); err != nil {
		return err
	}
	exp := binary.BigEndian.AppendUint64(nil, uint64(e.Expires.UnixMilli()))
	if err := tx.Bucket(bktSeen).Put(id, append(exp, 0)); err != nil {
		return err
	}
	if err := tx.Bucket(bktSeenK).Put(e.Key[:], append(append(exp, 0), id...)); err != nil {
		return err
	}
	return usage.Put(ck, binary.BigEndian.AppendUint64(nil, uint64(used+int64(e.Size))))
}

// Get returns a stored bundle's bytes and entry; ok is false when it is
// not held.
func (s *Store) Get(id string) (raw []byte, e Entry, ok bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		m := tx.Bucket(bktMeta).Get([]byte(id))
		if m == nil {
			return nil
		}
		if err := json.Unmarshal(m, &e); err != nil {
			return fmt.Errorf("bstore: entry %s: %w", id, err)
		}
		raw = bytes.Clone(tx.Bucket(bktRaw).Get([]byte(id)))
		ok = true
		return nil
	})
	return raw, e, ok, err
}

// Seen reports whether a bundle id is or was held (until it expires).
func (s *Store) Seen(id string) bool {
	var seen bool
	s.db.View(func(tx *bolt.Tx) error {
		seen = tx.Bucket(bktSeen).Get([]byte(id)) != nil
		return nil
	})
	return seen
}

// SeenKey reports whether the bundle with short key k is held or was
// delivered here: whether a copy arriving now is a duplicate.
func (s *Store) SeenKey(k Key) bool {
	var seen bool
	s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bktSeenK).Get(k[:])
		seen = len(v) > 9 && (v[8] == 1 || tx.Bucket(bktMeta).Get(v[9:]) != nil)
		return nil
	})
	return seen
}

// Delivered removes a bundle delivered to this node's application and
// remembers that it was, so a later copy is a duplicate.
func (s *Store) Delivered(id string) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		if err := s.remove(tx, []byte(id)); err != nil {
			return err
		}
		sb := tx.Bucket(bktSeen)
		v := sb.Get([]byte(id))
		if len(v) < 9 {
			return nil
		}
		v = bytes.Clone(v)
		v[8] = 1
		if err := sb.Put([]byte(id), v); err != nil {
			return err
		}
		k := KeyOf(id)
		if kv := tx.Bucket(bktSeenK).Get(k[:]); len(kv) > 9 {
			kv = bytes.Clone(kv)
			kv[8] = 1
			return tx.Bucket(bktSeenK).Put(k[:], kv)
		}
		return nil
	})
}

// List returns the held bundles, expedited first, then by creation time
// and id.
func (s *Store) List() ([]Entry, error) {
	var out []Entry
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bktMeta).ForEach(func(k, v []byte) error {
			var e Entry
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("bstore: entry %s: %w", k, err)
			}
			out = append(out, e)
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Class != b.Class {
			return a.Class > b.Class
		}
		if !a.Created.Equal(b.Created) {
			return a.Created.Before(b.Created)
		}
		return a.ID < b.ID
	})
	return out, err
}

// Remove deletes a held bundle (forwarded: the next node has taken
// custody). Should it come back, it is taken again.
func (s *Store) Remove(id string) error {
	return s.db.Update(func(tx *bolt.Tx) error { return s.remove(tx, []byte(id)) })
}

func (s *Store) remove(tx *bolt.Tx, id []byte) error {
	m := tx.Bucket(bktMeta).Get(id)
	if m == nil {
		return nil
	}
	var e Entry
	if err := json.Unmarshal(m, &e); err != nil {
		return fmt.Errorf("bstore: entry %s: %w", id, err)
	}
	usage := tx.Bucket(bktUsage)
	ck := []byte{byte(e.Class)}
	used := int64(0)
	if v := usage.Get(ck); len(v) == 8 {
		used = int64(binary.BigEndian.Uint64(v))
	}
	if err := usage.Put(ck, binary.BigEndian.AppendUint64(nil, uint64(max(0, used-int64(e.Size))))); err != nil {
		return err
	}
	// what the convergence layers kept for it goes too
	for _, name := range [][]byte{bktTx, bktTxRaw} {
		tb := tx.Bucket(name)
		c := tb.Cursor()
		var dead [][]byte
		for k, _ := c.Seek(e.Key[:]); k != nil && bytes.HasPrefix(k, e.Key[:]); k, _ = c.Next() {
			dead = append(dead, bytes.Clone(k))
		}
		for _, k := range dead {
			tb.Delete(k)
		}
	}
	if err := tx.Bucket(bktMeta).Delete(id); err != nil {
		return err
	}
	return tx.Bucket(bktRaw).Delete(id)
}

// Expire deletes held bundles and partial receptions whose lifetime is
// over, and forgets expired ids. It returns the ids of the bundles
// deleted.
func (s *Store) Expire(now time.Time) ([]string, error) {
	var gone []string
	err := s.db.Update(func(tx *bolt.Tx) error {
		var ids, seen [][]byte
		tx.Bucket(bktMeta).ForEach(func(k, v []byte) error {
			var e Entry
			if json.Unmarshal(v, &e) == nil && !now.Before(e.Expires) {
				ids = append(ids, bytes.Clone(k))
			}
			return nil
		})
		for _, id := range ids {
			if err := s.remove(tx, id); err != nil {
				return err
			}
			gone = append(gone, string(id))
		}
		for _, name := range [][]byte{bktSeen, bktSeenK} {
			seen = seen[:0]
			tx.Bucket(name).ForEach(func(k, v []byte) error {
				if len(v) >= 8 && now.UnixMilli() > int64(binary.BigEndian.Uint64(v)) {
					seen = append(seen, bytes.Clone(k))
				}
				return nil
			})
			for _, k := range seen {
				tx.Bucket(name).Delete(k)
			}
		}
		return nil
	})
	return gone, err
}

// Usage returns the bytes held per class and the quotas.
func (s *Store) Usage() (used, quota [3]int64) {
	s.db.View(func(tx *bolt.Tx) error {
		for c := range used {
			if v := tx.Bucket(bktUsage).Get([]byte{byte(c)}); len(v) == 8 {
				used[c] = int64(binary.BigEndian.Uint64(v))
			}
		}
		return nil
	})
	return used, s.quota
}

// wholeID is the id of the bundle a fragment is of.
func wholeID(p bundle.Primary) string {
	p.Flags &^= bundle.FlagFragment
	return p.ID()
}

// subjectOf is the bundle's Subject when it asks for status reports.
func subjectOf(b *bundle.Bundle) *bundle.Subject {
	if s := b.Subject(); s.AnyReports() {
		return &s
	}
	return nil
}
