package modem

import "math"

func sqrt(x float64) float64  { return math.Sqrt(x) }
func pow10(x float64) float64 { return math.Pow(10, x) }
