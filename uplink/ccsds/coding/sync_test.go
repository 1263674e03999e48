package coding

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestSyncWithBitErrors: frames behind markers with up to 3 wrong bits,
// with junk before, between and after them, are all found, in order,
// whole; a marker with 5 wrong bits is not taken at a tolerance of 3.
func TestSyncWithBitErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	const length = 64
	var stream []byte
	var want [][]byte
	junk := func(n int) {
		for range n {
			stream = append(stream, byte(rng.IntN(2)))
		}
	}
	junk(77)
	for f := 0; f < 20; f++ {
		frame := make([]byte, length)
		for i := range frame {
			frame[i] = byte(rng.IntN(256))
		}
		marker := Bits(AppendASM(nil))
		for _, p := range rng.Perm(32)[:f%4] { // 0 to 3 wrong bits
			marker[p] ^= 1
		}
		stream = append(stream, marker...)
		stream = append(stream, Bits(frame)...)
		want = append(want, frame)
		if f%5 == 4 {
			junk(13) // lose lock now and then
		}
	}
	junk(40)
	got := Sync{Length: length, MaxErrors: 3}.Frames(stream)
	if len(got) != len(want) {
		t.Fatalf("%d frames found, want %d", len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i].Frame, want[i]) || got[i].Errors != i%4 {
			t.Fatalf("frame %d: %d marker errors, bytes differ %v", i, got[i].Errors, !bytes.Equal(got[i].Frame, want[i]))
		}
	}
	bad := Bits(AppendASM(nil))
	for _, p := range []int{1, 5, 9, 20, 30} {
		bad[p] ^= 1
	}
	if n := len(Sync{Length: 4, MaxErrors: 3}.Frames(append(bad, make([]byte, 32)...))); n != 0 {
		t.Errorf("a marker with 5 wrong bits was taken")
	}
}

func FuzzSync(f *testing.F) {
	f.Add(append(Bits(AppendASM(nil)), make([]byte, 64)...))
	f.Fuzz(func(t *testing.T, stream []byte) {
		for _, fr := range (Sync{Length: 8, MaxErrors: 2}).Frames(stream) {
			if len(fr.Frame) != 8 || fr.Errors > 2 {
				t.Fatal("a bad frame")
			}
		}
	})
}
