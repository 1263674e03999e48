package coding

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"
)

// TestRSAgainstLibfec: for 200 random data blocks, ipgs's CCSDS
// Reed-Solomon check bytes are libfec's (encode_rs_ccsds) byte for byte;
// libfec corrects ipgs's codewords with 16 errors and ipgs corrects the
// same, both to the codeword sent.
func TestRSAgainstLibfec(t *testing.T) {
	run := libfec(t)
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 200
	data := make([]byte, n*rsK)
	for i := range data {
		data[i] = byte(rng.IntN(256))
	}
	theirs := run(data, "rs", itoa(n))
	var words []byte
	for i := 0; i < n; i++ {
		block, err := RSEncode(nil, data[i*rsK:(i+1)*rsK], 1)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(block[rsK:], theirs[i*RSParity:(i+1)*RSParity]) {
			t.Fatalf("block %d: check bytes % X, libfec % X", i, block[rsK:rsK+8], theirs[i*RSParity:i*RSParity+8])
		}
		words = append(words, block...)
	}
	// 16 symbol errors in each: both decoders restore the codeword
	damaged := bytes.Clone(words)
	for i := 0; i < n; i++ {
		for _, p := range rng.Perm(rsN)[:16] {
			damaged[i*rsN+p] ^= byte(1 + rng.IntN(255))
		}
	}
	out := run(damaged, "rsdec", itoa(n))
	for i := 0; i < n; i++ {
		rec := out[i*(rsN+1):]
		if rec[0] != 16 || !bytes.Equal(rec[1:rsN+1], words[i*rsN:(i+1)*rsN]) {
			t.Fatalf("libfec on codeword %d: corrected %d", i, rec[0])
		}
		mine := bytes.Clone(damaged[i*rsN : (i+1)*rsN])
		if _, fixed, err := RSDecode(mine, 1); err != nil || fixed != 16 || !bytes.Equal(mine, words[i*rsN:(i+1)*rsN]) {
			t.Fatalf("ipgs on codeword %d: %d fixed, %v", i, fixed, err)
		}
	}
}

// TestRSInterleaved: depth 1 to 8, up to 16 errors per codeword corrected;
// 17 in one codeword is reported, naming it, and the block is untouched.
func TestRSInterleaved(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for depth := 1; depth <= 8; depth++ {
		data := make([]byte, rsK*depth)
		for i := range data {
			data[i] = byte(rng.IntN(256))
		}
		block, err := RSEncode(nil, data, depth)
		if err != nil {
			t.Fatal(err)
		}
		// a burst of 16*depth bytes: 16 symbols of each codeword
		bad := bytes.Clone(block)
		start := rng.IntN(len(bad) - 16*depth)
		for i := start; i < start+16*depth; i++ {
			bad[i] ^= 0x5a
		}
		got, fixed, err := RSDecode(bad, depth)
		if err != nil || fixed != 16*depth || !bytes.Equal(got, data) {
			t.Fatalf("depth %d: a burst of %d bytes: %d fixed, %v", depth, 16*depth, fixed, err)
		}
		bad = bytes.Clone(block)
		for _, p := range rng.Perm(rsN)[:17] { // 17 in the last codeword
			bad[p*depth+depth-1] ^= 0x33
		}
		bad[0] ^= 1 // and one the first codeword corrects
		before := bytes.Clone(bad)
		if _, _, err := RSDecode(bad, depth); !errors.Is(err, ErrUncorrectable) {
			t.Fatalf("depth %d: 17 errors: %v", depth, err)
		}
		if !bytes.Equal(bad, before) {
			t.Fatalf("depth %d: a failed block was changed", depth)
		}
	}
}

func FuzzRSDecode(f *testing.F) {
	block, _ := RSEncode(nil, make([]byte, rsK), 1)
	f.Add(block)
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) < rsN {
			return
		}
		b = b[:rsN]
		data, _, err := RSDecode(b, 1)
		if err == nil {
			// whatever it corrected to is a codeword: it encodes to itself
			again, _ := RSEncode(nil, data, 1)
			if !bytes.Equal(again, b) {
				t.Fatal("a decoded block is not a codeword")
			}
		}
	})
}
