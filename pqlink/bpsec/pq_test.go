package bpsec

import (
	"bytes"
	"crypto/hpke"
	"errors"
	"testing"
	"time"

	"github.com/cloudflare/circl/sign/mldsa/mldsa65"

	"github.com/ipgs/ipgs/pqlink/keys"
	"github.com/ipgs/ipgs/uplink/bundle"
)

func governance(t testing.TB, size int) *bundle.Bundle {
	payload := bytes.Repeat([]byte("proposal 7: raise the heater setpoint; "), size/39+1)[:size]
	return &bundle.Bundle{
		Primary: bundle.Primary{CRCType: bundle.CRC32C, Dest: bundle.IPN(101, 7), Source: bundle.IPN(1, 7), ReportTo: bundle.IPN(1, 7), Created: 817000000000, Seq: 1, Lifetime: 86400000},
		Blocks:  []bundle.Block{{Type: bundle.TypePayload, Number: 1, CRCType: bundle.CRC32C, Data: payload}},
	}
}

type pqKeys struct {
	council, rogue *keys.Private
	drone1, drone2 *keys.Private
	other          *keys.Private
}

func newKeys(t testing.TB) pqKeys {
	g := func(kind, owner string) *keys.Private {
		k, err := keys.Generate(kind, owner)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	return pqKeys{g(keys.Sig, "council"), g(keys.Sig, "rogue"), g(keys.KEM, "DRONE-01"), g(keys.KEM, "DRONE-02"), g(keys.KEM, "DRONE-09")}
}

// signSeal is what an authority does: sign the payload, then encrypt it
// for the recipients.
func signSeal(t testing.TB, b *bundle.Bundle, k pqKeys) []byte {
	if err := AddBIBMLDSA(b, 2, []uint64{1}, bundle.IPN(1, 7), k.council, 7); err != nil {
		t.Fatal(err)
	}
	if err := AddBCBXWing(b, 3, 1, []uint64{1}, bundle.IPN(1, 7), []*keys.Public{&k.drone1.Public, &k.drone2.Public}, 7); err != nil {
		t.Fatal(err)
	}
	out, err := b.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// openVerify is what a drone does: decrypt with its key, verify with the
// trust store's answer.
func openVerify(raw []byte, ours *keys.Private, trusted func(string) *keys.Public) ([]byte, error) {
	b, err := bundle.Decode(raw)
	if err != nil {
		return nil, err
	}
	if _, err := DecryptBCBXWing(b, 3, ours); err != nil {
		return nil, err
	}
	if _, err := VerifyBIBMLDSA(b, 2, trusted); err != nil {
		return nil, err
	}
	return b.Payload().Data, nil
}

func TestPQSignSealOpenVerify(t *testing.T) {
	k := newKeys(t)
	trusted := func(id string) *keys.Public {
		if id == k.council.ID {
			return &k.council.Public
		}
		return nil
	}
	want := bytes.Clone(governance(t, 4096).Payload().Data)
	raw := signSeal(t, governance(t, 4096), k)
	for _, d := range []*keys.Private{k.drone1, k.drone2} {
		got, err := openVerify(raw, d, trusted)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%s: %v", d.Owner, err)
		}
	}
	if bytes.Contains(raw, want[:64]) {
		t.Error("the payload travels in the clear")
	}
	// not a recipient; a flipped ciphertext bit; an untrusted signer
	if _, err := openVerify(raw, k.other, trusted); !errors.Is(err, ErrNoKey) {
		t.Errorf("not a recipient: %v", err)
	}
	b, _ := bundle.Decode(raw)
	b.Payload().Data[100] ^= 1
	tampered, _ := b.Encode() // a forger recomputes the CRC
	if _, err := openVerify(tampered, k.drone1, trusted); !errors.Is(err, ErrVerify) {
		t.Errorf("tampered: %v", err)
	}
	rb := governance(t, 4096)
	AddBIBMLDSA(rb, 2, []uint64{1}, bundle.IPN(1, 7), k.rogue, 7)
	AddBCBXWing(rb, 3, 1, []uint64{1}, bundle.IPN(1, 7), []*keys.Public{&k.drone1.Public}, 7)
	rraw, _ := rb.Encode()
	if _, err := openVerify(rraw, k.drone1, trusted); !errors.Is(err, ErrNoKey) {
		t.Errorf("untrusted signer: %v", err)
	}
	// a signature from the trusted key over other contents
	sb := governance(t, 4096)
	AddBIBMLDSA(sb, 2, []uint64{1}, bundle.IPN(1, 7), k.council, 7)
	sb.Payload().Data[0] = 'P'
	if _, err := VerifyBIBMLDSA(sb, 2, trusted); !errors.Is(err, ErrVerify) {
		t.Errorf("altered after signing: %v", err)
	}
	t.Logf("4 KiB governance bundle signed and sealed for 2 drones: %d bytes (%d of security)", len(raw), len(raw)-4096)
}

// BenchmarkPQBundle compares sign+seal and open+verify of a 4 KiB bundle
// with the bare primitives they rest on (ML-DSA-65 sign/verify, HPKE
// X-Wing seal/open of the content key, AES-256-GCM over 4 KiB), measured
// in the same run; the overhead is reported as a ratio.
func BenchmarkPQBundle(b *testing.B) {
	k := newKeys(b)
	trusted := func(id string) *keys.Public { return &k.council.Public }
	payload := governance(b, 4096).Payload().Data
	sk, _ := k.council.Signer()
	pk1, _ := k.drone1.Encapsulator()
	pk2, _ := k.drone2.Encapsulator()
	dsk, _ := k.drone1.Decapsulator()
	vk, _ := k.council.Verifier()
	var bare, full [2]time.Duration
	raw := signSeal(b, governance(b, 4096), k)
	ck := make([]byte, 32)
	g, _ := gcm(ck)
	iv := make([]byte, 12)
	sig := make([]byte, mldsa65.SignatureSize)
	enc, sealed, _ := sealKey(pk1, ck)
	ct := g.Seal(nil, iv, payload, nil)
	mldsa65.SignTo(sk, payload, nil, true, sig)
	bareSign := func() {
		mldsa65.SignTo(sk, payload, []byte(mldsaContext), true, sig)
		sealKey(pk1, ck)
		sealKey(pk2, ck)
		g.Seal(nil, iv, payload, nil)
	}
	bareOpen := func() {
		r, _ := hpke.NewRecipient(enc, dsk, hpke.HKDFSHA256(), hpke.AES256GCM(), []byte(hpkeInfo))
		r.Open(nil, sealed)
		g.Open(nil, iv, ct, nil)
		mldsa65.Verify(vk, payload, []byte(mldsaContext), sig)
	}
	fullSign := func() { signSeal(b, governance(b, 4096), k) }
	fullOpen := func() { openVerify(raw, k.drone1, trusted) }
	timed := func(f func()) time.Duration {
		t0 := time.Now()
		f()
		return time.Since(t0)
	}
	for i := 0; b.Loop(); i++ {
		// the order alternates, so that a collection or a frequency step
		// falls on both alike
		if i%2 == 0 {
			bare[0] += timed(bareSign)
			full[0] += timed(fullSign)
			bare[1] += timed(bareOpen)
			full[1] += timed(fullOpen)
		} else {
			full[0] += timed(fullSign)
			bare[0] += timed(bareSign)
			full[1] += timed(fullOpen)
			bare[1] += timed(bareOpen)
		}
	}
	b.ReportMetric(float64(full[0])/float64(bare[0]), "sign+seal/bare")
	b.ReportMetric(float64(full[1])/float64(bare[1]), "open+verify/bare")
}
