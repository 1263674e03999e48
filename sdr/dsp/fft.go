package dsp

import (
	"math"
	"math/bits"
)

// FFT transforms x in place (its length a power of two): radix-2,
// decimation in time.
func FFT(x []complex128) {
	n := len(x)
	if n < 2 || n&(n-1) != 0 {
		return
	}
	shift := 64 - bits.TrailingZeros(uint(n))
	for i := range n {
		j := int(bits.Reverse64(uint64(i)) >> shift)
		if j > i {
			x[i], x[j] = x[j], x[i]
		}
	}
	for size := 2; size <= n; size <<= 1 {
		step := -2 * math.Pi / float64(size)
		for k := range size / 2 {
			w := complex(math.Cos(step*float64(k)), math.Sin(step*float64(k)))
			for i := k; i < n; i += size {
				a, b := x[i], w*x[i+size/2]
				x[i], x[i+size/2] = a+b, a-b
			}
		}
	}
}
