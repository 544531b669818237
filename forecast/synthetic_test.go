package forecast

import (
	"math"
	"math/rand/v2"
)

// syntheticSpend is a made-up daily LLM spend series (not measured data):
// a linear trend times a weekday pattern (quiet weekends) times 1 + 5 %
// Gaussian noise, rounded to cents, from a fixed seed.
func syntheticSpend(n int, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 1))
	pattern := [7]float64{1.15, 1.1, 1.05, 1.05, 1.0, 0.8, 0.85}
	y := make([]float64, n)
	for t := range y {
		v := (80 + 0.5*float64(t)) * pattern[t%7] * (1 + 0.05*rng.NormFloat64())
		y[t] = math.Round(v*100) / 100
	}
	return y
}
