package sdls

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/ipgs/ipgs/uplink/ccsds/fecf"
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

// TestCryptoLibTM: TM frames protected by NASA CryptoLib (SA 5 set to
// AES-256-GCM with key 130, 12-byte IV, 16-byte MAC, the headers
// authenticated whole, on the frame's own channel: an ipgs CCSDS drone's
// 223-byte frame with OCF and FECF) open in ipgs to the data CryptoLib
// encrypted, and the replayed one is refused; frames ipgs protects open
// in CryptoLib to ipgs's data; a flipped bit in ipgs's frame (FECF made
// again) is refused by CryptoLib.
func TestCryptoLibTM(t *testing.T) {
	run := cryptolibHelper(t, "cryptolib_tm_helper")
	const length = 223
	sa := func() *SA { return &SA{SPI: 5, Key: key130} }
	// a clear frame: SCID 0x110, VC 2, OCF, FECF
	clear := func(seed byte) []byte {
		f := []byte{0x11, 0x05, seed, seed, 0x18, 0x00}
		for i := 6; i < length-6; i++ {
			f = append(f, byte(i)^seed)
		}
		f = append(f, 0x01, 0x02, 0x03, 0x04, 0, 0)
		binary.BigEndian.PutUint16(f[length-2:], fecf.CRC16(f[:length-2]))
		return f
	}
	ov := sa().Overhead()
	// CryptoLib's protected frames: it takes the frame laid out with room
	// for the security header after the primary header and the MAC
	// before the OCF, so its data are bytes 6+2+12 to length-6-16
	args := make([]string, 0, 3)
	for i := range 3 {
		args = append(args, hex.EncodeToString(clear(byte(i))))
	}
	out, err := run(append([]string{"apply"}, args...)...)
	if err != nil {
		t.Fatalf("CryptoLib apply: %v (%s)", err, out)
	}
	theirs := helperLines(out)
	if len(theirs) != 3 {
		t.Fatalf("CryptoLib apply: %s", out)
	}
	rx := sa()
	for i, h := range theirs {
		f, err := hex.DecodeString(h)
		if err != nil || len(f) != length {
			t.Fatalf("CryptoLib frame %d: %s", i, h)
		}
		got, err := rx.ProcessTM(f, true)
		if err != nil {
			t.Fatalf("ipgs on CryptoLib's frame %d: %v", i, err)
		}
		want := clear(byte(i))[6+2+12 : length-6-16]
		if !bytes.Equal(got[6:6+len(want)], want) {
			t.Fatalf("frame %d: ipgs opened %x..., CryptoLib encrypted %x...", i, got[6:14], want[:8])
		}
		if !bytes.Equal(got[length-6:length-2], []byte{1, 2, 3, 4}) {
			t.Errorf("frame %d: the OCF came out %x", i, got[length-6:length-2])
		}
	}
	first, _ := hex.DecodeString(theirs[0])
	if _, err := rx.ProcessTM(first, true); !errors.Is(err, ErrReplay) {
		t.Errorf("CryptoLib's first frame again: %v, want a replay", err)
	}

	// ipgs's frames into CryptoLib
	tx := sa()
	var mine []string
	var data [][]byte
	for i := range 3 {
		c := clear(byte(10 + i))
		// ipgs's clear frame: data first, Overhead free bytes before the OCF
		d := bytes.Clone(c[6 : length-6-ov])
		data = append(data, d)
		p, err := tx.ApplyTM(c, true)
		if err != nil {
			t.Fatal(err)
		}
		mine = append(mine, hex.EncodeToString(p))
	}
	bad, _ := hex.DecodeString(mine[2])
	bad[40] ^= 0x10
	binary.BigEndian.PutUint16(bad[length-2:], fecf.CRC16(bad[:length-2]))
	out, err = run("process", mine[0], mine[1], hex.EncodeToString(bad))
	if err != nil {
		t.Fatalf("CryptoLib process: %v (%s)", err, out)
	}
	lines := helperLines(out)
	if len(lines) != 3 {
		t.Fatalf("CryptoLib process: %q", out)
	}
	for i := range 2 {
		got, err := hex.DecodeString(lines[i])
		if err != nil || !bytes.HasPrefix(got, data[i]) {
			t.Fatalf("CryptoLib on ipgs's frame %d: %s", i, lines[i])
		}
	}
	if !strings.HasPrefix(lines[2], "error") {
		t.Errorf("CryptoLib took ipgs's frame with a flipped bit: %s", lines[2])
	}
	t.Logf("CryptoLib protected 3 frames ipgs opened; ipgs protected 2 CryptoLib opened; the flipped one CryptoLib refused: %s", lines[2])
}

// helperLines are the helper's lines (a frame in hex, or "error N") among
// the messages CryptoLib prints to standard output itself.
func helperLines(out string) []string {
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		if _, err := hex.DecodeString(l); (err == nil && l != "") || strings.HasPrefix(l, "error ") {
			lines = append(lines, l)
		}
	}
	return lines
}
