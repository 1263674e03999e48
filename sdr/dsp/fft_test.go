package dsp

import (
	"math"
	"math/cmplx"
	"testing"
)

// TestFFT against the transform's definition.
func TestFFT(t *testing.T) {
	n := 64
	x := make([]complex128, n)
	for i := range x {
		x[i] = complex(math.Sin(float64(i)*0.3), math.Cos(float64(i*i)*0.01))
	}
	want := make([]complex128, n)
	for k := range n {
		for i := range n {
			want[k] += x[i] * cmplx.Exp(complex(0, -2*math.Pi*float64(i*k)/float64(n)))
		}
	}
	FFT(x)
	for k := range n {
		if cmplx.Abs(x[k]-want[k]) > 1e-9 {
			t.Fatalf("bin %d: %v, want %v", k, x[k], want[k])
		}
	}
}
