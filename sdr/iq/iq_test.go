package iq

import (
	"bytes"
	"fmt"
	"math"
	"testing"

	"github.com/ipgs/ipgs/sdr/dsp"
	"github.com/ipgs/ipgs/sdr/modem"
	"github.com/ipgs/ipgs/uplink/ax25"
)

func frames(t testing.TB, n int) [][]byte {
	var out [][]byte
	for i := range n {
		f := ax25.Frame{Dst: ax25.MustAddress("CQ"), Src: ax25.MustAddress("DRONE1"),
			Info: []byte(fmt.Sprintf("telemetry frame %03d battery 7.4 V temperature 21.5 C", i))}
		b, err := f.Encode(false)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// pass makes IQ of frames with the carrier at offset plus a Doppler that
// sweeps from +dop to -dop, as over a pass, and noise at cn0 dB-Hz.
func pass(t testing.TB, baud int, rate, offset, dop, cn0 float64, fs [][]byte) ([]complex64, func(i int) float64) {
	tx := Transmitter{Rate: rate, Baud: baud}
	var iq []complex64
	gap := int(rate / 20)
	total := len(fs) * (gap + int(rate*float64(60*8*5/4)/float64(baud)))
	sweep := func(i int) float64 { return offset + dop*(1-2*float64(i)/float64(total)) }
	// The carrier moves between frames; shift says where it was.
	var starts []int
	var shifts []float64
	for _, f := range fs {
		iq = tx.Silence(iq, gap)
		starts, shifts = append(starts, len(iq)), append(shifts, sweep(len(iq)))
		tx.SetShift(shifts[len(shifts)-1])
		iq = tx.Frame(iq, f)
	}
	shift := func(i int) float64 {
		k := 0
		for k+1 < len(starts) && starts[k+1] <= i {
			k++
		}
		return shifts[k]
	}
	iq = tx.Silence(iq, gap)
	// C/N0: carrier power 1 over noise density N0; complex noise of σ per
	// component over rate has density 2σ²/rate.
	n0 := 1 / math.Pow(10, cn0/10)
	dsp.NewNoise(7, math.Sqrt(n0*rate/2)).AddComplex(iq)
	return iq, shift
}

func TestReceiveWithDoppler(t *testing.T) {
	for _, c := range []struct {
		baud      int
		rate, cn0 float64
	}{
		{1200, 250000, 60},
		{9600, 250000, 70},
	} {
		t.Run(fmt.Sprint(c.baud), func(t *testing.T) {
			fs := frames(t, 10)
			iq, shift := pass(t, c.baud, c.rate, 20000, 3000, c.cn0, fs)
			for _, predErr := range []float64{0, 600} {
				var got [][]byte
				r, err := NewReceiver(Config{Rate: c.rate, Offset: 20000, Baud: c.baud, FLL: true,
					Modem: modem.Options{Emit: func(f modem.Frame) { got = append(got, f.Data) }}})
				if err != nil {
					t.Fatal(err)
				}
				const block = 5000
				for i := 0; i < len(iq); i += block {
					r.SetShift(shift(i) - predErr) // the prediction is off by predErr
					r.Process(iq[i:min(i+block, len(iq))])
				}
				t.Logf("prediction off by %v Hz: %d of %d frames, FLL %.0f Hz", predErr, len(got), len(fs), r.FLLOffset())
				if len(got) != len(fs) {
					t.Fatalf("prediction off by %v Hz: decoded %d of %d", predErr, len(got), len(fs))
				}
				for i := range got {
					if !bytes.Equal(got[i], fs[i]) {
						t.Fatalf("frame %d differs", i)
					}
				}
				if math.Abs(r.FLLOffset()-predErr) > 200 {
					t.Errorf("FLL at %.0f Hz, want about %v", r.FLLOffset(), predErr)
				}
			}
		})
	}
}

func BenchmarkReceiver(b *testing.B) {
	for _, baud := range []int{1200, 9600} {
		b.Run(fmt.Sprint(baud), func(b *testing.B) {
			const rate = 250000
			iq, _ := pass(b, baud, rate, 20000, 0, 70, frames(b, 5))
			b.ResetTimer()
			for range b.N {
				r, _ := NewReceiver(Config{Rate: rate, Offset: 20000, Baud: baud, FLL: true})
				for i := 0; i < len(iq); i += 16384 {
					r.Process(iq[i:min(i+16384, len(iq))])
				}
			}
			b.ReportMetric(float64(len(iq))/rate*float64(b.N)/b.Elapsed().Seconds(), "x-realtime")
		})
	}
}
