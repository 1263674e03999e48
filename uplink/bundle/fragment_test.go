package bundle

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"
)

// TestFragmentReassemble: RFC 9171 5.8 and 5.9. A 5000-byte bundle cut
// into fragments of at most 700 bytes: each fits, each is a fragment
// naming its offset and the unit's length; the first carries every
// extension block and the others only the one flagged to be replicated.
// The fragments in any order, some cut again smaller by another node and
// some repeated, reassemble to the original bundle byte for byte; with
// one missing they do not; a bundle that must not be fragmented is not.
func TestFragmentReassemble(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	payload := make([]byte, 5000)
	for i := range payload {
		payload[i] = byte(rng.IntN(256))
	}
	b := &Bundle{
		Primary: Primary{CRCType: CRC32C, Dest: IPN(2, 1), Source: IPN(1, 1), ReportTo: IPN(1, 0), Created: 849700000000, Seq: 3, Lifetime: 86400000},
		Blocks: []Block{
			{Type: 193, Number: 4, Flags: BlockReplicate, CRCType: CRC16, Data: []byte{0x41, 'r'}},
			{Type: TypeBIB, Number: 3, CRCType: CRC32C, Data: bytes.Repeat([]byte{7}, 40)},
			HopCountBlock(2, 9, 0),
			{Type: TypePayload, Number: 1, CRCType: CRC32C, Data: payload},
		},
	}
	raw, err := b.Encode()
	if err != nil {
		t.Fatal(err)
	}
	frags, err := Fragment(raw, 700)
	if err != nil {
		t.Fatal(err)
	}
	if len(frags) < 8 {
		t.Fatalf("%d fragments", len(frags))
	}
	for i, f := range frags {
		d, err := Decode(f)
		if err != nil || len(f) > 700 || d.Primary.Flags&FlagFragment == 0 || d.Primary.TotalADU != 5000 {
			t.Fatalf("fragment %d: %d bytes, %v, %+v", i, len(f), err, d.Primary)
		}
		want := 2 // the replicated block and the payload
		if i == 0 {
			want = 4
		}
		if len(d.Blocks) != want {
			t.Errorf("fragment %d has %d blocks, want %d", i, len(d.Blocks), want)
		}
	}
	// fragment 2 cut again by another node; fragment 4 twice; shuffled
	again, err := Fragment(frags[2], 300)
	if err != nil {
		t.Fatal(err)
	}
	mix := append(append(append([][]byte{}, frags[:2]...), again...), frags[3:]...)
	mix = append(mix, frags[4])
	rng.Shuffle(len(mix), func(i, j int) { mix[i], mix[j] = mix[j], mix[i] })
	whole, ok, err := Reassemble(mix)
	if err != nil || !ok || !bytes.Equal(whole, raw) {
		t.Fatalf("reassembled: ok %v, %v, equal %v", ok, err, bytes.Equal(whole, raw))
	}
	// one missing
	if _, ok, err := Reassemble(append(append([][]byte{}, frags[:5]...), frags[6:]...)); ok || err != nil {
		t.Errorf("with a fragment missing: ok %v, %v", ok, err)
	}
	// must not be fragmented
	b.Primary.Flags |= FlagNoFragment
	nf, _ := b.Encode()
	if _, err := Fragment(nf, 700); !errors.Is(err, ErrNoFragment) {
		t.Errorf("a bundle flagged not to be fragmented: %v", err)
	}
	// fragments of two bundles do not mix
	other := *b
	other.Primary.Flags &^= FlagNoFragment
	other.Primary.Seq = 4
	oraw, _ := other.Encode()
	ofr, _ := Fragment(oraw, 700)
	if _, _, err := Reassemble([][]byte{frags[0], ofr[1]}); err == nil {
		t.Error("fragments of two bundles reassembled")
	}
}

// FuzzReassemble: any two byte strings as fragments: an error, not
// complete, or a bundle that decodes.
func FuzzReassemble(f *testing.F) {
	b := &Bundle{Primary: Primary{CRCType: CRC32C, Dest: IPN(2, 1), Source: IPN(1, 1), ReportTo: IPN(1, 0), Created: 1, Seq: 1, Lifetime: 1000},
		Blocks: []Block{{Type: TypePayload, Number: 1, CRCType: CRC32C, Data: bytes.Repeat([]byte("x"), 300)}}}
	raw, _ := b.Encode()
	frags, _ := Fragment(raw, 200)
	f.Add(frags[0], frags[1])
	f.Fuzz(func(t *testing.T, a, b []byte) {
		out, ok, err := Reassemble([][]byte{a, b})
		if err == nil && ok {
			if _, err := Decode(out); err != nil {
				t.Fatalf("reassembled a bundle that does not decode: %v", err)
			}
		}
	})
}
