package ltp

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"time"
)

// Config is an engine's environment. The engine does no I/O and starts no
// goroutine: segments go out through Send, come in through Handle, and
// Tick runs its timers, each at the time it is given (Serve drives it
// over UDP).
type Config struct {
	Engine  uint64 // this engine's id
	Segment int    // data bytes per data segment (default 1024)
	// Send transmits one segment to engine to.
	Send func(to uint64, seg []byte)
	// Deliver takes a block whose red part arrived whole.
	Deliver func(from SessionID, client uint64, block []byte)
	// Done says how an export session ended: nil when its red part was
	// acknowledged whole, else why not.
	Done func(s SessionID, err error)
	// RoundTrip is how long, after sending a checkpoint or a report to
	// peer, its answer may take: twice the one-way light time plus the
	// time the peer may hold it (default 2 s).
	RoundTrip func(peer uint64) time.Duration
	// Up says whether the link to peer is up at now. Timers do not run
	// while it is down: a checkpoint sent just before LOS is not resent
	// into the gap, and the session waits out outages of hours (nil:
	// always up).
	Up func(peer uint64, now time.Time) bool
	// Limit is how many times a checkpoint or report is resent before the
	// session is cancelled (default 20).
	Limit int
	// Store keeps the sessions across a restart of the engine (nil: in
	// memory only). With one, no red part is lost to a restart of either
	// end: a block is on disk before its first segment goes, red data
	// before a report claims it, and Restore takes both up again.
	Store *Store
	// Log takes what the engine could not do (a store that fails).
	Log func(format string, args ...any)
	// MaxBlock bounds the blocks the engine takes (default
	// DefaultMaxBlock): a data segment beyond it is dropped, as a segment
	// offset of terabytes must not make the engine reserve them.
	MaxBlock int
}

// DefaultMaxBlock is Config.MaxBlock's default.
const DefaultMaxBlock = 64 << 20

// ErrCancelled is the error of a session the peer cancelled.
var ErrCancelled = errors.New("ltp: session cancelled by the peer")

// Engine is an LTP engine: the export sessions of the blocks it sends and
// the import sessions of those it receives. It is not safe for concurrent
// use.
type Engine struct {
	cfg     Config
	next    uint64
	exports map[uint64]*export
	imports map[SessionID]*importSession
	closed  map[SessionID]time.Time // finished import sessions, to answer late checkpoints
	last    time.Time               // the previous Tick
	serial  uint64
	due     []*timer // Tick's scratch
}

// New returns an engine.
func New(cfg Config) *Engine {
	if cfg.Segment <= 0 {
		cfg.Segment = 1024
	}
	if cfg.Limit <= 0 {
		cfg.Limit = 20
	}
	if cfg.MaxBlock <= 0 {
		cfg.MaxBlock = DefaultMaxBlock
	}
	return &Engine{cfg: cfg, next: 1, serial: 1, exports: map[uint64]*export{}, imports: map[SessionID]*importSession{}, closed: map[SessionID]time.Time{}}
}

// timer is a checkpoint or report waiting for its answer.
type timer struct {
	seg      []byte
	deadline time.Time
	tries    int
}

type export struct {
	to, client uint64
	block      []byte
	red        int
	claimed    ranges
	cps        map[uint64]*timer // by checkpoint serial
}

type importSession struct {
	from      SessionID
	client    uint64
	data      []byte
	got       ranges
	redEnd    int // -1 until the end of the red part is seen
	delivered bool
	reports   map[uint64]*timer // by report serial
}

func (e *Engine) roundTrip(peer uint64) time.Duration {
	if e.cfg.RoundTrip != nil {
		return e.cfg.RoundTrip(peer)
	}
	return 2 * time.Second
}

func (e *Engine) logf(format string, args ...any) {
	if e.cfg.Log != nil {
		e.cfg.Log(format, args...)
	}
}

// Restore takes up the sessions the store holds (call it once, before
// anything else): each block being sent goes again where the peer has
// not claimed it, ending in a checkpoint; a block received whole but not
// yet delivered is delivered; the rest of a block being received comes
// when its sender's checkpoint timer runs out.
func (e *Engine) Restore(now time.Time) error {
	if e.cfg.Store == nil {
		return nil
	}
	if err := e.cfg.Store.load(e); err != nil {
		return err
	}
	for n, x := range e.exports {
		id := SessionID{Engine: e.cfg.Engine, Number: n}
		if x.claimed.covers(0, x.red) {
			e.finishExport(id)
			continue
		}
		e.resendGaps(id, x, 0, x.red, 0, now)
	}
	for id, im := range e.imports {
		e.deliver(id, im, now)
	}
	return nil
}

func (e *Engine) send(to uint64, s *Segment) []byte {
	b := s.Append(nil)
	e.cfg.Send(to, b)
	return b
}

// Send starts an export session for block to engine to's client service
// client, its first red bytes red (the rest green; red < 0: all red), and
// returns the session's id.
func (e *Engine) Send(to, client uint64, block []byte, red int, now time.Time) SessionID {
	if red < 0 || red > len(block) {
		red = len(block)
	}
	id := SessionID{Engine: e.cfg.Engine, Number: e.next}
	e.next++
	x := &export{to: to, client: client, block: block, red: red, cps: map[uint64]*timer{}}
	if st := e.cfg.Store; st != nil && red > 0 {
		if err := errors.Join(st.saveNext(e.next), st.saveExport(id.Number, x)); err != nil {
			st.dropExport(id.Number)
			e.done(id, fmt.Errorf("ltp: session %d: not stored, not sent: %w", id.Number, err))
			return id
		}
	}
	e.exports[id.Number] = x
	for off := 0; off < len(block); {
		end := min(off+e.cfg.Segment, len(block))
		if off < red {
			end = min(end, red) // the red part's last segment ends with it
		}
		s := &Segment{Session: id, Client: client, Offset: uint64(off), Data: block[off:end]}
		switch {
		case end < red:
			s.Type = RedData
		case end == red && red == len(block):
			s.Type = RedCPEORPEOB
		case end == red:
			s.Type = RedCPEORP
		case end == len(block):
			s.Type = GreenEOB
		default:
			s.Type = GreenData
		}
		if IsCheckpoint(s.Type) {
			s.Checkpoint = e.nextSerial()
			x.cps[s.Checkpoint] = &timer{seg: e.send(to, s), deadline: now.Add(e.roundTrip(to))}
		} else {
			e.send(to, s)
		}
		off = end
	}
	if red == 0 {
		e.finishExport(id) // all green: nothing to wait for
	}
	return id
}

// finishExport ends an export session whose red part the peer holds.
func (e *Engine) finishExport(id SessionID) {
	delete(e.exports, id.Number)
	if st := e.cfg.Store; st != nil {
		if err := st.dropExport(id.Number); err != nil {
			e.logf("ltp: session %d: %v", id.Number, err)
		}
	}
	e.done(id, nil)
}

// dropExport ends an export session that failed.
func (e *Engine) dropExport(id SessionID, err error) {
	delete(e.exports, id.Number)
	if st := e.cfg.Store; st != nil {
		if err := st.dropExport(id.Number); err != nil {
			e.logf("ltp: session %d: %v", id.Number, err)
		}
	}
	e.done(id, err)
}

func (e *Engine) nextSerial() uint64 {
	e.serial++
	return e.serial
}

func (e *Engine) done(id SessionID, err error) {
	if e.cfg.Done != nil {
		e.cfg.Done(id, err)
	}
}

// Handle takes one segment from the link.
func (e *Engine) Handle(b []byte, now time.Time) error {
	s, err := Decode(b)
	if err != nil {
		return err
	}
	switch {
	case IsData(s.Type):
		e.data(s, now)
	case s.Type == Report:
		e.report(s, now)
	case s.Type == ReportAck:
		if im := e.imports[s.Session]; im != nil {
			delete(im.reports, s.Serial)
			if im.delivered && len(im.reports) == 0 {
				e.closeImport(s.Session, now)
			}
		}
	case s.Type == CancelSender: // the sender gave up: acknowledge, forget
		e.send(s.Session.Engine, &Segment{Type: CancelAckToS, Session: s.Session})
		if _, ok := e.imports[s.Session]; ok {
			e.closeImport(s.Session, now)
		}
	case s.Type == CancelRecv:
		if s.Session.Engine == e.cfg.Engine {
			if x := e.exports[s.Session.Number]; x != nil {
				e.send(x.to, &Segment{Type: CancelAckToR, Session: s.Session})
				e.dropExport(s.Session, fmt.Errorf("%w (reason %d)", ErrCancelled, s.Reason))
			}
		}
	}
	return nil
}

func (e *Engine) data(s *Segment, now time.Time) {
	from := s.Session.Engine
	if _, ok := e.closed[s.Session]; ok {
		if IsCheckpoint(s.Type) {
			// a checkpoint resent after our last report was lost: the
			// whole red part is here
			e.send(from, &Segment{Type: Report, Session: s.Session, Serial: e.nextSerial(), Checkpoint: s.Checkpoint,
				Upper: s.Offset + uint64(len(s.Data)), Claims: []Claim{{0, s.Offset + uint64(len(s.Data))}}})
		}
		return
	}
	if !IsRed(s.Type) {
		return // green data: best effort, not kept
	}
	if s.Offset > uint64(e.cfg.MaxBlock) || int(s.Offset)+len(s.Data) > e.cfg.MaxBlock {
		e.logf("ltp: session %d of engine %d: data at offset %d, past the %d-byte limit of a block (dropped)", s.Session.Number, from, s.Offset, e.cfg.MaxBlock)
		return
	}
	im := e.imports[s.Session]
	end := int(s.Offset) + len(s.Data)
	redEnd := s.Type == RedCPEORP || s.Type == RedCPEORPEOB
	if st := e.cfg.Store; st != nil && (im == nil || !im.delivered) {
		// on disk before any report claims it; a segment that cannot be
		// kept is dropped (its sender sends it again)
		err := st.saveImportData(s.Session, s.Client, im == nil, recData, int(s.Offset), s.Data)
		if err == nil && redEnd {
			err = st.saveImportData(s.Session, s.Client, false, recRedEnd, end, nil)
		}
		if err != nil {
			e.logf("ltp: session %d of engine %d: %v (segment dropped)", s.Session.Number, from, err)
			return
		}
	}
	if im == nil {
		im = &importSession{from: s.Session, client: s.Client, redEnd: -1, reports: map[uint64]*timer{}}
		e.imports[s.Session] = im
	}
	if end > len(im.data) {
		im.data = append(im.data, make([]byte, end-len(im.data))...)
	}
	copy(im.data[s.Offset:], s.Data)
	im.got = im.got.add(int(s.Offset), end)
	if redEnd {
		im.redEnd = end
	}
	// the client has the block before a report claims all of it
	e.deliver(s.Session, im, now)
	if IsCheckpoint(s.Type) {
		r := &Segment{Type: Report, Session: s.Session, Serial: e.nextSerial(), Checkpoint: s.Checkpoint, Upper: uint64(end)}
		for _, g := range im.got.clip(0, end) {
			r.Claims = append(r.Claims, Claim{Offset: uint64(g.lo), Length: uint64(g.hi - g.lo)})
		}
		im.reports[r.Serial] = &timer{seg: e.send(from, r), deadline: now.Add(e.roundTrip(from))}
	}
}

// deliver hands the client a block whose red part is whole, once; with a
// store, the session is then recorded finished (a restart does not
// deliver it again).
func (e *Engine) deliver(id SessionID, im *importSession, now time.Time) {
	if im.delivered || im.redEnd < 0 || !im.got.covers(0, im.redEnd) {
		return
	}
	im.delivered = true
	if e.cfg.Deliver != nil {
		e.cfg.Deliver(id, im.client, im.data[:im.redEnd])
	}
	if st := e.cfg.Store; st != nil {
		if err := st.closeImport(id, now); err != nil {
			e.logf("ltp: session %d of engine %d: %v", id.Number, id.Engine, err)
		}
	}
}

func (e *Engine) report(s *Segment, now time.Time) {
	if s.Session.Engine != e.cfg.Engine {
		return
	}
	// acknowledge every report, also of sessions already over
	x := e.exports[s.Session.Number]
	to := s.Session.Engine
	if x != nil {
		to = x.to
	}
	e.send(to, &Segment{Type: ReportAck, Session: s.Session, Serial: s.Serial})
	if x == nil {
		return
	}
	delete(x.cps, s.Checkpoint)
	for _, c := range s.Claims {
		lo := int(s.Lower + c.Offset)
		hi := min(x.red, lo+int(c.Length))
		if lo >= hi {
			continue
		}
		x.claimed = x.claimed.add(lo, hi)
		if st := e.cfg.Store; st != nil {
			if err := st.saveClaim(s.Session.Number, lo, hi); err != nil {
				e.logf("ltp: session %d: %v", s.Session.Number, err) // only resent again after a restart
			}
		}
	}
	if x.claimed.covers(0, x.red) {
		e.finishExport(s.Session)
		return
	}
	e.resendGaps(s.Session, x, int(s.Lower), min(x.red, int(s.Upper)), s.Serial, now)
}

// resendGaps sends again what the peer has not claimed of lo-hi, the last
// piece a checkpoint (answering report serial rs, 0: none).
func (e *Engine) resendGaps(id SessionID, x *export, lo, hi int, rs uint64, now time.Time) {
	missing := x.claimed.gaps(lo, hi)
	var segs []*Segment
	for _, g := range missing {
		for off := g.lo; off < g.hi; off += e.cfg.Segment {
			end := min(off+e.cfg.Segment, g.hi)
			segs = append(segs, &Segment{Type: RedData, Session: id, Client: x.client, Offset: uint64(off), Data: x.block[off:end]})
		}
	}
	if len(segs) == 0 {
		return
	}
	last := segs[len(segs)-1]
	last.Type = RedCP
	if int(last.Offset)+len(last.Data) == x.red {
		last.Type = RedCPEORP
		if x.red == len(x.block) {
			last.Type = RedCPEORPEOB
		}
	}
	last.Checkpoint, last.Serial = e.nextSerial(), rs
	for _, seg := range segs[:len(segs)-1] {
		e.send(x.to, seg)
	}
	x.cps[last.Checkpoint] = &timer{seg: e.send(x.to, last), deadline: now.Add(e.roundTrip(x.to))}
}

func (e *Engine) closeImport(id SessionID, now time.Time) {
	im := e.imports[id]
	delete(e.imports, id)
	e.closed[id] = now
	if st := e.cfg.Store; st != nil && (im == nil || !im.delivered) { // (a delivered one is recorded)
		if err := st.closeImport(id, now); err != nil {
			e.logf("ltp: session %d of engine %d: %v", id.Number, id.Engine, err)
		}
	}
}

// closedFor is how long a finished import session is remembered.
const closedFor = 24 * time.Hour

// Tick resends the checkpoints and reports whose answers are overdue, and
// cancels the sessions that have resent too often. Time the link to a
// peer was down (Config.Up) since the previous Tick does not count.
func (e *Engine) Tick(now time.Time) {
	elapsed := time.Duration(0)
	if !e.last.IsZero() && now.After(e.last) {
		elapsed = now.Sub(e.last)
	}
	e.last = now
	up := func(peer uint64) bool { return e.cfg.Up == nil || e.cfg.Up(peer, now) }
	for n, x := range e.exports {
		if !e.resend(x.to, x.cps, up(x.to), now, elapsed) {
			id := SessionID{Engine: e.cfg.Engine, Number: n}
			e.send(x.to, &Segment{Type: CancelSender, Session: id, Reason: ReasonRLEXC})
			e.dropExport(id, fmt.Errorf("ltp: session %d to engine %d: checkpoint resent %d times unanswered", n, x.to, e.cfg.Limit))
		}
	}
	for id, im := range e.imports {
		if !e.resend(id.Engine, im.reports, up(id.Engine), now, elapsed) {
			e.send(id.Engine, &Segment{Type: CancelRecv, Session: id, Reason: ReasonRLEXC})
			delete(e.imports, id)
			if st := e.cfg.Store; st != nil {
				if err := st.dropImport(id); err != nil {
					e.logf("ltp: session %d of engine %d: %v", id.Number, id.Engine, err)
				}
			}
		}
	}
	for id, at := range e.closed {
		if now.Sub(at) > closedFor {
			delete(e.closed, id)
			if st := e.cfg.Store; st != nil {
				if err := st.forgetClosed(id); err != nil {
					e.logf("ltp: session %d of engine %d: %v", id.Number, id.Engine, err)
				}
			}
		}
	}
}

// resend runs one session's checkpoint or report timers: while the link
// to peer is down they are pushed back by the time elapsed (suspended);
// else those due are sent again, earliest first. It reports false when
// one has been resent more than the limit: the session is to be
// cancelled.
func (e *Engine) resend(peer uint64, timers map[uint64]*timer, up bool, now time.Time, elapsed time.Duration) bool {
	due := e.due[:0]
	for _, t := range timers {
		switch {
		case !up:
			t.deadline = t.deadline.Add(elapsed)
		case !now.Before(t.deadline):
			due = append(due, t)
		}
	}
	e.due = due
	if len(due) > 1 {
		sort.Slice(due, func(i, j int) bool { return due[i].deadline.Before(due[j].deadline) })
	}
	for _, t := range due {
		if t.tries++; t.tries > e.cfg.Limit {
			return false
		}
		e.cfg.Send(peer, t.seg)
		t.deadline = now.Add(e.roundTrip(peer))
	}
	return true
}

// Sending returns the open export session carrying block to engine to's
// client service client, if there is one (one taken up again after a
// restart, say).
func (e *Engine) Sending(to, client uint64, block []byte) (SessionID, bool) {
	for n, x := range e.exports {
		if x.to == to && x.client == client && bytes.Equal(x.block, block) {
			return SessionID{Engine: e.cfg.Engine, Number: n}, true
		}
	}
	return SessionID{}, false
}

// Pending is how many export and import sessions are open.
func (e *Engine) Pending() (exports, imports int) { return len(e.exports), len(e.imports) }
