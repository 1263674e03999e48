package tcpcl

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"errors"
	"io"
	"math/big"
	"net"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// Wire bytes worked out by hand from RFC 9174 sections 4.2, 4.6 and 5.2.
func TestWireBytes(t *testing.T) {
	for _, c := range []struct {
		name string
		got  []byte
		want string
	}{
		{"contact header, CAN_TLS", ContactHeader(true), "64746e210401"},
		{"contact header", ContactHeader(false), "64746e210400"},
		{"SESS_INIT", Append(nil, &Msg{Type: MsgSessInit, Keepalive: 30, SegmentMRU: 65536, TransferMRU: 1 << 24, NodeID: "ipn:1.0"}),
			"07" + "001e" + "0000000000010000" + "0000000001000000" + "0007" + hex.EncodeToString([]byte("ipn:1.0")) + "00000000"},
		{"XFER_SEGMENT start+end with Transfer Length", Append(nil, &Msg{Type: MsgXferSegment, Flags: FlagStart | FlagEnd, ID: 5,
			Exts: []Ext{{Type: ExtTransferLength, Value: []byte{0, 0, 0, 0, 0, 0, 0, 3}}}, Data: []byte("abc")}),
			"01" + "03" + "0000000000000005" + "0000000d" + "00" + "0001" + "0008" + "0000000000000003" + "0000000000000003" + "616263"},
		{"XFER_ACK", Append(nil, &Msg{Type: MsgXferAck, Flags: FlagEnd, ID: 5, Length: 3}), "02" + "01" + "0000000000000005" + "0000000000000003"},
		{"XFER_REFUSE", Append(nil, &Msg{Type: MsgXferRefuse, Reason: uint8(RefuseCompleted), ID: 5}), "03" + "01" + "0000000000000005"},
		{"KEEPALIVE", Append(nil, &Msg{Type: MsgKeepalive}), "04"},
		{"SESS_TERM reply", Append(nil, &Msg{Type: MsgSessTerm, Flags: FlagReply, Reason: uint8(TermIdleTimeout)}), "050101"},
		{"MSG_REJECT", Append(nil, &Msg{Type: MsgReject, Reason: RejectTypeUnknown, Header: 0x99}), "060199"},
	} {
		if got := hex.EncodeToString(c.got); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.want)
		}
		// and each decodes back to itself
		if c.got[0] < 8 && c.got[0] != 'd' {
			m, err := NewReader(bytes.NewReader(c.got), DefaultLimits).Next()
			if err != nil {
				t.Errorf("%s: decoding: %v", c.name, err)
				continue
			}
			if again := Append(nil, m); !bytes.Equal(again, c.got) {
				t.Errorf("%s: re-encoded as %x", c.name, again)
			}
		}
	}
}

func TestReaderErrors(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string
	}{
		{"99", "tcpcl: message at byte 0: unknown message type 0x99"},
		{"0101000000000000000500000000", "tcpcl: message at byte 14: stream ended inside a message"},
		{"01010000000000000005ffffffffffffffff", "tcpcl: XFER_SEGMENT at byte 10: segment of 18446744073709551615 bytes, more than the 1048576 this node accepts"},
		{"01020000000000000005000000040000010000", "tcpcl: XFER_SEGMENT at byte 14: extension item header cut short"},
		{"050", ""},
	} {
		in, _ := hex.DecodeString(c.in)
		_, err := NewReader(bytes.NewReader(in), DefaultLimits).Next()
		got := ""
		if err != nil && err != io.EOF {
			got = err.Error()
		}
		if c.want != "" && got != c.want {
			t.Errorf("%s: got %q, want %q", c.in, got, c.want)
		}
	}
	if _, _, err := ParseContactHeader([]byte("GET / ")); err == nil || err.Error() != `tcpcl: contact header at byte 0: magic "GET ", want "dtn!" (not a TCPCL peer)` {
		t.Errorf("HTTP request as contact header: %v", err)
	}
}

// pair makes two nodes' TLS configurations, each trusting the other.
func pair(t testing.TB) (a, b *tls.Config) {
	ia, err := NewIdentity("ipn:1.0")
	if err != nil {
		t.Fatal(err)
	}
	ib, err := NewIdentity("ipn:2.0")
	if err != nil {
		t.Fatal(err)
	}
	trusted := []*x509.Certificate{ia.Leaf, ib.Leaf}
	return TLSConfig(ia, trusted), TLSConfig(ib, trusted)
}

type sink struct {
	mu  sync.Mutex
	got [][]byte
	err error
}

func (s *sink) receive(peer string, b []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	s.got = append(s.got, b)
	return nil
}

// serve starts a listener for cfg and returns its address and the
// sessions it accepts.
func serve(t testing.TB, cfg Config) (string, chan *Session) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	ch := make(chan *Session, 4)
	go Serve(ctx, ln, cfg, func(s *Session) { ch <- s })
	return ln.Addr().String(), ch
}

func TestTransfersOverTLS(t *testing.T) {
	ta, tb := pair(t)
	var rb sink
	addr, accepted := serve(t, Config{NodeID: "ipn:2.0", TLS: tb, Receive: rb.receive, SegmentMRU: 1000})
	var ra sink
	s, err := Dial(context.Background(), addr, "ipn:2.0", Config{NodeID: "ipn:1.0", TLS: ta, Receive: ra.receive})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.TLS == nil || s.TLS.Version != tls.VersionTLS13 || s.TLS.CurveID != tls.X25519MLKEM768 {
		t.Fatalf("TLS state %+v: want TLS 1.3 with X25519MLKEM768", s.TLS)
	}
	peer := <-accepted
	if peer.Peer != "ipn:1.0" || s.Peer != "ipn:2.0" {
		t.Fatalf("peers %q %q", peer.Peer, s.Peer)
	}
	// 0 bytes, one segment, and one of 250 segments (the receiver's MRU
	// is 1000 bytes)
	bundles := [][]byte{{}, []byte("a small bundle"), make([]byte, 250_000)}
	rand.Read(bundles[2])
	for _, b := range bundles {
		if err := s.Send(context.Background(), b); err != nil {
			t.Fatal(err)
		}
	}
	// and the other way on the same session
	if err := peer.Send(context.Background(), []byte("back")); err != nil {
		t.Fatal(err)
	}
	rb.mu.Lock()
	defer rb.mu.Unlock()
	if len(rb.got) != 3 || !bytes.Equal(rb.got[2], bundles[2]) || string(rb.got[1]) != "a small bundle" {
		t.Fatalf("received %d bundles", len(rb.got))
	}
	if len(ra.got) != 1 || string(ra.got[0]) != "back" {
		t.Fatalf("back: %q", ra.got)
	}
	if st := s.Stats(); st.Sent != 3 || st.BytesSent != 250_014 {
		t.Errorf("sender stats %+v", st)
	}
}

func TestRefusals(t *testing.T) {
	ta, tb := pair(t)
	rb := sink{err: Refuse(RefuseCompleted, errors.New("duplicate"))}
	addr, _ := serve(t, Config{NodeID: "ipn:2.0", TLS: tb, Receive: rb.receive, TransferMRU: 10_000})
	s, err := Dial(context.Background(), addr, "", Config{NodeID: "ipn:1.0", TLS: ta, Receive: (&sink{}).receive, Segment: 4000})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var re *RefusedError
	if err := s.Send(context.Background(), []byte("x")); !errors.As(err, &re) || re.Reason != RefuseCompleted {
		t.Fatalf("duplicate: %v", err)
	}
	// too big: the peer's SESS_INIT said so, refused before sending
	if err := s.Send(context.Background(), make([]byte, 10_001)); !errors.As(err, &re) || re.Reason != RefuseNoResources {
		t.Fatalf("too big: %v", err)
	}
	rb.mu.Lock()
	rb.err = errors.New("no reason given")
	rb.mu.Unlock()
	if err := s.Send(context.Background(), make([]byte, 9000)); !errors.As(err, &re) || re.Reason != RefuseNotAcceptable {
		t.Fatalf("plain error: %v", err)
	}
	// the session is still good afterwards
	rb.mu.Lock()
	rb.err = nil
	rb.mu.Unlock()
	if err := s.Send(context.Background(), []byte("ok")); err != nil {
		t.Fatal(err)
	}
}

// A peer that lies about its node id, or whose certificate is not
// trusted, gets no session.
func TestAuthentication(t *testing.T) {
	ta, tb := pair(t)
	addr, _ := serve(t, Config{NodeID: "ipn:2.0", TLS: tb, Receive: (&sink{}).receive})
	if _, err := Dial(context.Background(), addr, "", Config{NodeID: "ipn:7.0", TLS: ta}); err == nil {
		t.Error("a node claiming ipn:7.0 with ipn:1.0's certificate got a session")
	}
	if _, err := Dial(context.Background(), addr, "ipn:3.0", Config{NodeID: "ipn:1.0", TLS: ta}); err == nil {
		t.Error("dialling ipn:3.0 accepted ipn:2.0")
	}
	stranger, _ := NewIdentity("ipn:1.0")
	if _, err := Dial(context.Background(), addr, "", Config{NodeID: "ipn:1.0", TLS: TLSConfig(stranger, []*x509.Certificate{stranger.Leaf})}); err == nil {
		t.Error("an untrusted certificate got a session")
	}
	if _, err := Dial(context.Background(), addr, "", Config{NodeID: "ipn:1.0"}); err == nil {
		t.Error("a peer without TLS got a session with a node that requires it")
	}
	// and a plain pair works when neither offers TLS
	paddr, _ := serve(t, Config{NodeID: "ipn:2.0", Receive: (&sink{}).receive})
	s, err := Dial(context.Background(), paddr, "ipn:2.0", Config{NodeID: "ipn:1.0"})
	if err != nil {
		t.Fatal(err)
	}
	if s.TLS != nil {
		t.Error("TLS without CAN_TLS")
	}
	s.Close()
}

func TestKeepaliveAndTermination(t *testing.T) {
	ta, tb := pair(t)
	addr, accepted := serve(t, Config{NodeID: "ipn:2.0", TLS: tb, Receive: (&sink{}).receive, Keepalive: time.Second})
	s, err := Dial(context.Background(), addr, "", Config{NodeID: "ipn:1.0", TLS: ta, Keepalive: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	peer := <-accepted
	if s.Keepalive != time.Second || peer.Keepalive != time.Second {
		t.Fatalf("keepalive %v/%v, want the smaller, 1s", s.Keepalive, peer.Keepalive)
	}
	time.Sleep(3 * time.Second) // idle for 3 intervals: keepalives keep it up
	if s.Err() != nil || peer.Err() != nil {
		t.Fatalf("idle session ended: %v / %v", s.Err(), peer.Err())
	}
	s.Close()
	<-peer.Done()
	var te *TerminatedError
	if !errors.As(peer.Err(), &te) || !te.ByPeer {
		t.Errorf("peer ended with %v, want SESS_TERM by the peer", peer.Err())
	}
	if err := s.Send(context.Background(), []byte("late")); !errors.Is(err, ErrClosed) {
		t.Errorf("send after close: %v", err)
	}
}

// A peer that goes silent is dropped after twice the keepalive interval.
func TestIdleTimeout(t *testing.T) {
	addr, accepted := serve(t, Config{NodeID: "ipn:2.0", Receive: (&sink{}).receive, Keepalive: time.Second})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write(ContactHeader(false))
	var h [6]byte
	io.ReadFull(c, h[:])
	c.Write(Append(nil, &Msg{Type: MsgSessInit, Keepalive: 1, SegmentMRU: 1000, TransferMRU: 1000, NodeID: "ipn:9.0"}))
	peer := <-accepted
	select {
	case <-peer.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("a silent peer was kept")
	}
	var te *TerminatedError
	if !errors.As(peer.Err(), &te) || te.Reason != TermIdleTimeout {
		t.Errorf("ended with %v", peer.Err())
	}
}

// Both ends sending large transfers at once must not deadlock on full
// TCP buffers.
func TestBothWays(t *testing.T) {
	ta, tb := pair(t)
	var ra, rb sink
	addr, accepted := serve(t, Config{NodeID: "ipn:2.0", TLS: tb, Receive: rb.receive})
	s, err := Dial(context.Background(), addr, "", Config{NodeID: "ipn:1.0", TLS: ta, Receive: ra.receive})
	if err != nil {
		t.Fatal(err)
	}
	peer := <-accepted
	big := make([]byte, 4<<20)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, x := range []*Session{s, peer} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 3 {
				if err := x.Send(context.Background(), big); err != nil {
					errs[i] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	if errs[0] != nil || errs[1] != nil {
		t.Fatal(errs)
	}
	if len(ra.got) != 3 || len(rb.got) != 3 {
		t.Fatalf("got %d and %d", len(ra.got), len(rb.got))
	}
}

func FuzzReader(f *testing.F) {
	f.Add(Append(nil, &Msg{Type: MsgSessInit, Keepalive: 30, SegmentMRU: 65536, TransferMRU: 1 << 24, NodeID: "ipn:1.0"}))
	f.Add(Append(nil, &Msg{Type: MsgXferSegment, Flags: 3, ID: 1, Exts: []Ext{{Type: 1, Value: make([]byte, 8)}}, Data: []byte("abc")}))
	f.Add(Append(Append(nil, &Msg{Type: MsgXferAck, ID: 1, Length: 3}), &Msg{Type: MsgKeepalive}))
	f.Fuzz(func(t *testing.T, b []byte) {
		r := NewReader(bytes.NewReader(b), Limits{Segment: 1 << 16, NodeID: 256, Exts: 1024})
		for range 64 {
			m, err := r.Next()
			if err != nil {
				var de *Error
				if err != io.EOF && !errors.As(err, &de) {
					t.Fatalf("error %T %v", err, err)
				}
				return
			}
			// what decodes re-encodes to the same bytes
			enc := Append(nil, m)
			if m.Type == MsgXferSegment && m.Flags&FlagStart == 0 {
				continue
			}
			if len(enc) == 0 {
				t.Fatal("empty encoding")
			}
		}
	})
}

// TestNodeImpersonation (issue: every node certificate was a CA and a
// node trusted every certificate in keys/tcpcl/ as a root, so node A
// could issue itself a certificate naming node B and open a session as
// B): A presenting a certificate it issued for B, with its own trusted
// certificate as the issuer, gets no session; nor does a certificate of
// the old kind (a CA) used to sign one.
func TestNodeImpersonation(t *testing.T) {
	ia, _ := NewIdentity("ipn:1.0")
	ib, _ := NewIdentity("ipn:2.0")
	ic, _ := NewIdentity("ipn:3.0") // the victim's peer, which B's bundles go to
	if ia.Leaf.IsCA || ia.Leaf.KeyUsage&x509.KeyUsageCertSign != 0 {
		t.Fatal("a node identity can sign certificates")
	}
	trusted := []*x509.Certificate{ia.Leaf, ib.Leaf, ic.Leaf}
	addr, _ := serve(t, Config{NodeID: "ipn:3.0", TLS: TLSConfig(ic, trusted), Receive: (&sink{}).receive})
	for _, issuer := range []struct {
		name string
		id   tls.Certificate
	}{{"A's leaf", ia}, {"A as a CA (an identity of the old kind)", oldCA(t, "ipn:1.0")}} {
		forged := issue(t, issuer.id, "ipn:2.0")
		cfg := TLSConfig(forged, trusted)
		cfg.Certificates = []tls.Certificate{forged, issuer.id} // the chain up to A
		_, err := Dial(context.Background(), addr, "ipn:3.0", Config{NodeID: "ipn:2.0", TLS: cfg})
		if err == nil {
			t.Errorf("%s: a certificate A issued for B got a session as B", issuer.name)
		} else {
			t.Logf("%s: refused: %v", issuer.name, err)
		}
	}
	// B itself still gets one
	if s, err := Dial(context.Background(), addr, "ipn:3.0", Config{NodeID: "ipn:2.0", TLS: TLSConfig(ib, trusted)}); err != nil {
		t.Fatalf("B: %v", err)
	} else {
		s.Close()
	}
}

// oldCA is an identity as NewIdentity made them before: a CA.
func oldCA(t *testing.T, nodeID string) tls.Certificate {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	san, _ := bundleEIDSAN(nodeID)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: nodeID},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}, ExtraExtensions: []pkix.Extension{san}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
}

// issue makes a certificate naming nodeID signed by issuer's key.
func issue(t *testing.T, issuer tls.Certificate, nodeID string) tls.Certificate {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	san, _ := bundleEIDSAN(nodeID)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(8), Subject: pkix.Name{CommonName: nodeID},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0), KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}, ExtraExtensions: []pkix.Extension{san}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer.Leaf, &key.PublicKey, issuer.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	return tls.Certificate{Certificate: [][]byte{der, issuer.Leaf.Raw}, PrivateKey: key, Leaf: leaf}
}

// TestPlainPeerTold (issue 22: a peer without TLS was dropped without a
// word): a node that requires TLS answers a peer whose contact header
// does not offer it with SESS_TERM, reason contact failure, as RFC 9174
// 4.3 says, before closing.
func TestPlainPeerTold(t *testing.T) {
	id, _ := NewIdentity("ipn:3.0")
	addr, _ := serve(t, Config{NodeID: "ipn:3.0", TLS: TLSConfig(id, []*x509.Certificate{id.Leaf}), Receive: (&sink{}).receive})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	c.Write(ContactHeader(false))
	var hdr [6]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		t.Fatal(err)
	}
	m, err := NewReader(c, DefaultLimits).Next()
	if err != nil || m.Type != MsgSessTerm || TermReason(m.Reason) != TermContactFailure {
		t.Fatalf("after a contact header without TLS: %+v, %v; want SESS_TERM contact failure", m, err)
	}
}

// TestKeepaliveOnTime (issue 22: keepalives left up to 1.25 x the
// interval late): on an idle session with a 2 s keepalive, each
// KEEPALIVE leaves 2 s after the last thing written, on a simulated
// clock, so exactly.
func TestKeepaliveOnTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, b := net.Pipe()
		var arrivals []time.Time
		var peer sync.WaitGroup
		peer.Go(func() { // a raw peer: contact header, SESS_INIT, then it listens
			b.Write(ContactHeader(false))
			var hdr [6]byte
			io.ReadFull(b, hdr[:])
			rd := NewReader(b, DefaultLimits)
			b.Write(Append(nil, &Msg{Type: MsgSessInit, Keepalive: 2, SegmentMRU: 1 << 16, TransferMRU: 1 << 20, NodeID: "ipn:9.0"}))
			for {
				m, err := rd.Next()
				if err != nil {
					return
				}
				if m.Type == MsgKeepalive {
					arrivals = append(arrivals, time.Now())
					b.Write(Append(nil, &Msg{Type: MsgKeepalive})) // and answers, so neither side times out
				}
			}
		})
		s, err := handshake(context.Background(), a, Config{NodeID: "ipn:1.0", Keepalive: 2 * time.Second, AllowPlain: true, SegmentMRU: 1 << 16, TransferMRU: 1 << 20}, false, "")
		if err != nil {
			t.Fatal(err)
		}
		// something written 0.3 s in: the next keepalive is due 2 s after it
		time.Sleep(300 * time.Millisecond)
		if err := s.write(Append(nil, &Msg{Type: MsgKeepalive})); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		time.Sleep(9 * time.Second)
		s.Close()
		b.Close()
		peer.Wait()
		arrivals = arrivals[1:] // the one written by hand
		if len(arrivals) < 4 {
			t.Fatalf("%d keepalives in 9 s, want 4", len(arrivals))
		}
		prev := start
		for i, at := range arrivals[:4] {
			if gap := at.Sub(prev); gap != 2*time.Second {
				t.Errorf("keepalive %d left %s after the last write, want 2s", i+1, gap)
			}
			prev = at
		}
	})
}

// TestPlainPeerByName (issue 22: TLS policy per peer): a node that
// requires TLS takes a session without it from a peer it names as having
// none (a dtn: node id, as dtn7-go's TCPCLv4 has no TLS), gives that peer
// the node id it is known there by, and a bundle crosses; any other peer
// without TLS is told SESS_TERM contact failure once it has said who it
// is.
func TestPlainPeerByName(t *testing.T) {
	id, _ := NewIdentity("ipn:3.0")
	got := &sink{}
	addr, _ := serve(t, Config{NodeID: "ipn:3.0", TLS: TLSConfig(id, []*x509.Certificate{id.Leaf}), Receive: got.receive,
		PlainPeer: func(node string) bool { return node == "dtn://dtn7/" },
		LocalID: func(node string) string {
			if node == "dtn://dtn7/" {
				return "dtn://three/" // the id it gives that peer
			}
			return ""
		}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := Dial(ctx, addr, "dtn://three/", Config{NodeID: "dtn://dtn7/", Receive: (&sink{}).receive})
	if err != nil {
		t.Fatalf("the named peer without TLS: %v", err)
	}
	if s.TLS != nil {
		t.Error("TLS up with a peer that offered none")
	}
	if err := s.Send(ctx, []byte("a bundle")); err != nil {
		t.Fatal(err)
	}
	s.Close()
	got.mu.Lock()
	n := len(got.got)
	got.mu.Unlock()
	if n != 1 {
		t.Errorf("%d bundles received", n)
	}
	_, err = Dial(ctx, addr, "", Config{NodeID: "dtn://stranger/", Receive: (&sink{}).receive})
	var te *TerminatedError
	if !errors.As(err, &te) || te.Reason != TermContactFailure {
		t.Errorf("an unnamed peer without TLS: %v; want SESS_TERM contact failure", err)
	}
}
