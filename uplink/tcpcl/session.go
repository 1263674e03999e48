package tcpcl

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Config is one end's part of a session.
type Config struct {
	NodeID string // this node's id, e.g. "ipn:1.0"
	// LocalID, when set, is the node id the passive end gives a peer
	// that said who it is ("" or nil: NodeID): a node known to some
	// peers by another of its ids (a dtn: one, to a peer that does not
	// take ipn:N.0).
	LocalID func(peer string) string
	// TLS, if set, is offered (CAN_TLS) and then required: a peer that
	// does not offer TLS is refused unless AllowPlain, or unless
	// PlainPeer says yes for the node id the peer gives in SESS_INIT (a
	// policy per peer, which RFC 9174 section 4.3 leaves to the entity:
	// a named peer that has no TLS).
	TLS        *tls.Config
	AllowPlain bool
	PlainPeer  func(nodeID string) bool
	// Keepalive is the interval proposed (the session uses the smaller
	// of both ends'; 0 here means 30 s, negative means none).
	Keepalive time.Duration
	// SegmentMRU and TransferMRU are the largest segment and bundle this
	// end accepts (defaults 64 KiB and 16 MiB); Segment is the largest
	// it sends (default 64 KiB, and never more than the peer's MRU).
	SegmentMRU, TransferMRU, Segment uint64
	// Receive takes a complete incoming bundle. It must return only once
	// the bundle is durable: the sender forgets it when the final
	// acknowledgement arrives. An error refuses the transfer, with the
	// reason Refuse gave it (RefuseNotAcceptable otherwise).
	Receive func(peer string, bundle []byte) error
	Log     io.Writer
	// Version3, when set, takes the connections Serve accepts whose
	// contact header says TCPCL version 3 (RFC 7242: NASA's ION), the
	// header unread.
	Version3 func(c net.Conn)
	// Dial opens the connection for Dial (nil: TCP); a test on a
	// simulated clock connects in memory.
	Dial func(ctx context.Context, addr string) (net.Conn, error)
}

func (c *Config) defaults() {
	if c.Keepalive == 0 {
		c.Keepalive = 30 * time.Second
	}
	if c.SegmentMRU == 0 {
		c.SegmentMRU = 64 << 10
	}
	if c.TransferMRU == 0 {
		c.TransferMRU = 16 << 20
	}
	if c.Segment == 0 {
		c.Segment = 64 << 10
	}
	if c.Log == nil {
		c.Log = io.Discard
	}
}

// RefusedError is a transfer the peer refused.
type RefusedError struct{ Reason Reason }

func (e *RefusedError) Error() string { return "tcpcl: transfer refused: " + e.Reason.String() }

// AlreadyHeld says the peer refused the bundle because it has it.
func (e *RefusedError) AlreadyHeld() bool { return e.Reason == RefuseCompleted }

type refusal struct {
	reason Reason
	err    error
}

func (r *refusal) Error() string { return r.err.Error() }
func (r *refusal) Unwrap() error { return r.err }

// Refuse wraps err, returned by Config.Receive, with the reason the
// transfer is refused for.
func Refuse(reason Reason, err error) error { return &refusal{reason, err} }

// TerminatedError is why a session ended by SESS_TERM.
type TerminatedError struct {
	Reason TermReason
	ByPeer bool
}

func (e *TerminatedError) Error() string {
	who := "this node"
	if e.ByPeer {
		who = "the peer"
	}
	return fmt.Sprintf("tcpcl: session terminated by %s: %s", who, e.Reason)
}

// ErrClosed is returned by Send on a session that is ending or ended.
var ErrClosed = errors.New("tcpcl: session closed")

// Stats count a session's traffic.
type Stats struct {
	Sent, Received, Refused int   // transfers
	BytesSent, BytesRecv    int64 // bundle bytes
}

// Session is an established TCPCL session. Send may be called from
// several goroutines (transfers go one at a time).
type Session struct {
	cfg       Config
	conn      net.Conn
	rd        *Reader
	Peer      string               // the peer's node id (authenticated by its certificate when TLS is up)
	Local     string               // the node id this end gave
	TLS       *tls.ConnectionState // nil without TLS
	Keepalive time.Duration        // negotiated (0: none)
	peerSeg   uint64
	peerXfer  uint64

	wmu       sync.Mutex // serialises writes on conn
	lastWrite atomic.Int64

	cmu  sync.Mutex
	ctl  [][]byte      // control messages waiting for the writer; guarded by cmu
	kick chan struct{} // wakes the writer

	xmu     sync.Mutex // one outgoing transfer at a time
	nextID  uint64     // guarded by xmu
	replies chan *Msg  // XFER_ACK and XFER_REFUSE from the peer

	rx struct { // the incoming transfer; owned by the read loop
		id      uint64
		active  bool
		refused bool
		buf     []byte
	}

	smu     sync.Mutex
	stats   Stats // guarded by smu
	ending  atomic.Bool
	term    atomic.Pointer[TerminatedError] // the peer's SESS_TERM
	done    chan struct{}
	endOnce sync.Once
	err     error // why it ended; set before done closes
	termed  chan struct{}
}

// Dial opens a session with the node at addr. If peer is not empty, the
// peer must be that node.
func Dial(ctx context.Context, addr, peer string, cfg Config) (*Session, error) {
	dial := cfg.Dial
	if dial == nil {
		dial = func(ctx context.Context, addr string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "tcp", addr)
		}
	}
	c, err := dial(ctx, addr)
	if err != nil {
		return nil, err
	}
	s, err := handshake(ctx, c, cfg, true, peer)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("tcpcl: %s: %w", addr, err)
	}
	return s, nil
}

// Serve accepts sessions on ln until ctx ends, handing each established
// one to handle (in its own goroutine). Failed handshakes are logged.
// It returns once every handler has returned.
func Serve(ctx context.Context, ln net.Listener, cfg Config, handle func(*Session)) error {
	cfg.defaults()
	var wg sync.WaitGroup
	defer wg.Wait()
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if cfg.Version3 != nil {
				// both versions start "dtn!" and the version
				c.SetReadDeadline(time.Now().Add(30 * time.Second))
				br := bufio.NewReader(c)
				if h, err := br.Peek(5); err == nil && string(h[:4]) == "dtn!" && h[4] == 3 {
					c.SetReadDeadline(time.Time{})
					cfg.Version3(&peeked{c, br})
					return
				}
				c.SetReadDeadline(time.Time{})
				c = &peeked{c, br}
			}
			hctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			s, err := handshake(hctx, c, cfg, false, "")
			cancel()
			if err != nil {
				fmt.Fprintf(cfg.Log, "tcpcl: session from %s refused: %v\n", c.RemoteAddr(), err)
				c.Close()
				return
			}
			handle(s)
		}()
	}
}

// peeked is a connection whose first bytes were read into br.
type peeked struct {
	net.Conn
	br *bufio.Reader
}

func (p *peeked) Read(b []byte) (int, error) { return p.br.Read(b) }

// PeerID and LocalID are the two ends' node ids.
func (s *Session) PeerID() string  { return s.Peer }
func (s *Session) LocalID() string { return s.Local }

func handshake(ctx context.Context, c net.Conn, cfg Config, active bool, expect string) (*Session, error) {
	cfg.defaults()
	if dl, ok := ctx.Deadline(); ok {
		c.SetDeadline(dl)
	} else {
		c.SetDeadline(time.Now().Add(30 * time.Second))
	}
	stop := context.AfterFunc(ctx, func() { c.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	mine := ContactHeader(cfg.TLS != nil)
	var theirs [6]byte
	if active {
		if _, err := c.Write(mine); err != nil {
			return nil, err
		}
	}
	if _, err := io.ReadFull(c, theirs[:]); err != nil {
		return nil, fmt.Errorf("reading the contact header: %w", err)
	}
	ver, flags, err := ParseContactHeader(theirs[:])
	if err != nil {
		return nil, err
	}
	if !active {
		if _, err := c.Write(mine); err != nil {
			return nil, err
		}
	}
	if ver != Version {
		if ver > 3 {
			c.Write(Append(nil, &Msg{Type: MsgSessTerm, Reason: uint8(TermVersionMismatch)}))
		}
		return nil, fmt.Errorf("the peer speaks TCPCL version %d, this node %d", ver, Version)
	}
	s := &Session{cfg: cfg, conn: c, kick: make(chan struct{}, 1), replies: make(chan *Msg, 256), done: make(chan struct{}), termed: make(chan struct{})}
	if cfg.TLS != nil && flags&FlagCanTLS != 0 {
		var tc *tls.Conn
		if active {
			tc = tls.Client(c, cfg.TLS)
		} else {
			tc = tls.Server(c, cfg.TLS)
		}
		if err := tc.HandshakeContext(ctx); err != nil {
			return nil, fmt.Errorf("TLS: %w", err)
		}
		cs := tc.ConnectionState()
		s.TLS, s.conn = &cs, tc
	} else if cfg.TLS != nil && !cfg.AllowPlain && cfg.PlainPeer == nil {
		// RFC 9174 4.3: the entity that requires TLS ends the session,
		// with its reason, before anything else is said
		c.Write(Append(nil, &Msg{Type: MsgSessTerm, Reason: uint8(TermContactFailure)}))
		return nil, errors.New("the peer does not offer TLS, and this node requires it")
	}
	s.rd = NewReader(s.conn, DefaultLimits)
	s.rd.lim.Segment = cfg.SegmentMRU
	ka := max(cfg.Keepalive, 0) / time.Second
	init := Append(nil, &Msg{Type: MsgSessInit, Keepalive: uint16(min(ka, 65535)), SegmentMRU: cfg.SegmentMRU, TransferMRU: cfg.TransferMRU, NodeID: cfg.NodeID})
	if active {
		if _, err := s.conn.Write(init); err != nil {
			return nil, err
		}
	}
	m, err := s.rd.Next()
	if err != nil {
		return nil, fmt.Errorf("reading SESS_INIT: %w", err)
	}
	if m.Type == MsgSessTerm {
		return nil, &TerminatedError{Reason: TermReason(m.Reason), ByPeer: true}
	}
	if m.Type != MsgSessInit {
		s.conn.Write(Append(nil, &Msg{Type: MsgReject, Reason: RejectUnexpected, Header: m.Type}))
		return nil, fmt.Errorf("message type %#02x where SESS_INIT was due", m.Type)
	}
	fail := func(why string) (*Session, error) {
		s.conn.Write(Append(nil, &Msg{Type: MsgSessTerm, Reason: uint8(TermContactFailure)}))
		return nil, errors.New(why)
	}
	s.Peer, s.Local = m.NodeID, cfg.NodeID
	if !active && cfg.LocalID != nil {
		if id := cfg.LocalID(m.NodeID); id != "" && id != cfg.NodeID {
			s.Local = id
			init = Append(nil, &Msg{Type: MsgSessInit, Keepalive: uint16(min(ka, 65535)), SegmentMRU: cfg.SegmentMRU, TransferMRU: cfg.TransferMRU, NodeID: id})
		}
	}
	switch {
	case m.NodeID == "":
		return fail("the peer gave no node id")
	case expect != "" && m.NodeID != expect:
		return fail(fmt.Sprintf("the peer is %s, not %s", m.NodeID, expect))
	case cfg.TLS != nil && s.TLS == nil && !cfg.AllowPlain && !cfg.PlainPeer(m.NodeID):
		return fail(fmt.Sprintf("the peer %s does not offer TLS, and this node requires it of every peer not named as having none", m.NodeID))
	case s.TLS != nil && !peerNamed(s.TLS, m.NodeID):
		return fail(fmt.Sprintf("the peer claims node id %s, which its certificate does not name (it names %v)", m.NodeID, NodeIDs(s.TLS.PeerCertificates[0])))
	case m.SegmentMRU == 0:
		return fail("the peer's segment MRU is 0")
	}
	for _, e := range m.Exts {
		if e.Flags&ExtCritical != 0 {
			return fail(fmt.Sprintf("the peer requires session extension %#04x, which this node does not know", e.Type))
		}
	}
	if !active { // the passive end answers once it accepts the peer
		if _, err := s.conn.Write(init); err != nil {
			return nil, err
		}
	}
	s.peerSeg, s.peerXfer = m.SegmentMRU, m.TransferMRU
	if k := time.Duration(m.Keepalive) * time.Second; k > 0 && ka > 0 {
		s.Keepalive = min(k, ka*time.Second)
	}
	c.SetDeadline(time.Time{})
	s.lastWrite.Store(time.Now().UnixNano())
	go s.readLoop()
	go s.writeLoop()
	return s, nil
}

// Stats returns the session's counters.
func (s *Session) Stats() Stats {
	s.smu.Lock()
	defer s.smu.Unlock()
	return s.stats
}

// Done is closed when the session has ended.
func (s *Session) Done() <-chan struct{} { return s.done }

// Err says why the session ended (nil while it runs).
func (s *Session) Err() error {
	select {
	case <-s.done:
		return s.err
	default:
		return nil
	}
}

func (s *Session) end(err error) {
	s.endOnce.Do(func() {
		s.err = err
		s.ending.Store(true)
		close(s.done)
		s.conn.Close()
	})
}

func (s *Session) write(b []byte) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	_, err := s.conn.Write(b)
	s.lastWrite.Store(time.Now().UnixNano())
	return err
}

// control queues a message for the writer: the read loop never blocks
// on a write (two sessions each sending a large transfer would
// otherwise deadlock on full TCP buffers).
func (s *Session) control(m *Msg) {
	s.cmu.Lock()
	s.ctl = append(s.ctl, Append(nil, m))
	s.cmu.Unlock()
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

func (s *Session) writeLoop() {
	// the keepalive leaves when the interval has passed since the last
	// thing written (RFC 9174 5.1.1), not at the next tick of a clock
	var timer *time.Timer
	if s.Keepalive > 0 {
		timer = time.NewTimer(s.Keepalive)
		defer timer.Stop()
	}
	for {
		var tick <-chan time.Time
		if timer != nil {
			timer.Reset(max(time.Until(time.Unix(0, s.lastWrite.Load()).Add(s.Keepalive)), 0))
			tick = timer.C
		}
		select {
		case <-s.done:
			return
		case <-s.kick:
		case <-tick:
			if time.Since(time.Unix(0, s.lastWrite.Load())) >= s.Keepalive {
				if err := s.write(Append(nil, &Msg{Type: MsgKeepalive})); err != nil {
					s.end(err)
					return
				}
			}
			continue
		}
		s.cmu.Lock()
		q := s.ctl
		s.ctl = nil
		s.cmu.Unlock()
		for _, b := range q {
			if err := s.write(b); err != nil {
				s.end(err)
				return
			}
		}
	}
}

func (s *Session) readLoop() {
	for {
		if s.Keepalive > 0 {
			s.conn.SetReadDeadline(time.Now().Add(2 * s.Keepalive))
		}
		m, err := s.rd.Next()
		if err != nil {
			var ne net.Error
			var de *Error
			switch {
			case errors.As(err, &ne) && ne.Timeout():
				s.write(Append(nil, &Msg{Type: MsgSessTerm, Reason: uint8(TermIdleTimeout)}))
				s.end(&TerminatedError{Reason: TermIdleTimeout})
			case errors.As(err, &de) && m != nil:
				s.write(Append(nil, &Msg{Type: MsgReject, Reason: RejectTypeUnknown, Header: m.Type}))
				s.end(err)
			case s.term.Load() != nil:
				s.end(s.term.Load())
			case errors.Is(err, io.EOF) && s.ending.Load():
				s.end(ErrClosed)
			default:
				s.end(err)
			}
			return
		}
		switch m.Type {
		case MsgKeepalive:
		case MsgXferSegment:
			s.segment(m)
		case MsgXferAck, MsgXferRefuse:
			select {
			case s.replies <- m:
			default: // nobody is waiting for that many
			}
		case MsgSessTerm:
			if m.Flags&FlagReply == 0 {
				s.ending.Store(true)
				s.term.Store(&TerminatedError{Reason: TermReason(m.Reason), ByPeer: true})
				s.control(&Msg{Type: MsgSessTerm, Flags: FlagReply, Reason: m.Reason})
				// let the writer send the reply, then close (a timer, not a
				// goroutine: nothing is left waiting once the session ends)
				time.AfterFunc(200*time.Millisecond, func() {
					s.end(&TerminatedError{Reason: TermReason(m.Reason), ByPeer: true})
				})
				continue
			}
			select {
			case <-s.termed:
			default:
				close(s.termed)
			}
		case MsgReject:
			fmt.Fprintf(s.cfg.Log, "tcpcl: %s rejected our message type %#02x (reason %d)\n", s.Peer, m.Header, m.Reason)
		default:
			s.control(&Msg{Type: MsgReject, Reason: RejectUnexpected, Header: m.Type})
		}
	}
}

// segment handles an incoming XFER_SEGMENT.
func (s *Session) segment(m *Msg) {
	rx := &s.rx
	if m.Flags&FlagStart != 0 {
		rx.id, rx.active, rx.refused, rx.buf = m.ID, true, false, rx.buf[:0]
		for _, e := range m.Exts {
			switch {
			case e.Type == ExtTransferLength && len(e.Value) == 8:
				if n := binary.BigEndian.Uint64(e.Value); n > s.cfg.TransferMRU {
					s.refuse(RefuseNoResources, fmt.Sprintf("a bundle of %d bytes, more than the %d accepted", n, s.cfg.TransferMRU))
				}
			case e.Flags&ExtCritical != 0:
				s.refuse(RefuseExtension, fmt.Sprintf("critical transfer extension %#04x unknown", e.Type))
			}
		}
	} else if !rx.active || m.ID != rx.id {
		fmt.Fprintf(s.cfg.Log, "tcpcl: %s: a segment of transfer %d, which did not start (ignored)\n", s.Peer, m.ID)
		return
	}
	end := m.Flags&FlagEnd != 0
	if end {
		rx.active = false
	}
	if rx.refused {
		return
	}
	if uint64(len(rx.buf))+uint64(len(m.Data)) > s.cfg.TransferMRU {
		s.refuse(RefuseNoResources, fmt.Sprintf("the bundle grew past the %d bytes accepted", s.cfg.TransferMRU))
		return
	}
	rx.buf = append(rx.buf, m.Data...)
	if !end {
		s.control(&Msg{Type: MsgXferAck, Flags: m.Flags, ID: m.ID, Length: uint64(len(rx.buf))})
		return
	}
	b := rx.buf
	rx.buf = nil // the callback may keep it
	if err := s.cfg.Receive(s.Peer, b); err != nil {
		reason := RefuseNotAcceptable
		var r *refusal
		if errors.As(err, &r) {
			reason = r.reason
		}
		s.refuse(reason, err.Error())
		return
	}
	s.control(&Msg{Type: MsgXferAck, Flags: m.Flags, ID: m.ID, Length: uint64(len(b))})
	s.smu.Lock()
	s.stats.Received++
	s.stats.BytesRecv += int64(len(b))
	s.smu.Unlock()
}

func (s *Session) refuse(reason Reason, why string) {
	s.rx.refused, s.rx.buf = true, s.rx.buf[:0]
	s.control(&Msg{Type: MsgXferRefuse, Reason: uint8(reason), ID: s.rx.id})
	fmt.Fprintf(s.cfg.Log, "tcpcl: refused transfer %d from %s: %s: %s\n", s.rx.id, s.Peer, reason, why)
	s.smu.Lock()
	s.stats.Refused++
	s.smu.Unlock()
}

// Send transfers one bundle and returns once the peer acknowledged all
// of it (it is then the peer's), or a *RefusedError, or why the session
// ended.
func (s *Session) Send(ctx context.Context, bundle []byte) error {
	s.xmu.Lock()
	defer s.xmu.Unlock()
	if s.ending.Load() {
		return ErrClosed
	}
	if uint64(len(bundle)) > s.peerXfer {
		return &RefusedError{Reason: RefuseNoResources}
	}
	id := s.nextID
	s.nextID++
	seg := min(s.cfg.Segment, s.peerSeg)
	var buf []byte
	for off := 0; ; {
		n := min(uint64(len(bundle)-off), seg)
		m := &Msg{Type: MsgXferSegment, ID: id, Data: bundle[off : off+int(n)]}
		if off == 0 {
			m.Flags |= FlagStart
			m.Exts = []Ext{{Type: ExtTransferLength, Value: binary.BigEndian.AppendUint64(nil, uint64(len(bundle)))}}
		}
		off += int(n)
		if off == len(bundle) {
			m.Flags |= FlagEnd
		}
		buf = Append(buf[:0], m)
		if err := s.write(buf); err != nil {
			s.end(err)
			return err
		}
		if off == len(bundle) {
			break
		}
		select {
		case r := <-s.replies:
			if r.ID == id && r.Type == MsgXferRefuse {
				return &RefusedError{Reason: Reason(r.Reason)}
			}
		default:
		}
	}
	for {
		select {
		case r := <-s.replies:
			if r.ID != id {
				continue
			}
			if r.Type == MsgXferRefuse {
				return &RefusedError{Reason: Reason(r.Reason)}
			}
			if r.Flags&FlagEnd != 0 && r.Length == uint64(len(bundle)) {
				s.smu.Lock()
				s.stats.Sent++
				s.stats.BytesSent += int64(len(bundle))
				s.smu.Unlock()
				return nil
			}
		case <-s.done:
			return s.err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Close ends the session in order: SESS_TERM, the peer's reply (waited
// for up to 5 s), then the connection closes. A transfer in Send
// finishes first.
func (s *Session) Close() error {
	if s.ending.Swap(true) {
		<-s.done
		return nil
	}
	s.xmu.Lock()
	s.control(&Msg{Type: MsgSessTerm, Reason: uint8(TermUnknown)})
	s.xmu.Unlock()
	select {
	case <-s.termed:
	case <-s.done:
	case <-time.After(5 * time.Second):
	}
	s.end(ErrClosed)
	return nil
}

// Abort drops the connection without SESS_TERM (a test's crash).
func (s *Session) Abort() { s.end(ErrClosed) }
