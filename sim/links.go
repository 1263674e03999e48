package sim

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"sync"

	"github.com/ipgs/ipgs/mission"
	"github.com/ipgs/ipgs/uplink/dtn"
	"github.com/ipgs/ipgs/uplink/ground"
	"github.com/ipgs/ipgs/uplink/tcpcl"
)

// tapConn shows every write to a tap (the station's transmitted KISS
// stream).
type tapConn struct {
	net.Conn
	tap func([]byte)
}

func (c tapConn) Write(b []byte) (int, error) {
	c.tap(append([]byte(nil), b...))
	return c.Conn.Write(b)
}

// dialStation connects to station name's TNC port of the emulator: over
// TCP, or in memory when it has no ports.
func dialStation(ctx context.Context, emu *Emulator, name string) (net.Conn, error) {
	if addr := emu.Addr(name); addr != "" {
		return (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	}
	return emu.Dial(name)
}

// groundLink is one station's part of the day's TCPCL ground links.
type groundLink struct {
	tls   *tls.Config
	ln    net.Listener
	peers []ground.Peer
	dial  func(ctx context.Context, addr string) (net.Conn, error)
}

// groundLinks joins the stations' bundle agents pairwise over TCPCL with
// TLS (identities made for the day) on loopback, or in memory, as
// separate stations would be: each listens, the smaller node number
// dials.
func groundLinks(m *mission.Mission, pairs [][2]string, inMemory bool) (map[string]groundLink, error) {
	num := map[string]uint64{}
	for _, st := range m.Stations {
		if n, err := mission.IPNNode(st.DTNNode); err == nil {
			num[st.Name] = uint64(n)
		}
	}
	ids := map[string]tls.Certificate{}
	var pool []*x509.Certificate
	for _, p := range pairs {
		for _, st := range p {
			if _, ok := ids[st]; ok {
				continue
			}
			if num[st] == 0 {
				return nil, fmt.Errorf("terrestrial link %s-%s: both stations need a dtn_node", p[0], p[1])
			}
			id, err := tcpcl.NewIdentity(dtn.NodeID(num[st]))
			if err != nil {
				return nil, err
			}
			ids[st] = id
			pool = append(pool, id.Leaf)
		}
	}
	links := map[string]groundLink{}
	mem := map[string]*memListener{}
	var dial func(ctx context.Context, addr string) (net.Conn, error)
	if inMemory {
		dial = func(ctx context.Context, addr string) (net.Conn, error) { return mem[addr].dial(ctx) }
	}
	for st, id := range ids {
		var ln net.Listener
		if inMemory {
			ml := newMemListener(st)
			mem[st], ln = ml, ml
		} else {
			var err error
			if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
				for _, l := range links {
					l.ln.Close()
				}
				return nil, err
			}
		}
		links[st] = groundLink{tls: tcpcl.TLSConfig(id, pool), ln: ln, dial: dial}
	}
	for _, p := range pairs {
		a, b := p[0], p[1]
		if num[a] > num[b] {
			a, b = b, a
		}
		l := links[a]
		l.peers = append(l.peers, ground.Peer{Addr: links[b].ln.Addr().String(), Node: num[b]})
		links[a] = l
	}
	return links, nil
}

// memListener is a listener of in-memory connections (net.Pipe), named
// by its station.
type memListener struct {
	name   string
	conns  chan net.Conn
	closed chan struct{}
	once   sync.Once
}

func newMemListener(name string) *memListener {
	return &memListener{name: name, conns: make(chan net.Conn), closed: make(chan struct{})}
}

func (l *memListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *memListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

func (l *memListener) Addr() net.Addr { return memAddr(l.name) }

func (l *memListener) dial(ctx context.Context) (net.Conn, error) {
	a, b := net.Pipe()
	select {
	case l.conns <- b:
		return a, nil
	case <-l.closed:
		return nil, net.ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

type memAddr string

func (a memAddr) Network() string { return "memory" }

func (a memAddr) String() string { return string(a) }
