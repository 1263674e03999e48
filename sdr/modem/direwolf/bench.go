package direwolf

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/ipgs/ipgs/sdr/modem"
)

// BenchOptions are ipgs bench modem's.
type BenchOptions struct {
	Dir    string // for the generated files
	Frames int
	Out    io.Writer
}

// RunBench prints decode counts and speeds side by side with atest's, on
// the same files, and the AFSK bit error rate against theory.
func RunBench(ctx context.Context, o BenchOptions) error {
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return err
	}
	if o.Frames == 0 {
		o.Frames = 100
	}
	fmt.Fprintf(o.Out, "%d frames from gen_packets, white Gaussian noise at each SNR (dB over 0-22.05 kHz), same files for both\n\n", o.Frames)
	fmt.Fprintf(o.Out, "%5s %6s | %5s %6s %6s | %7s %8s | %12s %12s %6s\n",
		"baud", "SNR", "ipgs", "atest", "ratio", "ipgs-F1", "atest-F1", "ipgs x-real", "atest x-real", "ratio")
	for _, c := range []struct {
		baud int
		snrs []float64
	}{
		{1200, []float64{0, -1, -2, -3, -4}},
		{9600, []float64{6, 5, 4, 3}},
	} {
		rows, err := Compare(ctx, o.Dir, c.baud, o.Frames, c.snrs)
		if err != nil {
			return err
		}
		for _, r := range rows {
			fmt.Fprintf(o.Out, "%5d %+6.1f | %5d %6d %6s | %7d %8d | %12.0f %12.0f %6.2f\n",
				r.Baud, r.SNR, r.Ours, r.Ref, ratio(r.Ours, r.Ref), r.OursFix, r.RefFix, r.OursSpeed, r.RefSpeed, r.OursSpeed/r.RefSpeed)
		}
	}
	fmt.Fprintln(o.Out)
	theory := 10 * math.Log10(2*math.Log(500))
	lo, hi := 6.0, 16.0
	for hi-lo > 0.05 {
		mid := (lo + hi) / 2
		if modem.AFSKBER(mid, 200_000, 3) > 1e-3 {
			lo = mid
		} else {
			hi = mid
		}
	}
	fmt.Fprintf(o.Out, "AFSK bit error rate 1e-3 at Eb/N0 %.2f dB; non-coherent FSK theory %.2f dB: %+.2f dB from theory (goal: within 1.5)\n",
		hi, theory, hi-theory)
	return nil
}

func ratio(a, b int) string {
	if b == 0 {
		if a == 0 {
			return "-"
		}
		return "inf"
	}
	return fmt.Sprintf("%.2f", float64(a)/float64(b))
}
