package ltp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ipgs/ipgs/internal/durable"
)

// Store keeps an engine's sessions in a folder across a restart of
// either end: the blocks it is sending (written before a segment of them
// goes out) and what the peer has claimed of them, the red data of the
// blocks it is receiving (written before a report claims it), the
// sessions it finished receiving (so a late checkpoint is answered, not
// taken for a new block), and the next session number. Every write is
// synced before the engine acts on it. A session's files go when it ends.
//
// Files: next (8 bytes); x-N (an export: to, client, red, then the
// block) and x-N.claims (lo, hi pairs); i-E-N (an import: client, then
// records kind(1) offset(8) length(4) data, kind 1 marking the red
// part's end); c-E-N (a finished import: when, 8 bytes of Unix ns).
type Store struct {
	dir string
}

// OpenStore opens (creating) the folder dir as a session store.
func OpenStore(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("ltp: store: %w", err)
	}
	return &Store{dir: dir}, nil
}

func (s *Store) path(name string) string { return filepath.Join(s.dir, name) }

func exportName(n uint64) string     { return "x-" + strconv.FormatUint(n, 10) }
func importName(id SessionID) string { return fmt.Sprintf("i-%d-%d", id.Engine, id.Number) }
func closedName(id SessionID) string { return fmt.Sprintf("c-%d-%d", id.Engine, id.Number) }

// writeFile writes name whole and syncs it (a crash leaves the old one
// or the new one).
func (s *Store) writeFile(name string, b []byte) error {
	return durable.WriteFile(s.path(name), b, 0o600)
}

// appendFile appends b to name and syncs it.
func (s *Store) appendFile(name string, b []byte) error {
	return durable.Append(s.path(name), b, 0o600)
}

func (s *Store) remove(names ...string) error {
	var errs []error
	for _, n := range names {
		if err := os.Remove(s.path(n)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (s *Store) saveNext(n uint64) error {
	return s.writeFile("next", binary.BigEndian.AppendUint64(nil, n))
}

func (s *Store) saveExport(n uint64, x *export) error {
	b := make([]byte, 0, 24+len(x.block))
	b = binary.BigEndian.AppendUint64(b, x.to)
	b = binary.BigEndian.AppendUint64(b, x.client)
	b = binary.BigEndian.AppendUint64(b, uint64(x.red))
	return s.writeFile(exportName(n), append(b, x.block...))
}

func (s *Store) saveClaim(n uint64, lo, hi int) error {
	b := binary.BigEndian.AppendUint64(nil, uint64(lo))
	return s.appendFile(exportName(n)+".claims", binary.BigEndian.AppendUint64(b, uint64(hi)))
}

func (s *Store) dropExport(n uint64) error {
	return s.remove(exportName(n), exportName(n)+".claims")
}

// Import records.
const (
	recData   = 0
	recRedEnd = 1
)

func (s *Store) saveImportData(id SessionID, client uint64, fresh bool, kind byte, off int, data []byte) error {
	var b []byte
	if fresh {
		b = binary.BigEndian.AppendUint64(b, client)
	}
	b = append(b, kind)
	b = binary.BigEndian.AppendUint64(b, uint64(off))
	b = binary.BigEndian.AppendUint32(b, uint32(len(data)))
	return s.appendFile(importName(id), append(b, data...))
}

// closeImport marks id finished (at now) and drops its data.
func (s *Store) closeImport(id SessionID, now time.Time) error {
	if err := s.writeFile(closedName(id), binary.BigEndian.AppendUint64(nil, uint64(now.UnixNano()))); err != nil {
		return err
	}
	return s.remove(importName(id))
}

func (s *Store) dropImport(id SessionID) error { return s.remove(importName(id)) }

func (s *Store) forgetClosed(id SessionID) error { return s.remove(closedName(id)) }

// storeError is a file of the store that does not read.
func storeError(name, msg string, at int) error {
	return fmt.Errorf("ltp: store: %s: byte %d: %s", name, at, msg)
}

// load reads the store into e (a new engine): its next session number,
// exports with their claims, imports with their red data, and finished
// imports.
func (s *Store) load(e *Engine) error {
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return fmt.Errorf("ltp: store: %w", err)
	}
	for _, ent := range ents {
		name := ent.Name()
		if strings.HasSuffix(name, ".tmp") || strings.HasSuffix(name, ".claims") {
			continue
		}
		b, err := os.ReadFile(s.path(name))
		if err != nil {
			return fmt.Errorf("ltp: store: %w", err)
		}
		switch {
		case name == "next":
			if len(b) != 8 {
				return storeError(name, fmt.Sprintf("%d bytes, want 8", len(b)), 0)
			}
			e.next = max(e.next, binary.BigEndian.Uint64(b))
		case strings.HasPrefix(name, "x-"):
			n, err := strconv.ParseUint(name[2:], 10, 64)
			if err != nil {
				return storeError(name, "not an export session", 0)
			}
			claims, err := os.ReadFile(s.path(name + ".claims"))
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("ltp: store: %w", err)
			}
			x, err := readExport(name, b, claims)
			if err != nil {
				return err
			}
			e.exports[n] = x
			e.next = max(e.next, n+1)
		case strings.HasPrefix(name, "i-"), strings.HasPrefix(name, "c-"):
			var id SessionID
			if _, err := fmt.Sscanf(name[2:], "%d-%d", &id.Engine, &id.Number); err != nil {
				return storeError(name, "not a session's file", 0)
			}
			if name[0] == 'c' {
				if len(b) != 8 {
					return storeError(name, fmt.Sprintf("%d bytes, want 8", len(b)), 0)
				}
				e.closed[id] = time.Unix(0, int64(binary.BigEndian.Uint64(b)))
				continue
			}
			im, err := readImport(name, id, b)
			if err != nil {
				return err
			}
			e.imports[id] = im
		}
	}
	return nil
}

// readExport reads an export session's file and its claims; a torn last
// claim (a crash mid-append) is left out.
func readExport(name string, b, claims []byte) (*export, error) {
	if len(b) < 24 {
		return nil, storeError(name, fmt.Sprintf("%d bytes, an export session has a 24-byte header", len(b)), len(b))
	}
	x := &export{to: binary.BigEndian.Uint64(b), client: binary.BigEndian.Uint64(b[8:]), block: b[24:], cps: map[uint64]*timer{}}
	red := binary.BigEndian.Uint64(b[16:])
	if red > uint64(len(x.block)) {
		return nil, storeError(name, fmt.Sprintf("a red part of %d bytes in a %d-byte block", red, len(x.block)), 16)
	}
	x.red = int(red)
	for i := 0; i+16 <= len(claims); i += 16 {
		lo, hi := binary.BigEndian.Uint64(claims[i:]), binary.BigEndian.Uint64(claims[i+8:])
		if lo <= hi && hi <= red {
			x.claimed = x.claimed.add(int(lo), int(hi))
		}
	}
	return x, nil
}

// readImport replays an import session's records; a torn last record (a
// crash mid-append) is left out: its segment comes again.
func readImport(name string, id SessionID, b []byte) (*importSession, error) {
	if len(b) < 8 {
		return nil, storeError(name, "no header", 0)
	}
	im := &importSession{from: id, client: binary.BigEndian.Uint64(b), redEnd: -1, reports: map[uint64]*timer{}}
	for at := 8; at+13 <= len(b); {
		kind, off, n := b[at], binary.BigEndian.Uint64(b[at+1:]), int(binary.BigEndian.Uint32(b[at+9:]))
		if at+13+n > len(b) {
			break
		}
		if off > maxBlock || uint64(n) > maxBlock-off || kind == recRedEnd && n != 0 {
			return nil, storeError(name, fmt.Sprintf("a record at offset %d of %d bytes", off, n), at)
		}
		data := b[at+13 : at+13+n]
		switch kind {
		case recData:
			end := int(off) + n
			if end > len(im.data) {
				im.data = append(im.data, make([]byte, end-len(im.data))...)
			}
			copy(im.data[off:], data)
			im.got = im.got.add(int(off), end)
		case recRedEnd:
			im.redEnd = int(off)
		default:
			return nil, storeError(name, fmt.Sprintf("unknown record kind %d", kind), at)
		}
		at += 13 + n
	}
	return im, nil
}

// maxBlock bounds a block the store reads back (a corrupt length must not
// allocate without end).
const maxBlock = DefaultMaxBlock
