package bstore

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"
)

// KeyOf returns the short key of a bundle id.
func KeyOf(id string) Key {
	h := sha256.Sum256([]byte(id))
	return Key(h[:8])
}

func (k Key) String() string { return fmt.Sprintf("%x", k[:]) }

// Range is a half-open byte range [Lo, Hi) of a bundle.
type Range struct{ Lo, Hi uint32 }

// Ranges is a sorted set of disjoint, non-adjacent ranges.
type Ranges []Range

// Add returns rs with r merged in.
func (rs Ranges) Add(r Range) Ranges {
	if r.Hi <= r.Lo {
		return rs
	}
	out := make(Ranges, 0, len(rs)+1)
	i := 0
	for ; i < len(rs) && rs[i].Hi < r.Lo; i++ {
		out = append(out, rs[i])
	}
	for ; i < len(rs) && rs[i].Lo <= r.Hi; i++ {
		r.Lo, r.Hi = min(r.Lo, rs[i].Lo), max(r.Hi, rs[i].Hi)
	}
	out = append(out, r)
	return append(out, rs[i:]...)
}

// Covers reports whether rs holds all of r.
func (rs Ranges) Covers(r Range) bool {
	for _, x := range rs {
		if x.Lo <= r.Lo && r.Hi <= x.Hi {
			return true
		}
	}
	return r.Hi <= r.Lo
}

// Bytes is how many bytes rs holds.
func (rs Ranges) Bytes() int64 {
	var n int64
	for _, r := range rs {
		n += int64(r.Hi - r.Lo)
	}
	return n
}

// AppendBinary encodes rs as a count and pairs of 32-bit numbers.
func (rs Ranges) AppendBinary(b []byte) []byte {
	b = binary.BigEndian.AppendUint16(b, uint16(len(rs)))
	for _, r := range rs {
		b = binary.BigEndian.AppendUint32(b, r.Lo)
		b = binary.BigEndian.AppendUint32(b, r.Hi)
	}
	return b
}

// DecodeRanges reads what AppendBinary wrote and returns the rest.
func DecodeRanges(b []byte) (Ranges, []byte, error) {
	if len(b) < 2 {
		return nil, nil, errors.New("ranges: no count")
	}
	n := int(binary.BigEndian.Uint16(b))
	b = b[2:]
	if len(b) < 8*n {
		return nil, nil, fmt.Errorf("ranges: %d announced, room for %d", n, len(b)/8)
	}
	var rs Ranges
	for i := 0; i < n; i++ {
		r := Range{binary.BigEndian.Uint32(b[8*i:]), binary.BigEndian.Uint32(b[8*i+4:])}
		if r.Hi <= r.Lo {
			return nil, nil, fmt.Errorf("ranges: range %d is empty or reversed (%d..%d)", i, r.Lo, r.Hi)
		}
		rs = rs.Add(r)
	}
	return rs, b[8*n:], nil
}

// Segment is part of a bundle in transfer.
type Segment struct {
	Key   Key
	Total uint32 // the bundle's length
	Off   uint32
	Data  []byte
}

// RxAdd stores received segments from node from durably, in one commit;
// a segment that disagrees with the total already known for its bundle
// is ignored.
func (s *Store) RxAdd(segs []Segment, from uint64) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		hdr, rx := tx.Bucket(bktRxHdr), tx.Bucket(bktRx)
		for _, g := range segs {
			if uint64(g.Off)+uint64(len(g.Data)) > uint64(g.Total) || len(g.Data) == 0 {
				continue
			}
			if h := hdr.Get(g.Key[:]); h != nil {
				if len(h) < 4 || binary.BigEndian.Uint32(h) != g.Total {
					continue
				}
			} else {
				v := binary.BigEndian.AppendUint32(nil, g.Total)
				if err := hdr.Put(g.Key[:], binary.BigEndian.AppendUint64(v, from)); err != nil {
					return err
				}
			}
			k := binary.BigEndian.AppendUint32(append([]byte(nil), g.Key[:]...), g.Off)
			if old := rx.Get(k); len(old) >= len(g.Data) {
				continue // a shorter resend (the sender cut smaller segments) must not shrink what is held
			}
			if err := rx.Put(k, g.Data); err != nil {
				return err
			}
		}
		return nil
	})
}

// RxRanges returns what is held of a bundle in reception: its total
// length (0: nothing) and the byte ranges.
func (s *Store) RxRanges(key Key) (total uint32, rs Ranges) {
	s.db.View(func(tx *bolt.Tx) error {
		total, rs = rxRanges(tx, key)
		return nil
	})
	return total, rs
}

func rxRanges(tx *bolt.Tx, key Key) (uint32, Ranges) {
	h := tx.Bucket(bktRxHdr).Get(key[:])
	if len(h) < 4 {
		return 0, nil
	}
	var rs Ranges
	c := tx.Bucket(bktRx).Cursor()
	for k, v := c.Seek(key[:]); k != nil && bytes.HasPrefix(k, key[:]); k, v = c.Next() {
		if len(k) == 12 {
			off := binary.BigEndian.Uint32(k[8:])
			rs = rs.Add(Range{off, off + uint32(len(v))})
		}
	}
	return binary.BigEndian.Uint32(h), rs
}

// RxFinish assembles a bundle whose bytes are all held and stores it as
// Put does, deleting the partial state in the same commit. done is false
// (and err nil) while bytes are missing. When the bundle is refused
// (duplicate, expired, full, or it does not decode) the partial state is
// deleted too and err says why.
func (s *Store) RxFinish(key Key, now time.Time) (e Entry, done bool, err error) {
	var raw []byte
	var from uint64
	s.db.View(func(tx *bolt.Tx) error {
		total, rs := rxRanges(tx, key)
		if total == 0 || !rs.Covers(Range{0, total}) {
			return nil
		}
		if h := tx.Bucket(bktRxHdr).Get(key[:]); len(h) >= 12 {
			from = binary.BigEndian.Uint64(h[4:])
		}
		raw = make([]byte, total)
		c := tx.Bucket(bktRx).Cursor()
		for k, v := c.Seek(key[:]); k != nil && bytes.HasPrefix(k, key[:]); k, v = c.Next() {
			if len(k) == 12 {
				copy(raw[binary.BigEndian.Uint32(k[8:]):], v)
			}
		}
		return nil
	})
	if raw == nil {
		return Entry{}, false, nil
	}
	e, err = s.Put(raw, from, now)
	if err == nil && e.Key != key {
		err = fmt.Errorf("bstore: segments announced key %s for bundle %s (key %s)", key, e.ID, e.Key)
		s.Remove(e.ID)
	}
	s.RxDrop(key)
	return e, true, err
}

// RxDrop deletes the partial state of a bundle.
func (s *Store) RxDrop(key Key) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		rx := tx.Bucket(bktRx)
		var dead [][]byte
		c := rx.Cursor()
		for k, _ := c.Seek(key[:]); k != nil && bytes.HasPrefix(k, key[:]); k, _ = c.Next() {
			dead = append(dead, bytes.Clone(k))
		}
		for _, k := range dead {
			rx.Delete(k)
		}
		return tx.Bucket(bktRxHdr).Delete(key[:])
	})
}

// RxPending lists the keys of bundles in reception.
func (s *Store) RxPending() []Key {
	var out []Key
	s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bktRxHdr).ForEach(func(k, _ []byte) error {
			if len(k) == 8 {
				out = append(out, Key(k))
			}
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool { return bytes.Compare(out[i][:], out[j][:]) < 0 })
	return out
}

// TxAcked returns the ranges of bundle key that peer has acknowledged.
func (s *Store) TxAcked(key Key, peer uint64) Ranges {
	var rs Ranges
	s.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bktTx).Get(binary.BigEndian.AppendUint64(append([]byte(nil), key[:]...), peer)); v != nil {
			rs, _, _ = DecodeRanges(v)
		}
		return nil
	})
	return rs
}

// TxSetAcked records what peer has acknowledged of bundle key.
func (s *Store) TxSetAcked(key Key, peer uint64, rs Ranges) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bktTx).Put(binary.BigEndian.AppendUint64(append([]byte(nil), key[:]...), peer), rs.AppendBinary(nil))
	})
}

// TxRaw returns the bundle as it was forwarded to peer (nil: not yet):
// a transfer that resumes at a later contact sends the same bytes.
func (s *Store) TxRaw(key Key, peer uint64) []byte {
	var raw []byte
	s.db.View(func(tx *bolt.Tx) error {
		raw = bytes.Clone(tx.Bucket(bktTxRaw).Get(binary.BigEndian.AppendUint64(append([]byte(nil), key[:]...), peer)))
		return nil
	})
	return raw
}

// TxSetRaw records the bundle as forwarded to peer.
func (s *Store) TxSetRaw(key Key, peer uint64, raw []byte) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bktTxRaw).Put(binary.BigEndian.AppendUint64(append([]byte(nil), key[:]...), peer), raw)
	})
}

// Report is one bundle status report received about a bundle.
type Report struct {
	Subject string    `json:"subject"` // the bundle's id
	Status  string    `json:"status"`  // received, forwarded, delivered, deleted
	Reason  string    `json:"reason"`
	By      string    `json:"by"` // the node that reported it
	At      time.Time `json:"at"` // when it says it happened (else when the report arrived)
}

// AddReport records a status report.
func (s *Store) AddReport(r Report) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bktReports)
		seq, _ := bk.NextSequence()
		return bk.Put(binary.BigEndian.AppendUint64(nil, seq), b)
	})
}

// Reports lists the status reports received, oldest first.
func (s *Store) Reports() []Report {
	var out []Report
	s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bktReports).ForEach(func(_, v []byte) error {
			var r Report
			if json.Unmarshal(v, &r) == nil {
				out = append(out, r)
			}
			return nil
		})
	})
	return out
}
