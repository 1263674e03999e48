package station

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
)

// FileSink keeps telemetry as JSON lines in a file, one packet a line,
// each packet once. Write takes a packet in memory; Sync writes what was
// taken since the last Sync after the file's last whole line and fsyncs.
// A Sync that fails (a full disk) cuts what it may have half written and
// keeps the packets, which the next Sync writes again: the file only ever
// holds whole lines, and the station recovers by itself once the disk
// has room. Nothing is acknowledged to a satellite before Sync returns
// nil, so a packet is on the ground exactly once or still onboard.
type FileSink struct {
	mu      sync.Mutex
	f       SinkFile
	path    string
	size    int64 // bytes of whole lines in the file
	pending []byte
	have    map[packetKey]bool // in the file or pending
	failed  bool
	// NoSync skips the fsync (accelerated simulations only: there a
	// millisecond of fsync is many seconds of virtual time).
	NoSync bool
	// OnProblem, if set, is told when writing starts failing (the error)
	// and when it works again ("").
	OnProblem func(text string)
	// Recovered says what opening the file repaired ("" nothing).
	Recovered string
}

type packetKey struct {
	sat int
	no  uint32
}

// SinkFile is what a FileSink writes to: an *os.File, or a test's file
// that fails as a full disk does.
type SinkFile interface {
	io.WriterAt
	io.Closer
	Sync() error
	Truncate(size int64) error
}

// OpenFileSink opens (creating) the telemetry file at path. A torn last
// line (a crash in the middle of a write) is cut, and the packets the file
// holds are remembered so that a satellite's resend of one is not kept
// twice.
func OpenFileSink(path string) (*FileSink, error) {
	return OpenFileSinkWith(path, nil)
}

// OpenFileSinkWith is OpenFileSink writing through wrap(file) (nil: the
// file itself): a test's seam for a disk that fills up.
func OpenFileSinkWith(path string, wrap func(*os.File) SinkFile) (*FileSink, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	var sf SinkFile = f
	if wrap != nil {
		sf = wrap(f)
	}
	s := &FileSink{f: sf, path: path, have: map[packetKey]bool{}}
	if err := s.load(f); err != nil {
		f.Close()
		return nil, err
	}
	return s, nil
}

// load reads the file's packets and cuts a torn tail.
func (s *FileSink) load(f *os.File) error {
	r := bufio.NewReaderSize(f, 256<<10)
	var off int64
	bad := 0
	for {
		line, err := r.ReadBytes('\n')
		if err == io.EOF {
			if len(line) > 0 {
				if terr := f.Truncate(off); terr != nil {
					return fmt.Errorf("%s: cutting a torn last line at byte %d: %w", s.path, off, terr)
				}
				s.Recovered = fmt.Sprintf("%s: cut a torn last line of %d bytes at byte %d", s.path, len(line), off)
			}
			break
		}
		if err != nil {
			return fmt.Errorf("%s: byte %d: %w", s.path, off, err)
		}
		var k struct {
			Sat int    `json:"sat"`
			No  uint32 `json:"no"`
		}
		if json.Unmarshal(bytes.TrimSpace(line), &k) == nil {
			s.have[packetKey{k.Sat, k.No}] = true
		} else {
			bad++ // a line merged by an older version's torn write: kept, never read as a packet
		}
		off += int64(len(line))
	}
	s.size = off
	if bad > 0 {
		s.Recovered += fmt.Sprintf("%s%s: %d lines are not packets (kept as they are)", map[bool]string{true: "; ", false: ""}[s.Recovered != ""], s.path, bad)
	}
	return nil
}

// NewFileSink keeps telemetry in f, from its start (tests; OpenFileSink
// opens a file).
func NewFileSink(f SinkFile) *FileSink {
	return &FileSink{f: f, have: map[packetKey]bool{}}
}

// Write takes a packet; a packet the file already holds is taken as
// written.
func (s *FileSink) Write(tm *TM) error {
	b, err := json.Marshal(tm)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := packetKey{tm.Sat, tm.No}
	if s.have[k] {
		return nil
	}
	s.have[k] = true
	s.pending = append(append(s.pending, b...), '\n')
	return nil
}

// Sync makes every packet written durable.
func (s *FileSink) Sync() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.pending) == 0 {
		return nil
	}
	err := s.write()
	if err != nil {
		if !s.failed && s.OnProblem != nil {
			s.OnProblem(fmt.Sprintf("telemetry not stored, nothing acknowledged: %v", err))
		}
		s.failed = true
		return err
	}
	if s.failed && s.OnProblem != nil {
		s.OnProblem("")
	}
	s.failed = false
	s.size += int64(len(s.pending))
	s.pending = s.pending[:0]
	return nil
}

// write writes the pending lines after the last whole line; on failure it
// cuts whatever it wrote.
func (s *FileSink) write() error {
	_, err := s.f.WriteAt(s.pending, s.size)
	if err == nil && !s.NoSync {
		err = s.f.Sync()
	}
	if err != nil {
		if terr := s.f.Truncate(s.size); terr != nil {
			err = errors.Join(err, fmt.Errorf("cutting back to %d bytes: %w", s.size, terr))
		}
		if s.path != "" {
			err = fmt.Errorf("%s: %w", s.path, err)
		}
	}
	return err
}

// Close syncs and closes the file.
func (s *FileSink) Close() error {
	err := s.Sync()
	s.mu.Lock()
	defer s.mu.Unlock()
	return errors.Join(err, s.f.Close())
}
