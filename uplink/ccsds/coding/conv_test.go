package coding

import (
	"bytes"
	"math"
	"math/rand/v2"
	"testing"
)

// noisy turns hard symbols into soft ones as a BPSK receiver would at
// Eb/N0 ebn0 dB for a rate-1/2 code, quantised to 0..255.
func noisy(rng *rand.Rand, hard []byte, ebn0 float64) []byte {
	esn0 := math.Pow(10, ebn0/10) / 2 // two symbols a bit
	sigma := math.Sqrt(1 / (2 * esn0))
	out := make([]byte, len(hard))
	for i, h := range hard {
		x := 1 - 2*float64(h) + sigma*rng.NormFloat64() // 0 → +1, 1 → -1
		v := 128 - 64*x
		out[i] = byte(math.Max(0, math.Min(255, math.Round(v))))
	}
	return out
}

// TestConvAgainstLibfec: libfec's Viterbi decoder (viterbi27, set to the
// CCSDS polynomials, G2 inverted) decodes what ipgs's encoder made, and
// ipgs's decoder decodes it too; at Eb/N0 3 dB with noise the two
// decoders' bit error rates agree within a factor of two.
func TestConvAgainstLibfec(t *testing.T) {
	run := libfec(t)
	rng := rand.New(rand.NewPCG(5, 6))
	const nbits = 8 * 1115
	data := make([]byte, nbits/8)
	for i := range data {
		data[i] = byte(rng.IntN(256))
	}
	hard := ConvEncode(data, true)
	if got := run(Soft(hard), "vit", itoa(nbits)); !bytes.Equal(got, data) {
		t.Fatal("libfec does not decode ipgs's encoding to the data")
	}
	if got, err := Viterbi(Soft(hard), nbits, true); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("ipgs does not decode its own encoding: %v", err)
	}
	var theirs, mine, bitsN int
	for range 20 {
		for i := range data {
			data[i] = byte(rng.IntN(256))
		}
		sym := noisy(rng, ConvEncode(data, true), 3)
		a := run(sym, "vit", itoa(nbits))
		b, err := Viterbi(sym, nbits, true)
		if err != nil {
			t.Fatal(err)
		}
		for i := range data {
			theirs += popcount(a[i] ^ data[i])
			mine += popcount(b[i] ^ data[i])
		}
		bitsN += nbits
	}
	t.Logf("Eb/N0 3 dB: bit errors libfec %d, ipgs %d of %d (BER %.2e, %.2e)", theirs, mine, bitsN, float64(theirs)/float64(bitsN), float64(mine)/float64(bitsN))
	if float64(mine) > 2*float64(theirs)+20 {
		t.Errorf("ipgs's Viterbi makes %d bit errors, libfec's %d", mine, theirs)
	}
}

func popcount(b byte) int {
	n := 0
	for ; b != 0; b &= b - 1 {
		n++
	}
	return n
}

// TestViterbiUnterminated: a stream not ended in state 0 decodes to its
// bits, but for the last few.
func TestViterbiUnterminated(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	data := make([]byte, 64)
	for i := range data {
		data[i] = byte(rng.IntN(256))
	}
	got, err := Viterbi(Soft(ConvEncode(data, false)), 8*len(data), false)
	if err != nil || !bytes.Equal(got[:60], data[:60]) {
		t.Fatalf("unterminated: %v", err)
	}
}

func FuzzViterbi(f *testing.F) {
	f.Add(Soft(ConvEncode([]byte("ipgs"), true)))
	f.Fuzz(func(t *testing.T, sym []byte) {
		n := (len(sym)/2 - ConvTail) / 8 * 8
		if n <= 0 {
			return
		}
		if _, err := Viterbi(sym, n, true); err != nil {
			t.Fatal(err)
		}
	})
}
