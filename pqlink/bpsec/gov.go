package bpsec

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ipgs/ipgs/pqlink/keys"
	"github.com/ipgs/ipgs/uplink/bundle"
	"github.com/ipgs/ipgs/uplink/cbor"
)

// Envelope is a governance payload: what it is, who wrote it, its place
// in the author's sequence, a nonce and an expiry, all inside what the
// author signs, so that a replayed or stale bundle is recognised even when
// its signature is good.
type Envelope struct {
	Kind    string // proposal, vote, directive, revocation
	Author  string // the signing key's id
	Seq     uint64 // the author's counter
	Nonce   []byte // 16 random bytes
	Expires time.Time
	Body    []byte
}

// epoch2000 is the DTN epoch (RFC 9171 4.2.6).
var epoch2000 = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// DTNTime is t in milliseconds since 2000-01-01 UTC.
func DTNTime(t time.Time) uint64 { return uint64(t.Sub(epoch2000).Milliseconds()) }

// Encode returns the envelope as a CBOR array.
func (e *Envelope) Encode() []byte {
	var b []byte
	b = cbor.AppendArray(b, 7)
	b = cbor.AppendUint(b, 1) // envelope version
	b = cbor.AppendText(b, e.Kind)
	b = cbor.AppendBytes(b, keyIDBytes(e.Author))
	b = cbor.AppendUint(b, e.Seq)
	b = cbor.AppendBytes(b, e.Nonce)
	b = cbor.AppendUint(b, DTNTime(e.Expires))
	return cbor.AppendBytes(b, e.Body)
}

// DecodeEnvelope reads an envelope.
func DecodeEnvelope(data []byte) (*Envelope, error) {
	d := cbor.NewDecoder(data, 0)
	n, err := d.ArrayLen()
	if err != nil {
		return nil, err
	}
	if n != 7 {
		return nil, &cbor.Error{Msg: fmt.Sprintf("an envelope is a 7-item array, not %d", n)}
	}
	if v, err := d.Uint(); err != nil || v != 1 {
		if err == nil {
			err = &cbor.Error{Offset: 1, Msg: fmt.Sprintf("envelope version %d", v)}
		}
		return nil, err
	}
	e := &Envelope{}
	if e.Kind, err = d.Text(); err != nil {
		return nil, err
	}
	id, err := d.Bytes()
	if err != nil {
		return nil, err
	}
	e.Author = hex.EncodeToString(id)
	if e.Seq, err = d.Uint(); err != nil {
		return nil, err
	}
	if e.Nonce, err = d.Bytes(); err != nil {
		return nil, err
	}
	if len(e.Nonce) != 16 {
		return nil, &cbor.Error{Offset: d.Offset(), Msg: "the nonce is not 16 bytes"}
	}
	exp, err := d.Uint()
	if err != nil {
		return nil, err
	}
	e.Expires = epoch2000.Add(time.Duration(min(exp, uint64(1<<62)/uint64(time.Millisecond))) * time.Millisecond)
	if e.Body, err = d.Bytes(); err != nil {
		return nil, err
	}
	if !d.Done() {
		return nil, &cbor.Error{Offset: d.Offset(), Msg: "bytes after the envelope"}
	}
	return e, nil
}

// Seal makes a governance bundle: the envelope is signed with the
// author's ML-DSA-65 key (BIB-MLDSA65) and encrypted for the recipients'
// X-Wing keys (BCB-XWING-AES-GCM).
func Seal(e *Envelope, author *keys.Private, src, dst bundle.EID, recipients []*keys.Public, now time.Time) ([]byte, error) {
	return SealSeq(e, author, src, dst, recipients, now, e.Seq)
}

// SealSeq is Seal with the bundle's sequence number given (copies of one
// envelope to several destinations are distinct bundles).
func SealSeq(e *Envelope, author *keys.Private, src, dst bundle.EID, recipients []*keys.Public, now time.Time, seq uint64) ([]byte, error) {
	e.Author = author.ID
	if e.Nonce == nil {
		e.Nonce = make([]byte, 16)
		rand.Read(e.Nonce)
	}
	life := e.Expires.Sub(now)
	if life <= 0 {
		return nil, fmt.Errorf("bpsec: the envelope expires before it is sent")
	}
	b := &bundle.Bundle{
		Primary: bundle.Primary{CRCType: bundle.CRC32C, Dest: dst, Source: src, ReportTo: src, Created: DTNTime(now), Seq: seq, Lifetime: uint64(life.Milliseconds())},
		Blocks:  []bundle.Block{{Type: bundle.TypePayload, Number: 1, CRCType: bundle.CRC32C, Data: e.Encode()}},
	}
	if err := AddBIBMLDSA(b, 2, []uint64{1}, src, author, 7); err != nil {
		return nil, err
	}
	if len(recipients) > 0 {
		if err := AddBCBXWing(b, 3, 1, []uint64{1}, src, recipients, 7); err != nil {
			return nil, err
		}
	}
	return b.Encode()
}

// Errors of Open.
var (
	ErrExpired  = errors.New("expired")
	ErrReplayed = errors.New("replayed")
	ErrKind     = errors.New("the signer may not author this kind")
)

// ReplayWindow is how far below an author's highest sequence number a
// bundle may still arrive: bundles take different routes and overtake
// each other.
const ReplayWindow = 64

// Replay remembers which (author, nonce) pairs and which sequence numbers
// of each author were accepted. It is safe for concurrent use. Keep one
// for each receiver (each drone): what one accepted says nothing of what
// another has.
type Replay struct {
	mu     sync.Mutex
	nonces map[string]time.Time // author+nonce → expiry (forgotten after)
	high   map[string]uint64    // author → highest sequence accepted
	seen   map[string]map[uint64]bool
}

// Check accepts e once: a nonce seen before, a sequence number accepted
// before, or one ReplayWindow or more below the author's highest is a
// replay. Sequence numbers within the window may come in any order.
func (r *Replay) Check(e *Envelope, now time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.nonces == nil {
		r.nonces, r.high, r.seen = map[string]time.Time{}, map[string]uint64{}, map[string]map[uint64]bool{}
	}
	for k, exp := range r.nonces {
		if now.After(exp) {
			delete(r.nonces, k) // an expired bundle is refused anyway
		}
	}
	k := e.Author + string(e.Nonce)
	if _, seen := r.nonces[k]; seen {
		return fmt.Errorf("%w: nonce of %s seen before", ErrReplayed, e.Author)
	}
	high, any := r.high[e.Author]
	switch {
	case any && e.Seq+ReplayWindow <= high:
		return fmt.Errorf("%w: sequence %d of %s, more than %d below the highest accepted, %d", ErrReplayed, e.Seq, e.Author, ReplayWindow-1, high)
	case r.seen[e.Author][e.Seq]:
		return fmt.Errorf("%w: sequence %d of %s accepted before", ErrReplayed, e.Seq, e.Author)
	}
	r.nonces[k] = e.Expires
	if r.seen[e.Author] == nil {
		r.seen[e.Author] = map[uint64]bool{}
	}
	r.seen[e.Author][e.Seq] = true
	if !any || e.Seq > high {
		r.high[e.Author] = e.Seq
		for s := range r.seen[e.Author] {
			if s+ReplayWindow <= e.Seq {
				delete(r.seen[e.Author], s) // below the window: refused by the rule above
			}
		}
	}
	return nil
}

// Open takes a governance bundle apart: decrypt with ours (when it is
// encrypted), verify the signature with the key that trusted returns for
// the author (nil: not trusted), check that the author may write its kind
// (may), that it has not expired, and that it is not a replay. Nothing is
// returned unless all of that holds.
func Open(raw []byte, ours *keys.Private, trusted func(id string) *keys.Public, may func(id, kind string, at time.Time) error, replay *Replay, now time.Time) (*Envelope, error) {
	b, err := bundle.Decode(raw)
	if err != nil {
		return nil, err
	}
	if bcb := b.Block(3); bcb != nil && bcb.Type == bundle.TypeBCB {
		if ours == nil {
			return nil, fmt.Errorf("bpsec: the bundle is encrypted: %w", ErrNoKey)
		}
		if _, err := DecryptBCBXWing(b, 3, ours); err != nil {
			return nil, err
		}
	}
	bib := b.Block(2)
	if bib == nil || bib.Type != bundle.TypeBIB {
		return nil, fmt.Errorf("bpsec: an unsigned bundle: %w", ErrVerify)
	}
	signer, err := VerifyBIBMLDSA(b, 2, trusted)
	if err != nil {
		return nil, err
	}
	e, err := DecodeEnvelope(b.Payload().Data)
	if err != nil {
		return nil, fmt.Errorf("bpsec: envelope: %w", err)
	}
	if e.Author != signer {
		return nil, fmt.Errorf("bpsec: signed by %s for author %s: %w", signer, e.Author, ErrVerify)
	}
	if err := may(signer, e.Kind, now); err != nil {
		return nil, fmt.Errorf("bpsec: %w: %v", ErrKind, err)
	}
	if !now.Before(e.Expires) {
		return nil, fmt.Errorf("bpsec: %s %d of %s expired at %s: %w", e.Kind, e.Seq, e.Author, e.Expires.Format(time.RFC3339), ErrExpired)
	}
	if replay != nil {
		if err := replay.Check(e, now); err != nil {
			return nil, err
		}
	}
	return e, nil
}
