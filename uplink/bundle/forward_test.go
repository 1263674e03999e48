package bundle

import (
	"bytes"
	"errors"
	"testing"
)

// TestForward: RFC 9171 section 5.4 as a forwarding node applies it. A
// previous node block is added (before the payload) or replaced, the age
// grows by the time held, the hop count by one, and a bundle that would
// pass its hop limit is not sent. Other blocks go on byte for byte.
func TestForward(t *testing.T) {
	other := Block{Type: 192, Number: 5, CRCType: CRC16, Data: []byte{0x43, 1, 2, 3}}
	b := &Bundle{
		Primary: Primary{CRCType: CRC32C, Dest: IPN(20, 1), Source: IPN(10, 1), ReportTo: IPN(10, 1), Created: 0, Seq: 3, Lifetime: 3600000},
		Blocks:  []Block{other, HopCountBlock(2, 2, 0), AgeBlock(3, 1500), {Type: TypePayload, Number: 1, CRCType: CRC32C, Data: []byte("ballot")}},
	}
	raw, err := b.Encode()
	if err != nil {
		t.Fatal(err)
	}
	once, err := Forward(raw, IPN(10, 0), 250)
	if err != nil {
		t.Fatal(err)
	}
	f, err := Decode(once)
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := f.PreviousNode(); !ok || p != IPN(10, 0) {
		t.Errorf("previous node %v %v", p, ok)
	}
	if age, _ := f.Age(); age != 1750 {
		t.Errorf("age %d, want 1500 + 250", age)
	}
	if l, c, _ := f.Hops(); l != 2 || c != 1 {
		t.Errorf("hops %d of %d, want 1 of 2", c, l)
	}
	if last := f.Blocks[len(f.Blocks)-1]; last.Type != TypePayload || !bytes.Equal(last.Data, []byte("ballot")) {
		t.Errorf("the payload is not last: %+v", last)
	}
	if k := f.Block(5); k == nil || !bytes.Equal(k.Append(nil), other.Append(nil)) {
		t.Errorf("block 5 changed")
	}
	if f.Primary != b.Primary {
		t.Errorf("primary block changed")
	}
	// the next node replaces the previous node block rather than adding one
	twice, err := Forward(once, IPN(77, 0), 60000)
	if err != nil {
		t.Fatal(err)
	}
	g, _ := Decode(twice)
	n := 0
	for _, k := range g.Blocks {
		if k.Type == TypePreviousNode {
			n++
		}
	}
	if p, _ := g.PreviousNode(); n != 1 || p != IPN(77, 0) {
		t.Errorf("%d previous node blocks, naming %v", n, p)
	}
	if age, _ := g.Age(); age != 61750 {
		t.Errorf("age %d", age)
	}
	// a third hop passes the limit of 2
	if _, err := Forward(twice, IPN(78, 0), 0); !errors.Is(err, ErrHopLimit) {
		t.Errorf("a third hop of 2: %v", err)
	}
	// a bundle without age or hop count blocks gets only the previous node
	plain := &Bundle{Primary: b.Primary, Blocks: []Block{{Type: TypePayload, Number: 1, Data: []byte("x")}}}
	plain.Primary.Created = 1000
	praw, _ := plain.Encode()
	pf, err := Forward(praw, IPN(10, 0), 5)
	if err != nil {
		t.Fatal(err)
	}
	pb, _ := Decode(pf)
	if _, ok := pb.Age(); ok || len(pb.Blocks) != 2 {
		t.Errorf("blocks %+v", pb.Blocks)
	}
}

// TestDTNNodeIDSlash: a dtn node id keeps the trailing slash RFC 9171
// 4.2.5.1.1 makes part of it, through parsing, the CBOR encoding and a
// previous node block.
func TestDTNNodeIDSlash(t *testing.T) {
	e, err := ParseEID("dtn://tromso/")
	if err != nil || e.String() != "dtn://tromso/" {
		t.Fatalf("%v %v", e, err)
	}
	b := &Bundle{Primary: Primary{CRCType: CRC32C, Dest: IPN(2, 1), Source: e, ReportTo: e, Created: 1, Seq: 1, Lifetime: 1000},
		Blocks: []Block{{Type: TypePayload, Number: 1, Data: []byte("x")}}}
	raw, _ := b.Encode()
	fwd, err := Forward(raw, e, 0)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := Decode(fwd)
	if p, _ := d.PreviousNode(); p.String() != "dtn://tromso/" || d.Primary.Source.String() != "dtn://tromso/" {
		t.Errorf("previous node %v, source %v", p, d.Primary.Source)
	}
}
