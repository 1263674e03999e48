package bpsec

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"fmt"

	"github.com/ipgs/ipgs/uplink/bundle"
	"github.com/ipgs/ipgs/uplink/cbor"
)

// BCB-AES-GCM parameters (RFC 9173 4.3).
const (
	paramIV         = 1
	paramAESVariant = 2
	paramWrapped    = 3
	paramAADScope   = 4
	resultTag       = 1

	A128GCM = 1
	A256GCM = 3
)

// GCMOptions are a BCB-AES-GCM operation's choices.
type GCMOptions struct {
	Variant uint64 // A128GCM or A256GCM (default A256GCM, the RFC's default)
	Scope   uint64 // AAD scope flags (the RFC's default is 7)
	// KEK, when set, wraps the content key (AES-KW) into the block; without
	// it the key is the content key itself.
	KEK []byte
	// ContentKey and IV are drawn at random unless given (tests).
	ContentKey, IV []byte
}

// aadFor is the scope flags and the headers they select (RFC 9173 3.7 and
// 4.7.2): a BCB's additional authenticated data, and the start of a BIB's
// integrity-protected plaintext.
func aadFor(b *bundle.Bundle, target, sec *bundle.Block, scope uint64) []byte {
	var p []byte
	p = cbor.AppendUint(p, scope)
	if scope&ScopePrimary != 0 {
		p = b.Primary.Append(p)
	}
	if scope&ScopeTargetHeader != 0 {
		p = cbor.AppendUint(p, target.Type)
		p = cbor.AppendUint(p, target.Number)
		p = cbor.AppendUint(p, target.Flags)
	}
	if scope&ScopeSecurityHeader != 0 {
		p = cbor.AppendUint(p, sec.Type)
		p = cbor.AppendUint(p, sec.Number)
		p = cbor.AppendUint(p, sec.Flags)
	}
	return p
}

// AddBCBAESGCM encrypts the targets' data in place and adds the BCB
// (number num, flags flags) before the payload.
func AddBCBAESGCM(b *bundle.Bundle, num, flags uint64, targets []uint64, source bundle.EID, key []byte, o GCMOptions) error {
	variant := o.Variant
	if variant == 0 {
		variant = A256GCM
	}
	klen := map[uint64]int{A128GCM: 16, A256GCM: 32}[variant]
	if klen == 0 {
		return fmt.Errorf("%w: AES variant %d", ErrUnknownContext, variant)
	}
	ck := o.ContentKey
	if ck == nil {
		if o.KEK == nil {
			ck = key
		} else {
			ck = make([]byte, klen)
			rand.Read(ck)
		}
	}
	if len(ck) != klen {
		return fmt.Errorf("bpsec: a %d-byte key for AES variant %d", len(ck), variant)
	}
	iv := o.IV
	if iv == nil {
		iv = make([]byte, 12)
		rand.Read(iv)
	}
	sec := bundle.Block{Type: bundle.TypeBCB, Number: num, Flags: flags}
	a := &ASB{Targets: targets, Context: ContextBCBAESGCM, Source: source,
		Params: []Param{{paramIV, cbor.AppendBytes(nil, iv)}, {paramAESVariant, cbor.AppendUint(nil, variant)}}}
	if o.KEK != nil {
		w, err := Wrap(o.KEK, ck)
		if err != nil {
			return err
		}
		a.Params = append(a.Params, Param{paramWrapped, cbor.AppendBytes(nil, w)})
	}
	a.Params = append(a.Params, Param{paramAADScope, cbor.AppendUint(nil, o.Scope)})
	blk, err := aes.NewCipher(ck)
	if err != nil {
		return err
	}
	g, err := cipher.NewGCM(blk)
	if err != nil {
		return err
	}
	if a.Results, err = sealTargets(b, &sec, targets, g, iv, o.Scope); err != nil {
		return err
	}
	sec.Data = a.Encode()
	insertBeforePayload(b, sec)
	return nil
}

// DecryptBCBAESGCM opens the BCB numbered num: every target's data is
// decrypted in place (only if all authenticate) and the BCB removed. key
// is the key-encryption key when the BCB carries a wrapped key, else the
// content key.
func DecryptBCBAESGCM(b *bundle.Bundle, num uint64, key []byte) ([]uint64, error) {
	sec, a, err := securityBlock(b, num, bundle.TypeBCB, ContextBCBAESGCM)
	if err != nil {
		return nil, err
	}
	iv, err := ivParam(a, num)
	if err != nil {
		return nil, err
	}
	variant, err := uintParam(a.Params, paramAESVariant, A256GCM)
	if err != nil {
		return nil, err
	}
	scope, err := uintParam(a.Params, paramAADScope, 7)
	if err != nil {
		return nil, err
	}
	ck := key
	if w, ok := get(a.Params, paramWrapped); ok {
		wb, err := cbor.NewDecoder(w, 0).Bytes()
		if err != nil {
			return nil, err
		}
		if ck, err = Unwrap(key, wb); err != nil {
			return nil, fmt.Errorf("bpsec: BCB %d: %w", num, err)
		}
	}
	if want := map[uint64]int{A128GCM: 16, A256GCM: 32}[variant]; want == 0 || len(ck) != want {
		return nil, fmt.Errorf("bpsec: BCB %d: %w (AES variant %d, key of %d bytes)", num, ErrUnknownContext, variant, len(ck))
	}
	blk, err := aes.NewCipher(ck)
	if err != nil {
		return nil, err
	}
	g, err := cipher.NewGCM(blk)
	if err != nil {
		return nil, err
	}
	if err := openTargets(b, sec, num, a, g, iv, scope); err != nil {
		return nil, err
	}
	return a.Targets, nil
}

// openTargets decrypts every target of the BCB sec in place, only once all
// of them authenticated, and removes the BCB.
func openTargets(b *bundle.Bundle, sec *bundle.Block, num uint64, a *ASB, g cipher.AEAD, iv []byte, scope uint64) error {
	plains := make([][]byte, len(a.Targets))
	for i, t := range a.Targets {
		tb := b.Block(t)
		if tb == nil {
			return fmt.Errorf("bpsec: BCB %d: target block %d is missing", num, t)
		}
		tv, ok := get(a.Results[i], resultTag)
		if !ok {
			return fmt.Errorf("bpsec: BCB %d: no tag for target %d", num, t)
		}
		tag, err := cbor.NewDecoder(tv, 0).Bytes()
		if err != nil {
			return err
		}
		p, err := g.Open(nil, iv, append(append([]byte(nil), tb.Data...), tag...), aadFor(b, tb, sec, scope))
		if err != nil {
			return fmt.Errorf("bpsec: BCB %d, target %d: %w", num, t, ErrVerify)
		}
		plains[i] = p
	}
	for i, t := range a.Targets {
		b.Block(t).Data = plains[i]
	}
	for i := range b.Blocks {
		if b.Blocks[i].Number == num {
			b.Blocks = append(b.Blocks[:i], b.Blocks[i+1:]...)
			break
		}
	}
	return nil
}

// sealTargets encrypts every target in place and returns their tags as
// results.
func sealTargets(b *bundle.Bundle, sec *bundle.Block, targets []uint64, g cipher.AEAD, iv []byte, scope uint64) ([][]Param, error) {
	var results [][]Param
	for _, t := range targets {
		tb := b.Block(t)
		if tb == nil {
			return nil, fmt.Errorf("bpsec: no block %d to encrypt", t)
		}
		sealed := g.Seal(nil, iv, tb.Data, aadFor(b, tb, sec, scope))
		tb.Data = sealed[:len(sealed)-g.Overhead()]
		results = append(results, []Param{{resultTag, cbor.AppendBytes(nil, sealed[len(sealed)-g.Overhead():])}})
	}
	return results, nil
}

// insertBeforePayload adds a block just before the payload block.
func insertBeforePayload(b *bundle.Bundle, blk bundle.Block) {
	n := len(b.Blocks)
	b.Blocks = append(b.Blocks[:n-1:n-1], blk, b.Blocks[n-1])
}
