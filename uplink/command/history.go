package command

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"syscall"
	"time"
)

// Verification stages recorded in the history.
const (
	Queued = "queued"
	// Accepted: taken by the station's FOP-1 for the sequence-controlled
	// service (CCSDS links), to go as soon as its window has room.
	Accepted = "accepted"
	Sent     = "sent"
	// Acknowledged: the spacecraft's CLCW says FARM-1 took the frame
	// (CCSDS links): it is onboard, in order, exactly once.
	Acknowledged = "acknowledged"
	Received     = "received"
	Executed     = "executed"
	Failed       = "failed"
	// Cancelled: withdrawn before it was sent (a procedure aborted, or an
	// operator cancelled it).
	Cancelled = "cancelled"
)

// Final reports whether a stage ends a command's life.
func Final(stage string) bool { return stage == Executed || stage == Failed || stage == Cancelled }

// Record is one line of the history: a command queued, or a later stage.
type Record struct {
	ID      uint32    `json:"id"`
	Sat     int       `json:"sat"`
	Stage   string    `json:"stage"`
	Time    time.Time `json:"time"` // when the stage was reached
	Name    string    `json:"name,omitempty"`
	Opcode  uint16    `json:"opcode,omitempty"`
	Args    []string  `json:"args,omitempty"`    // name=value, as validated
	Payload []byte    `json:"payload,omitempty"` // encoded arguments
	At      time.Time `json:"at,omitempty"`      // time tag: execute at this onboard time
	Station string    `json:"station,omitempty"` // who sent it, or heard the verification
	Reason  string    `json:"reason,omitempty"`  // why it failed
	Hazard  bool      `json:"hazardous,omitempty"`
	// Operator is who queued it or recorded the stage (a person's name,
	// or a procedure's); Proc names the procedure and its step
	// ("heater.star step 2") when a procedure sent it.
	Operator string `json:"operator,omitempty"`
	Proc     string `json:"proc,omitempty"`
}

// Command is a command with its stages.
type Command struct {
	Record          // as queued
	Stages []Record // every stage, in order
}

// stageRank orders the stages: a command sent after it was cancelled
// (the two crossed) stays cancelled, one heard from onboard shows what
// the satellite said.
var stageRank = map[string]int{Queued: 0, Accepted: 1, Sent: 2, Cancelled: 3, Acknowledged: 4, Received: 5, Executed: 6, Failed: 6}

// State is the most advanced stage reached: verifications can arrive out
// of order over a lossy link (executed before a retransmitted received),
// and a final stage is never undone.
func (c *Command) State() string {
	best := c.Stages[0]
	for _, s := range c.Stages[1:] {
		if stageRank[s.Stage] > stageRank[best.Stage] {
			best = s
		}
	}
	return best.Stage
}

// Last returns the record of the state's stage (its time, station, reason).
func (c *Command) Last() Record {
	st := c.State()
	for i := len(c.Stages) - 1; i >= 0; i-- {
		if c.Stages[i].Stage == st {
			return c.Stages[i]
		}
	}
	return c.Stages[len(c.Stages)-1]
}

// History is the persistent command history: an append-only JSON-lines
// file, shared by processes (appends hold an exclusive flock).
type History struct {
	path string
	mu   sync.Mutex
	// NoSync skips the fsync after appends (accelerated simulations only).
	NoSync bool
	// Appended, if set, is told of every record this process appended
	// (Queue, Stage, Cancel), after it is in the file; not of those Put
	// brought from elsewhere. A station's control-plane link publishes
	// them.
	Appended func(Record)
	// Queuer and Canceller, if set, queue and cancel somewhere else (the
	// network's control plane, whose service gives the id); the records
	// come back into this history through Put.
	Queuer    func(Record) (uint32, error)
	Canceller func(id uint32, at time.Time, who, reason string) (bool, error)

	// cache of the parsed file, valid while its size is unchanged
	cacheSize int64
	cache     []Record
}

// OpenHistory opens (creating) the history at path.
func OpenHistory(path string) (*History, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDONLY, 0o644)
	if err != nil {
		return nil, err
	}
	f.Close()
	return &History{path: path}, nil
}

// locked runs fn with the file open for appending under an exclusive lock.
func (h *History) locked(fn func(f *os.File) error) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	f, err := os.OpenFile(h.path, os.O_RDWR|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		return err
	}
	defer syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return fn(f)
}

func (h *History) appendRecord(f *os.File, r Record) error {
	if err := h.write(f, r); err != nil {
		return err
	}
	if h.Appended != nil {
		h.Appended(r)
	}
	return nil
}

func (h *History) write(f *os.File, r Record) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		return err
	}
	if h.NoSync {
		return nil
	}
	return f.Sync()
}

// Put records r as it is, unless the history holds the same record (id,
// stage, station and time): a command queued elsewhere with its
// network-wide id, or a stage another station saw, as the control plane
// brings them. It reports whether r was new.
func (h *History) Put(r Record) (bool, error) {
	added := false
	err := h.locked(func(f *os.File) error {
		recs, err := h.records()
		if err != nil {
			return err
		}
		for _, x := range recs {
			if x.ID == r.ID && x.Stage == r.Stage && x.Station == r.Station && x.Time.Equal(r.Time) {
				return nil
			}
		}
		added = true
		return h.write(f, r)
	})
	return added, err
}

// records returns the parsed file, re-reading it only when it changed.
// Callers hold h.mu.
func (h *History) records() ([]Record, error) {
	fi, err := os.Stat(h.path)
	if err != nil {
		return nil, err
	}
	if fi.Size() == h.cacheSize && h.cache != nil {
		return h.cache, nil
	}
	recs, err := readAll(h.path)
	if err != nil {
		return nil, err
	}
	h.cache, h.cacheSize = recs, fi.Size()
	return recs, nil
}

// Queue validates nothing (the caller has, with Def.Validate): it gives
// the command the next id and records it as queued.
func (h *History) Queue(r Record) (uint32, error) {
	if h.Queuer != nil {
		return h.Queuer(r)
	}
	var id uint32
	err := h.locked(func(f *os.File) error {
		recs, err := readAll(f.Name())
		if err != nil {
			return err
		}
		for _, x := range recs {
			id = max(id, x.ID)
		}
		id++
		r.ID, r.Stage = id, Queued
		return h.appendRecord(f, r)
	})
	return id, err
}

// Stage records a later stage of command id.
func (h *History) Stage(id uint32, sat int, stage string, at time.Time, station, reason string) error {
	return h.locked(func(f *os.File) error {
		return h.appendRecord(f, Record{ID: id, Sat: sat, Stage: stage, Time: at, Station: station, Reason: reason})
	})
}

// Cancel withdraws command id if it is still queued (never sent),
// recording who and why; it reports whether it did.
func (h *History) Cancel(id uint32, at time.Time, who, reason string) (bool, error) {
	if h.Canceller != nil {
		return h.Canceller(id, at, who, reason)
	}
	done := false
	err := h.locked(func(f *os.File) error {
		recs, err := readAll(f.Name())
		if err != nil {
			return err
		}
		var c *Command
		for _, r := range recs {
			if r.ID != id {
				continue
			}
			if c == nil {
				if r.Stage != Queued {
					continue
				}
				c = &Command{Record: r}
			}
			c.Stages = append(c.Stages, r)
		}
		if c == nil || c.State() != Queued {
			return nil
		}
		done = true
		return h.appendRecord(f, Record{ID: id, Sat: c.Sat, Stage: Cancelled, Time: at, Operator: who, Reason: reason})
	})
	return done, err
}

// Commands returns every command with its stages, by id.
func (h *History) Commands() ([]*Command, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	recs, err := h.records()
	if err != nil {
		return nil, err
	}
	byID := map[uint32]*Command{}
	var out []*Command
	for _, r := range recs {
		c := byID[r.ID]
		if r.Stage == Queued {
			if c != nil {
				continue
			}
			c = &Command{Record: r}
			byID[r.ID] = c
			out = append(out, c)
		}
		if c == nil {
			continue // a stage of a command we never saw queued
		}
		c.Stages = append(c.Stages, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// Pending returns sat's commands that have not been received onboard yet,
// in queue order.
func (h *History) Pending(sat int) ([]*Command, error) {
	all, err := h.Commands()
	if err != nil {
		return nil, err
	}
	var out []*Command
	for _, c := range all {
		if st := c.State(); c.Sat == sat && (st == Queued || st == Accepted || st == Sent) {
			out = append(out, c)
		}
	}
	return out, nil
}

func readAll(path string) ([]Record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Record
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		var r Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			// a torn last line after a crash is skipped, anything else is an error
			if !sc.Scan() {
				break
			}
			return nil, fmt.Errorf("%s:%d: %v", path, line, err)
		}
		out = append(out, r)
	}
	return out, sc.Err()
}
