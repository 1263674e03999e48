package coding

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestRSShortAgainstLibfec: shortened codewords (virtual fill) in both
// bases carry libfec's check bytes (encode_rs_ccsds and encode_rs_8 with
// padding), and 16 symbol errors in one are corrected; an error that
// could only be corrected in the fill is refused.
func TestRSShortAgainstLibfec(t *testing.T) {
	run := libfec(t)
	rng := rand.New(rand.NewPCG(3, 4))
	for _, k := range []int{114, 223, 40} {
		for _, conv := range []bool{false, true} {
			const n = 20
			data := make([]byte, n*k)
			for i := range data {
				data[i] = byte(rng.IntN(256))
			}
			c := "0"
			if conv {
				c = "1"
			}
			theirs := run(data, "rspad", itoa(n), itoa(k), c)
			for i := range n {
				cw, err := RSEncodeShort(nil, data[i*k:(i+1)*k], conv)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(cw[k:], theirs[i*RSParity:(i+1)*RSParity]) {
					t.Fatalf("k %d conventional %v block %d: check bytes % X, libfec % X", k, conv, i, cw[k:k+8], theirs[i*RSParity:i*RSParity+8])
				}
				bad := bytes.Clone(cw)
				for _, p := range rng.Perm(len(cw))[:16] {
					bad[p] ^= byte(1 + rng.IntN(255))
				}
				got, fixed, err := RSDecodeShort(bad, conv)
				if err != nil || fixed != 16 || !bytes.Equal(got, data[i*k:(i+1)*k]) {
					t.Fatalf("k %d conventional %v block %d: %d fixed, %v", k, conv, i, fixed, err)
				}
			}
		}
	}
	if _, _, err := RSDecodeShort(make([]byte, 20), false); err == nil {
		t.Error("a 20-byte codeword was taken")
	}
}

// TestDeframer: frames coded every way the Code allows, as soft symbols
// with noise, the stream cut anywhere and sometimes inverted, come out
// of the deframer whole, once each, in order.
func TestDeframer(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, code := range []Code{
		{Length: 223, RS: true, Randomize: true, Conv: true, MaxErrors: 4},
		{Length: 446, RS: true, Interleave: 2, Randomize: true, MaxErrors: 4},
		{Length: 114, RS: true, Conventional: true, Randomize: true, Conv: true, Differential: true, MaxErrors: 4},
		{Length: 100, Conv: true, Randomize: true},
		{Length: 64},
	} {
		for _, inv := range []bool{false, true} {
			var frames [][]byte
			var stream []byte
			junk := func(n int) {
				for range n {
					stream = append(stream, byte(rng.IntN(256)))
				}
			}
			junk(37)
			for i := range 6 {
				f := make([]byte, code.Length)
				for j := range f {
					f[j] = byte(rng.IntN(256))
				}
				frames = append(frames, f)
				block := bytes.Clone(f)
				switch {
				case code.RS && max(code.Interleave, 1) > 1:
					block, _ = RSEncode(nil, f, code.Interleave)
				case code.RS:
					block, _ = RSEncodeShort(nil, f, code.Conventional)
				}
				if code.Randomize {
					Randomize(block)
				}
				stream = AppendASM(stream)
				stream = append(stream, block...)
				if i%2 == 1 {
					junk(50)
				}
			}
			junk(60)
			bits := Bits(stream)
			if code.Differential {
				var last byte
				for i, b := range bits {
					last ^= b
					bits[i] = last
				}
			}
			if inv {
				for i := range bits {
					bits[i] ^= 1
				}
			}
			sym := bits
			if code.Conv {
				packed := make([]byte, len(bits)/8)
				for i := range packed {
					for k := range 8 {
						packed[i] |= bits[8*i+k] << (7 - k)
					}
				}
				sym = ConvEncode(packed, false)
			}
			skip := 3    // the receiver starts mid-stream, on the second symbol of a pair
			sigma := 0.4 // the convolutional code takes a bit error rate of 0.6 %
			if !code.Conv {
				sigma = 0.2
			}
			soft := make([]float32, 0, len(sym))
			for _, s := range sym[skip:] {
				v := float32(-1)
				if s == 1 {
					v = 1
				}
				soft = append(soft, v+float32(rng.NormFloat64()*sigma))
			}
			var got [][]byte
			d := &Deframer{Code: code, Emit: func(x Decoded) { got = append(got, x.Frame) }}
			for i := 0; i < len(soft); {
				n := 1 + rng.IntN(3000)
				d.Write(soft[i:min(i+n, len(soft))])
				i += n
			}
			d.Flush()
			if len(got) != len(frames) {
				t.Errorf("%+v inverted %v: %d frames of %d", code, inv, len(got), len(frames))
				continue
			}
			for i := range got {
				if !bytes.Equal(got[i], frames[i]) {
					t.Errorf("%+v inverted %v: frame %d differs", code, inv, i)
				}
			}
		}
	}
}

// FuzzDeframer: any symbols, any code: no panic.
func FuzzDeframer(f *testing.F) {
	f.Add([]byte{0x1a, 0xcf, 0xfc, 0x1d, 1, 2, 3}, uint8(3))
	f.Fuzz(func(t *testing.T, b []byte, flags uint8) {
		code := Code{Length: 8 + int(flags>>4), RS: flags&1 != 0, Conv: flags&2 != 0, Randomize: flags&4 != 0, Differential: flags&8 != 0, MaxErrors: 2}
		if code.Check() != nil {
			return
		}
		d := &Deframer{Code: code}
		soft := make([]float32, 0, 8*len(b))
		for _, x := range b {
			for k := 7; k >= 0; k-- {
				soft = append(soft, float32(int(x>>k&1)*2-1))
			}
		}
		d.Write(soft)
		d.Flush()
	})
}
