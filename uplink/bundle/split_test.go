package bundle

import (
	"bytes"
	"testing"
)

func TestSplit(t *testing.T) {
	var run []byte
	var want [][]byte
	for i := range 3 {
		b := &Bundle{Primary: Primary{CRCType: CRC32C, Dest: IPN(2, 1), Source: IPN(1, 1), ReportTo: IPN(1, 0), Created: 1, Seq: uint64(i), Lifetime: 1000},
			Blocks: []Block{{Type: TypePayload, Number: 1, CRCType: CRC32C, Data: bytes.Repeat([]byte{byte(i)}, 10+i)}}}
		raw, err := b.Encode()
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, raw)
		run = append(run, raw...)
	}
	got, err := Split(run)
	if err != nil || len(got) != 3 {
		t.Fatalf("%d bundles, %v", len(got), err)
	}
	for i := range got {
		if !bytes.Equal(got[i], want[i]) {
			t.Fatalf("bundle %d differs", i)
		}
	}
	if _, err := Split(append(bytes.Clone(run), 0x9f, 0x01)); err == nil {
		t.Fatal("a run ending inside a bundle split")
	}
	if _, err := Split([]byte{0x01}); err == nil {
		t.Fatal("a run of no bundle split")
	}
}

func FuzzSplit(f *testing.F) {
	f.Add([]byte{0x9f, 0xff, 0x9f, 0x01, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		parts, err := Split(b)
		if err != nil {
			return
		}
		if n := len(bytes.Join(parts, nil)); n != len(b) {
			t.Fatalf("% x: parts of %d bytes in all", b, n)
		}
	})
}
