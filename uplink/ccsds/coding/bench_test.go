package coding

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkReceiveChain is the TM receive chain for one codeblock of a
// 1 Mbit/s downlink: soft symbols through the Viterbi decoder, the frame
// synchroniser, the de-randomiser and Reed-Solomon at depth 5 (a
// 1115-byte frame), with noise at Eb/N0 4 dB. x-link-rate is how many
// times faster than 1 Mbit/s of channel bits it runs on one core (the
// goal: 10).
func BenchmarkReceiveChain(b *testing.B) {
	rng := rand.New(rand.NewPCG(11, 12))
	data := make([]byte, rsK*5)
	for i := range data {
		data[i] = byte(rng.IntN(256))
	}
	block, _ := RSEncode(nil, data, 5)
	Randomize(block)
	frame := AppendASM(nil)
	frame = append(frame, block...)
	sym := noisy(rng, ConvEncode(frame, true), 4)
	nbits := 8 * len(frame)
	b.SetBytes(int64(len(frame)))
	b.ResetTimer()
	for b.Loop() {
		dec, err := Viterbi(sym, nbits, true)
		if err != nil {
			b.Fatal(err)
		}
		found := Sync{Length: len(block), MaxErrors: 3}.Frames(Bits(dec))
		if len(found) != 1 {
			b.Fatal("no frame")
		}
		Randomize(found[0].Frame)
		if _, _, err := RSDecode(found[0].Frame, 5); err != nil {
			b.Fatal(err)
		}
	}
	perOp := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(float64(2*nbits)/perOp/1e6, "x-link-rate")
}
