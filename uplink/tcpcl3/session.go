package tcpcl3

import (
	"context"
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
	EID       string        // this node's endpoint id, e.g. "ipn:1.0"
	Keepalive time.Duration // proposed interval (the smaller of both ends' is used); 0: 15 s, negative: none
	Segment   int           // data bytes per segment sent; 0: 64 KiB
	MaxBundle int           // the largest bundle taken; 0: 16 MiB
	// Receive takes a complete incoming bundle and must return only once
	// it is durable: the last acknowledgement goes after it. An error
	// refuses the bundle (when the peer allows refusals) with the reason
	// Refuse gave it, "no resources" otherwise.
	Receive func(peer string, bundle []byte) error
	Log     io.Writer
	// LocalID, when set, is the endpoint id to give a peer that named
	// itself ("": EID): this end then reads the peer's contact header
	// before it sends its own.
	LocalID func(peer string) string
}

func (c *Config) defaults() {
	if c.Keepalive == 0 {
		c.Keepalive = 15 * time.Second
	}
	if c.Segment <= 0 {
		c.Segment = 64 << 10
	}
	if c.MaxBundle <= 0 {
		c.MaxBundle = 16 << 20
	}
	if c.Log == nil {
		c.Log = io.Discard
	}
}

// RefusedError is a bundle the peer refused.
type RefusedError struct{ Reason uint8 }

func (e *RefusedError) Error() string {
	return fmt.Sprintf("tcpcl3: bundle refused (%s)", [...]string{"unknown", "completed", "no resources", "retransmit"}[e.Reason&3])
}

// AlreadyHeld says the peer refused the bundle because it has it.
func (e *RefusedError) AlreadyHeld() bool { return e.Reason == RefuseCompleted }

type refusal struct {
	reason uint8
	err    error
}

func (r *refusal) Error() string { return r.err.Error() }
func (r *refusal) Unwrap() error { return r.err }

// Refuse is what Receive returns to refuse a bundle for a reason.
func Refuse(reason uint8, err error) error { return &refusal{reason, err} }

// ErrShutdown is a session the peer shut down.
var ErrShutdown = errors.New("tcpcl3: the peer shut the session down")

// Session is an established session.
type Session struct {
	Peer  string // the peer's endpoint id, from its contact header (not authenticated)
	Local string

	cfg              Config
	conn             net.Conn
	rd               *Reader
	acks, refusals   bool
	lengths          bool // the peer asked for LENGTH messages
	Keepalive        time.Duration
	wmu, sendMu      sync.Mutex
	ackCh            chan uint64
	refuseCh         chan uint8
	done             chan struct{}
	once             sync.Once
	mu               sync.Mutex
	err              error
	wg               sync.WaitGroup
	lastRead, lastWr atomic.Int64
}

// Dial opens a session with the node at addr.
func Dial(ctx context.Context, addr string, cfg Config) (*Session, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	s, err := Handshake(ctx, c, cfg)
	if err != nil {
		c.Close()
		return nil, err
	}
	return s, nil
}

// Handshake exchanges contact headers over a new connection (either end:
// in version 3 both send theirs at once) and starts the session.
func Handshake(ctx context.Context, c net.Conn, cfg Config) (*Session, error) {
	cfg.defaults()
	dl := time.Now().Add(30 * time.Second)
	if d, ok := ctx.Deadline(); ok {
		dl = d
	}
	c.SetDeadline(dl)
	ka := uint16(0)
	if cfg.Keepalive > 0 {
		ka = uint16(min(cfg.Keepalive/time.Second, 65535))
	}
	mine := ContactHeader{Flags: FlagAckSegments | FlagRefusal, Keepalive: ka, EID: cfg.EID}
	if cfg.LocalID == nil {
		if _, err := c.Write(mine.Append(nil)); err != nil {
			return nil, err
		}
	}
	rd := NewReader(c, uint64(cfg.MaxBundle))
	theirs, err := rd.ContactHeader()
	if err != nil {
		return nil, fmt.Errorf("tcpcl3: contact header: %w", err)
	}
	if cfg.LocalID != nil {
		if id := cfg.LocalID(theirs.EID); id != "" {
			mine.EID, cfg.EID = id, id
		}
		if _, err := c.Write(mine.Append(nil)); err != nil {
			return nil, err
		}
	}
	c.SetDeadline(time.Time{})
	s := &Session{Peer: theirs.EID, Local: cfg.EID, cfg: cfg, conn: c, rd: rd,
		acks:    theirs.Flags&FlagAckSegments != 0,
		lengths: theirs.Flags&FlagLength != 0,
		ackCh:   make(chan uint64, 64), refuseCh: make(chan uint8, 4), done: make(chan struct{})}
	s.refusals = s.acks && theirs.Flags&FlagRefusal != 0
	if ka > 0 && theirs.Keepalive > 0 {
		s.Keepalive = time.Duration(min(ka, theirs.Keepalive)) * time.Second
	}
	now := time.Now().UnixNano()
	s.lastRead.Store(now)
	s.lastWr.Store(now)
	s.wg.Go(s.readLoop)
	if s.Keepalive > 0 {
		s.wg.Go(s.keepaliveLoop)
	}
	return s, nil
}

// PeerID and LocalID are the two ends' endpoint ids.
func (s *Session) PeerID() string  { return s.Peer }
func (s *Session) LocalID() string { return s.Local }

// Done is closed when the session ends.
func (s *Session) Done() <-chan struct{} { return s.done }

// Err is why the session ended (nil while it is up).
func (s *Session) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

func (s *Session) end(err error) {
	s.once.Do(func() {
		s.mu.Lock()
		s.err = err
		s.mu.Unlock()
		close(s.done)
		s.conn.Close()
	})
}

func (s *Session) write(m *Msg) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	_, err := s.conn.Write(m.Append(nil))
	if err == nil {
		s.lastWr.Store(time.Now().UnixNano())
	}
	return err
}

// Close shuts the session down and waits for its goroutines.
func (s *Session) Close() error {
	s.write(&Msg{Type: MsgShutdown})
	s.end(net.ErrClosed)
	s.wg.Wait()
	return nil
}

func (s *Session) readLoop() {
	var cur []byte
	for {
		m, err := s.rd.Next()
		if err != nil {
			s.end(err)
			return
		}
		s.lastRead.Store(time.Now().UnixNano())
		switch m.Type {
		case MsgDataSegment:
			if m.Flags&SegStart != 0 {
				cur = cur[:0]
			}
			if len(cur)+len(m.Data) > s.cfg.MaxBundle {
				s.write(&Msg{Type: MsgShutdown, Flags: 0x2, Reason: 0x2})
				s.end(fmt.Errorf("tcpcl3: a bundle over %d bytes", s.cfg.MaxBundle))
				return
			}
			cur = append(cur, m.Data...)
			if m.Flags&SegEnd == 0 {
				if s.acks {
					s.write(&Msg{Type: MsgAckSegment, Value: uint64(len(cur))})
				}
				continue
			}
			err := s.cfg.Receive(s.Peer, append([]byte(nil), cur...))
			var r *refusal
			switch {
			case err == nil && s.acks:
				s.write(&Msg{Type: MsgAckSegment, Value: uint64(len(cur))})
			case err != nil && s.refusals && errors.As(err, &r):
				s.write(&Msg{Type: MsgRefuse, Flags: r.reason})
			case err != nil && s.refusals:
				s.write(&Msg{Type: MsgRefuse, Flags: RefuseNoResources})
			case err != nil:
				fmt.Fprintf(s.cfg.Log, "tcpcl3: a bundle from %s not taken, and the peer takes no refusals: %v\n", s.Peer, err)
			}
			cur = cur[:0]
		case MsgAckSegment:
			select {
			case s.ackCh <- m.Value:
			default:
			}
		case MsgRefuse:
			select {
			case s.refuseCh <- m.Flags:
			default:
			}
		case MsgShutdown:
			s.end(ErrShutdown)
			return
		}
	}
}

func (s *Session) keepaliveLoop() {
	t := time.NewTicker(s.Keepalive / 4)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-t.C:
		}
		now := time.Now()
		if now.Sub(time.Unix(0, s.lastRead.Load())) > 2*s.Keepalive {
			s.write(&Msg{Type: MsgShutdown, Flags: 0x2, Reason: 0x1}) // idle timeout
			s.end(errors.New("tcpcl3: the peer went silent"))
			return
		}
		if now.Sub(time.Unix(0, s.lastWr.Load())) >= s.Keepalive {
			s.write(&Msg{Type: MsgKeepalive})
		}
	}
}

// Send sends one bundle and, when acknowledgements were agreed, returns
// once the peer acknowledged all of it (or refused it: a *RefusedError).
func (s *Session) Send(ctx context.Context, bundle []byte) error {
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	for len(s.ackCh) > 0 { // stale acknowledgements of an earlier bundle
		<-s.ackCh
	}
	if s.lengths {
		if err := s.write(&Msg{Type: MsgLength, Value: uint64(len(bundle))}); err != nil {
			return err
		}
	}
	for off := 0; off < len(bundle) || off == 0; {
		n := min(s.cfg.Segment, len(bundle)-off)
		var fl uint8
		if off == 0 {
			fl |= SegStart
		}
		if off+n == len(bundle) {
			fl |= SegEnd
		}
		if err := s.write(&Msg{Type: MsgDataSegment, Flags: fl, Data: bundle[off : off+n]}); err != nil {
			return err
		}
		off += n
		if n == 0 {
			break
		}
	}
	if !s.acks {
		return nil
	}
	for {
		select {
		case v := <-s.ackCh:
			if v >= uint64(len(bundle)) {
				return nil
			}
		case r := <-s.refuseCh:
			return &RefusedError{Reason: r}
		case <-s.done:
			return s.Err()
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
