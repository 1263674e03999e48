package keys

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"fmt"

	"golang.org/x/crypto/argon2"
)

// sealed is a private seed encrypted under a passphrase: argon2id derives
// an AES-256-GCM key; the key id is the associated data.
type sealed struct {
	KDF        string `json:"kdf"` // argon2id
	Salt       []byte `json:"salt"`
	Time       uint32 `json:"time"`
	MemoryKiB  uint32 `json:"memory_kib"`
	Threads    uint8  `json:"threads"`
	Nonce      []byte `json:"nonce"`
	Ciphertext []byte `json:"ciphertext"`
}

// Argon2id cost (RFC 9106's second recommended option: 64 MiB, 3 passes).
const (
	argonTime    = 3
	argonMemory  = 64 << 10
	argonThreads = 4
)

func seal(seed, passphrase, ad []byte) (*sealed, error) {
	s := &sealed{KDF: "argon2id", Salt: make([]byte, 16), Time: argonTime, MemoryKiB: argonMemory, Threads: argonThreads, Nonce: make([]byte, 12)}
	if _, err := rand.Read(s.Salt); err != nil {
		return nil, err
	}
	if _, err := rand.Read(s.Nonce); err != nil {
		return nil, err
	}
	g, err := s.aead(passphrase)
	if err != nil {
		return nil, err
	}
	s.Ciphertext = g.Seal(nil, s.Nonce, seed, ad)
	return s, nil
}

func (s *sealed) aead(passphrase []byte) (cipher.AEAD, error) {
	if s.KDF != "argon2id" {
		return nil, fmt.Errorf("keys: unknown key derivation %q", s.KDF)
	}
	if err := s.check(); err != nil {
		return nil, err
	}
	k := argon2.IDKey(passphrase, s.Salt, s.Time, s.MemoryKiB, s.Threads, 32)
	b, err := aes.NewCipher(k)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

// The most a sealed key file may ask of the machine that opens it: four
// times the cost ipgs seals with, so that a crafted file cannot ask for
// gigabytes or minutes (4 GiB x 20 passes was taken before).
const (
	maxArgonMemory = 256 << 10 // KiB
	maxArgonTime   = 10
	maxArgonCost   = 4 * argonTime * argonMemory // passes x KiB
	maxArgonThread = 16
)

// check bounds the key derivation's parameters before any work is done.
func (s *sealed) check() error {
	switch {
	case s.Time < 1 || s.Time > maxArgonTime:
		return fmt.Errorf("keys: sealed key: time %d, want 1 to %d passes", s.Time, maxArgonTime)
	case s.MemoryKiB < 8<<10 || s.MemoryKiB > maxArgonMemory:
		return fmt.Errorf("keys: sealed key: memory_kib %d, want %d to %d", s.MemoryKiB, 8<<10, maxArgonMemory)
	case uint64(s.Time)*uint64(s.MemoryKiB) > maxArgonCost:
		return fmt.Errorf("keys: sealed key: %d passes over %d KiB is over the %d the file may ask for", s.Time, s.MemoryKiB, maxArgonCost)
	case s.Threads < 1 || s.Threads > maxArgonThread:
		return fmt.Errorf("keys: sealed key: threads %d, want 1 to %d", s.Threads, maxArgonThread)
	case len(s.Salt) < 16 || len(s.Nonce) != 12:
		return fmt.Errorf("keys: sealed key: a salt of %d bytes and a nonce of %d, want 16 or more and 12", len(s.Salt), len(s.Nonce))
	}
	return nil
}

func (s *sealed) open(passphrase, ad []byte) ([]byte, error) {
	g, err := s.aead(passphrase)
	if err != nil {
		return nil, err
	}
	seed, err := g.Open(nil, s.Nonce, s.Ciphertext, ad)
	if err != nil {
		return nil, ErrPassphrase
	}
	return seed, nil
}
