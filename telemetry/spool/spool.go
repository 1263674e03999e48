// Package spool is a durable, ordered, append-only log of records (here:
// telemetry points in line protocol), kept in segment files until the
// consumer acknowledges them.
//
// Every record gets a sequence number. Append buffers; Sync makes every
// record appended so far durable (fsync), so a record survives a crash or a
// power cut once Sync returned. Ack(n) records, durably, that records below
// n were delivered; segments wholly below the acknowledged point are
// deleted. On open, a torn record at the end of the last segment (a crash
// in the middle of a write that was never synced) is cut off.
//
// On disk: segment files named by their first sequence number
// (%020d.seg), each a series of records [length u32][crc32c u32][payload];
// and "acked", the acknowledged sequence number with its checksum.
package spool

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ipgs/ipgs/internal/durable"
)

// MaxRecord bounds one record.
const MaxRecord = 1 << 20

const headerLen = 8

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Spool is an open spool directory. It is safe for concurrent use: one
// appender and readers.
type Spool struct {
	dir        string
	segmentMax int64
	noSync     bool

	mu       sync.Mutex
	segs     []segment // ascending by first
	f        *os.File  // the last segment, open for append
	w        *bufio.Writer
	size     int64  // bytes in the last segment (written or buffered)
	next     uint64 // sequence number of the next record
	synced   uint64 // records below this are durable
	acked    uint64
	notify   chan struct{}
	ackSaved time.Time
	closed   bool
	readOnly bool     // Options.ReadOnly: Read only
	lock     *os.File // the writer's lock, held while open
	Recovery string   // what Open had to repair, if anything
}

type segment struct {
	first uint64
	path  string
}

// Options for Open.
type Options struct {
	SegmentBytes int64 // roll to a new segment beyond this (default 64 MiB)
	// NoSync skips fsync (accelerated simulations only, where a
	// millisecond of fsync is many seconds of virtual time).
	NoSync bool
	// ReadOnly opens the spool to read what is durable in it, beside a
	// process that writes it: nothing is created, cut or locked.
	ReadOnly bool
}

// ErrReadOnly is a write to a spool opened ReadOnly.
var ErrReadOnly = errors.New("spool: opened read-only")

// ErrLocked is Open of a spool another process writes.
var ErrLocked = errors.New("spool: another process writes this spool")

// Open opens (creating) the spool in dir. One process at a time writes a
// spool (it holds an exclusive lock on dir/lock); others open it ReadOnly.
func Open(dir string, o Options) (*Spool, error) {
	if o.ReadOnly {
		return openReadOnly(dir)
	}
	if o.SegmentBytes <= 0 {
		o.SegmentBytes = 64 << 20
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	lock, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		lock.Close()
		return nil, fmt.Errorf("%w: %s (give each station its own data folder or telemetry.spool_dir)", ErrLocked, dir)
	}
	s, err := openWriter(dir, o)
	if err != nil {
		lock.Close()
		return nil, err
	}
	s.lock = lock
	return s, nil
}

// segments lists dir's segments in order.
func segments(dir string) ([]segment, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var segs []segment
	for _, e := range ents {
		name, ok := strings.CutSuffix(e.Name(), ".seg")
		if !ok {
			continue
		}
		first, err := strconv.ParseUint(name, 10, 64)
		if err != nil {
			continue
		}
		segs = append(segs, segment{first, filepath.Join(dir, e.Name())})
	}
	slices.SortFunc(segs, func(a, b segment) int { return cmpU64(a.first, b.first) })
	return segs, nil
}

// openReadOnly reads what is durable: every whole record, up to a torn
// tail (which it leaves alone).
func openReadOnly(dir string) (*Spool, error) {
	segs, err := segments(dir)
	if err != nil {
		return nil, err
	}
	s := &Spool{dir: dir, readOnly: true, segs: segs, notify: make(chan struct{})}
	if s.acked, err = readAcked(filepath.Join(dir, "acked")); err != nil {
		return nil, err
	}
	s.next = s.acked
	if len(segs) > 0 {
		last := segs[len(segs)-1]
		n, _, err := scan(last.path)
		if err != nil {
			return nil, err
		}
		s.next = last.first + n
	}
	s.synced = s.next
	return s, nil
}

func openWriter(dir string, o Options) (*Spool, error) {
	s := &Spool{dir: dir, segmentMax: o.SegmentBytes, noSync: o.NoSync, notify: make(chan struct{})}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	for _, e := range ents {
		name, ok := strings.CutSuffix(e.Name(), ".seg")
		if !ok {
			continue
		}
		first, err := strconv.ParseUint(name, 10, 64)
		if err != nil {
			continue
		}
		s.segs = append(s.segs, segment{first, filepath.Join(dir, e.Name())})
	}
	slices.SortFunc(s.segs, func(a, b segment) int { return cmpU64(a.first, b.first) })
	if s.acked, err = readAcked(filepath.Join(dir, "acked")); err != nil {
		return nil, err
	}
	if len(s.segs) == 0 {
		s.next = s.acked
		if err := s.roll(); err != nil {
			return nil, err
		}
	} else {
		last := s.segs[len(s.segs)-1]
		n, good, err := scan(last.path)
		if err != nil {
			return nil, err
		}
		f, err := os.OpenFile(last.path, os.O_RDWR, 0)
		if err != nil {
			return nil, err
		}
		if fi, err := f.Stat(); err == nil && fi.Size() > good {
			s.Recovery = fmt.Sprintf("%s: cut a torn record at byte %d (%d bytes never synced)", last.path, good, fi.Size()-good)
			if err := f.Truncate(good); err != nil {
				f.Close()
				return nil, err
			}
		}
		if _, err := f.Seek(good, io.SeekStart); err != nil {
			f.Close()
			return nil, err
		}
		s.f, s.w, s.size = f, bufio.NewWriterSize(f, 256<<10), good
		s.next = last.first + n
	}
	s.synced = s.next
	s.acked = min(s.acked, s.next)
	return s, nil
}

func cmpU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// scan counts the whole, intact records of a segment and the byte length
// they take.
func scan(path string) (n uint64, good int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	var hdr [headerLen]byte
	buf := make([]byte, 0, 4096)
	for {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return n, good, nil
		}
		l := binary.LittleEndian.Uint32(hdr[:])
		if l > MaxRecord {
			return n, good, nil
		}
		buf = slices.Grow(buf[:0], int(l))[:l]
		if _, err := io.ReadFull(r, buf); err != nil {
			return n, good, nil
		}
		if crc32.Checksum(buf, castagnoli) != binary.LittleEndian.Uint32(hdr[4:]) {
			return n, good, nil
		}
		n++
		good += headerLen + int64(l)
	}
}

// roll starts a new segment at s.next. Called with mu held.
func (s *Spool) roll() error {
	if s.w != nil {
		if err := s.w.Flush(); err != nil {
			return err
		}
		if err := s.f.Sync(); err != nil {
			return err
		}
		s.f.Close()
	}
	path := filepath.Join(s.dir, fmt.Sprintf("%020d.seg", s.next))
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	s.f, s.w, s.size = f, bufio.NewWriterSize(f, 256<<10), 0
	s.segs = append(s.segs, segment{s.next, path})
	return durable.SyncDir(s.dir)
}

// ErrClosed is returned after Close.
var ErrClosed = errors.New("spool: closed")

// Append adds a record and returns its sequence number. It is durable
// after the next Sync.
func (s *Spool) Append(rec []byte) (uint64, error) {
	if len(rec) > MaxRecord {
		return 0, fmt.Errorf("spool: record of %d bytes exceeds %d", len(rec), MaxRecord)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.readOnly {
		return 0, ErrReadOnly
	}
	if s.closed {
		return 0, ErrClosed
	}
	if s.size > 0 && s.size+headerLen+int64(len(rec)) > s.segmentMax {
		if err := s.roll(); err != nil {
			return 0, err
		}
	}
	var hdr [headerLen]byte
	binary.LittleEndian.PutUint32(hdr[:], uint32(len(rec)))
	binary.LittleEndian.PutUint32(hdr[4:], crc32.Checksum(rec, castagnoli))
	if _, err := s.w.Write(hdr[:]); err != nil {
		return 0, err
	}
	if _, err := s.w.Write(rec); err != nil {
		return 0, err
	}
	s.size += headerLen + int64(len(rec))
	seq := s.next
	s.next++
	return seq, nil
}

// Sync makes every appended record durable and wakes readers.
func (s *Spool) Sync() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.readOnly {
		return nil
	}
	if s.closed {
		return ErrClosed
	}
	if s.synced == s.next {
		return nil
	}
	if err := s.w.Flush(); err != nil {
		return err
	}
	if !s.noSync {
		if err := s.f.Sync(); err != nil {
			return err
		}
	}
	s.synced = s.next
	close(s.notify)
	s.notify = make(chan struct{})
	return nil
}

// Wait returns a channel closed when records are next synced.
func (s *Spool) Wait() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.notify
}

// State is where the spool stands.
type State struct {
	Acked  uint64 // records below were delivered
	Synced uint64 // records below are durable (and readable)
	Next   uint64
}

// State returns the spool's counters.
func (s *Spool) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return State{s.acked, s.synced, s.next}
}

// Ack records that every record below n was delivered and deletes the
// segments that hold nothing newer. The acknowledged point is written to
// disk at most every AckEvery (and on Close): after a crash, the records
// acknowledged since are delivered again, which a consumer that stores
// them idempotently (InfluxDB: same series and time) does not notice.
func (s *Spool) Ack(n uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.readOnly {
		return ErrReadOnly
	}
	if n <= s.acked {
		return nil
	}
	s.acked = min(n, s.synced)
	if time.Since(s.ackSaved) < AckEvery {
		return nil
	}
	return s.saveAck()
}

// AckEvery is how often Ack writes the acknowledged point to disk.
var AckEvery = 500 * time.Millisecond

// saveAck persists s.acked and deletes delivered segments. Called with mu
// held.
func (s *Spool) saveAck() error {
	n := s.acked
	if err := writeAcked(filepath.Join(s.dir, "acked"), n); err != nil {
		return err
	}
	s.ackSaved = time.Now()
	// a segment can go when the next one starts at or below n
	for len(s.segs) > 1 && s.segs[1].first <= n {
		if err := os.Remove(s.segs[0].path); err != nil && !os.IsNotExist(err) {
			return err
		}
		s.segs = s.segs[1:]
	}
	return nil
}

func readAcked(path string) (uint64, error) {
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if len(b) != 12 || crc32.Checksum(b[:8], castagnoli) != binary.LittleEndian.Uint32(b[8:]) {
		return 0, fmt.Errorf("spool: %s is damaged (%d bytes); delete it to resend everything still spooled (InfluxDB keeps one copy of a resent point)", path, len(b))
	}
	return binary.LittleEndian.Uint64(b), nil
}

func writeAcked(path string, n uint64) error {
	var b [12]byte
	binary.LittleEndian.PutUint64(b[:], n)
	binary.LittleEndian.PutUint32(b[8:], crc32.Checksum(b[:8], castagnoli))
	return durable.WriteFile(path, b[:], 0o644)
}

// Read calls fn with the durable records from sequence number from on, in
// order, until fn returns false or the synced end is reached; it returns
// the sequence number after the last record passed to fn. rec is valid
// only during the call.
func (s *Spool) Read(from uint64, fn func(seq uint64, rec []byte) bool) (uint64, error) {
	r := s.NewReader(from)
	defer r.Close()
	err := r.Read(fn)
	return r.Seq(), err
}

// Reader reads records in order, keeping its place between calls (a
// consumer that follows the spool reads each byte once).
type Reader struct {
	s   *Spool
	seq uint64
	seg segment
	f   *os.File
	r   *bufio.Reader
	off int64
	buf []byte
}

// NewReader returns a reader starting at sequence number from.
func (s *Spool) NewReader(from uint64) *Reader { return &Reader{s: s, seq: from} }

// Seq is the sequence number of the next record the reader returns.
func (r *Reader) Seq() uint64 { return r.seq }

// Close releases the reader's file.
func (r *Reader) Close() {
	if r.f != nil {
		r.f.Close()
		r.f = nil
	}
}

// open positions the reader on the segment holding r.seq.
func (r *Reader) open(segs []segment) error {
	r.Close()
	i, found := slices.BinarySearchFunc(segs, r.seq, func(sg segment, x uint64) int { return cmpU64(sg.first, x) })
	if !found {
		i--
	}
	if i < 0 {
		return fmt.Errorf("spool: record %d is no longer spooled (the first is %d)", r.seq, segs[0].first)
	}
	f, err := os.Open(segs[i].path)
	if err != nil {
		return err
	}
	r.seg, r.f, r.r, r.off = segs[i], f, bufio.NewReaderSize(f, 1<<20), 0
	for n := r.seg.first; n < r.seq; n++ { // skip to r.seq
		if _, err := r.record(n); err != nil {
			return err
		}
	}
	return nil
}

// record reads the record numbered n at the reader's place.
func (r *Reader) record(n uint64) ([]byte, error) {
	var hdr [headerLen]byte
	if _, err := io.ReadFull(r.r, hdr[:]); err != nil {
		return nil, fmt.Errorf("spool: %s at byte %d (record %d): %w", r.seg.path, r.off, n, err)
	}
	l := binary.LittleEndian.Uint32(hdr[:])
	if l > MaxRecord {
		return nil, fmt.Errorf("spool: %s at byte %d (record %d): length %d is damaged", r.seg.path, r.off, n, l)
	}
	r.buf = slices.Grow(r.buf[:0], int(l))[:l]
	if _, err := io.ReadFull(r.r, r.buf); err != nil {
		return nil, fmt.Errorf("spool: %s at byte %d (record %d): %w", r.seg.path, r.off, n, err)
	}
	if crc32.Checksum(r.buf, castagnoli) != binary.LittleEndian.Uint32(hdr[4:]) {
		return nil, fmt.Errorf("spool: %s at byte %d (record %d): checksum mismatch", r.seg.path, r.off, n)
	}
	r.off += headerLen + int64(l)
	return r.buf, nil
}

// Read calls fn with each durable record from the reader's place on, until
// fn returns false or the synced end is reached. rec is valid only during
// the call.
func (r *Reader) Read(fn func(seq uint64, rec []byte) bool) error {
	r.s.mu.Lock()
	segs := slices.Clone(r.s.segs)
	end := r.s.synced
	r.s.mu.Unlock()
	for r.seq < end {
		// the next segment starts here: move on to it
		if r.f != nil {
			if i, found := slices.BinarySearchFunc(segs, r.seq, func(sg segment, x uint64) int { return cmpU64(sg.first, x) }); found && segs[i].first != r.seg.first {
				r.Close()
			}
		}
		if r.f == nil {
			if err := r.open(segs); err != nil {
				return err
			}
		}
		rec, err := r.record(r.seq)
		if err != nil {
			r.Close()
			return err
		}
		r.seq++
		if !fn(r.seq-1, rec) {
			return nil
		}
	}
	return nil
}

// Close syncs and closes the spool.
func (s *Spool) Close() error {
	if s.readOnly {
		return nil
	}
	defer func() {
		if s.lock != nil {
			s.lock.Close() // (and with it the lock)
		}
	}()
	if err := s.Sync(); err != nil && !errors.Is(err, ErrClosed) {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	err := s.saveAck()
	return errors.Join(err, s.f.Close())
}
