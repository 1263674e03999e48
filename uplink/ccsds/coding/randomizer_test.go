package coding

import (
	"bytes"
	"testing"
)

// TestRandomizerSequence: the sequence's first bytes as CCSDS 131.0-B
// gives them (FF 48 0E C0 9A 0D 70 BC ...), and its period of 255.
func TestRandomizerSequence(t *testing.T) {
	want := []byte{0xff, 0x48, 0x0e, 0xc0, 0x9a, 0x0d, 0x70, 0xbc, 0x8e, 0x2c, 0x93, 0xad, 0xa7, 0xb7, 0x46, 0xce}
	if !bytes.Equal(pn[:16], want) {
		t.Fatalf("first bytes % X, want % X", pn[:16], want)
	}
	f := make([]byte, 600)
	Randomize(f)
	if !bytes.Equal(f[:255], f[255:510]) {
		t.Error("the sequence does not repeat every 255 bytes")
	}
	Randomize(f)
	if !bytes.Equal(f, make([]byte, 600)) {
		t.Error("randomising twice does not undo it")
	}
}
