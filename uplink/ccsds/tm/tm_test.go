package tm

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"testing"
)

func TestCLCWRoundTrip(t *testing.T) {
	c := CLCW{Status: 5, COP: 1, VCID: 17, NoBitLock: true, Lockout: true, Retransmit: true, FARMB: 2, ReportValue: 201}
	got, err := DecodeCLCW(c.Word())
	if err != nil || got != c {
		t.Fatalf("%+v -> %08X -> %+v, %v", c, c.Word(), got, err)
	}
	// a CLCW with COP-1, VC 0, N(R) 0 and nothing flagged is 01000000
	if w := (CLCW{COP: 1}).Word(); w != 0x01000000 {
		t.Errorf("the plain CLCW is %08X", w)
	}
	if _, err := DecodeCLCW(0x80000000); err == nil {
		t.Error("a type-1 OCF was read as a CLCW")
	}
}

func packet(apid uint16, seq uint16, n int, rng *rand.Rand) []byte {
	p := binary.BigEndian.AppendUint16(nil, 0x0800|apid) // version 0, TM, secondary header flag
	p = binary.BigEndian.AppendUint16(p, 0xc000|seq&0x3fff)
	p = binary.BigEndian.AppendUint16(p, uint16(n-1))
	for range n {
		p = append(p, byte(rng.IntN(256)))
	}
	return p
}

// TestPackAndExtract: packets of every size from 1 to 3 frames packed in
// a virtual channel's frames (with the CLCW and FECF) come out whole and
// in order; a lost frame costs the packets it carried part of, no
// more, and extraction resumes at the next first header pointer; idle
// frames and idle fill are dropped; a flipped bit fails the FECF.
func TestPackAndExtract(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	clcw := CLCW{COP: 1, ReportValue: 9}.Word()
	m := &Master{Layout: Layout{Length: 223, FECF: true}, SCID: 0x1ab, OCF: func() *uint32 { return &clcw }}
	p := &Packer{Master: m, VCID: 1}
	var sent [][]byte
	var frames [][]byte
	fl := m.Layout.Length
	for i := 0; i < 120; i++ {
		pk := packet(100+uint16(i%3), uint16(i), 1+rng.IntN(500), rng)
		sent = append(sent, pk)
		p.Add(pk)
		out, err := p.Frames(nil, i%17 == 16) // flushed now and then
		if err != nil {
			t.Fatal(err)
		}
		for ; len(out) > 0; out = out[fl:] {
			frames = append(frames, out[:fl])
		}
		if i%29 == 0 {
			idle, _ := m.Idle(nil)
			frames = append(frames, idle)
		}
	}
	out, _ := p.Frames(nil, true)
	for ; len(out) > 0; out = out[fl:] {
		frames = append(frames, out[:fl])
	}
	extract := func(skip int) ([][]byte, *Extractor) {
		x := &Extractor{}
		var got [][]byte
		for i, raw := range frames {
			f, err := m.Layout.Decode(raw)
			if err != nil {
				t.Fatalf("frame %d: %v", i, err)
			}
			if f.SCID != 0x1ab || f.OCF == nil || *f.OCF != clcw {
				t.Fatalf("frame %d: scid %x ocf %v", i, f.SCID, f.OCF)
			}
			if i == skip || f.VCID == 7 {
				continue
			}
			got = append(got, x.Add(f)...)
		}
		return got, x
	}
	got, _ := extract(-1)
	if len(got) != len(sent) {
		t.Fatalf("%d packets out of %d", len(got), len(sent))
	}
	for i := range sent {
		if !bytes.Equal(got[i], sent[i]) {
			t.Fatalf("packet %d differs", i)
		}
	}
	// lose frame 40: the packets it carried any of are gone, the rest come
	got, x := extract(40)
	missing := 0
	for i, j := 0, 0; i < len(sent); i++ {
		if j < len(got) && bytes.Equal(got[j], sent[i]) {
			j++
		} else {
			missing++
		}
	}
	t.Logf("one lost frame: %d of %d packets lost, %d bytes dropped, lost %d", missing, len(sent), x.Dropped, x.Lost)
	if x.Lost != 1 || missing == 0 || missing > 3 || len(got)+missing != len(sent) {
		t.Fatalf("one lost frame: %d packets missing, %d out, lost %d", missing, len(got), x.Lost)
	}
	bad := bytes.Clone(frames[3])
	bad[50] ^= 4
	if _, err := m.Layout.Decode(bad); err == nil {
		t.Error("a flipped bit passed the FECF")
	}
}

func FuzzDecode(f *testing.F) {
	m := &Master{Layout: Layout{Length: 64, FECF: false}, SCID: 3}
	p := &Packer{Master: m, VCID: 2}
	p.Add(packet(5, 1, 100, rand.New(rand.NewPCG(1, 1))))
	out, _ := p.Frames(nil, true)
	f.Add(out[:64])
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) < 64 {
			return
		}
		fr, err := m.Layout.Decode(b[:64])
		if err != nil {
			return
		}
		var x Extractor
		for _, pk := range x.Add(fr) {
			if len(pk) < 7 {
				t.Fatal("a packet shorter than its header")
			}
		}
	})
}

func FuzzCLCW(f *testing.F) {
	f.Add(uint32(0x01000000))
	f.Fuzz(func(t *testing.T, w uint32) {
		c, err := DecodeCLCW(w)
		if err == nil && c.Word() != w&^0x0003_0100 { // spare bits are not kept
			t.Fatalf("%08X -> %+v -> %08X", w, c, c.Word())
		}
	})
}
