package bpsec

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hpke"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/cloudflare/circl/sign/mldsa/mldsa65"

	"github.com/ipgs/ipgs/pqlink/keys"
	"github.com/ipgs/ipgs/uplink/bundle"
	"github.com/ipgs/ipgs/uplink/cbor"
)

// Post-quantum security contexts, under private-use (negative) context
// ids. See docs/security.md.
//
// BIB-MLDSA65 (-64001): an ML-DSA-65 signature over the same
// integrity-protected plaintext as BIB-HMAC-SHA2 (RFC 9173 3.7), with the
// fixed context string "ipgs-bpsec-bib-mldsa65-v1". Parameters: 1 = the
// signer's key id (16 bytes; the key is referenced, not carried), 3 =
// integrity scope flags (default 7). Result 1 = the 3,309-byte signature.
//
// BCB-XWING-AES-GCM (-64002): the targets are encrypted with AES-256-GCM
// under a random content key, which is sealed for each destination with
// HPKE (RFC 9180) over X-Wing (KEM 0x647a, HKDF-SHA256, AES-256-GCM, info
// "ipgs-bpsec-bcb-xwing-v1"). Parameters: 1 = IV (12 bytes), 4 = AAD scope
// flags (default 7), 5 = recipients: an array of [key id, HPKE enc, sealed
// content key]. Result 1 = the GCM tag.
const (
	ContextBIBMLDSA65     = -64001
	ContextBCBXWingAESGCM = -64002
	paramKeyID            = 1
	paramRecipients       = 5
	mldsaContext          = "ipgs-bpsec-bib-mldsa65-v1"
	hpkeInfo              = "ipgs-bpsec-bcb-xwing-v1"
)

// ErrNoKey means no key of ours (or of a trusted signer) fits the block.
var ErrNoKey = errors.New("no matching key")

func keyIDBytes(id string) []byte {
	b, err := hex.DecodeString(id)
	if err != nil || len(b) != 16 {
		return make([]byte, 16)
	}
	return b
}

// AddBIBMLDSA signs the targets with signer's ML-DSA-65 key and adds the
// BIB (number num) before the payload.
func AddBIBMLDSA(b *bundle.Bundle, num uint64, targets []uint64, source bundle.EID, signer *keys.Private, scope uint64) error {
	sk, err := signer.Signer()
	if err != nil {
		return err
	}
	sec := bundle.Block{Type: bundle.TypeBIB, Number: num}
	a := &ASB{Targets: targets, Context: ContextBIBMLDSA65, Source: source,
		Params: []Param{{paramKeyID, cbor.AppendBytes(nil, keyIDBytes(signer.ID))}, {paramScope, cbor.AppendUint(nil, scope)}}}
	sig := make([]byte, mldsa65.SignatureSize)
	for _, t := range targets {
		tb := integrityTarget(b, t)
		if tb == nil {
			return fmt.Errorf("bpsec: no block %d to sign", t)
		}
		if err := mldsa65.SignTo(sk, ippt(b, tb, &sec, scope), []byte(mldsaContext), true, sig); err != nil {
			return err
		}
		a.Results = append(a.Results, []Param{{resultHMAC, cbor.AppendBytes(nil, sig)}})
	}
	sec.Data = a.Encode()
	insertBeforePayload(b, sec)
	return nil
}

// VerifyBIBMLDSA checks an ML-DSA-65 BIB; trusted resolves the signer's
// key id to its public key (nil: not trusted, an error). It returns the
// signer's key id.
func VerifyBIBMLDSA(b *bundle.Bundle, num uint64, trusted func(id string) *keys.Public) (string, error) {
	sec, a, err := securityBlock(b, num, bundle.TypeBIB, ContextBIBMLDSA65)
	if err != nil {
		return "", err
	}
	idb, ok := get(a.Params, paramKeyID)
	if !ok {
		return "", fmt.Errorf("bpsec: BIB %d: no key id", num)
	}
	idraw, err := cbor.NewDecoder(idb, 0).Bytes()
	if err != nil {
		return "", err
	}
	id := hex.EncodeToString(idraw)
	pub := trusted(id)
	if pub == nil {
		return id, fmt.Errorf("bpsec: BIB %d: signer %s: %w", num, id, ErrNoKey)
	}
	pk, err := pub.Verifier()
	if err != nil {
		return id, err
	}
	scope, err := uintParam(a.Params, paramScope, 7)
	if err != nil {
		return id, err
	}
	for i, t := range a.Targets {
		tb := integrityTarget(b, t)
		if tb == nil {
			return id, fmt.Errorf("bpsec: BIB %d: target block %d is missing", num, t)
		}
		rv, ok := get(a.Results[i], resultHMAC)
		if !ok {
			return id, fmt.Errorf("bpsec: BIB %d: no signature for target %d", num, t)
		}
		sig, err := cbor.NewDecoder(rv, 0).Bytes()
		if err != nil {
			return id, err
		}
		if !mldsa65.Verify(pk, ippt(b, tb, sec, scope), []byte(mldsaContext), sig) {
			return id, fmt.Errorf("bpsec: BIB %d, target %d: %w", num, t, ErrVerify)
		}
	}
	return id, nil
}

// AddBCBXWing encrypts the targets under a fresh content key sealed for
// every recipient's X-Wing key, and adds the BCB before the payload.
func AddBCBXWing(b *bundle.Bundle, num, flags uint64, targets []uint64, source bundle.EID, recipients []*keys.Public, scope uint64) error {
	if len(recipients) == 0 || len(recipients) > MaxTargets {
		return fmt.Errorf("bpsec: %d recipients", len(recipients))
	}
	ck := make([]byte, 32)
	iv := make([]byte, 12)
	rand.Read(ck)
	rand.Read(iv)
	var rs []byte
	rs = cbor.AppendArray(rs, len(recipients))
	for _, r := range recipients {
		pk, err := r.Encapsulator()
		if err != nil {
			return err
		}
		enc, sealed, err := sealKey(pk, ck)
		if err != nil {
			return err
		}
		rs = cbor.AppendArray(rs, 3)
		rs = cbor.AppendBytes(rs, keyIDBytes(r.ID))
		rs = cbor.AppendBytes(rs, enc)
		rs = cbor.AppendBytes(rs, sealed)
	}
	sec := bundle.Block{Type: bundle.TypeBCB, Number: num, Flags: flags}
	a := &ASB{Targets: targets, Context: ContextBCBXWingAESGCM, Source: source,
		Params: []Param{{paramIV, cbor.AppendBytes(nil, iv)}, {paramAADScope, cbor.AppendUint(nil, scope)}, {paramRecipients, rs}}}
	g, err := gcm(ck)
	if err != nil {
		return err
	}
	if a.Results, err = sealTargets(b, &sec, targets, g, iv, scope); err != nil {
		return err
	}
	sec.Data = a.Encode()
	insertBeforePayload(b, sec)
	return nil
}

func gcm(key []byte) (cipher.AEAD, error) {
	blk, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(blk)
}

func sealKey(pk hpke.PublicKey, ck []byte) (enc, sealed []byte, err error) {
	enc, s, err := hpke.NewSender(pk, hpke.HKDFSHA256(), hpke.AES256GCM(), []byte(hpkeInfo))
	if err != nil {
		return nil, nil, err
	}
	sealed, err = s.Seal(nil, ck)
	return enc, sealed, err
}

// DecryptBCBXWing opens the BCB numbered num with our X-Wing key: the
// content key sealed for us is opened, every target decrypted in place
// (only if all authenticate) and the BCB removed.
func DecryptBCBXWing(b *bundle.Bundle, num uint64, ours *keys.Private) ([]uint64, error) {
	sec, a, err := securityBlock(b, num, bundle.TypeBCB, ContextBCBXWingAESGCM)
	if err != nil {
		return nil, err
	}
	iv, err := ivParam(a, num)
	if err != nil {
		return nil, err
	}
	scope, err := uintParam(a.Params, paramAADScope, 7)
	if err != nil {
		return nil, err
	}
	rv, ok := get(a.Params, paramRecipients)
	if !ok {
		return nil, fmt.Errorf("bpsec: BCB %d: no recipients", num)
	}
	ck, err := openKey(rv, ours)
	if err != nil {
		return nil, fmt.Errorf("bpsec: BCB %d: %w", num, err)
	}
	g, err := gcm(ck)
	if err != nil {
		return nil, err
	}
	if err := openTargets(b, sec, num, a, g, iv, scope); err != nil {
		return nil, err
	}
	return a.Targets, nil
}

// openKey finds our entry among the recipients and opens the content key.
func openKey(rv []byte, ours *keys.Private) ([]byte, error) {
	d := cbor.NewDecoder(rv, 0)
	n, err := d.ArrayLen()
	if err != nil {
		return nil, err
	}
	if n < 0 || n > MaxTargets {
		return nil, fmt.Errorf("%d recipients", n)
	}
	me := keyIDBytes(ours.ID)
	for i := 0; i < n; i++ {
		if k, err := d.ArrayLen(); err != nil || k != 3 {
			if err == nil {
				err = errors.New("a recipient is [key id, enc, sealed key]")
			}
			return nil, err
		}
		id, err := d.Bytes()
		if err != nil {
			return nil, err
		}
		enc, err := d.Bytes()
		if err != nil {
			return nil, err
		}
		sealed, err := d.Bytes()
		if err != nil {
			return nil, err
		}
		if string(id) != string(me) {
			continue
		}
		sk, err := ours.Decapsulator()
		if err != nil {
			return nil, err
		}
		r, err := hpke.NewRecipient(enc, sk, hpke.HKDFSHA256(), hpke.AES256GCM(), []byte(hpkeInfo))
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrUnwrap, err)
		}
		ck, err := r.Open(nil, sealed)
		if err != nil || len(ck) != 32 {
			return nil, ErrUnwrap
		}
		return ck, nil
	}
	return nil, fmt.Errorf("%w: not a recipient (key %s)", ErrNoKey, ours.ID)
}
