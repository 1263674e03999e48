package sdls

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/cloudflare/circl/kem/xwing"
	"github.com/cloudflare/circl/sign/mldsa/mldsa65"

	"github.com/ipgs/ipgs/pqlink/keys"
)

// Ground is the station's end: an SA per satellite.
type Ground struct {
	Station *keys.Private        // the station's ML-DSA-65 key
	SatKeys map[int]*keys.Public // each satellite's X-Wing key
	Budget  Budget

	mu  sync.Mutex
	sas map[int]*sa
	// pending are each satellite's Hellos sent but not yet confirmed,
	// oldest first: a Hello resent before the first one's Confirm came
	// back (a slow uplink) must not orphan that Confirm.
	pending map[int][]*sa
	Stats   Stats
}

// maxPending bounds the unconfirmed Hellos kept per satellite.
const maxPending = 4

func (g *Ground) init() {
	if g.sas == nil {
		g.sas = map[int]*sa{}
		g.pending = map[int][]*sa{}
	}
}

// Renewing reports whether sat's working SA was reported lost (a no-SA
// notice): a new handshake is due, and the SA goes on meanwhile.
func (g *Ground) Renewing(sat int) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.init()
	s := g.sas[sat]
	return s != nil && s.established && s.renew
}

// Established reports whether sat has a working SA.
func (g *Ground) Established(sat int) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.init()
	s := g.sas[sat]
	return s != nil && s.established
}

// Begin returns the frames (information fields) that open an SA with sat
// at the start of a contact, or nil when the current SA goes on (resumed
// from an earlier pass).
func (g *Ground) Begin(sat int, now time.Time) ([][]byte, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.init()
	b := g.Budget.withDefaults()
	if s := g.sas[sat]; s != nil && s.established && !s.exhausted(b, now) && !s.renew {
		return nil, nil
	}
	pk := g.SatKeys[sat]
	if pk == nil {
		return nil, fmt.Errorf("sdls: no key-exchange key for satellite %d", sat)
	}
	sk, err := g.Station.Signer()
	if err != nil {
		return nil, err
	}
	if pk.Kind != keys.KEM || len(pk.Key) != xwing.PublicKeySize {
		return nil, fmt.Errorf("sdls: key %s of satellite %d is not an X-Wing public key", pk.ID, sat)
	}
	ss, ct, err := xwing.Encapsulate(pk.Key, nil)
	if err != nil {
		return nil, fmt.Errorf("sdls: X-Wing to %s: %v", pk.ID, err)
	}
	var r [2]byte
	rand.Read(r[:])
	spi := binary.BigEndian.Uint16(r[:])%0xFFFE + 1 // random: stations choose independently
	for g.spiInUse(sat, spi) {
		spi = spi%0xFFFE + 1
	}
	h := make([]byte, 0, HelloLen)
	h = append(h, version)
	h = binary.BigEndian.AppendUint16(h, spi)
	h = binary.BigEndian.AppendUint32(h, uint32(sat))
	h = append(h, mustID(g.Station.ID)...)
	h = append(h, mustID(pk.ID)...)
	h = binary.BigEndian.AppendUint64(h, uint64(now.Unix()))
	nonce := make([]byte, 16)
	rand.Read(nonce)
	h = append(h, nonce...)
	h = append(h, ct...)
	sig := make([]byte, mldsa65.SignatureSize)
	if err := mldsa65.SignTo(sk, h, []byte(sigContext), true, sig); err != nil {
		return nil, err
	}
	h = append(h, sig...)
	transcript := sha256.Sum256(h)
	ck, err := confirmKey(ss, nonce, transcript)
	if err != nil {
		return nil, err
	}
	hello := &sa{spi: spi, created: now, confirmKey: ck, transcript: transcript, secret: ss, nonce: nonce}
	switch old := g.sas[sat]; {
	case old != nil && old.established && old.renew:
		// asked for a new association by a notice anyone could have
		// forged: the one that works goes on until the new one is confirmed
		g.pending[sat] = append(g.pending[sat], hello)
	case old != nil && !old.established:
		g.pending[sat] = append(g.pending[sat], old)
		g.sas[sat] = hello
	default:
		g.sas[sat] = hello
	}
	if p := g.pending[sat]; len(p) > maxPending {
		g.pending[sat] = p[len(p)-maxPending:]
	}
	var hid [1]byte
	rand.Read(hid[:]) // random: two stations' Hellos never share fragments by design
	frames := fragments(hid[0], h)
	g.Stats.Handshakes++
	for _, f := range frames {
		g.Stats.HandshakeBytes += len(f)
	}
	return frames, nil
}

// spiInUse reports whether spi names sat's SA or one of its pending Hellos.
func (g *Ground) spiInUse(sat int, spi uint16) bool {
	if s := g.sas[sat]; s != nil && s.spi == spi {
		return true
	}
	for _, p := range g.pending[sat] {
		if p.spi == spi {
			return true
		}
	}
	return false
}

// confirmed finds the SA a Confirm names: the current one or a pending
// one. A pending one becomes current; the current one, if unconfirmed,
// waits in pending for its own Confirm (its Hello may still be on the
// way), and the Hellos older than the confirmed one are dropped.
func (g *Ground) confirmed(sat int, spi uint16, satNonce, mac []byte) error {
	cur := g.sas[sat]
	if cur != nil && cur.spi == spi {
		if cur.established || !hmac.Equal(mac, confirmMAC(cur.confirmKey, cur.transcript, satNonce)) {
			return fmt.Errorf("%w: confirm MAC", ErrForged)
		}
		if err := cur.establish(satNonce); err != nil {
			return err
		}
		g.pending[sat] = nil // older Hellos: the satellite replaced them with this one
		return nil
	}
	for i, p := range g.pending[sat] {
		if p.spi != spi {
			continue
		}
		if !hmac.Equal(mac, confirmMAC(p.confirmKey, p.transcript, satNonce)) {
			return fmt.Errorf("%w: confirm MAC", ErrForged)
		}
		if err := p.establish(satNonce); err != nil {
			return err
		}
		rest := append([]*sa(nil), g.pending[sat][i+1:]...)
		if cur != nil && !cur.established {
			rest = append(rest, cur)
		}
		g.pending[sat] = rest
		g.sas[sat] = p
		return nil
	}
	return fmt.Errorf("%w: confirm for another SPI", ErrUnknownSPI)
}

func mustID(id string) []byte {
	b, err := hex.DecodeString(id)
	if err != nil || len(b) != keyIDLen {
		return make([]byte, keyIDLen)
	}
	return b
}

func fragments(id uint8, h []byte) [][]byte {
	n := (len(h) + FragmentSize - 1) / FragmentSize
	var out [][]byte
	for i := 0; i < n; i++ {
		chunk := h[i*FragmentSize : min(len(h), (i+1)*FragmentSize)]
		f := append([]byte{TypeHello, id, byte(i), byte(n)}, chunk...)
		out = append(out, f)
	}
	return out
}

// Protect seals an uplink payload (a space packet) for sat.
func (g *Ground) Protect(sat int, payload []byte) ([]byte, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.init()
	s := g.sas[sat]
	if s == nil || !s.established {
		return nil, fmt.Errorf("sdls: satellite %d: %w yet", sat, ErrNoSA)
	}
	return s.protect(payload, g.Budget.withDefaults())
}

// Open handles a downlink information field from sat: a protected frame
// gives its payload; a Confirm completes the handshake and gives nil.
func (g *Ground) Open(sat int, info []byte) ([]byte, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.init()
	p, err := g.open(sat, info)
	if err != nil {
		g.Stats.count(err)
	}
	return p, err
}

func (g *Ground) open(sat int, info []byte) ([]byte, error) {
	if len(info) == 0 {
		return nil, ErrUnauthenticated
	}
	s := g.sas[sat]
	switch info[0] {
	case TypeConfirm:
		if len(info) != confirmLen {
			return nil, fmt.Errorf("%w: confirm of %d bytes", ErrUnknownSPI, len(info))
		}
		return nil, g.confirmed(sat, binary.BigEndian.Uint16(info[1:]), info[3:3+satNonceLen], info[3+satNonceLen:])
	case TypeNoSA:
		if len(info) == 3 && s != nil && binary.BigEndian.Uint16(info[1:]) == s.spi && s.established {
			// unauthenticated (the satellite lost the keys): it costs one
			// handshake, never the association that works
			s.renew = true
			return nil, nil
		}
		return nil, fmt.Errorf("%w: no-SA notice", ErrUnknownSPI)
	case TypeProtected:
		if s == nil || !s.established {
			return nil, ErrNoSA
		}
		if len(info) < headerLen || binary.BigEndian.Uint16(info[1:]) != s.spi {
			return nil, fmt.Errorf("%w: %d", ErrUnknownSPI, binary.BigEndian.Uint16(info[1:min(len(info), 3)]))
		}
		return s.open(info)
	}
	return nil, ErrUnauthenticated
}

// Onboard is the satellite's end. It keeps one SA per station (a new
// Hello from a station replaces that station's SA), found by SPI.
type Onboard struct {
	Sat int
	KEM *keys.Private // the satellite's X-Wing key
	// Trusted are the station signature keys allowed to command this
	// satellite (the trust store's answer for it).
	Trusted map[string]*keys.Public
	// May, if set, is the trust store's judgement of a station key at a
	// time (its grant's window, revocations): asked at every Hello and
	// every uplink frame, so trust is never a snapshot of the handshake.
	May  func(stationKey string, t time.Time) error
	Skew time.Duration // how far a Hello's time may be off (default 10 min)
	// Budget bounds an association onboard too: past twice the station's
	// budget (which renews at half its frames, or at its bytes or
	// lifetime), the satellite drops it, whatever the station does.
	Budget Budget

	mu        sync.Mutex
	sas       map[uint16]*sa
	byStation map[string]uint16
	noticeAt  map[uint16]time.Time
	frag      map[[2]uint8]*reassembly // by hello id and fragment count
	fragSeq   uint64
	nonces    map[string]bool
	Stats     Stats
}

// reassembly gathers one Hello's fragments. An index may hold a few
// different fragments: an attacker who reads a Hello's id (it is in the
// clear) and sends a fragment of his own under it does not take the real
// one's place; the combination that verifies wins.
type reassembly struct {
	parts [][][]byte // by index, the distinct fragments heard
	have  int        // indices with at least one
	seq   uint64     // when it started, for eviction
}

// Bounds of reassembly: Hellos gathered at once, and the different
// fragments kept for one index (3 of each of the 5 fragments: at most 243
// signatures checked).
const (
	maxReassembly = 4
	maxVariants   = 3
)

// Receive handles an uplink information field. A protected frame gives
// its payload and the SPI of its SA. The last fragment of a valid Hello
// sets up an SA and gives the Confirm to send down (reply) with its SPI. A
// protected frame for an SA the satellite does not have (after a reboot)
// gives a no-SA notice as reply. Anything refused is an error that says
// why, and nothing of it is used.
func (o *Onboard) Receive(info []byte, now time.Time) (payload, reply []byte, spi uint16, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.sas == nil {
		o.sas, o.byStation, o.nonces = map[uint16]*sa{}, map[string]uint16{}, map[string]bool{}
	}
	payload, reply, spi, err = o.receive(info, now)
	if err != nil {
		o.Stats.count(err)
	}
	return
}

func (o *Onboard) receive(info []byte, now time.Time) ([]byte, []byte, uint16, error) {
	if len(info) == 0 {
		return nil, nil, 0, ErrUnauthenticated
	}
	switch info[0] {
	case TypeProtected:
		if len(info) < headerLen {
			return nil, nil, 0, fmt.Errorf("%w: %d bytes", ErrForged, len(info))
		}
		spi := binary.BigEndian.Uint16(info[1:])
		s := o.sas[spi]
		if s != nil && s.expired(o.Budget.withDefaults(), now) {
			o.drop(spi)
			s = nil
		}
		if s == nil {
			// tell the station (at most every 10 s), so that it sets up
			// a new association instead of talking into the void
			// a notice per SPI at most every 10 s: a forger's SPIs never
			// silence the notice a station whose SA was really lost needs
			var notice []byte
			if o.noticeAt == nil || len(o.noticeAt) > 1024 {
				o.noticeAt = map[uint16]time.Time{}
			}
			if at, ok := o.noticeAt[spi]; !ok || now.Sub(at) >= 10*time.Second {
				notice = []byte{TypeNoSA, info[1], info[2]}
				o.noticeAt[spi] = now
			}
			return nil, notice, spi, fmt.Errorf("%w: SPI %d", ErrNoSA, spi)
		}
		if o.May != nil {
			if err := o.May(s.station, now); err != nil {
				o.drop(spi) // the station's grant ended or its key was revoked
				return nil, nil, spi, fmt.Errorf("%w: %v", ErrUntrusted, err)
			}
		}
		p, err := s.open(info)
		return p, nil, spi, err
	case TypeHello:
		if len(info) < 5 {
			return nil, nil, 0, fmt.Errorf("%w: fragment of %d bytes", ErrBadHello, len(info))
		}
		id, idx, n := info[1], int(info[2]), int(info[3])
		if n == 0 || n > (HelloLen+FragmentSize-1)/FragmentSize || idx >= n {
			return nil, nil, 0, fmt.Errorf("%w: fragment %d of %d", ErrBadHello, idx, n)
		}
		if o.frag == nil {
			o.frag = map[[2]uint8]*reassembly{}
		}
		key := [2]uint8{id, uint8(n)}
		r := o.frag[key]
		if r == nil {
			if len(o.frag) >= maxReassembly {
				o.evict()
			}
			o.fragSeq++
			r = &reassembly{parts: make([][][]byte, n), seq: o.fragSeq}
			o.frag[key] = r
		}
		part := info[4:]
		if !slices.ContainsFunc(r.parts[idx], func(p []byte) bool { return bytes.Equal(p, part) }) {
			if len(r.parts[idx]) >= maxVariants {
				return nil, nil, 0, fmt.Errorf("%w: fragment %d of hello %d heard in more than %d versions", ErrBadHello, idx, id, maxVariants)
			}
			if len(r.parts[idx]) == 0 {
				r.have++
			}
			r.parts[idx] = append(r.parts[idx], bytes.Clone(part))
		}
		if r.have < n {
			return nil, nil, 0, nil
		}
		payload, reply, spi, err := o.tryHellos(r, now)
		if err == nil {
			delete(o.frag, key)
		}
		return payload, reply, spi, err
	}
	return nil, nil, 0, ErrUnauthenticated
}

func (o *Onboard) hello(h []byte, now time.Time) ([]byte, []byte, uint16, error) {
	if len(h) != HelloLen || h[0] != version {
		return nil, nil, 0, fmt.Errorf("%w: %d bytes", ErrBadHello, len(h))
	}
	body, sig := h[:helloBodyLen], h[helloBodyLen:]
	spi := binary.BigEndian.Uint16(body[1:])
	sat := int(binary.BigEndian.Uint32(body[3:]))
	stKey := hex.EncodeToString(body[7 : 7+keyIDLen])
	satKey := hex.EncodeToString(body[7+keyIDLen : 7+2*keyIDLen])
	at := time.Unix(int64(binary.BigEndian.Uint64(body[7+2*keyIDLen:])), 0)
	nonce := body[15+2*keyIDLen : 31+2*keyIDLen]
	ct := body[31+2*keyIDLen:]
	if sat != o.Sat || satKey != o.KEM.ID {
		return nil, nil, 0, fmt.Errorf("%w: for satellite %d key %s", ErrBadHello, sat, satKey)
	}
	pub := o.Trusted[stKey]
	if pub == nil {
		return nil, nil, 0, fmt.Errorf("%w: %s", ErrUntrusted, stKey)
	}
	if o.May != nil {
		if err := o.May(stKey, now); err != nil {
			return nil, nil, 0, fmt.Errorf("%w: %v", ErrUntrusted, err)
		}
	}
	pk, err := pub.Verifier()
	if err != nil {
		return nil, nil, 0, fmt.Errorf("%w: %v", ErrUntrusted, err)
	}
	if !mldsa65.Verify(pk, body, []byte(sigContext), sig) {
		return nil, nil, 0, fmt.Errorf("%w: hello signature", ErrForged)
	}
	skew := o.Skew
	if skew <= 0 {
		skew = 10 * time.Minute
	}
	if d := now.Sub(at); d > skew || d < -skew {
		return nil, nil, 0, fmt.Errorf("%w: hello time %s is %v off", ErrReplayed, at.UTC().Format(time.RFC3339), d.Round(time.Second))
	}
	if o.nonces[string(nonce)] {
		return nil, nil, 0, fmt.Errorf("%w: hello nonce seen before", ErrReplayed)
	}
	if other, ok := o.sas[spi]; ok && o.byStation[stKey] != spi {
		_ = other
		return nil, nil, 0, fmt.Errorf("%w: SPI %d belongs to another station's association", ErrBadHello, spi)
	}
	if o.KEM.Kind != keys.KEM || !o.KEM.HasPrivate() {
		return nil, nil, 0, fmt.Errorf("sdls: satellite key %s is not a private X-Wing key", o.KEM.ID)
	}
	ss := xwing.Decapsulate(ct, o.KEM.Seed())
	transcript := sha256.Sum256(h)
	satNonce := make([]byte, satNonceLen)
	rand.Read(satNonce)
	up, down, fk, err := deriveKeys(ss, nonce, satNonce, transcript)
	if err != nil {
		return nil, nil, 0, err
	}
	ck, err := confirmKey(ss, nonce, transcript)
	if err != nil {
		return nil, nil, 0, err
	}
	if old, ok := o.byStation[stKey]; ok {
		delete(o.sas, old)
	}
	o.sas[spi] = &sa{spi: spi, tx: down, rx: up, frame: fk, created: now, established: true, station: stKey}
	o.byStation[stKey] = spi
	if len(o.nonces) > 4096 {
		o.nonces = map[string]bool{} // the time check covers what this forgets
	}
	o.nonces[string(nonce)] = true
	o.Stats.Handshakes++
	reply := append(append([]byte{TypeConfirm, byte(spi >> 8), byte(spi)}, satNonce...), confirmMAC(ck, transcript, satNonce)...)
	return nil, reply, spi, nil
}

// Protect seals a downlink payload under the SA spi; without it, it is
// an error (the satellite then sends nothing the ground could not verify).
func (o *Onboard) Protect(spi uint16, payload []byte) ([]byte, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	s := o.sas[spi]
	if s == nil {
		return nil, ErrNoSA
	}
	return s.protect(payload, Budget{}.withDefaults())
}

// Established reports whether the SA spi is up.
func (o *Onboard) Established(spi uint16) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.sas[spi] != nil
}

// FrameKeys are the AES-256 keys of SA spi's CCSDS frame form (SDLS on
// TC frames up, TM frames down), and whether the SA is up. Every use is
// judged as a protected frame of the other form is: the station's key
// must still be trusted at now (a revoked station's SA is dropped).
func (o *Onboard) FrameKeys(spi uint16, now time.Time) (up, down []byte, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	s := o.sas[spi]
	if s == nil {
		return nil, nil, fmt.Errorf("%w: SPI %d", ErrNoSA, spi)
	}
	if o.May != nil {
		if err := o.May(s.station, now); err != nil {
			o.drop(spi)
			return nil, nil, fmt.Errorf("%w: %v", ErrUntrusted, err)
		}
	}
	return s.frame[0], s.frame[1], nil
}

// Count adds a refusal of the CCSDS frame form to the counters (its
// frames are checked outside this package).
func (o *Onboard) Count(f func(*Stats)) {
	o.mu.Lock()
	defer o.mu.Unlock()
	f(&o.Stats)
}

// Reboot forgets everything in RAM: every SA and the Hellos seen (an
// onboard reset keeps keys, not sessions). A Hello replayed afterwards
// gets an SA with keys of the satellite's fresh nonce, which the replayer
// does not have and the recorded session never used.
func (o *Onboard) Reboot() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sas, o.byStation, o.frag, o.nonces = map[uint16]*sa{}, map[string]uint16{}, nil, map[string]bool{}
}

// Counts returns the satellite's refusal and handshake counters.
func (o *Onboard) Counts() Stats {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.Stats
}

// Counts returns the station's counters.
func (g *Ground) Counts() Stats {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.Stats
}

// FrameKeys are the AES-256 keys of sat's working SA in the CCSDS frame
// form (SDLS on TC frames up, TM frames down), with its SPI.
func (g *Ground) FrameKeys(sat int) (spi uint16, up, down []byte, ok bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.init()
	s := g.sas[sat]
	if s == nil || !s.established {
		return 0, nil, nil, false
	}
	return s.spi, s.frame[0], s.frame[1], true
}

// establish derives the ground's keys once the Confirm brought the
// satellite's nonce, and forgets the secret.
func (s *sa) establish(satNonce []byte) error {
	up, down, fk, err := deriveKeys(s.secret, s.nonce, satNonce, s.transcript)
	if err != nil {
		return err
	}
	s.tx, s.rx, s.frame, s.established = up, down, fk, true
	s.secret = nil
	return nil
}

// drop forgets the SA spi.
func (o *Onboard) drop(spi uint16) {
	delete(o.sas, spi)
	for st, v := range o.byStation {
		if v == spi {
			delete(o.byStation, st)
		}
	}
}

// expired reports whether an SA has outlived twice the station's budget:
// the satellite's own bound, for a station that never renews.
func (s *sa) expired(b Budget, now time.Time) bool {
	return s.frames >= b.Frames || s.bytes >= 2*b.Bytes || now.Sub(s.created) >= 2*b.Lifetime
}

// evict makes room for one more Hello: the one with the fewest fragments
// goes (the newest of those: a flood of one-fragment junk evicts itself,
// not a Hello that began before it), never all of them.
func (o *Onboard) evict() {
	var worst [2]uint8
	var w *reassembly
	for k, r := range o.frag {
		if w == nil || r.have < w.have || r.have == w.have && r.seq > w.seq {
			worst, w = k, r
		}
	}
	delete(o.frag, worst)
}

// tryHellos tries each combination of the fragments heard, the first
// heard first, until one is a valid Hello.
func (o *Onboard) tryHellos(r *reassembly, now time.Time) ([]byte, []byte, uint16, error) {
	pick := make([]int, len(r.parts))
	var err error
	for {
		h := make([]byte, 0, HelloLen)
		for i, v := range pick {
			h = append(h, r.parts[i][v]...)
		}
		var payload, reply []byte
		var spi uint16
		if payload, reply, spi, err = o.hello(h, now); err == nil {
			return payload, reply, spi, nil
		}
		// next combination (an odometer over the variants)
		i := 0
		for ; i < len(pick); i++ {
			if pick[i]++; pick[i] < len(r.parts[i]) {
				break
			}
			pick[i] = 0
		}
		if i == len(pick) {
			return nil, nil, 0, err
		}
	}
}
