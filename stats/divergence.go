package stats

import (
	"math"
	"sort"
)

// Sum adds xs in NumPy's order (np.sum of a contiguous float64 array:
// pairwise summation in blocks of 128 with eight accumulators). Packages
// that reproduce NumPy- or pandas-based references bit for bit (drift's
// PSI, Jensen–Shannon and z-scores) add through it; plain left-to-right
// addition differs in the last bits. An empty slice sums to 0.
func Sum(xs []float64) float64 { return npSum(xs) }

// GTest is scipy.stats.power_divergence(fObs, fExp, ddof,
// lambda_="log-likelihood"): the G statistic 2·Σ O·ln(O/E) with
// k - 1 - ddof degrees of freedom. The arguments and their checks are
// ChiSquare's (nil fExp means equal expected counts; totals must agree to
// a relative 1e-8). A zero observed count contributes 0 (SciPy's xlogy);
// a zero expected count with a positive observed one gives +Inf.
func GTest(fObs, fExp []float64, ddof int) (TestResult, error) {
	const op = "GTest"
	k := len(fObs)
	exp := fExp
	if fExp != nil {
		if len(fExp) != k {
			return TestResult{}, invalid(op, "f_obs and f_exp have different lengths (%d and %d)", k, len(fExp))
		}
		so, se := npSum(fObs), npSum(fExp)
		if math.Abs(so-se)/math.Min(so, se) > 1e-8 {
			return TestResult{}, invalid(op, "the sum of the observed frequencies (%g) must agree with the sum of the expected frequencies (%g) to a relative tolerance of 1e-8", so, se)
		}
	} else {
		m := mean(fObs)
		exp = make([]float64, k)
		for i := range exp {
			exp[i] = m
		}
	}
	stat := gTerms(fObs, exp)
	return TestResult{Statistic: stat, PValue: chi2SF(stat, float64(k-1-ddof))}, nil
}

// gTerms is Σ 2·xlogy(O, O/E) in NumPy's order.
func gTerms(obs, exp []float64) float64 {
	terms := make([]float64, len(obs))
	for i := range obs {
		terms[i] = 2.0 * xlogy(obs[i], obs[i]/exp[i])
	}
	return npSum(terms)
}

// xlogy is scipy.special.xlogy: x·ln(y), and 0 when x = 0 unless y is NaN.
func xlogy(x, y float64) float64 {
	if x == 0 && !math.IsNaN(y) {
		return 0
	}
	return x * math.Log(y)
}

// GTestContingency is scipy.stats.chi2_contingency(observed, correction,
// lambda_="log-likelihood"): the G-test of independence. Expected counts,
// degrees of freedom, the errors and Yates' correction (only when DOF = 1)
// are Chi2Contingency's; the statistic is 2·Σ O·ln(O/E) over the
// (corrected) table.
func GTestContingency(observed [][]float64, correction bool) (ContingencyResult, error) {
	res, err := Chi2Contingency(observed, false)
	if err != nil {
		return ContingencyResult{}, err
	}
	if res.DOF == 0 {
		return res, nil
	}
	var obs, exp []float64
	for i, row := range observed {
		obs = append(obs, row...)
		exp = append(exp, res.Expected[i]...)
	}
	if res.DOF == 1 && correction {
		for i := range obs {
			diff := exp[i] - obs[i]
			obs[i] += math.Min(0.5, math.Abs(diff)) * sign(diff)
		}
	}
	res.Statistic = gTerms(obs, exp)
	res.PValue = chi2SF(res.Statistic, float64(res.DOF))
	return res, nil
}

// JensenShannon is scipy.spatial.distance.jensenshannon(p, q, base): the
// square root of the Jensen–Shannon divergence between the distributions
// p/Σp and q/Σq, in nats (base <= 0) or in the given logarithm base
// (base 2 bounds it by 1). Zero entries are allowed (0·ln 0 = 0); the
// vectors must have the same, non-zero length and no negative entries.
// NaN entries give NaN, as in SciPy.
func JensenShannon(p, q []float64, base float64) (float64, error) {
	const op = "JensenShannon"
	if len(p) != len(q) {
		return nan, invalid(op, "p and q have different lengths (%d and %d)", len(p), len(q))
	}
	if len(p) == 0 {
		return nan, invalid(op, "p and q must not be empty")
	}
	for i := range p {
		if p[i] < 0 || q[i] < 0 {
			return nan, invalid(op, "probabilities must be non-negative (p[%d] = %g, q[%d] = %g)", i, p[i], i, q[i])
		}
	}
	sp, sq := npSum(p), npSum(q)
	left := make([]float64, len(p))
	right := make([]float64, len(p))
	for i := range p {
		pi, qi := p[i]/sp, q[i]/sq
		m := (pi + qi) / 2.0
		left[i] = relEntr(pi, m)
		right[i] = relEntr(qi, m)
	}
	js := npSum(left) + npSum(right)
	if base > 0 {
		js /= math.Log(base)
	}
	return math.Sqrt(js / 2.0), nil
}

// relEntr is scipy.special.rel_entr: x·ln(x/y) for x, y > 0, 0 for x = 0
// and y >= 0, +Inf otherwise (NaN propagates).
func relEntr(x, y float64) float64 {
	switch {
	case math.IsNaN(x) || math.IsNaN(y):
		return nan
	case x > 0 && y > 0:
		return x * math.Log(x/y)
	case x == 0 && y >= 0:
		return 0
	}
	return math.Inf(1)
}

// Wasserstein is scipy.stats.wasserstein_distance(u, v): the first
// Wasserstein (earth mover's) distance between the empirical
// distributions of u and v, ∫|F_u - F_v|, summed over the gaps between
// the pooled sorted values in NumPy's order. Either sample empty is an
// error; NaN input gives NaN.
func Wasserstein(u, v []float64) (float64, error) {
	const op = "Wasserstein"
	if len(u) == 0 || len(v) == 0 {
		return nan, invalid(op, "distribution can't be empty")
	}
	if hasNaN(u, v) {
		return nan, nil
	}
	us := append([]float64(nil), u...)
	vs := append([]float64(nil), v...)
	sort.Float64s(us)
	sort.Float64s(vs)
	all := make([]float64, 0, len(us)+len(vs))
	all = append(append(all, us...), vs...)
	sort.Float64s(all)
	terms := make([]float64, len(all)-1)
	nu, nv := float64(len(us)), float64(len(vs))
	iu, iv := 0, 0
	for i := 0; i < len(all)-1; i++ {
		x := all[i]
		// searchsorted(side="right"): the count of values <= x. all is
		// ascending, so both cursors only move forward.
		for iu < len(us) && us[iu] <= x {
			iu++
		}
		for iv < len(vs) && vs[iv] <= x {
			iv++
		}
		terms[i] = math.Abs(float64(iu)/nu-float64(iv)/nv) * (all[i+1] - all[i])
	}
	return npSum(terms), nil
}
