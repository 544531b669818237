package stats

import "math"

// Kendall is scipy.stats.kendalltau(x, y, variant="b", method="asymptotic",
// alternative): Kendall's tau-b, which corrects for ties in either
// variable, with the normal approximation of its null distribution (tie
// corrected) for the p-value. SciPy's default method "auto" uses the exact
// distribution for small samples without ties; with ties, as human ratings
// on a few levels always have, "auto" is this. n < 2, a constant input or
// NaN input give NaN; unequal lengths are an error.
//
// It counts pairs directly, O(n²): gonum's stat.Kendall is tau-a (no tie
// correction) and Knight's O(n log n) algorithm is not worth its length
// for the few thousand items a judge is checked on.
func Kendall(x, y []float64, alt Alternative) (CorrelationResult, error) {
	const op = "Kendall"
	n := len(x)
	if n != len(y) {
		return CorrelationResult{}, invalid(op, "x and y must have the same length (%d and %d)", n, len(y))
	}
	if !alt.valid() {
		return CorrelationResult{}, invalid(op, "unknown alternative %d", int(alt))
	}
	res := CorrelationResult{Statistic: nan, PValue: nan, N: n, Alternative: alt}
	if n < 2 || hasNaN(x, y) || constant(x) || constant(y) {
		return res, nil
	}
	s, xtie, ytie := kendallCounts(x, y)
	tot := float64(n) * float64(n-1) / 2
	res.Statistic = math.Max(-1, math.Min(1, s/math.Sqrt(tot-xtie)/math.Sqrt(tot-ytie)))
	// Null variance of S with ties (Kendall 1970, as SciPy computes it).
	_, gx := rankAverage(x)
	_, gy := rankAverage(y)
	x0, x1 := tieSums(gx)
	y0, y1 := tieSums(gy)
	fn := float64(n)
	m := fn * (fn - 1)
	v := (m*(2*fn+5)-x1-y1)/18 + 2*xtie*ytie/m
	if n > 2 {
		v += x0 * y0 / (9 * m * (fn - 2))
	}
	z := s / math.Sqrt(v)
	switch alt {
	case TwoSided:
		res.PValue = clip01(2 * normSF(math.Abs(z)))
	case Greater:
		res.PValue = normSF(z)
	default:
		res.PValue = normCDF(z)
	}
	return res, nil
}

// KendallTau is Kendall's tau-b alone (see Kendall), for bootstrap
// statistics: NaN where Kendall's statistic is NaN.
func KendallTau(x, y []float64) float64 {
	r, err := Kendall(x, y, TwoSided)
	if err != nil {
		return nan
	}
	return r.Statistic
}

// kendallCounts returns S = concordant - discordant pairs and the number
// of pairs tied in x and in y.
func kendallCounts(x, y []float64) (s, xtie, ytie float64) {
	for i := range x {
		for j := i + 1; j < len(x); j++ {
			dx, dy := sign(x[j]-x[i]), sign(y[j]-y[i])
			s += dx * dy
			if dx == 0 {
				xtie++
			}
			if dy == 0 {
				ytie++
			}
		}
	}
	return s, xtie, ytie
}

// tieSums returns Σ t(t-1)(t-2) and Σ t(t-1)(2t+5) over tie groups.
func tieSums(groups []int) (v0, v1 float64) {
	for _, g := range groups {
		t := float64(g)
		v0 += t * (t - 1) * (t - 2)
		v1 += t * (t - 1) * (2*t + 5)
	}
	return v0, v1
}
