package bundle

import (
	"bytes"
	"encoding/hex"
	"errors"
	"runtime"
	"strings"
	"testing"
)

// RFC 9173 Appendix A.1: the original bundle (A.1.1.3) and the same with a
// BIB (A.1.4).
const (
	rfcOriginal = "9f88070000820282010282028202018202820201820018281a000f4240" +
		"85010100005823526561647920746f2067656e657261746520612033322d62797465207061796c6f6164ff"
	rfcWithBIB = "9f88070000820282010282028202018202820201820018281a000f4240" +
		"850b0200005856810101018202820201828201078203008181820158403bdc69b3a34a2b5d3a" +
		"8554368bd1e808f606219d2a10a846eae3886ae4ecc83c4ee550fdfb1cc636b904e2" +
		"f1a73e303dcd4b6ccece003e95e8164dcc89a156e1" +
		"85010100005823526561647920746f2067656e657261746520612033322d62797465207061796c6f6164ff"
)

func unhex(t testing.TB, s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The RFC's bundles decode into what the RFC says and encode back byte for
// byte.
func TestRFC9173Bundles(t *testing.T) {
	for _, c := range []struct {
		name   string
		hex    string
		blocks int
	}{{"A.1.1.3 original", rfcOriginal, 1}, {"A.1.4 with BIB", rfcWithBIB, 2}} {
		raw := unhex(t, c.hex)
		b, err := Decode(raw)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		p := b.Primary
		if p.Dest.String() != "ipn:1.2" || p.Source.String() != "ipn:2.1" || p.ReportTo.String() != "ipn:2.1" ||
			p.Created != 0 || p.Seq != 40 || p.Lifetime != 1000000 || len(b.Blocks) != c.blocks {
			t.Errorf("%s: %+v", c.name, b)
		}
		if pl := b.Payload(); pl == nil || string(pl.Data) != "Ready to generate a 32-byte payload" {
			t.Errorf("%s: payload %q", c.name, pl.Data)
		}
		again, err := b.Encode()
		if err != nil || !bytes.Equal(again, raw) {
			t.Errorf("%s: re-encoded differs:\n%x\n%x", c.name, again, raw)
		}
	}
}

func TestCRCs(t *testing.T) {
	for _, crc := range []uint8{CRCNone, CRC16, CRC32C} {
		b := &Bundle{
			Primary: Primary{CRCType: crc, Dest: IPN(101, 1), Source: IPN(1, 0), ReportTo: None, Created: 123456789, Seq: 3, Lifetime: 86400000},
			Blocks:  []Block{{Type: TypeHopCount, Number: 2, CRCType: crc, Data: []byte{0x82, 0x18, 0x20, 0x00}}, {Type: TypePayload, Number: 1, CRCType: crc, Data: []byte("vote: yes")}},
		}
		enc, err := b.Encode()
		if err != nil {
			t.Fatal(err)
		}
		got, err := Decode(enc)
		if err != nil {
			t.Fatalf("crc %d: %v", crc, err)
		}
		if got.Primary != b.Primary || string(got.Payload().Data) != "vote: yes" {
			t.Fatalf("crc %d: %+v", crc, got)
		}
		if crc == CRCNone {
			continue
		}
		// any single flipped bit inside a CRC-protected block is caught
		for i := 1; i < len(enc)-1; i++ {
			bad := bytes.Clone(enc)
			bad[i] ^= 0x04
			if _, err := Decode(bad); err == nil {
				t.Fatalf("crc %d: a flipped bit at byte %d went unnoticed", crc, i)
			}
		}
	}
}

func TestBadBundles(t *testing.T) {
	good := unhex(t, rfcOriginal)
	for _, c := range []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, "byte 0"},
		{"definite array", append([]byte{0x82}, good[1:]...), "indefinite-length array"},
		{"version 6", bytes.Replace(good, []byte{0x88, 0x07}, []byte{0x88, 0x06}, 1), "version 6"},
		{"no break", good[:len(good)-1], "never ends"},
		{"trailing", append(bytes.Clone(good), 0), "after the bundle"},
		{"truncated payload", good[:len(good)-10], "left"},
		{"no payload", unhex(t, "9f88070000820282010282028202018202820201820018281a000f4240ff"), "payload block"},
		{"huge string", unhex(t, "9f88070000820282010282028202018202820201820018281a000f424085010100005bffffffffffffffff"), "left"},
	} {
		_, err := Decode(c.b)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	if _, err := Decode(bytes.Replace(good, []byte{0x85, 0x01, 0x01, 0x00, 0x00}, []byte{0x86, 0x01, 0x01, 0x00, 0x01}, 1)); err == nil {
		t.Error("a CRC type without a CRC field was accepted")
	}
	var ce interface{ Error() string }
	_, err := Decode(good[:5])
	if !errors.As(err, &ce) {
		t.Error(err)
	}
}

func TestEIDs(t *testing.T) {
	for _, s := range []string{"ipn:1.2", "dtn:none", "dtn://drone-01/gov"} {
		e, err := ParseEID(s)
		if err != nil || e.String() != s {
			t.Errorf("%s: %v %v", s, e, err)
		}
	}
	for _, s := range []string{"ipn:1", "ipn:x.1", "dtn:", "http://x"} {
		if _, err := ParseEID(s); err == nil {
			t.Errorf("%s accepted", s)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(unhex(f, rfcOriginal))
	f.Add(unhex(f, rfcWithBIB))
	f.Fuzz(func(t *testing.T, b []byte) {
		bd, err := Decode(b)
		if err != nil {
			return
		}
		enc, err := bd.Encode()
		if err != nil {
			t.Fatalf("decoded but does not encode: %v", err)
		}
		if _, err := Decode(enc); err != nil {
			t.Fatalf("re-encoded bundle does not decode: %v", err)
		}
	})
}

// TestBlockFlood (issue: decoding built every block before checking
// them: 16 MiB of empty blocks, which any TCPCL peer may send, allocated
// 936 MiB): a bundle of too many blocks is refused as it is read, with
// allocation a small multiple of the input.
func TestBlockFlood(t *testing.T) {
	// a primary block, then empty blocks up to nearly 16 MiB, then a payload
	ok := &Bundle{Primary: Primary{Dest: IPN(2, 1), Source: IPN(1, 1), ReportTo: IPN(1, 1), Lifetime: 1000},
		Blocks: []Block{{Type: TypePayload, Number: 1, Data: []byte("x")}}}
	raw, err := ok.Encode()
	if err != nil {
		t.Fatal(err)
	}
	// raw is 0x9f, primary, payload, 0xff: splice empty blocks in front of the payload
	prim := len(raw) - 1 - len(mustBlock(t, ok.Blocks[0]))
	empty := []byte{0x85, 0x07, 0x02, 0x00, 0x00, 0x40} // [type 7, number 2, flags 0, CRC none, h'']
	var flood bytes.Buffer
	flood.Write(raw[:prim])
	for flood.Len() < MaxBundle-64 {
		flood.Write(empty)
	}
	flood.Write(raw[prim:])
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err = Decode(flood.Bytes())
	runtime.ReadMemStats(&after)
	if err == nil {
		t.Fatal("a bundle of 2.8 million blocks decoded")
	}
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("%d bytes of blocks refused (%v), %d bytes allocated", flood.Len(), err, alloc)
	if alloc > 4*uint64(flood.Len()) {
		t.Errorf("decoding %d bytes allocated %d", flood.Len(), alloc)
	}
}

func mustBlock(t *testing.T, k Block) []byte {
	t.Helper()
	b := &Bundle{Primary: Primary{Dest: IPN(2, 1), Source: IPN(1, 1), ReportTo: IPN(1, 1), Lifetime: 1000}, Blocks: []Block{k}}
	raw, err := b.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return raw[1+len(b.Primary.Append(nil)) : len(raw)-1]
}
