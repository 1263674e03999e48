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

// RFC 9173 Appendix A.3: security blocks from two sources. A BIB from
// ipn:3.0 (HMAC-SHA-256, scope 0) over the primary block and the bundle age
// block, and a BCB from ipn:2.1 (A128GCM, the content key given directly)
// over the payload.
const a3Final = "9f88070000820282010282028202018202820201820018281a000f4240850b0300" +
	"00585c8200020101820282030082820105820300828182015820cac6ce8e4c5dae57" +
	"988b757e49a6dd1431dc04763541b2845098265bc817241b81820158203ed614c0d9" +
	"7f49b3633627779aa18a338d212bf3c92b97759d9739cd50725596850c0401005834" +
	"8101020182028202018382014c5477656c7665313231323132820201820400818182" +
	"0150efa4b5ac0108e3816c5606479801bc0485070200004319012c85010100005823" +
	"3a09c1e63fe23a7f66a59c7303837241e070b02619fc59c5214a22f08cd70795e73e" +
	"9aff"

func TestRFC9173A3(t *testing.T) {
	raw := unhex(t, a3Final)
	b, err := bundle.Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := b.Encode(); !bytes.Equal(again, raw) {
		t.Fatal("A.3 does not re-encode byte for byte")
	}
	ts, err := VerifyBIBHMAC(b, 3, unhex(t, a1Key))
	if err != nil || len(ts) != 2 || ts[0] != 0 || ts[1] != 2 {
		t.Fatalf("BIB over the primary and bundle age blocks: %v %v", ts, err)
	}
	if _, err := DecryptBCBAESGCM(b, 4, []byte("qwertyuiopasdfgh")); err != nil {
		t.Fatal(err)
	}
	if string(b.Payload().Data) != "Ready to generate a 32-byte payload" {
		t.Fatalf("payload %q", b.Payload().Data)
	}
	// the primary block is covered: a changed lifetime fails the BIB
	b2, _ := bundle.Decode(raw)
	b2.Primary.Lifetime++
	if _, err := VerifyBIBHMAC(b2, 3, unhex(t, a1Key)); !errors.Is(err, ErrVerify) {
		t.Fatalf("changed primary block: %v", err)
	}
}

// RFC 9173 Appendix A.4: a BCB (A256GCM, AAD scope 7) over both the
// payload and the BIB that signs it (HMAC-SHA-384).
const a4Final = "9f88070000820282010282028202018202820201820018281a000f4240850b0300" +
	"005846438ed6208eb1c1ffb94d952175167df0902902064a2983910c4fb2340790bf" +
	"420a7d1921d5bf7c4721e02ab87a93ab1e0b75cf62e4948727c8b5dae46ed2af0543" +
	"9b88029191850c0201005849820301020182028202018382014c5477656c76653132" +
	"313231328202038204078281820150220ffc45c8a901999ecc60991dd78b29818201" +
	"50d2c51cb2481792dae8b21d848cede99b8501010000582390eab6457593379298a8" +
	"724e16e61f837488e127212b59ac91f8a86287b7d07630a122ff"

func TestRFC9173A4(t *testing.T) {
	b, err := bundle.Decode(unhex(t, a4Final))
	if err != nil {
		t.Fatal(err)
	}
	ts, err := DecryptBCBAESGCM(b, 2, []byte("qwertyuiopasdfghqwertyuiopasdfgh"))
	if err != nil || len(ts) != 2 {
		t.Fatalf("decrypt: %v %v", ts, err)
	}
	if _, err := VerifyBIBHMAC(b, 3, unhex(t, a1Key)); err != nil {
		t.Fatalf("the decrypted BIB: %v", err)
	}
	if string(b.Payload().Data) != "Ready to generate a 32-byte payload" {
		t.Fatalf("payload %q", b.Payload().Data)
	}
}
