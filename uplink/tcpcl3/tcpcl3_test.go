package tcpcl3

import (
	"bytes"
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"
)

type sink struct {
	mu  sync.Mutex
	got [][]byte
	err error
}

func (s *sink) receive(_ string, b []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	s.got = append(s.got, b)
	return nil
}

// TestSession: two ends exchange contact headers, name each other, and
// pass bundles both ways in segments, each acknowledged whole once the
// receiver took it; a refused bundle is a RefusedError with its reason;
// a shutdown ends the session at both ends.
func TestSession(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	srvSink := &sink{}
	srv := make(chan *Session, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		s, err := Handshake(ctx, c, Config{EID: "ipn:7.0", Receive: srvSink.receive})
		if err != nil {
			t.Error(err)
			c.Close()
			return
		}
		srv <- s
	}()
	cliSink := &sink{}
	cli, err := Dial(ctx, ln.Addr().String(), Config{EID: "ipn:1.0", Segment: 1000, Keepalive: 2 * time.Second, Receive: cliSink.receive})
	if err != nil {
		t.Fatal(err)
	}
	s := <-srv
	if cli.Peer != "ipn:7.0" || s.Peer != "ipn:1.0" || cli.Keepalive != 2*time.Second {
		t.Fatalf("peers %q %q, keepalive %v", cli.Peer, s.Peer, cli.Keepalive)
	}
	big := bytes.Repeat([]byte("bundle "), 2000) // 14 segments of 1000
	if err := cli.Send(ctx, big); err != nil {
		t.Fatal(err)
	}
	if err := s.Send(ctx, []byte("back")); err != nil {
		t.Fatal(err)
	}
	srvSink.mu.Lock()
	if len(srvSink.got) != 1 || !bytes.Equal(srvSink.got[0], big) {
		t.Errorf("the server took %d bundles", len(srvSink.got))
	}
	srvSink.err = Refuse(RefuseCompleted, errors.New("held"))
	srvSink.mu.Unlock()
	var re *RefusedError
	if err := cli.Send(ctx, []byte("again")); !errors.As(err, &re) || !re.AlreadyHeld() {
		t.Errorf("a refused bundle: %v", err)
	}
	cliSink.mu.Lock()
	if len(cliSink.got) != 1 || string(cliSink.got[0]) != "back" {
		t.Errorf("the client took %q", cliSink.got)
	}
	cliSink.mu.Unlock()
	cli.Close()
	select {
	case <-s.Done():
		if !errors.Is(s.Err(), ErrShutdown) {
			t.Errorf("the server's session ended with %v", s.Err())
		}
	case <-ctx.Done():
		t.Fatal("the shutdown did not reach the server")
	}
	s.Close()
}

// TestContactHeaderErrors: a wrong magic, a version 4 header and an
// overlong endpoint id are refused, naming what was wrong.
func TestContactHeaderErrors(t *testing.T) {
	for _, c := range []struct {
		in   []byte
		want string
	}{
		{[]byte("ftp!\x03\x00\x00\x0f\x00"), "magic"},
		{[]byte("dtn!\x04\x00"), "another TCPCL version"},
		{append([]byte("dtn!\x03\x00\x00\x0f"), AppendSDNV(nil, 5000)...), "endpoint id of 5000"},
	} {
		_, err := NewReader(bytes.NewReader(c.in), 1<<20).ContactHeader()
		if err == nil || !bytes.Contains([]byte(err.Error()), []byte(c.want)) {
			t.Errorf("%q: %v, want %q", c.in, err, c.want)
		}
	}
}

// FuzzReader: any input after a contact header: messages or an error,
// never a panic; what it reads encodes back the same.
func FuzzReader(f *testing.F) {
	h := (&ContactHeader{Flags: 1, Keepalive: 15, EID: "ipn:1.0"}).Append(nil)
	f.Add(append(h, (&Msg{Type: MsgDataSegment, Flags: SegStart | SegEnd, Data: []byte("x")}).Append(nil)...))
	f.Add(append(h, (&Msg{Type: MsgShutdown, Flags: 3, Reason: 1, Value: 300}).Append(nil)...))
	f.Fuzz(func(t *testing.T, in []byte) {
		r := NewReader(bytes.NewReader(in), 1<<16)
		if _, err := r.ContactHeader(); err != nil {
			return
		}
		for range 100 {
			m, err := r.Next()
			if err != nil {
				return
			}
			again, err := NewReader(bytes.NewReader(m.Append(nil)), 1<<16).Next()
			if err != nil || again.Type != m.Type || again.Value != m.Value || !bytes.Equal(again.Data, m.Data) {
				t.Fatalf("%+v read back as %+v, %v", m, again, err)
			}
		}
	})
}
