package bpsec

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/ipgs/ipgs/pqlink/keys"
	"github.com/ipgs/ipgs/uplink/bundle"
)

// A governance bundle opens once, at the right recipient, before it
// expires, from an author allowed its kind; everything else is refused
// with its reason.
func TestGovernanceEnvelope(t *testing.T) {
	k := newKeys(t)
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	trusted := func(id string) *keys.Public {
		switch id {
		case k.council.ID:
			return &k.council.Public
		case k.rogue.ID:
			return &k.rogue.Public // a known voter, not an authority
		}
		return nil
	}
	may := func(id, kind string, _ time.Time) error {
		if id == k.council.ID || kind == "vote" {
			return nil
		}
		return fmt.Errorf("%s may not sign %s", id, kind)
	}
	seal := func(author *keys.Private, kind string, seq uint64, expires time.Time) []byte {
		raw, err := Seal(&Envelope{Kind: kind, Seq: seq, Expires: expires, Body: []byte("raise the heater setpoint to 25")},
			author, bundle.IPN(1, 7), bundle.IPN(101, 7), []*keys.Public{&k.drone1.Public}, now)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	var r Replay
	directive := seal(k.council, "directive", 1, now.Add(time.Hour))
	e, err := Open(directive, k.drone1, trusted, may, &r, now)
	if err != nil || string(e.Body) != "raise the heater setpoint to 25" || e.Author != k.council.ID {
		t.Fatalf("open: %v", err)
	}
	for _, c := range []struct {
		name string
		raw  []byte
		at   time.Time
		want error
	}{
		{"the same bundle again", directive, now, ErrReplayed},
		{"an older sequence number", seal(k.council, "directive", 1, now.Add(time.Hour)), now, ErrReplayed},
		{"expired", seal(k.council, "directive", 5, now.Add(time.Minute)), now.Add(2 * time.Minute), ErrExpired},
		{"a voter issuing a directive", seal(k.rogue, "directive", 1, now.Add(time.Hour)), now, ErrKind},
	} {
		if _, err := Open(c.raw, k.drone1, trusted, may, &r, c.at); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	// unsigned: a bundle with only a payload
	plain := &bundle.Bundle{Primary: bundle.Primary{Dest: bundle.IPN(101, 7), Source: bundle.IPN(1, 7), ReportTo: None(), Lifetime: 1000},
		Blocks: []bundle.Block{{Type: bundle.TypePayload, Number: 1, Data: (&Envelope{Kind: "directive", Author: k.council.ID, Nonce: make([]byte, 16), Expires: now.Add(time.Hour)}).Encode()}}}
	raw, _ := plain.Encode()
	if _, err := Open(raw, k.drone1, trusted, may, &r, now); !errors.Is(err, ErrVerify) {
		t.Errorf("unsigned: %v", err)
	}
	// the next directive in sequence is accepted
	if _, err := Open(seal(k.council, "directive", 2, now.Add(time.Hour)), k.drone1, trusted, may, &r, now); err != nil {
		t.Errorf("the next directive: %v", err)
	}
}

func None() bundle.EID { return bundle.None }

func FuzzEnvelope(f *testing.F) {
	f.Add((&Envelope{Kind: "vote", Author: "00112233445566778899aabbccddeeff", Nonce: make([]byte, 16), Body: []byte("yes")}).Encode())
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := DecodeEnvelope(b)
		if err != nil {
			return
		}
		if _, err := DecodeEnvelope(e.Encode()); err != nil {
			t.Fatalf("re-encoded: %v", err)
		}
	})
}
