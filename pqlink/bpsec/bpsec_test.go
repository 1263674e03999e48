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
