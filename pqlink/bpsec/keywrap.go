package bpsec

import (
	"crypto/aes"
	"crypto/subtle"
	"encoding/binary"
	"errors"
)

// AES Key Wrap (RFC 3394), as RFC 9173 uses to carry a BCB's content key.

var kwIV = [8]byte{0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6}

// ErrUnwrap means a wrapped key did not unwrap (wrong key or altered).
var ErrUnwrap = errors.New("key unwrap failed")

// Wrap wraps key (a multiple of 8 bytes, at least 16) under kek.
func Wrap(kek, key []byte) ([]byte, error) {
	if len(key)%8 != 0 || len(key) < 16 {
		return nil, errors.New("bpsec: a wrapped key is a multiple of 8 bytes, at least 16")
	}
	c, err := aes.NewCipher(kek)
	if err != nil {
		return nil, err
	}
	n := len(key) / 8
	out := make([]byte, 8+len(key))
	copy(out, kwIV[:])
	copy(out[8:], key)
	var buf [16]byte
	for j := 0; j < 6; j++ {
		for i := 1; i <= n; i++ {
			copy(buf[:8], out[:8])
			copy(buf[8:], out[8*i:8*i+8])
			c.Encrypt(buf[:], buf[:])
			t := uint64(n*j + i)
			binary.BigEndian.PutUint64(out[:8], binary.BigEndian.Uint64(buf[:8])^t)
			copy(out[8*i:], buf[8:])
		}
	}
	return out, nil
}

// Unwrap undoes Wrap and checks the integrity value.
func Unwrap(kek, wrapped []byte) ([]byte, error) {
	if len(wrapped)%8 != 0 || len(wrapped) < 24 {
		return nil, ErrUnwrap
	}
	c, err := aes.NewCipher(kek)
	if err != nil {
		return nil, err
	}
	n := len(wrapped)/8 - 1
	a := make([]byte, 8)
	copy(a, wrapped[:8])
	r := append([]byte(nil), wrapped[8:]...)
	var buf [16]byte
	for j := 5; j >= 0; j-- {
		for i := n; i >= 1; i-- {
			t := uint64(n*j + i)
			binary.BigEndian.PutUint64(buf[:8], binary.BigEndian.Uint64(a)^t)
			copy(buf[8:], r[8*(i-1):8*i])
			c.Decrypt(buf[:], buf[:])
			copy(a, buf[:8])
			copy(r[8*(i-1):], buf[8:])
		}
	}
	if subtle.ConstantTimeCompare(a, kwIV[:]) != 1 {
		return nil, ErrUnwrap
	}
	return r, nil
}
