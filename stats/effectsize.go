package stats

import "math"

// PairedEffect is Cohen's d for paired samples with its ingredients.
type PairedEffect struct {
	// D is MeanDiff / SDDiff.
	D        float64
	MeanDiff float64
	// SDDiff is the sample standard deviation (ddof = 1) of x - y.
	SDDiff float64
	N      int
}

// CohensDPaired is d = mean(x - y) / sd(x - y, ddof=1), the effect size
// that goes with the paired t-test (d = t / sqrt(n)). The formula is the
// one the reference vectors state; no library is used because it is one
// line over mean and variance, computed in NumPy's order. A zero SD gives
// ±Inf, or NaN when the mean difference is also 0; n < 2 gives NaN.
// Unequal lengths are an error.
func CohensDPaired(x, y []float64) (PairedEffect, error) {
	if len(x) != len(y) {
		return PairedEffect{}, invalid("CohensDPaired", "samples have different lengths (%d and %d)", len(x), len(y))
	}
	n := len(x)
	if n == 0 {
		return PairedEffect{D: nan, MeanDiff: nan, SDDiff: nan}, nil
	}
	d := make([]float64, n)
	for i := range x {
		d[i] = x[i] - y[i]
	}
	m := mean(d)
	sd := math.Sqrt(varDDof1(d))
	return PairedEffect{D: m / sd, MeanDiff: m, SDDiff: sd, N: n}, nil
}

// IndependentEffect is Cohen's d for two independent samples.
type IndependentEffect struct {
	// D is (MeanX - MeanY) / SDPooled.
	D            float64
	MeanX, MeanY float64
	// SDPooled is sqrt(((nx-1)·var(x) + (ny-1)·var(y)) / (nx + ny - 2)),
	// with ddof = 1 variances.
	SDPooled float64
	NX, NY   int
}

// CohensDIndependent is Cohen's d with the pooled standard deviation, as
// the reference vectors define it. Zero pooled SD gives ±Inf or NaN; a
// sample of size 1 contributes NaN (its ddof = 1 variance is 0/0), as
// NumPy does; an empty sample gives NaN.
func CohensDIndependent(x, y []float64) (IndependentEffect, error) {
	nx, ny := len(x), len(y)
	if nx == 0 || ny == 0 {
		return IndependentEffect{D: nan, MeanX: nan, MeanY: nan, SDPooled: nan, NX: nx, NY: ny}, nil
	}
	mx, my := mean(x), mean(y)
	vx, vy := varDDof1(x), varDDof1(y)
	sp := math.Sqrt((float64(nx-1)*vx + float64(ny-1)*vy) / float64(nx+ny-2))
	return IndependentEffect{D: (mx - my) / sp, MeanX: mx, MeanY: my, SDPooled: sp, NX: nx, NY: ny}, nil
}
