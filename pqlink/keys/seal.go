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
	// bounds, so that a crafted file cannot ask for terabytes or hours
	if s.Time < 1 || s.Time > 20 || s.MemoryKiB < 8<<10 || s.MemoryKiB > 4<<20 || s.Threads < 1 || len(s.Salt) < 16 || len(s.Nonce) != 12 {
		return nil, fmt.Errorf("keys: sealed key parameters out of bounds")
	}
	k := argon2.IDKey(passphrase, s.Salt, s.Time, s.MemoryKiB, s.Threads, 32)
	b, err := aes.NewCipher(k)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
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
