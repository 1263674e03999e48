package sdls

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/ipgs/ipgs/pqlink/keys"
)

var t0 = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

type pair struct {
	g *Ground
	o *Onboard
}

func newPair(t testing.TB) pair {
	st, err := keys.Generate(keys.Sig, "Tromso")
	if err != nil {
		t.Fatal(err)
	}
	kem, _ := keys.Generate(keys.KEM, "DRONE-01")
	return pair{
		g: &Ground{Station: st, SatKeys: map[int]*keys.Public{90001: &kem.Public}},
		o: &Onboard{Sat: 90001, KEM: kem, Trusted: map[string]*keys.Public{st.ID: &st.Public}},
	}
}

// handshake runs Begin -> Receive -> Open(confirm).
func (p pair) handshake(t testing.TB, now time.Time) int {
	t.Helper()
	frames, err := p.g.Begin(90001, now)
	if err != nil {
		t.Fatal(err)
	}
	var reply []byte
	n := 0
	for _, f := range frames {
		n += len(f)
		_, r, _, err := p.o.Receive(f, now)
		if err != nil {
			t.Fatal(err)
		}
		if r != nil {
			reply = r
		}
	}
	if len(frames) > 0 {
		if reply == nil {
			t.Fatal("no confirm")
		}
		if p, err := p.g.Open(90001, reply); err != nil || p != nil {
			t.Fatalf("confirm: %v", err)
		}
	}
	return n
}

func TestHandshakeAndFrames(t *testing.T) {
	p := newPair(t)
	if _, err := p.g.Protect(90001, []byte("x")); !errors.Is(err, ErrNoSA) {
		t.Fatalf("before the handshake: %v", err)
	}
	n := p.handshake(t, t0)
	t.Logf("handshake: %d bytes up in %d frames, %d down; %.1f s at 9600 bit/s", n, (HelloLen+FragmentSize-1)/FragmentSize, confirmLen, float64(8*(n+confirmLen))/9600)
	for i := 0; i < 100; i++ {
		cmd := []byte{byte(i), 1, 2, 3}
		f, err := p.g.Protect(90001, cmd)
		if err != nil {
			t.Fatal(err)
		}
		got, _, _, err := p.o.Receive(f, t0)
		if err != nil || !bytes.Equal(got, cmd) {
			t.Fatalf("uplink %d: %v", i, err)
		}
		tm, _ := p.o.Protect(p.g.sas[90001].spi, []byte("hk"))
		if got, err := p.g.Open(90001, tm); err != nil || string(got) != "hk" {
			t.Fatalf("downlink %d: %v", i, err)
		}
	}
	// the next pass resumes: no new handshake
	if frames, _ := p.g.Begin(90001, t0.Add(90*time.Minute)); frames != nil {
		t.Fatal("a new handshake where the SA should resume")
	}
	// after its lifetime, a new one (and the satellite takes it)
	if n := p.handshake(t, t0.Add(8*24*time.Hour)); n == 0 {
		t.Fatal("no rekey after the lifetime")
	}
	f, _ := p.g.Protect(90001, []byte("after rekey"))
	if got, _, _, err := p.o.Receive(f, t0); err != nil || string(got) != "after rekey" {
		t.Fatalf("after rekey: %v", err)
	}
}

// Everything an attacker can send is refused, counted, and never returned.
func TestRejections(t *testing.T) {
	p := newPair(t)
	p.handshake(t, t0)
	good, _ := p.g.Protect(90001, []byte("EXEC 1"))
	for _, c := range []struct {
		name  string
		frame []byte
		want  error
	}{
		{"plaintext", []byte("\x10\x00EXEC"), ErrUnauthenticated},
		{"empty", nil, ErrUnauthenticated},
		{"forged tag", flip(good, len(good)-1), ErrForged},
		{"forged payload", flip(good, headerLen+1), ErrForged},
		{"forged header", flip(good, 10), ErrForged},
		{"other SPI", flip(good, 2), ErrNoSA},
		{"short", good[:12], ErrForged},
	} {
		got, _, _, err := p.o.Receive(c.frame, t0)
		if !errors.Is(err, c.want) || got != nil {
			t.Errorf("%s: %v (payload %q), want %v", c.name, err, got, c.want)
		}
	}
	if _, _, _, err := p.o.Receive(good, t0); err != nil {
		t.Fatalf("the good frame: %v", err)
	}
	if _, _, _, err := p.o.Receive(good, t0); !errors.Is(err, ErrReplayed) {
		t.Errorf("replay: %v", err)
	}
	// out of order within the window is fine; behind it is refused
	var old [][]byte
	for i := 0; i < WindowSize+5; i++ {
		f, _ := p.g.Protect(90001, []byte{byte(i)})
		old = append(old, f)
	}
	if _, _, _, err := p.o.Receive(old[WindowSize+4], t0); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := p.o.Receive(old[10], t0); err != nil {
		t.Errorf("inside the window: %v", err)
	}
	if _, _, _, err := p.o.Receive(old[2], t0); !errors.Is(err, ErrOutOfWindow) {
		t.Errorf("behind the window: %v", err)
	}
	st := p.o.Stats
	if st.Forged != 4 || st.Unauthenticated != 2 || st.Replayed != 1 || st.OutOfWindow != 1 || st.UnknownSPI != 1 {
		t.Errorf("counts %+v", st)
	}
}

// After a reboot the satellite says so, and the station's next Begin sets
// up a new association.
func TestRebootNoticeAndRehandshake(t *testing.T) {
	p := newPair(t)
	p.handshake(t, t0)
	p.o.Reboot()
	f, _ := p.g.Protect(90001, []byte("cmd"))
	_, notice, _, err := p.o.Receive(f, t0)
	if !errors.Is(err, ErrNoSA) || notice == nil {
		t.Fatalf("after reboot: %v, notice %x", err, notice)
	}
	if _, err := p.g.Open(90001, notice); err != nil || !p.g.Renewing(90001) {
		t.Fatalf("notice: %v, renewing %v", err, p.g.Renewing(90001))
	}
	if n := p.handshake(t, t0.Add(time.Minute)); n == 0 {
		t.Fatal("no new handshake")
	}
	f, _ = p.g.Protect(90001, []byte("cmd"))
	if got, _, _, err := p.o.Receive(f, t0.Add(time.Minute)); err != nil || string(got) != "cmd" {
		t.Fatalf("after the new handshake: %v", err)
	}
}

func flip(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i] ^= 0x01
	return c
}

// A Hello from an untrusted station, a tampered one and a replayed one
// never set up an SA.
func TestBadHellos(t *testing.T) {
	p := newPair(t)
	rogue, _ := keys.Generate(keys.Sig, "rogue")
	q := pair{g: &Ground{Station: rogue, SatKeys: p.g.SatKeys}, o: p.o}
	frames, _ := q.g.Begin(90001, t0)
	var err error
	for _, f := range frames {
		_, _, _, err = p.o.Receive(f, t0)
	}
	if !errors.Is(err, ErrUntrusted) || (len(p.o.sas) > 0) {
		t.Fatalf("untrusted station: %v", err)
	}
	frames, _ = p.g.Begin(90001, t0)
	frames[2] = flip(frames[2], 100) // inside the X-Wing ciphertext
	for _, f := range frames {
		_, _, _, err = p.o.Receive(f, t0)
	}
	if !errors.Is(err, ErrForged) || (len(p.o.sas) > 0) {
		t.Fatalf("tampered hello: %v", err)
	}
	// a good hello recorded and played back later, or too old
	frames, _ = p.g.Begin(90001, t0)
	for _, f := range frames {
		p.o.Receive(f, t0)
	}
	if !(len(p.o.sas) > 0) {
		t.Fatal("good hello refused")
	}
	for _, f := range frames {
		_, _, _, err = p.o.Receive(f, t0)
	}
	if !errors.Is(err, ErrReplayed) {
		t.Fatalf("replayed hello: %v", err)
	}
	frames, _ = p.g.Begin(90001, t0.Add(-time.Hour))
	for _, f := range frames {
		_, _, _, err = p.o.Receive(f, t0)
	}
	if !errors.Is(err, ErrReplayed) {
		t.Fatalf("stale hello: %v", err)
	}
}

func FuzzOnboardReceive(f *testing.F) {
	p := newPair(f)
	frames, _ := p.g.Begin(90001, t0)
	for _, fr := range frames {
		f.Add(fr)
	}
	f.Add([]byte{TypeProtected, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		got, _, _, err := p.o.Receive(b, t0)
		if err == nil && got != nil {
			t.Fatalf("accepted a forged frame: %x", b)
		}
		p.g.Open(90001, b)
	})
}

func BenchmarkHandshake(b *testing.B) {
	p := newPair(b)
	for i := 0; b.Loop(); i++ {
		p.g.sas = nil
		p.handshake(b, t0.Add(time.Duration(i)*time.Second))
	}
}

// On a slow uplink the station resends its Hello before the first one's
// Confirm is back; the late Confirm still establishes the SA, and the
// satellite's switch to the newer Hello is followed.
func TestResentHello(t *testing.T) {
	p := newPair(t)
	deliver := func(frames [][]byte, now time.Time) []byte {
		t.Helper()
		var reply []byte
		for _, f := range frames {
			_, r, _, err := p.o.Receive(f, now)
			if err != nil {
				t.Fatal(err)
			}
			if r != nil {
				reply = r
			}
		}
		if reply == nil {
			t.Fatal("no confirm")
		}
		return reply
	}
	h1, _ := p.g.Begin(90001, t0)
	h2, _ := p.g.Begin(90001, t0.Add(30*time.Second)) // still not established: a new Hello
	if p.g.Established(90001) {
		t.Fatal("established before any confirm")
	}
	c1 := deliver(h1, t0.Add(32*time.Second))
	if _, err := p.g.Open(90001, c1); err != nil || !p.g.Established(90001) {
		t.Fatalf("late confirm of the first hello: %v, established %v", err, p.g.Established(90001))
	}
	roundTrip := func(what string) {
		t.Helper()
		f, err := p.g.Protect(90001, []byte(what))
		if err != nil {
			t.Fatal(err)
		}
		got, _, spi, err := p.o.Receive(f, t0.Add(time.Minute))
		if err != nil || string(got) != what {
			t.Fatalf("%s up: %v", what, err)
		}
		tm, _ := p.o.Protect(spi, []byte(what))
		if got, err := p.g.Open(90001, tm); err != nil || string(got) != what {
			t.Fatalf("%s down: %v", what, err)
		}
	}
	roundTrip("under the first")
	c2 := deliver(h2, t0.Add(64*time.Second)) // the satellite takes the newer Hello
	if _, err := p.g.Open(90001, c2); err != nil {
		t.Fatalf("confirm of the second hello: %v", err)
	}
	roundTrip("under the second")
	if _, err := p.g.Open(90001, c1); !errors.Is(err, ErrUnknownSPI) {
		t.Fatalf("the first confirm again, after the switch: %v", err)
	}
	// a confirm with a bad MAC for a pending SPI is refused
	h3, _ := p.g.Begin(90001, t0.Add(9*24*time.Hour))
	_ = h3
	bad := append([]byte{TypeConfirm}, c2[1:]...)
	bad[1], bad[2] = byte(p.g.sas[90001].spi>>8), byte(p.g.sas[90001].spi)
	if _, err := p.g.Open(90001, bad); !errors.Is(err, ErrForged) {
		t.Fatalf("forged confirm: %v", err)
	}
}

// TestHelloReplayAfterPowerCycle (issue: the onboard memory of Hellos
// outlived the emulator's reboot, and a Hello replayed to a satellite
// that really lost its memory rebuilt the recorded session's keys with a
// fresh replay window: recorded commands were accepted again, and the
// downlink restarted at sequence 0 under the same key and salt): the
// satellite's own nonce goes into every SA's keys, so the replayed Hello
// makes keys nobody has, under which the recorded commands do not open,
// and a reboot forgets what RAM would.
func TestHelloReplayAfterPowerCycle(t *testing.T) {
	p := newPair(t)
	hello, err := p.g.Begin(90001, t0)
	if err != nil {
		t.Fatal(err)
	}
	var confirm []byte
	for _, f := range hello {
		if _, r, _, err := p.o.Receive(f, t0); err != nil {
			t.Fatal(err)
		} else if r != nil {
			confirm = r
		}
	}
	if _, err := p.g.Open(90001, confirm); err != nil {
		t.Fatal(err)
	}
	cmd, err := p.g.Protect(90001, []byte("SET_HEATER 35"))
	if err != nil {
		t.Fatal(err)
	}
	if got, _, _, err := p.o.Receive(cmd, t0); err != nil || string(got) != "SET_HEATER 35" {
		t.Fatalf("the recorded command, first time: %q %v", got, err)
	}
	_, spi, _ := p.o.sasOf()
	down1, _ := p.o.Protect(spi, []byte("telemetry"))

	// a real power cycle; the attacker plays back the Hello, then the command
	p.o.Reboot()
	if len(p.o.nonces) != 0 {
		t.Fatal("the reboot kept the Hellos seen in RAM")
	}
	for _, f := range hello {
		p.o.Receive(f, t0.Add(time.Minute))
	}
	if got, _, _, err := p.o.Receive(cmd, t0.Add(time.Minute)); err == nil {
		t.Fatalf("the recorded command was accepted again after the replayed Hello: %q", got)
	}
	_, spi2, _ := p.o.sasOf()
	down2, _ := p.o.Protect(spi2, []byte("telemetry"))
	if bytes.Equal(down1, down2) {
		t.Fatal("the downlink restarted under the same key, salt and sequence")
	}
}

// sasOf returns the satellite's one SA's SPI (for tests).
func (o *Onboard) sasOf() (int, uint16, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for spi := range o.sas {
		return len(o.sas), spi, true
	}
	return 0, 0, false
}

// TestForgedNotice (issue: a forged 3-byte no-association notice made the
// station drop a working association, and the notice rate limit, shared
// by every SPI, let a forger silence the notice a station really needs):
// a forged notice costs one handshake while the association goes on
// carrying commands; notices for other SPIs do not hold back a real one.
func TestForgedNotice(t *testing.T) {
	p := newPair(t)
	p.handshake(t, t0)
	_, spi, _ := p.o.sasOf()
	forged := []byte{TypeNoSA, byte(spi >> 8), byte(spi)}
	if _, err := p.g.Open(90001, forged); err != nil {
		t.Fatal(err)
	}
	if !p.g.Established(90001) || !p.g.Renewing(90001) {
		t.Fatalf("after a forged notice: established %v, renewing %v", p.g.Established(90001), p.g.Renewing(90001))
	}
	f, err := p.g.Protect(90001, []byte("cmd"))
	if err != nil {
		t.Fatal(err)
	}
	if got, _, _, err := p.o.Receive(f, t0); err != nil || string(got) != "cmd" {
		t.Fatalf("a command after the forged notice: %q %v", got, err)
	}
	if n := p.handshake(t, t0.Add(time.Minute)); n == 0 || p.g.Renewing(90001) {
		t.Fatalf("the handshake the notice asked for: %d bytes, renewing %v", n, p.g.Renewing(90001))
	}
	// a forger's frames for SPIs the satellite does not have draw notices
	// for those SPIs; a real loss (a reboot) still gets its own at once
	for i := range 5 {
		junk := append([]byte{TypeProtected, 0xEE, byte(i)}, make([]byte, headerLen)...)
		p.o.Receive(junk, t0.Add(2*time.Minute))
	}
	p.o.Reboot()
	f, _ = p.g.Protect(90001, []byte("cmd"))
	if _, notice, _, _ := p.o.Receive(f, t0.Add(2*time.Minute)); notice == nil {
		t.Fatal("after a reboot the station got no notice: the forger's frames used it up")
	}
}

// TestOnboardExpiry (issue: onboard associations never expired): past
// twice the station's lifetime the satellite drops an association and
// says so; a fresh handshake works again.
func TestOnboardExpiry(t *testing.T) {
	p := newPair(t)
	p.handshake(t, t0)
	f, _ := p.g.Protect(90001, []byte("cmd"))
	late := t0.Add(15 * 24 * time.Hour)
	if got, notice, _, err := p.o.Receive(f, late); !errors.Is(err, ErrNoSA) || notice == nil || got != nil {
		t.Fatalf("a frame under a 15-day-old association: %q, notice %x, %v", got, notice, err)
	}
	if n, _, _ := p.o.sasOf(); n != 0 {
		t.Fatal("the expired association is still onboard")
	}
	p.handshake(t, late)
	f, _ = p.g.Protect(90001, []byte("cmd"))
	if got, _, _, err := p.o.Receive(f, late); err != nil || string(got) != "cmd" {
		t.Fatalf("after a new handshake: %q %v", got, err)
	}
}

// TestHelloFragmentJunk (issue: four junk Hello fragments flushed the
// reassembly, and one fragment under the Hello's id, which is in the
// clear, took the real fragment's place): a Hello still gets through
// junk fragments of other ids and a forged fragment of its own id sent
// ahead of the real one.
func TestHelloFragmentJunk(t *testing.T) {
	p := newPair(t)
	frames, err := p.g.Begin(90001, t0)
	if err != nil {
		t.Fatal(err)
	}
	id, n := frames[0][1], frames[0][3]
	var reply []byte
	for i, f := range frames {
		if i == 1 {
			for j := range 6 { // junk under other ids, more than the slots
				junk := []byte{TypeHello, id + 1 + byte(j), 0, n, 1, 2, 3}
				p.o.Receive(junk, t0)
			}
		}
		if i == 2 { // the attacker read the id and sends fragment 3 first
			forged := bytes.Clone(frames[3])
			forged[100] ^= 0xFF
			p.o.Receive(forged, t0)
		}
		if _, r, _, err := p.o.Receive(f, t0); err == nil && r != nil {
			reply = r
		}
	}
	if reply == nil {
		t.Fatal("the Hello did not get through the junk")
	}
	if _, err := p.g.Open(90001, reply); err != nil || !p.g.Established(90001) {
		t.Fatalf("confirm: %v", err)
	}
}

// TestOnboardTrustRechecked (issue: onboard trust was a snapshot: a
// grant's end and a revocation were never checked again after the
// handshake): a station whose grant ends mid-association has its next
// frame refused and the association dropped, and a Hello after the end
// gets none.
func TestOnboardTrustRechecked(t *testing.T) {
	p := newPair(t)
	end := t0.Add(time.Hour)
	p.o.May = func(id string, at time.Time) error {
		if !at.Before(end) {
			return errors.New("the grant ended at " + end.Format(time.RFC3339))
		}
		return nil
	}
	p.handshake(t, t0)
	f, _ := p.g.Protect(90001, []byte("cmd"))
	if got, _, _, err := p.o.Receive(f, t0.Add(time.Minute)); err != nil || string(got) != "cmd" {
		t.Fatalf("within the grant: %q %v", got, err)
	}
	f, _ = p.g.Protect(90001, []byte("cmd"))
	if _, _, _, err := p.o.Receive(f, end); !errors.Is(err, ErrUntrusted) {
		t.Fatalf("a frame after the grant ended: %v", err)
	}
	if n, _, _ := p.o.sasOf(); n != 0 {
		t.Fatal("the association outlived the grant")
	}
	g2 := &Ground{Station: p.g.Station, SatKeys: p.g.SatKeys} // the station, restarted
	frames, _ := g2.Begin(90001, end)
	var err error
	for _, fr := range frames {
		_, _, _, err = p.o.Receive(fr, end)
	}
	if !errors.Is(err, ErrUntrusted) {
		t.Fatalf("a Hello after the grant ended: %v", err)
	}
}
