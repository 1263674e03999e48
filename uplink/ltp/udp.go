package ltp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/ipgs/ipgs/scheduler/clock"
)

// UDP runs an engine over a UDP socket, one segment a datagram, as ION's
// udplso and udplsi do. Deliver and Done are called with the engine's
// lock held: they must not call back into it.
type UDP struct {
	runner
	conn  *net.UDPConn
	peers map[uint64]*net.UDPAddr
	// Errors counts datagrams that were not segments (and were dropped).
	Errors int
}

// ListenUDP binds addr (host:port; 127.0.0.1 unless told otherwise) for
// the engine cfg describes; peers maps engine ids to their UDP
// addresses. cfg.Send is set here.
func ListenUDP(addr string, peers map[uint64]string, cfg Config, clk clock.Clock) (*UDP, error) {
	if clk == nil {
		clk = clock.Real{}
	}
	la, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("ltp: %s: %w", addr, err)
	}
	u := &UDP{peers: map[uint64]*net.UDPAddr{}, runner: runner{clk: clk}}
	for id, a := range peers {
		ra, err := net.ResolveUDPAddr("udp", a)
		if err != nil {
			return nil, fmt.Errorf("ltp: engine %d at %s: %w", id, a, err)
		}
		u.peers[id] = ra
	}
	if u.conn, err = net.ListenUDP("udp", la); err != nil {
		return nil, fmt.Errorf("ltp: %w", err)
	}
	cfg.Send = func(to uint64, seg []byte) {
		if ra := u.peers[to]; ra != nil {
			u.conn.WriteToUDP(seg, ra) // a lost datagram is LTP's to recover
		}
	}
	u.eng = New(cfg)
	if err := u.eng.Restore(clk.Now()); err != nil {
		u.conn.Close()
		return nil, err
	}
	return u, nil
}

// Addr is the bound address.
func (u *UDP) Addr() *net.UDPAddr { return u.conn.LocalAddr().(*net.UDPAddr) }

// Run reads segments and runs the timers until ctx is done, then closes
// the socket.
func (u *UDP) Run(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() { u.conn.SetReadDeadline(time.Now()) })
	defer stop()
	defer u.conn.Close()
	buf := make([]byte, 65536)
	for {
		u.conn.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		n, _, err := u.conn.ReadFromUDP(buf)
		if ctx.Err() != nil {
			return nil
		}
		u.mu.Lock()
		now := u.clk.Now()
		if err == nil {
			if u.eng.Handle(buf[:n], now) != nil {
				u.Errors++
			}
		}
		u.eng.Tick(now)
		u.mu.Unlock()
		var ne net.Error
		if err != nil && !(errors.As(err, &ne) && ne.Timeout()) {
			return fmt.Errorf("ltp: %w", err)
		}
	}
}
