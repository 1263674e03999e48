package sim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"

	"github.com/ipgs/ipgs/sdr/iq"
	"github.com/ipgs/ipgs/sdr/rtltcp"
	"github.com/ipgs/ipgs/uplink/kiss"
)

// rtlAir adapts the station's air to the rtl_tcp server.
type rtlAir struct{ *iq.Air }

func (a rtlAir) Fill(st rtltcp.State, dst []complex64) { a.Air.Fill(st.Freq, st.Rate, dst) }

// RTLAddr returns the rtl_tcp address of station name's emulated dongle
// ("" without Options.RTLTCP).
func (e *Emulator) RTLAddr(name string) string {
	for _, s := range e.sts {
		if s.name == name && s.rtlLn != nil {
			return s.rtlLn.Addr().String()
		}
	}
	return ""
}

// uplinkFrame is a frame a station's TNC port received, stamped with the
// clock's time and its order on that port.
type uplinkFrame struct {
	station int
	at      time.Time
	seq     uint64
	data    []byte
}

// Addr returns the TCP address of station name's TNC port ("" with
// Options.InMemory).
func (e *Emulator) Addr(name string) string {
	for _, s := range e.sts {
		if s.name == name && s.ln != nil {
			return s.ln.Addr().String()
		}
	}
	return ""
}

// Dial connects to station name's TNC port in memory, as a TCP client
// of Addr would (KISS both ways).
func (e *Emulator) Dial(name string) (net.Conn, error) {
	for i, s := range e.sts {
		if s.name == name {
			ground, onboard := net.Pipe()
			if !e.serveConn(i, s, onboard) {
				ground.Close()
				return nil, errors.New("sim: emulator closed")
			}
			return ground, nil
		}
	}
	return nil, fmt.Errorf("sim: no station %q", name)
}

// SerialPath returns the serial TNC device of station name ("" without
// Options.Serial).
func (e *Emulator) SerialPath(name string) string {
	for _, s := range e.sts {
		if s.name == name {
			return s.pts
		}
	}
	return ""
}

// Serve runs the constellation until ctx ends. It always returns a non-nil
// error: ctx.Err() after a normal stop.
func (e *Emulator) Serve(ctx context.Context) error {
	var wg sync.WaitGroup
	for i, s := range e.sts {
		if s.ln != nil {
			wg.Add(1)
			go func() {
				defer wg.Done()
				e.accept(i, s)
			}()
		}
		if s.rtl != nil {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s.rtl.Serve(ctx, s.rtlLn)
			}()
		}
		if s.ptm != nil {
			wg.Add(2)
			go func() {
				defer wg.Done()
				e.readSerial(ctx, i, s)
			}()
			go func() {
				defer wg.Done()
				w := kiss.NewWriter(s.ptm)
				for {
					select {
					case b := <-s.ptq:
						// nobody reading the serial line: the frame is lost
						s.ptm.SetWriteDeadline(time.Now().Add(200 * time.Millisecond))
						w.Data(0, b)
					case <-ctx.Done():
						return
					}
				}
			}()
		}
	}
	defer func() {
		e.Close()
		wg.Wait()
	}()
	last := e.o.Clock.Now()
	// steps of about a virtual second (at most 2,000 a wall second):
	// retransmission timers and acknowledgements must see each other's
	// effects. The first step comes half a step and a nanosecond late,
	// so that steps fall between the whole milliseconds the contact plan
	// and the stations keep: on a simulated clock nothing the ground does
	// happens at the instant of a step, and the day is the same every run.
	tick := max(time.Second, time.Duration(float64(500*time.Microsecond)*e.o.Clock.Factor()))
	timer := e.o.Clock.NewTimer(tick/2 + 1)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
		}
		now := e.o.Clock.Now()
		timer.Reset(tick)
		e.step(last, now)
		last = now
	}
}

func (e *Emulator) accept(idx int, s *gstation) {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		if !e.serveConn(idx, s, c) {
			c.Close()
			return
		}
	}
}

// serveConn makes c a client of station idx's TNC port and reads its
// frames in a goroutine that Close joins. It reports false once the
// emulator is closed.
func (e *Emulator) serveConn(idx int, s *gstation, c net.Conn) bool {
	s.mu.Lock()
	select {
	case <-e.done:
		s.mu.Unlock()
		return false
	default:
	}
	s.conns[c] = kiss.NewWriter(c)
	e.conns.Add(1)
	s.mu.Unlock()
	go func() {
		defer e.conns.Done()
		defer func() {
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
			c.Close()
		}()
		e.readFrames(idx, c)
	}()
	return true
}

// readFrames passes the KISS data frames read from r to the loop, each
// stamped with the clock's time and its order, until r ends or the
// emulator closes.
func (e *Emulator) readFrames(idx int, r io.Reader) {
	var seq uint64
	kiss.ReadData(r, 4096, func(_ uint8, data []byte) bool {
		seq++
		select {
		case e.inbox <- uplinkFrame{idx, e.o.Clock.Now(), seq, data}:
			return true
		case <-e.done:
			return false
		}
	})
}

// readSerial reads KISS from a station's pseudo-terminal. While no
// station has the other side open the master reads fail with EIO: wait.
func (e *Emulator) readSerial(ctx context.Context, idx int, s *gstation) {
	e.readFrames(idx, retryReader{ctx, s.ptm})
}

type retryReader struct {
	ctx context.Context
	r   io.Reader
}

func (r retryReader) Read(b []byte) (int, error) {
	for {
		n, err := r.r.Read(b)
		if n > 0 || err == nil {
			return n, nil
		}
		if r.ctx.Err() != nil {
			return 0, io.EOF
		}
		if errors.Is(err, os.ErrClosed) {
			return 0, io.EOF
		}
		time.Sleep(20 * time.Millisecond) // EIO: nobody on the other side yet
	}
}

// send writes a frame to every client of the station's TNC port.
func (s *gstation) send(b []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c, w := range s.conns {
		if nc, ok := c.(net.Conn); ok {
			nc.SetWriteDeadline(time.Now().Add(2 * time.Second))
		}
		if err := w.Data(0, b); err != nil {
			c.Close()
			delete(s.conns, c)
		}
	}
	if s.ptq != nil {
		select {
		case s.ptq <- b:
		default: // the serial line is backed up: this frame is lost, as on air
		}
	}
}
