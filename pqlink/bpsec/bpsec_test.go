package bpsec

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/ipgs/ipgs/uplink/bundle"
)

// RFC 9173 Appendix A.1: a BIB with HMAC-SHA-512 over the payload (scope
// 0), key 1a2b1a2b1a2b1a2b1a2b1a2b1a2b1a2b.
const (
	a1Original = "9f88070000820282010282028202018202820201820018281a000f4240" +
		"85010100005823526561647920746f2067656e657261746520612033322d62797465207061796c6f6164ff"
	a1Final = "9f88070000820282010282028202018202820201820018281a000f4240" +
		"850b0200005856810101018202820201828201078203008181820158403bdc69b3a34a2b5d3a" +
		"8554368bd1e808f606219d2a10a846eae3886ae4ecc83c4ee550fdfb1cc636b904e2" +
		"f1a73e303dcd4b6ccece003e95e8164dcc89a156e1" +
		"85010100005823526561647920746f2067656e657261746520612033322d62797465207061796c6f6164ff"
	a1Key = "1a2b1a2b1a2b1a2b1a2b1a2b1a2b1a2b"
)

func unhex(t testing.TB, s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRFC9173A1(t *testing.T) {
	key := unhex(t, a1Key)
	// signing the original gives the RFC's final bundle, byte for byte
	b, err := bundle.Decode(unhex(t, a1Original))
	if err != nil {
		t.Fatal(err)
	}
	if err := AddBIBHMAC(b, 2, []uint64{1}, bundle.IPN(2, 1), key, HMACOptions{Variant: SHA512, Scope: 0, Explicit: true}); err != nil {
		t.Fatal(err)
	}
	got, err := b.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if want := unhex(t, a1Final); !bytes.Equal(got, want) {
		t.Fatalf("signed bundle differs from RFC 9173 A.1.4:\n%x\n%x", got, want)
	}
	// and the RFC's bundle verifies; a changed payload or key does not
	fb, _ := bundle.Decode(unhex(t, a1Final))
	if ts, err := VerifyBIBHMAC(fb, 2, key); err != nil || len(ts) != 1 || ts[0] != 1 {
		t.Fatalf("verify: %v %v", ts, err)
	}
	fb.Payload().Data = []byte("Ready to generate a 32-byte paylOad")
	if _, err := VerifyBIBHMAC(fb, 2, key); !errors.Is(err, ErrVerify) {
		t.Fatalf("changed payload: %v", err)
	}
	fb, _ = bundle.Decode(unhex(t, a1Final))
	if _, err := VerifyBIBHMAC(fb, 2, []byte("wrong key")); !errors.Is(err, ErrVerify) {
		t.Fatalf("wrong key: %v", err)
	}
}

func FuzzASB(f *testing.F) {
	b, _ := bundle.Decode(unhex(f, a1Final))
	f.Add(b.Block(2).Data)
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := DecodeASB(data, 0)
		if err != nil {
			return
		}
		if _, err := DecodeASB(a.Encode(), 0); err != nil {
			t.Fatalf("re-encoded ASB: %v", err)
		}
	})
}

// RFC 9173 Appendix A.2: the payload encrypted with AES-128-GCM, the
// content key wrapped (AES-KW) under the key-encryption key.
const a2Final = "9f88070000820282010282028202018202820201820018281a000f4240" +
	"850c02010058508101020182028202018482014c5477656c7665313231323132820201820358" +
	"1869c411276fecddc4780df42c8a2af89296fabf34d7fae7008204008181820150ef" +
	"a4b5ac0108e3816c5606479801bc04" +
	"850101000058233a09c1e63fe23a7f66a59c7303837241e070b02619fc59c5214a22f08cd70795e73e9aff"

func TestRFC9173A2(t *testing.T) {
	kek, ck, iv := []byte("abcdefghijklmnop"), []byte("qwertyuiopasdfgh"), []byte("Twelve121212")
	b, _ := bundle.Decode(unhex(t, a1Original))
	if err := AddBCBAESGCM(b, 2, 1, []uint64{1}, bundle.IPN(2, 1), nil, GCMOptions{Variant: A128GCM, Scope: 0, KEK: kek, ContentKey: ck, IV: iv}); err != nil {
		t.Fatal(err)
	}
	got, _ := b.Encode()
	if want := unhex(t, a2Final); !bytes.Equal(got, want) {
		t.Fatalf("encrypted bundle differs from RFC 9173 A.2.4:\n%x\n%x", got, want)
	}
	fb, err := bundle.Decode(unhex(t, a2Final))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := DecryptBCBAESGCM(fb, 2, []byte("abcdefghijklmnoq")); err == nil {
		t.Fatal("a wrong key-encryption key decrypted")
	}
	if _, err := DecryptBCBAESGCM(fb, 2, kek); err != nil {
		t.Fatal(err)
	}
	if string(fb.Payload().Data) != "Ready to generate a 32-byte payload" || len(fb.Blocks) != 1 {
		t.Fatalf("decrypted: %q, %d blocks", fb.Payload().Data, len(fb.Blocks))
	}
	// a flipped ciphertext bit: nothing decrypted, the bundle unchanged
	fb, _ = bundle.Decode(unhex(t, a2Final))
	fb.Payload().Data[3] ^= 1
	before := bytes.Clone(fb.Payload().Data)
	if _, err := DecryptBCBAESGCM(fb, 2, kek); !errors.Is(err, ErrVerify) || !bytes.Equal(fb.Payload().Data, before) {
		t.Fatalf("tampered ciphertext: %v", err)
	}
}

// RFC 3394 4.1: wrap 128 bits of key data with a 128-bit KEK.
func TestKeyWrapRFC3394(t *testing.T) {
	kek := unhex(t, "000102030405060708090A0B0C0D0E0F")
	key := unhex(t, "00112233445566778899AABBCCDDEEFF")
	w, err := Wrap(kek, key)
	if err != nil || hex.EncodeToString(w) != "1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5" {
		t.Fatalf("wrap %x %v", w, err)
	}
	if k, err := Unwrap(kek, w); err != nil || !bytes.Equal(k, key) {
		t.Fatalf("unwrap %x %v", k, err)
	}
	w[5] ^= 1
	if _, err := Unwrap(kek, w); !errors.Is(err, ErrUnwrap) {
		t.Fatalf("altered: %v", err)
	}
}
