// Package bpsec is Bundle Protocol Security (RFC 9172) for ipgs bundles:
// the abstract security block that BIBs and BCBs carry, and the RFC 9173
// default contexts, starting with BIB-HMAC-SHA2.
package bpsec

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"fmt"
	"hash"

	"github.com/ipgs/ipgs/uplink/bundle"
	"github.com/ipgs/ipgs/uplink/cbor"
)

// Security context ids (RFC 9173; negative ids are private use).
const (
	ContextBIBHMACSHA2 = 1
	ContextBCBAESGCM   = 2
)

// Param is one security context parameter or result: an id and its value
// (the value's CBOR encoding).
type Param struct {
	ID    uint64
	Value []byte // encoded CBOR item
}

// ASB is an abstract security block (RFC 9172 3.6).
type ASB struct {
	Targets []uint64
	Context int64
	Source  bundle.EID
	Params  []Param   // empty: the parameters flag is clear
	Results [][]Param // per target
}

// Encode returns the ASB as block-type-specific data: a CBOR sequence.
func (a *ASB) Encode() []byte {
	var b []byte
	b = cbor.AppendArray(b, len(a.Targets))
	for _, t := range a.Targets {
		b = cbor.AppendUint(b, t)
	}
	b = cbor.AppendInt(b, a.Context)
	flags := uint64(0)
	if len(a.Params) > 0 {
		flags = 1
	}
	b = cbor.AppendUint(b, flags)
	b = a.Source.Append(b)
	if len(a.Params) > 0 {
		b = appendParams(b, a.Params)
	}
	b = cbor.AppendArray(b, len(a.Results))
	for _, r := range a.Results {
		b = appendParams(b, r)
	}
	return b
}

func appendParams(b []byte, ps []Param) []byte {
	b = cbor.AppendArray(b, len(ps))
	for _, p := range ps {
		b = cbor.AppendArray(b, 2)
		b = cbor.AppendUint(b, p.ID)
		b = append(b, p.Value...)
	}
	return b
}

// MaxTargets bounds an ASB's targets and parameters.
const MaxTargets = 64

// DecodeASB reads an ASB from a security block's data; base is the data's
// offset in the bundle, for errors.
func DecodeASB(data []byte, base int) (*ASB, error) {
	d := cbor.NewDecoder(data, base)
	a := &ASB{}
	n, err := d.ArrayLen()
	if err != nil {
		return nil, err
	}
	if n < 1 || n > MaxTargets {
		return nil, &cbor.Error{Offset: base, Msg: fmt.Sprintf("%d security targets (1-%d)", n, MaxTargets)}
	}
	for i := 0; i < n; i++ {
		t, err := d.Uint()
		if err != nil {
			return nil, err
		}
		a.Targets = append(a.Targets, t)
	}
	if a.Context, err = d.Int(); err != nil {
		return nil, err
	}
	flags, err := d.Uint()
	if err != nil {
		return nil, err
	}
	if a.Source, err = bundle.DecodeEID(d); err != nil {
		return nil, err
	}
	if flags&1 != 0 {
		if a.Params, err = decodeParams(d); err != nil {
			return nil, err
		}
	}
	at := d.Offset()
	nr, err := d.ArrayLen()
	if err != nil {
		return nil, err
	}
	if nr != len(a.Targets) {
		return nil, &cbor.Error{Offset: at, Msg: fmt.Sprintf("%d result sets for %d targets", nr, len(a.Targets))}
	}
	for i := 0; i < nr; i++ {
		r, err := decodeParams(d)
		if err != nil {
			return nil, err
		}
		a.Results = append(a.Results, r)
	}
	if !d.Done() {
		return nil, &cbor.Error{Offset: d.Offset(), Msg: "bytes after the security results"}
	}
	return a, nil
}

func decodeParams(d *cbor.Decoder) ([]Param, error) {
	at := d.Offset()
	n, err := d.ArrayLen()
	if err != nil {
		return nil, err
	}
	if n < 0 || n > MaxTargets {
		return nil, &cbor.Error{Offset: at, Msg: fmt.Sprintf("%d parameters", n)}
	}
	var ps []Param
	for i := 0; i < n; i++ {
		pat := d.Offset()
		if k, err := d.ArrayLen(); err != nil || k != 2 {
			if err == nil {
				err = &cbor.Error{Offset: pat, Msg: "a parameter is [id, value]"}
			}
			return nil, err
		}
		id, err := d.Uint()
		if err != nil {
			return nil, err
		}
		v, err := d.Skip()
		if err != nil {
			return nil, err
		}
		ps = append(ps, Param{id, v})
	}
	return ps, nil
}

// uintParam returns parameter id as an unsigned integer, or def when absent.
func uintParam(ps []Param, id, def uint64) (uint64, error) {
	v, ok := get(ps, id)
	if !ok {
		return def, nil
	}
	return cbor.NewDecoder(v, 0).Uint()
}

func get(ps []Param, id uint64) ([]byte, bool) {
	for _, p := range ps {
		if p.ID == id {
			return p.Value, true
		}
	}
	return nil, false
}

// BIB-HMAC-SHA2 parameters and variants (RFC 9173 3.3).
const (
	paramSHAVariant = 1
	paramWrappedKey = 2
	paramScope      = 3
	resultHMAC      = 1

	SHA256 = 5
	SHA384 = 6
	SHA512 = 7
)

// Integrity scope flags (RFC 9173 3.3.3).
const (
	ScopePrimary        = 1
	ScopeTargetHeader   = 2
	ScopeSecurityHeader = 4
)

// Errors of verification.
var (
	ErrUnknownContext = errors.New("unknown security context")
	ErrVerify         = errors.New("integrity check failed")
)

// ippt builds the integrity-protected plaintext (RFC 9173 3.7).
// integrityTarget returns the block a BIB protects; target 0 is the
// primary block, whose block-type-specific data is then its whole CBOR
// encoding (RFC 9173 3.7).
func integrityTarget(b *bundle.Bundle, t uint64) *bundle.Block {
	if t == 0 {
		return &bundle.Block{Data: b.Primary.Append(nil)}
	}
	return b.Block(t)
}

// ippt is the integrity-protected plaintext (RFC 9173 3.7): the scoped
// headers, as for a BCB's additional data, then the target's data.
func ippt(b *bundle.Bundle, target, sec *bundle.Block, scope uint64) []byte {
	return cbor.AppendBytes(aadFor(b, target, sec, scope), target.Data)
}

func shaFor(v uint64) (func() hash.Hash, error) {
	switch v {
	case SHA256:
		return sha256.New, nil
	case SHA384:
		return sha512.New384, nil
	case SHA512:
		return sha512.New, nil
	}
	return nil, fmt.Errorf("%w: SHA variant %d", ErrUnknownContext, v)
}

// HMACOptions are a BIB-HMAC-SHA2 operation's parameters.
type HMACOptions struct {
	Variant uint64 // SHA256, SHA384, SHA512 (default SHA384, the RFC's default)
	Scope   uint64 // integrity scope flags (default 7, the RFC's default)
	// Explicit writes variant and scope as parameters even when they are
	// the defaults (the RFC's examples do).
	Explicit bool
}

// AddBIBHMAC adds a BIB (block number num, before the payload) over the
// targets, keyed with key, from source.
func AddBIBHMAC(b *bundle.Bundle, num uint64, targets []uint64, source bundle.EID, key []byte, o HMACOptions) error {
	variant, scope := o.Variant, o.Scope
	if variant == 0 {
		variant = SHA384
	}
	if !o.Explicit && o.Scope == 0 {
		scope = 7
	}
	h, err := shaFor(variant)
	if err != nil {
		return err
	}
	sec := bundle.Block{Type: bundle.TypeBIB, Number: num}
	a := &ASB{Targets: targets, Context: ContextBIBHMACSHA2, Source: source}
	if o.Explicit || variant != SHA384 || scope != 7 {
		a.Params = []Param{{paramSHAVariant, cbor.AppendUint(nil, variant)}, {paramScope, cbor.AppendUint(nil, scope)}}
	}
	for _, t := range targets {
		tb := integrityTarget(b, t)
		if tb == nil {
			return fmt.Errorf("bpsec: no block %d to protect", t)
		}
		m := hmac.New(h, key)
		m.Write(ippt(b, tb, &sec, scope))
		a.Results = append(a.Results, []Param{{resultHMAC, cbor.AppendBytes(nil, m.Sum(nil))}})
	}
	sec.Data = a.Encode()
	insertBeforePayload(b, sec)
	return nil
}

// VerifyBIBHMAC checks the BIB numbered num with key; it returns the
// verified target block numbers.
func VerifyBIBHMAC(b *bundle.Bundle, num uint64, key []byte) ([]uint64, error) {
	sec, a, err := securityBlock(b, num, bundle.TypeBIB, ContextBIBHMACSHA2)
	if err != nil {
		return nil, err
	}
	variant, err := uintParam(a.Params, paramSHAVariant, SHA384)
	if err != nil {
		return nil, err
	}
	scope, err := uintParam(a.Params, paramScope, 7)
	if err != nil {
		return nil, err
	}
	if _, wrapped := get(a.Params, paramWrappedKey); wrapped {
		return nil, fmt.Errorf("bpsec: BIB %d: wrapped keys are not supported", num)
	}
	h, err := shaFor(variant)
	if err != nil {
		return nil, err
	}
	for i, t := range a.Targets {
		tb := integrityTarget(b, t)
		if tb == nil {
			return nil, fmt.Errorf("bpsec: BIB %d: target block %d is missing", num, t)
		}
		rv, ok := get(a.Results[i], resultHMAC)
		if !ok {
			return nil, fmt.Errorf("bpsec: BIB %d: no HMAC for target %d", num, t)
		}
		want, err := cbor.NewDecoder(rv, 0).Bytes()
		if err != nil {
			return nil, err
		}
		m := hmac.New(h, key)
		m.Write(ippt(b, tb, sec, scope))
		if !hmac.Equal(m.Sum(nil), want) {
			return nil, fmt.Errorf("bpsec: BIB %d, target %d: %w", num, t, ErrVerify)
		}
	}
	return a.Targets, nil
}

// securityBlock finds the security block num of type typ and decodes its
// ASB, which must be of context.
func securityBlock(b *bundle.Bundle, num, typ uint64, context int64) (*bundle.Block, *ASB, error) {
	name := map[uint64]string{bundle.TypeBIB: "BIB", bundle.TypeBCB: "BCB"}[typ]
	sec := b.Block(num)
	if sec == nil || sec.Type != typ {
		return nil, nil, fmt.Errorf("bpsec: no %s numbered %d", name, num)
	}
	a, err := DecodeASB(sec.Data, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("bpsec: %s %d: %w", name, num, err)
	}
	if a.Context != context {
		return nil, nil, fmt.Errorf("bpsec: %s %d: %w %d", name, num, ErrUnknownContext, a.Context)
	}
	return sec, a, nil
}

// ivParam returns the 12-byte IV of a BCB.
func ivParam(a *ASB, num uint64) ([]byte, error) {
	v, ok := get(a.Params, paramIV)
	if !ok {
		return nil, fmt.Errorf("bpsec: BCB %d: no IV", num)
	}
	iv, err := cbor.NewDecoder(v, 0).Bytes()
	if err != nil || len(iv) != 12 {
		return nil, fmt.Errorf("bpsec: BCB %d: the IV is not 12 bytes", num)
	}
	return iv, nil
}
