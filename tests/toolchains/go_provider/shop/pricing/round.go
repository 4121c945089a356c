package pricing

import "math"

func roundCents(x float64) int64 {
	return int64(math.Round(x))
}

func withTax(cents int64) int64 {
	return cents + roundCents(float64(cents)*taxRate)
}
