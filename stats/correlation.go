package stats

import (
	"math"

	"gonum.org/v1/gonum/mathext"
)

// CorrelationResult is the outcome of a correlation test.
type CorrelationResult struct {
	Statistic   float64
	PValue      float64
	N           int
	Alternative Alternative
}

// Pearson is scipy.stats.pearsonr(x, y, alternative): the correlation
// coefficient and the exact p-value under bivariate normality (the
// coefficient's null distribution is Beta(n/2-1, n/2-1) on [-1, 1]).
// n = 2 gives r = ±1 and p = 1; a constant input gives NaN (SciPy warns
// ConstantInputWarning). Fewer than two pairs or unequal lengths are
// errors, as in SciPy; NaN input gives NaN (SciPy raises there instead).
func Pearson(x, y []float64, alt Alternative) (CorrelationResult, error) {
	const op = "Pearson"
	n := len(x)
	if n != len(y) {
		return CorrelationResult{}, invalid(op, "x and y must have the same length (%d and %d)", n, len(y))
	}
	if n < 2 {
		return CorrelationResult{}, invalid(op, "x and y must have length at least 2")
	}
	if !alt.valid() {
		return CorrelationResult{}, invalid(op, "unknown alternative %d", int(alt))
	}
	res := CorrelationResult{Statistic: nan, PValue: nan, N: n, Alternative: alt}
	if hasNaN(x, y) || constant(x) || constant(y) {
		return res, nil
	}
	if n == 2 {
		res.Statistic = sign(x[1]-x[0]) * sign(y[1]-y[0])
		res.PValue = 1
		return res, nil
	}
	xm, ym := mean(x), mean(y)
	dx := make([]float64, n)
	dy := make([]float64, n)
	for i := range x {
		dx[i] = x[i] - xm
		dy[i] = y[i] - ym
	}
	nx, ny := norm2(dx), norm2(dy)
	var r float64
	for i := range dx {
		r += (dx[i] / nx) * (dy[i] / ny)
	}
	r = math.Max(math.Min(r, 1), -1)
	res.Statistic = r
	// The null distribution is Beta(ab, ab) on [-1, 1]; sf at r is the
	// regularized incomplete beta of the complement, evaluated directly
	// for accuracy in the upper tail.
	ab := float64(n)/2 - 1
	sf := func(v float64) float64 {
		u := (v + 1) / 2
		return mathext.RegIncBeta(ab, ab, 1-u)
	}
	switch alt {
	case TwoSided:
		res.PValue = 2 * sf(math.Abs(r))
	case Greater:
		res.PValue = sf(r)
	default:
		res.PValue = mathext.RegIncBeta(ab, ab, (r+1)/2)
	}
	return res, nil
}

// ConfidenceInterval is SciPy's PearsonRResult.confidence_interval: the
// Fisher z-transform interval, (-1, 1) when n <= 3, one-sided for Less and
// Greater.
func (r CorrelationResult) ConfidenceInterval(level float64) Interval {
	var zr float64
	switch r.Statistic {
	case 1:
		zr = math.Inf(1)
	case -1:
		zr = math.Inf(-1)
	default:
		zr = math.Atanh(r.Statistic)
	}
	if r.N <= 3 {
		return Interval{-1, 1}
	}
	se := math.Sqrt(1 / float64(r.N-3))
	switch r.Alternative {
	case Less:
		h := normPPF(level)
		return Interval{-1, math.Tanh(zr + h*se)}
	case Greater:
		h := normPPF(level)
		return Interval{math.Tanh(zr - h*se), 1}
	default:
		h := normPPF(0.5 + level/2)
		return Interval{math.Tanh(zr - h*se), math.Tanh(zr + h*se)}
	}
}

// Spearman is scipy.stats.spearmanr(x, y, alternative): Pearson's r of the
// average ranks, with the t approximation (n - 2 df) for the p-value.
// n <= 1, a constant input or NaN input give NaN; n = 2 gives p NaN.
func Spearman(x, y []float64, alt Alternative) (CorrelationResult, error) {
	const op = "Spearman"
	n := len(x)
	if n != len(y) {
		return CorrelationResult{}, invalid(op, "x and y must have the same length (%d and %d)", n, len(y))
	}
	if !alt.valid() {
		return CorrelationResult{}, invalid(op, "unknown alternative %d", int(alt))
	}
	res := CorrelationResult{Statistic: nan, PValue: nan, N: n, Alternative: alt}
	if n <= 1 || constant(x) || constant(y) || hasNaN(x, y) {
		return res, nil
	}
	rx, _ := rankAverage(x)
	ry, _ := rankAverage(y)
	rs := corrcoef(rx, ry)
	dof := float64(n - 2)
	t := rs * math.Sqrt(math.Max(dof/((rs+1)*(1-rs)), 0))
	if math.IsNaN(dof / ((rs + 1) * (1 - rs))) {
		t = nan
	}
	res.Statistic = rs
	res.PValue = tPValue(dof, t, alt)
	return res, nil
}

// corrcoef is np.corrcoef(x, y)[0, 1]: the covariance divided by the
// square roots of the two variances, one after the other, then clipped to
// [-1, 1].
func corrcoef(x, y []float64) float64 {
	n := len(x)
	xm, ym := mean(x), mean(y)
	sxx := make([]float64, n)
	syy := make([]float64, n)
	sxy := make([]float64, n)
	for i := range x {
		dx, dy := x[i]-xm, y[i]-ym
		sxx[i], syy[i], sxy[i] = dx*dx, dy*dy, dx*dy
	}
	f := float64(n - 1)
	cxy := npSum(sxy) / f
	cxx := npSum(sxx) / f
	cyy := npSum(syy) / f
	r := cxy / math.Sqrt(cxx) / math.Sqrt(cyy)
	return math.Max(math.Min(r, 1), -1)
}

// norm2 is the Euclidean norm with scaling against overflow (BLAS dnrm2).
func norm2(xs []float64) float64 {
	var scale, ssq float64 = 0, 1
	for _, v := range xs {
		if v != 0 {
			a := math.Abs(v)
			if scale < a {
				ssq = 1 + ssq*(scale/a)*(scale/a)
				scale = a
			} else {
				ssq += (a / scale) * (a / scale)
			}
		}
	}
	return scale * math.Sqrt(ssq)
}

func constant(xs []float64) bool {
	for _, v := range xs {
		if v != xs[0] {
			return false
		}
	}
	return true
}
