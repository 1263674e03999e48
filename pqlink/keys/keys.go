// Package keys holds ipgs's post-quantum keys: ML-DSA-65 signature keys
// (FIPS 204, github.com/cloudflare/circl) and X-Wing key-exchange keys
// (X25519 + ML-KEM-768, the HPKE KEM 0x647a of Go's crypto/hpke). A key's
// id is its fingerprint. Key files are JSON, written 0600, the private
// part optionally sealed with a passphrase (argon2id + AES-256-GCM).
package keys

import (
	"bytes"
	"crypto/hpke"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/cloudflare/circl/sign/mldsa/mldsa65"
	"github.com/ipgs/ipgs/internal/durable"
)

// Kinds of key.
const (
	Sig = "ml-dsa-65" // signatures
	KEM = "x-wing"    // key exchange (HPKE KEM 0x647a)
)

// SeedSize is the private seed of both kinds.
const SeedSize = 32

// Public is a public key with its metadata.
type Public struct {
	Kind    string    `json:"kind"`
	ID      string    `json:"id"`
	Owner   string    `json:"owner"` // a station, satellite or authority
	Created time.Time `json:"created"`
	Key     []byte    `json:"public"`
}

// Private is a key pair. The private part is the 32-byte seed both
// schemes derive their keys from.
type Private struct {
	Public
	seed []byte
}

// Fingerprint is a key's id: the first 16 bytes of SHA-256 over the kind,
// a zero byte and the public key, in hex.
func Fingerprint(kind string, pub []byte) string {
	h := sha256.New()
	h.Write([]byte(kind))
	h.Write([]byte{0})
	h.Write(pub)
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// Generate makes a new key of kind for owner.
func Generate(kind, owner string) (*Private, error) {
	seed := make([]byte, SeedSize)
	if _, err := rand.Read(seed); err != nil {
		return nil, err
	}
	return FromSeed(kind, owner, seed, time.Now().UTC().Truncate(time.Second))
}

// FromSeed rebuilds a key from its seed.
func FromSeed(kind, owner string, seed []byte, created time.Time) (*Private, error) {
	if len(seed) != SeedSize {
		return nil, fmt.Errorf("keys: a seed is %d bytes, not %d", SeedSize, len(seed))
	}
	var pub []byte
	switch kind {
	case Sig:
		pk, _ := mldsa65.NewKeyFromSeed((*[mldsa65.SeedSize]byte)(seed))
		pub, _ = pk.MarshalBinary()
	case KEM:
		sk, err := hpke.MLKEM768X25519().NewPrivateKey(seed)
		if err != nil {
			return nil, err
		}
		pub = sk.PublicKey().Bytes()
	default:
		return nil, fmt.Errorf("keys: unknown kind %q (want %s or %s)", kind, Sig, KEM)
	}
	return &Private{Public{Kind: kind, ID: Fingerprint(kind, pub), Owner: owner, Created: created, Key: pub}, bytes.Clone(seed)}, nil
}

// Expanded keys, by key id. Expanding a seed or a public key into the
// schemes' working form (the ML-DSA matrix, the ML-KEM key) costs more than
// a signature check, so each key is expanded once per process. An id is
// the fingerprint of the public key, and a Private's seed is checked
// against it wherever one is built, so an id names one key.
var expanded sync.Map // kind+id+"/priv"|"/pub" → the expanded key

func cached[T any](key string, make func() (T, error)) (T, error) {
	if v, ok := expanded.Load(key); ok {
		return v.(T), nil
	}
	v, err := make()
	if err != nil {
		return v, err
	}
	expanded.Store(key, v)
	return v, nil
}

// Signer returns the ML-DSA-65 private key.
func (k *Private) Signer() (*mldsa65.PrivateKey, error) {
	if k.Kind != Sig || k.seed == nil {
		return nil, fmt.Errorf("keys: %s is not a private signature key", k.ID)
	}
	return cached(k.ID+"/priv", func() (*mldsa65.PrivateKey, error) {
		_, sk := mldsa65.NewKeyFromSeed((*[mldsa65.SeedSize]byte)(k.seed))
		return sk, nil
	})
}

// Decapsulator returns the X-Wing private key for HPKE.
func (k *Private) Decapsulator() (hpke.PrivateKey, error) {
	if k.Kind != KEM || k.seed == nil {
		return nil, fmt.Errorf("keys: %s is not a private key-exchange key", k.ID)
	}
	return cached(k.ID+"/priv", func() (hpke.PrivateKey, error) {
		return hpke.MLKEM768X25519().NewPrivateKey(k.seed)
	})
}

// Verifier returns the ML-DSA-65 public key.
func (p *Public) Verifier() (*mldsa65.PublicKey, error) {
	if p.Kind != Sig {
		return nil, fmt.Errorf("keys: %s is a %s key, not a signature key", p.ID, p.Kind)
	}
	return cached(p.ID+"/pub", func() (*mldsa65.PublicKey, error) {
		if Fingerprint(p.Kind, p.Key) != p.ID {
			return nil, fmt.Errorf("keys: id %s is not the fingerprint of the key it names", p.ID)
		}
		var pk mldsa65.PublicKey
		if err := pk.UnmarshalBinary(p.Key); err != nil {
			return nil, fmt.Errorf("keys: %s: %v", p.ID, err)
		}
		return &pk, nil
	})
}

// Encapsulator returns the X-Wing public key for HPKE.
func (p *Public) Encapsulator() (hpke.PublicKey, error) {
	if p.Kind != KEM {
		return nil, fmt.Errorf("keys: %s is a %s key, not a key-exchange key", p.ID, p.Kind)
	}
	return cached(p.ID+"/pub", func() (hpke.PublicKey, error) {
		if Fingerprint(p.Kind, p.Key) != p.ID {
			return nil, fmt.Errorf("keys: id %s is not the fingerprint of the key it names", p.ID)
		}
		return hpke.MLKEM768X25519().NewPublicKey(p.Key)
	})
}

// Check verifies that the id is the fingerprint of the key and the key
// parses.
func (p *Public) Check() error {
	if Fingerprint(p.Kind, p.Key) != p.ID {
		return fmt.Errorf("keys: id %s is not the fingerprint of the key it names", p.ID)
	}
	var err error
	switch p.Kind {
	case Sig:
		_, err = p.Verifier()
	case KEM:
		_, err = p.Encapsulator()
	default:
		err = fmt.Errorf("keys: unknown kind %q", p.Kind)
	}
	return err
}

// file is the on-disk form.
type file struct {
	Public
	Seed   []byte  `json:"private,omitempty"`
	Sealed *sealed `json:"sealed,omitempty"`
}

// Marshal encodes the key pair; with a passphrase the seed is sealed.
func (k *Private) Marshal(passphrase []byte) ([]byte, error) {
	f := file{Public: k.Public}
	if len(passphrase) > 0 {
		s, err := seal(k.seed, passphrase, []byte(k.ID))
		if err != nil {
			return nil, err
		}
		f.Sealed = s
	} else {
		f.Seed = k.seed
	}
	return json.MarshalIndent(f, "", "  ")
}

// MarshalPublic encodes the public key alone (what ipgs keys export writes).
func (p *Public) MarshalPublic() ([]byte, error) { return json.MarshalIndent(p, "", "  ") }

// ErrPassphrase means the key is sealed and the passphrase is missing or
// wrong.
var ErrPassphrase = errors.New("keys: the passphrase is missing or wrong")

// Parse decodes a key file; source names it in errors. A public-only file
// gives a Private without a seed (HasPrivate false).
func Parse(data []byte, source string, passphrase []byte) (*Private, error) {
	var f file
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%s: %v", source, err)
	}
	if err := f.Public.Check(); err != nil {
		return nil, fmt.Errorf("%s: %v", source, err)
	}
	k := &Private{Public: f.Public}
	switch {
	case f.Sealed != nil:
		if len(passphrase) == 0 {
			return nil, fmt.Errorf("%s: %w (the key is sealed)", source, ErrPassphrase)
		}
		seed, err := f.Sealed.open(passphrase, []byte(f.ID))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", source, err)
		}
		k.seed = seed
	case f.Seed != nil:
		k.seed = f.Seed
	}
	if k.seed != nil {
		again, err := FromSeed(k.Kind, k.Owner, k.seed, k.Created)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", source, err)
		}
		if !bytes.Equal(again.Key, k.Key) {
			return nil, fmt.Errorf("%s: the private key does not belong to public key %s", source, k.ID)
		}
	}
	return k, nil
}

// HasPrivate reports whether the private part is present.
func (k *Private) HasPrivate() bool { return k.seed != nil }

// Load reads a key file.
func Load(path string, passphrase []byte) (*Private, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(b, path, passphrase)
}

// Save writes a key file with mode 0600 (the private part never touches
// a file anyone else may read).
func (k *Private) Save(path string, passphrase []byte) error {
	b, err := k.Marshal(passphrase)
	if err != nil {
		return err
	}
	return durable.CreateNew(path, append(b, '\n'), 0o600)
}

// Seed returns the private seed (nil for a public-only key). Handle with
// care: it is the private key.
func (k *Private) Seed() []byte { return k.seed }

// ParsePublic reads the public half of any key file (private parts, sealed
// or not, are not opened).
func ParsePublic(data []byte, source string) (*Public, error) {
	var f file
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("%s: %v", source, err)
	}
	if err := f.Public.Check(); err != nil {
		return nil, fmt.Errorf("%s: %v", source, err)
	}
	return &f.Public, nil
}
