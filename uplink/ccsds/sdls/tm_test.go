package sdls

import (
	"bytes"
	"errors"
	"testing"

	"github.com/ipgs/ipgs/uplink/ccsds/tm"
)

// tmFrames packs packets into protected-size clear frames of a 223-byte
// layout with a CLCW and an FECF.
func tmFrames(t testing.TB, sa *SA, packets ...[]byte) (tm.Layout, [][]byte) {
	l := tm.Layout{Length: 223, FECF: true}
	clcw := tm.CLCW{COP: 1, ReportValue: 7}.Word()
	m := &tm.Master{Layout: l, SCID: 0x1a3, OCF: func() *uint32 { return &clcw }}
	p := &tm.Packer{Master: m, VCID: 0, Reserve: sa.Overhead()}
	for _, pk := range packets {
		p.Add(pk)
	}
	b, err := p.Frames(nil, true)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for len(b) > 0 {
		out, b = append(out, b[:l.Length]), b[l.Length:]
	}
	return l, out
}

func packet(apid uint16, n int) []byte {
	b := []byte{byte(apid >> 8), byte(apid), 0xc0, 0, byte((n - 1) >> 8), byte(n - 1)}
	for i := range n {
		b = append(b, byte(i))
	}
	return b
}

// TestTMRoundTrip: TM frames protected keep their length, the CLCW stays
// readable in the clear, the packets come back out, and a flipped bit of
// the data, a replayed frame or another SPI are refused.
func TestTMRoundTrip(t *testing.T) {
	tx := &SA{SPI: 7, Key: key130}
	rx := &SA{SPI: 7, Key: key130, Window: 1 << 20}
	pk := [][]byte{packet(100, 50), packet(20, 300), packet(2, 10)}
	l, frames := tmFrames(t, tx, pk...)
	var x tm.Extractor
	var got [][]byte
	var prot [][]byte
	for _, f := range frames {
		p, err := tx.ApplyTM(f, true)
		if err != nil {
			t.Fatal(err)
		}
		if len(p) != len(f) {
			t.Fatalf("protected frame %d bytes, clear %d", len(p), len(f))
		}
		if bytes.Contains(p, pk[1][6:40]) {
			t.Fatal("the data is in the clear")
		}
		pf, err := l.Decode(p) // a FOP reads the CLCW without keys
		want := tm.CLCW{COP: 1, ReportValue: 7}.Word()
		if err != nil || pf.OCF == nil || *pf.OCF != want {
			t.Fatalf("the protected frame's CLCW: %v", err)
		}
		prot = append(prot, p)
		c, err := rx.ProcessTM(p, true)
		if err != nil {
			t.Fatal(err)
		}
		cf, err := l.Decode(c)
		if err != nil {
			t.Fatal(err)
		}
		cf.Data = cf.Data[:len(cf.Data)-rx.Overhead()]
		got = append(got, x.Add(cf)...)
	}
	if len(got) != 3 || !bytes.Equal(got[1], pk[1]) {
		t.Fatalf("%d packets back", len(got))
	}
	if _, err := rx.ProcessTM(prot[len(prot)-1], true); !errors.Is(err, ErrReplay) {
		t.Fatalf("replayed: %v", err)
	}
	_, more := tmFrames(t, tx, packet(100, 20))
	next, _ := tx.ApplyTM(more[0], true)
	bad := bytes.Clone(next)
	bad[40] ^= 4
	if _, err := rx.ProcessTM(bad, false); !errors.Is(err, ErrMAC) {
		t.Fatalf("a flipped bit (no FECF to catch it): %v", err)
	}
	if _, err := rx.ProcessTM(next, true); err != nil {
		t.Fatalf("the real frame after a forgery: %v", err)
	}
	if _, err := (&SA{SPI: 8, Key: key130}).ProcessTM(next, true); !errors.Is(err, ErrSPI) {
		t.Fatalf("another SPI: %v", err)
	}
}

func FuzzProcessTM(f *testing.F) {
	tx := &SA{SPI: 4, Key: key130}
	_, frames := tmFrames(f, tx, packet(100, 40))
	p, _ := tx.ApplyTM(frames[0], true)
	f.Add(p, true)
	f.Fuzz(func(t *testing.T, b []byte, fecfOn bool) {
		rx := &SA{SPI: 4, Key: key130}
		if c, err := rx.ProcessTM(b, fecfOn); err == nil && len(c) != len(b) {
			t.Fatalf("a %d-byte frame opened to %d", len(b), len(c))
		}
		TMHeader(b)
	})
}
