// Package sdls secures the space link in the manner of CCSDS SDLS
// (355.0-B-2) and its extended procedures, with post-quantum keys.
//
// A security association (SA) between a ground station and a satellite is
// set up by a handshake at the start of a contact: the station sends a
// Hello carrying an X-Wing encapsulation to the satellite's key exchange
// key, signed with the station's ML-DSA-65 key; the satellite checks that
// the station may command it, decapsulates, derives the keys and answers
// with a Confirm MAC. Then every frame in either direction carries the SPI,
// a sequence number and an AES-256-GCM tag over header and payload, and
// the receiver keeps an anti-replay window. An SA outlives a contact: the
// next pass resumes it without a handshake, until its frame or byte budget
// or its lifetime runs out.
//
// On the wire, the information field of every AX.25 frame starts with a
// type byte:
//
//	0x51 protected  [type][SPI u16][seq u64] ciphertext+tag (AAD: the 11-byte header)
//	0x52 hello      [type][id u8][index u8][count u8] fragment of a Hello
//	0x53 confirm    [type][SPI u16] HMAC-SHA-256 (32 bytes)
//	0x54 no SA      [type][SPI u16] the satellite lost the association
//	                (a reboot): the station starts a new handshake. It is
//	                unauthenticated by necessity; forging one costs the
//	                link a handshake, never its security.
//
// A Hello (4,580 bytes, sent in fragments) is:
//
//	[version u8][SPI u16][sat u32][station key id 16][sat key id 16]
//	[time u64][nonce 16][X-Wing ciphertext 1120][ML-DSA-65 signature 3309]
package sdls

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// Frame types.
const (
	TypeProtected = 0x51
	TypeHello     = 0x52
	TypeConfirm   = 0x53
	TypeNoSA      = 0x54
)

// Sizes.
const (
	headerLen    = 1 + 2 + 8
	tagLen       = 16
	confirmLen   = 1 + 2 + satNonceLen + 32
	satNonceLen  = 16 // the satellite's fresh randomness in every Confirm
	xwingCTLen   = 1120
	mldsaSigLen  = 3309
	keyIDLen     = 16
	helloBodyLen = 1 + 2 + 4 + keyIDLen + keyIDLen + 8 + 16 + xwingCTLen
	HelloLen     = helloBodyLen + mldsaSigLen
	// FragmentSize is the Hello bytes per frame: five fragments, each of
	// which (with its 4-byte header, a 3-byte SDLS extended procedures
	// PDU header and a 6-byte space packet header) fits a CCSDS TC
	// frame's 1017 data bytes.
	FragmentSize = 960
	version      = 1
	sigContext   = "ipgs-sdls-hello-v1"
)

// Budget bounds an SA; past any of it, the next contact starts with a new
// handshake (and Protect refuses beyond Frames, so a nonce can never
// repeat).
type Budget struct {
	Frames   uint64        // default 1<<24
	Bytes    uint64        // default 1 GiB
	Lifetime time.Duration // default 7 days
}

func (b Budget) withDefaults() Budget {
	if b.Frames == 0 {
		b.Frames = 1 << 24
	}
	if b.Bytes == 0 {
		b.Bytes = 1 << 30
	}
	if b.Lifetime == 0 {
		b.Lifetime = 7 * 24 * time.Hour
	}
	return b
}

// Why a frame was refused, for counting (errors.Is).
var (
	ErrUnauthenticated = errors.New("unauthenticated frame (no security header)")
	ErrNoSA            = errors.New("no security association")
	ErrUnknownSPI      = errors.New("unknown SPI")
	ErrForged          = errors.New("authentication failed")
	ErrReplayed        = errors.New("replayed sequence number")
	ErrOutOfWindow     = errors.New("sequence number behind the anti-replay window")
	ErrBadHello        = errors.New("bad hello")
	ErrUntrusted       = errors.New("station key not trusted for this satellite")
	ErrExhausted       = errors.New("security association exhausted (rekey)")
)

// direction keys of an SA.
type dirKeys struct {
	aead cipher.AEAD
	salt [4]byte
}

// sa is one security association's state at one end.
type sa struct {
	spi         uint16
	tx, rx      dirKeys
	frame       [2][]byte // the CCSDS frame form's keys: up (TC), down (TM)
	txSeq       uint64    // next to send
	rxTop       uint64    // highest received
	rxMask      uint64    // bit i: rxTop-i received
	rxAny       bool
	frames      uint64
	bytes       uint64
	created     time.Time
	confirmKey  []byte
	transcript  [32]byte
	secret      []byte // the ground's, until the Confirm: X-Wing's shared secret
	nonce       []byte // and the Hello's nonce
	established bool
	renew       bool   // a no-SA notice came: handshake again, keep this one meanwhile
	station     string // onboard: the station key that set it up
}

// WindowSize is the anti-replay window, in frames.
const WindowSize = 64

// deriveKeys turns the shared secret into the SA's keys. The satellite's
// nonce (from its Confirm) goes into them too: a Hello replayed to a
// satellite, even one rebooted and with its memory of Hellos gone, makes
// keys nobody else has, never the recorded session's again.
//
// The same secret keys the SA's CCSDS frame form (frameKeys: AES-256 for
// SDLS on TC frames up and TM frames down), under labels of their own so
// that no key serves both forms.
func deriveKeys(ss, nonce, satNonce []byte, transcript [32]byte) (up, down dirKeys, frame [2][]byte, err error) {
	salt := append(bytes.Clone(nonce), satNonce...)
	okm, err := hkdf.Key(sha256.New, ss, salt, "ipgs sdls v2 "+hex.EncodeToString(transcript[:]), 32+32+4+4)
	if err != nil {
		return
	}
	fk, err := hkdf.Key(sha256.New, ss, salt, "ipgs sdls v2 ccsds frames "+hex.EncodeToString(transcript[:]), 64)
	if err != nil {
		return
	}
	frame = [2][]byte{fk[:32], fk[32:]}
	mk := func(key, salt []byte) (dirKeys, error) {
		b, err := aes.NewCipher(key)
		if err != nil {
			return dirKeys{}, err
		}
		g, err := cipher.NewGCM(b)
		if err != nil {
			return dirKeys{}, err
		}
		d := dirKeys{aead: g}
		copy(d.salt[:], salt)
		return d, nil
	}
	if up, err = mk(okm[0:32], okm[64:68]); err != nil {
		return
	}
	down, err = mk(okm[32:64], okm[68:72])
	return up, down, frame, err
}

// confirmKey is the key of the Confirm's MAC, known to both ends from
// the Hello alone.
func confirmKey(ss, nonce []byte, transcript [32]byte) ([]byte, error) {
	return hkdf.Key(sha256.New, ss, nonce, "ipgs sdls v2 confirm "+hex.EncodeToString(transcript[:]), 32)
}

func confirmMAC(key []byte, transcript [32]byte, satNonce []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("ipgs sdls confirm"))
	m.Write(transcript[:])
	m.Write(satNonce)
	return m.Sum(nil)
}

// protect seals payload as a protected frame of the SA.
func (s *sa) protect(payload []byte, budget Budget) ([]byte, error) {
	if s.txSeq >= budget.Frames {
		return nil, ErrExhausted
	}
	out := make([]byte, headerLen, headerLen+len(payload)+tagLen)
	out[0] = TypeProtected
	binary.BigEndian.PutUint16(out[1:], s.spi)
	binary.BigEndian.PutUint64(out[3:], s.txSeq)
	var nonce [12]byte
	copy(nonce[:4], s.tx.salt[:])
	binary.BigEndian.PutUint64(nonce[4:], s.txSeq)
	s.txSeq++
	s.frames++
	s.bytes += uint64(len(payload))
	return s.tx.aead.Seal(out, nonce[:], payload, out[:headerLen]), nil
}

// open checks and opens a protected frame; the replay window moves only
// for frames that authenticated.
func (s *sa) open(frame []byte) ([]byte, error) {
	if len(frame) < headerLen+tagLen {
		return nil, fmt.Errorf("%w: %d bytes", ErrForged, len(frame))
	}
	seq := binary.BigEndian.Uint64(frame[3:])
	if s.rxAny {
		if seq+WindowSize <= s.rxTop {
			return nil, fmt.Errorf("%w: %d, window starts at %d", ErrOutOfWindow, seq, s.rxTop-WindowSize+1)
		}
		if seq <= s.rxTop && s.rxMask&(1<<(s.rxTop-seq)) != 0 {
			return nil, fmt.Errorf("%w: %d", ErrReplayed, seq)
		}
	}
	var nonce [12]byte
	copy(nonce[:4], s.rx.salt[:])
	binary.BigEndian.PutUint64(nonce[4:], seq)
	p, err := s.rx.aead.Open(nil, nonce[:], frame[headerLen:], frame[:headerLen])
	if err != nil {
		return nil, fmt.Errorf("%w: SPI %d sequence %d", ErrForged, s.spi, seq)
	}
	switch {
	case !s.rxAny:
		s.rxTop, s.rxMask, s.rxAny = seq, 1, true
	case seq > s.rxTop:
		shift := seq - s.rxTop
		if shift >= 64 {
			s.rxMask = 0
		} else {
			s.rxMask <<= shift
		}
		s.rxMask |= 1
		s.rxTop = seq
	default:
		s.rxMask |= 1 << (s.rxTop - seq)
	}
	s.frames++
	s.bytes += uint64(len(p))
	return p, nil
}

// exhausted reports whether the SA should be replaced at the next contact.
func (s *sa) exhausted(b Budget, now time.Time) bool {
	return s.frames >= b.Frames/2 || s.bytes >= b.Bytes || now.Sub(s.created) >= b.Lifetime
}

// Stats count frames refused at one end, by reason, and handshakes.
type Stats struct {
	Unauthenticated, Forged, Replayed, OutOfWindow, UnknownSPI, BadHello, Untrusted int
	Handshakes                                                                      int
	HandshakeBytes                                                                  int
}

func (st *Stats) count(err error) {
	switch {
	case errors.Is(err, ErrUnauthenticated):
		st.Unauthenticated++
	case errors.Is(err, ErrForged):
		st.Forged++
	case errors.Is(err, ErrReplayed):
		st.Replayed++
	case errors.Is(err, ErrOutOfWindow):
		st.OutOfWindow++
	case errors.Is(err, ErrUnknownSPI), errors.Is(err, ErrNoSA):
		st.UnknownSPI++
	case errors.Is(err, ErrUntrusted):
		st.Untrusted++
	case errors.Is(err, ErrBadHello):
		st.BadHello++
	}
}

// Add adds o's counts to st.
func (st *Stats) Add(o Stats) {
	st.Unauthenticated += o.Unauthenticated
	st.Forged += o.Forged
	st.Replayed += o.Replayed
	st.OutOfWindow += o.OutOfWindow
	st.UnknownSPI += o.UnknownSPI
	st.BadHello += o.BadHello
	st.Untrusted += o.Untrusted
	st.Handshakes += o.Handshakes
	st.HandshakeBytes += o.HandshakeBytes
}

// Refused is the total of refused frames.
func (st Stats) Refused() int {
	return st.Unauthenticated + st.Forged + st.Replayed + st.OutOfWindow + st.UnknownSPI + st.BadHello + st.Untrusted
}
