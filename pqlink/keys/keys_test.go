package keys

import (
	"bytes"
	"crypto/hpke"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	chpke "github.com/cloudflare/circl/hpke"
	"github.com/cloudflare/circl/kem/xwing"
	"github.com/cloudflare/circl/sign/mldsa/mldsa65"
)

func TestSaveLoadSealed(t *testing.T) {
	dir := t.TempDir()
	for _, kind := range []string{Sig, KEM} {
		k, err := Generate(kind, "Tromso")
		if err != nil {
			t.Fatal(err)
		}
		for _, pass := range [][]byte{nil, []byte("correct horse")} {
			path := filepath.Join(dir, kind+string(pass)+".key")
			if err := k.Save(path, pass); err != nil {
				t.Fatal(err)
			}
			if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
				t.Errorf("%s: mode %v", path, fi.Mode())
			}
			b, _ := os.ReadFile(path)
			if pass != nil && bytes.Contains(b, []byte(`"private"`)) {
				t.Errorf("sealed file carries the seed")
			}
			got, err := Load(path, pass)
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != k.ID || !got.HasPrivate() {
				t.Fatalf("%s: loaded %s", kind, got.ID)
			}
			if pass != nil {
				if _, err := Load(path, []byte("wrong")); !errors.Is(err, ErrPassphrase) {
					t.Errorf("wrong passphrase: %v", err)
				}
				if _, err := Load(path, nil); !errors.Is(err, ErrPassphrase) {
					t.Errorf("no passphrase: %v", err)
				}
			}
		}
		// a public file loads without a private part; a forged id is refused
		pub, _ := k.MarshalPublic()
		p, err := Parse(pub, "pub.json", nil)
		if err != nil || p.HasPrivate() {
			t.Fatalf("public file: %v", err)
		}
		forged := strings.Replace(string(pub), k.ID, strings.Repeat("0", 32), 1)
		if _, err := Parse([]byte(forged), "forged.json", nil); err == nil || !strings.Contains(err.Error(), "fingerprint") {
			t.Errorf("forged id: %v", err)
		}
	}
}

func TestSignatureRoundTrip(t *testing.T) {
	k, _ := Generate(Sig, "council")
	sk, _ := k.Signer()
	pk, err := k.Verifier()
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, mldsa65.SignatureSize)
	msg := []byte("proposal 7")
	if err := mldsa65.SignTo(sk, msg, []byte("ipgs"), true, sig); err != nil {
		t.Fatal(err)
	}
	if !mldsa65.Verify(pk, msg, []byte("ipgs"), sig) || mldsa65.Verify(pk, []byte("proposal 8"), []byte("ipgs"), sig) {
		t.Fatal("verification")
	}
}

// Go's crypto/hpke and CIRCL agree on X-Wing: the same seed gives the same
// public key, and what one seals the other opens, both ways.
func TestXWingInteroperates(t *testing.T) {
	k, _ := Generate(KEM, "DRONE-01")
	_, cpub := xwing.DeriveKeyPairPacked(k.seed)
	if !bytes.Equal(cpub, k.Key) {
		t.Fatal("CIRCL derives another public key from the seed")
	}
	info, msg := []byte("ipgs test"), []byte("a content key")
	// Go seals, CIRCL opens
	pk, _ := k.Encapsulator()
	enc, s, err := hpke.NewSender(pk, hpke.HKDFSHA256(), hpke.AES256GCM(), info)
	if err != nil {
		t.Fatal(err)
	}
	ct, _ := s.Seal(nil, msg)
	suite := chpke.NewSuite(chpke.KEM_XWING, chpke.KDF_HKDF_SHA256, chpke.AEAD_AES256GCM)
	csk, err := chpke.KEM_XWING.Scheme().UnmarshalBinaryPrivateKey(k.seed)
	if err != nil {
		t.Fatal(err)
	}
	r, err := suite.NewReceiver(csk, info)
	if err != nil {
		t.Fatal(err)
	}
	op, err := r.Setup(enc)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := op.Open(ct, nil); err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("CIRCL opening Go's: %q %v", got, err)
	}
	// CIRCL seals, Go opens
	cpk, _ := chpke.KEM_XWING.Scheme().UnmarshalBinaryPublicKey(k.Key)
	snd, _ := suite.NewSender(cpk, info)
	enc2, sealer, err := snd.Setup(nil)
	if err != nil {
		t.Fatal(err)
	}
	ct2, _ := sealer.Seal(msg, nil)
	sk, _ := k.Decapsulator()
	rc, err := hpke.NewRecipient(enc2, sk, hpke.HKDFSHA256(), hpke.AES256GCM(), info)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := rc.Open(nil, ct2); err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("Go opening CIRCL's: %q %v", got, err)
	}
}

// BenchmarkXWing measures encapsulation with each library (the same key).
func BenchmarkXWing(b *testing.B) {
	k, _ := Generate(KEM, "bench")
	pk, _ := k.Encapsulator()
	b.Run("go-crypto-hpke", func(b *testing.B) {
		for b.Loop() {
			hpke.NewSender(pk, hpke.HKDFSHA256(), hpke.AES256GCM(), nil)
		}
	})
	suite := chpke.NewSuite(chpke.KEM_XWING, chpke.KDF_HKDF_SHA256, chpke.AEAD_AES256GCM)
	cpk, _ := chpke.KEM_XWING.Scheme().UnmarshalBinaryPublicKey(k.Key)
	b.Run("circl-hpke", func(b *testing.B) {
		for b.Loop() {
			s, _ := suite.NewSender(cpk, nil)
			s.Setup(nil)
		}
	})
}

func FuzzParse(f *testing.F) {
	k, _ := FromSeed(Sig, "x", make([]byte, 32), time.Unix(0, 0))
	b, _ := k.Marshal(nil)
	f.Add(b)
	f.Add([]byte(`{"kind":"x-wing","id":"","public":""}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		Parse(b, "fuzz", []byte("p"))
	})
}

// TestArgonBounds (issue: a crafted key file could ask for 4 GiB x 20
// passes of argon2id when opened): parameters past four times the cost
// ipgs seals with are refused before any work, naming the field; ipgs's
// own cost opens.
func TestArgonBounds(t *testing.T) {
	for _, c := range []struct {
		s    sealed
		want string
	}{
		{sealed{KDF: "argon2id", Time: 20, MemoryKiB: 4 << 20, Threads: 4, Salt: make([]byte, 16), Nonce: make([]byte, 12)}, "time 20"},
		{sealed{KDF: "argon2id", Time: 3, MemoryKiB: 4 << 20, Threads: 4, Salt: make([]byte, 16), Nonce: make([]byte, 12)}, "memory_kib"},
		{sealed{KDF: "argon2id", Time: 10, MemoryKiB: 256 << 10, Threads: 4, Salt: make([]byte, 16), Nonce: make([]byte, 12)}, "passes over"},
		{sealed{KDF: "argon2id", Time: 3, MemoryKiB: 64 << 10, Threads: 255, Salt: make([]byte, 16), Nonce: make([]byte, 12)}, "threads"},
	} {
		if _, err := c.s.aead([]byte("pw")); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want an error about %s", c.s, err, c.want)
		}
	}
	s, err := seal(make([]byte, 32), []byte("pw"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.open([]byte("pw"), nil); err != nil {
		t.Fatalf("ipgs's own cost: %v", err)
	}
}
