package stats

import (
	"math"

	"gonum.org/v1/gonum/mathext"
)

// BinomResult is the outcome of the exact binomial test.
type BinomResult struct {
	K, N int
	// Statistic is the observed proportion k/n.
	Statistic   float64
	PValue      float64
	Alternative Alternative
}

// BinomTest is scipy.stats.binomtest(k, n, p, alternative). The two-sided
// p-value sums the probabilities of all outcomes no more likely than k
// (with SciPy's relative slack of 1e-7 when comparing probabilities).
// n < 1, k outside [0, n] or p outside [0, 1] are errors, as in SciPy.
func BinomTest(k, n int, p float64, alt Alternative) (BinomResult, error) {
	const op = "BinomTest"
	if n < 1 {
		return BinomResult{}, invalid(op, "n must be an integer not less than 1")
	}
	if k < 0 || k > n {
		return BinomResult{}, invalid(op, "k must be in [0, n] (k = %d, n = %d)", k, n)
	}
	if !(p >= 0 && p <= 1) {
		return BinomResult{}, invalid(op, "p must be in range [0,1]")
	}
	if !alt.valid() {
		return BinomResult{}, invalid(op, "unknown alternative %d", int(alt))
	}
	res := BinomResult{K: k, N: n, Statistic: float64(k) / float64(n), Alternative: alt}
	switch alt {
	case Less:
		res.PValue = binomCDF(k, n, p)
	case Greater:
		res.PValue = binomSF(k-1, n, p)
	default:
		d := binomPMF(k, n, p)
		rerr := 1 + 1e-7
		pn := p * float64(n)
		var pval float64
		switch {
		case float64(k) == pn:
			pval = 1
		case float64(k) < pn:
			ix := binarySearchBinom(func(x int) float64 { return -binomPMF(x, n, p) },
				-d*rerr, int(math.Ceil(pn)), n)
			y := n - ix
			if d*rerr == binomPMF(ix, n, p) {
				y++
			}
			pval = binomCDF(k, n, p) + binomSF(n-y, n, p)
		default:
			ix := binarySearchBinom(func(x int) float64 { return binomPMF(x, n, p) },
				d*rerr, 0, int(math.Floor(pn)))
			y := ix + 1
			pval = binomCDF(y-1, n, p) + binomSF(k-1, n, p)
		}
		res.PValue = math.Min(1, pval)
	}
	return res, nil
}

func binarySearchBinom(a func(int) float64, d float64, lo, hi int) int {
	for lo < hi {
		mid := lo + (hi-lo)/2
		v := a(mid)
		switch {
		case v < d:
			lo = mid + 1
		case v > d:
			hi = mid - 1
		default:
			return mid
		}
	}
	if a(lo) <= d {
		return lo
	}
	return lo - 1
}

// binomPMF is P(X = k) for X ~ Binomial(n, p).
func binomPMF(k, n int, p float64) float64 {
	if k < 0 || k > n {
		return 0
	}
	switch p {
	case 0:
		if k == 0 {
			return 1
		}
		return 0
	case 1:
		if k == n {
			return 1
		}
		return 0
	}
	lg := func(v int) float64 { r, _ := math.Lgamma(float64(v) + 1); return r }
	return math.Exp(lg(n) - lg(k) - lg(n-k) + float64(k)*math.Log(p) + float64(n-k)*math.Log1p(-p))
}

// binomCDF is P(X <= k).
func binomCDF(k, n int, p float64) float64 {
	switch {
	case k < 0:
		return 0
	case k >= n:
		return 1
	}
	return mathext.RegIncBeta(float64(n-k), float64(k+1), 1-p)
}

// binomSF is P(X > k).
func binomSF(k, n int, p float64) float64 {
	switch {
	case k < 0:
		return 1
	case k >= n:
		return 0
	}
	return mathext.RegIncBeta(float64(k+1), float64(n-k), p)
}

// CIMethod selects a confidence interval for a binomial proportion.
type CIMethod int

const (
	// ClopperPearson is the exact interval (SciPy's method="exact").
	ClopperPearson CIMethod = iota
	// WilsonScore is the Wilson score interval (method="wilson").
	WilsonScore
	// WilsonScoreCC is the Wilson interval with continuity correction
	// (method="wilsoncc").
	WilsonScoreCC
)

// ProportionCI is SciPy's BinomTestResult.proportion_ci(level, method):
// a confidence interval for the success probability, one-sided when the
// test was.
func (r BinomResult) ProportionCI(level float64, method CIMethod) Interval {
	switch method {
	case WilsonScore:
		return wilsonCI(r.K, r.N, level, r.Alternative, false)
	case WilsonScoreCC:
		return wilsonCI(r.K, r.N, level, r.Alternative, true)
	default:
		return clopperPearsonCI(r.K, r.N, level, r.Alternative)
	}
}

// WilsonInterval is the two-sided Wilson score interval for k passes out
// of n at the given level (with continuity correction if cc), the interval
// to report for a pass rate. It is BinomResult.ProportionCI for a
// two-sided test. n < 1 or k outside [0, n] give NaN bounds.
func WilsonInterval(k, n int, level float64, cc bool) Interval {
	if n < 1 || k < 0 || k > n {
		return Interval{nan, nan}
	}
	return wilsonCI(k, n, level, TwoSided, cc)
}

// ClopperPearsonInterval is the exact two-sided interval for k successes
// out of n. n < 1 or k outside [0, n] give NaN bounds.
func ClopperPearsonInterval(k, n int, level float64) Interval {
	if n < 1 || k < 0 || k > n {
		return Interval{nan, nan}
	}
	return clopperPearsonCI(k, n, level, TwoSided)
}

func wilsonCI(k, n int, level float64, alt Alternative, correction bool) Interval {
	fn := float64(n)
	p := float64(k) / fn
	var z float64
	if alt == TwoSided {
		z = normPPF(0.5 + 0.5*level)
	} else {
		z = normPPF(level)
	}
	denom := 2 * (fn + z*z)
	center := (2*fn*p + z*z) / denom
	q := 1 - p
	var lo, hi float64
	if correction {
		if alt == Less || k == 0 {
			lo = 0
		} else {
			dlo := (1 + z*math.Sqrt(z*z-2-1/fn+4*p*(fn*q+1))) / denom
			lo = center - dlo
		}
		if alt == Greater || k == n {
			hi = 1
		} else {
			dhi := (1 + z*math.Sqrt(z*z+2-1/fn+4*p*(fn*q-1))) / denom
			hi = center + dhi
		}
	} else {
		delta := z / denom * math.Sqrt(4*fn*p*q+z*z)
		if alt == Less || k == 0 {
			lo = 0
		} else {
			lo = center - delta
		}
		if alt == Greater || k == n {
			hi = 1
		} else {
			hi = center + delta
		}
	}
	return Interval{lo, hi}
}

// clopperPearsonCI inverts the binomial tails. SciPy finds the roots of
// sf(k-1; n, p) = alpha and cdf(k; n, p) = alpha with brentq (xtol 2e-12);
// the same roots are the beta quantiles Beta(alpha; k, n-k+1) and
// Beta(1-alpha; k+1, n-k), which gonum computes directly. A few bisection
// steps on the tail itself then polish the quantile to full precision.
func clopperPearsonCI(k, n int, level float64, alt Alternative) Interval {
	alpha := 1 - level
	if alt == TwoSided {
		alpha = (1 - level) / 2
	}
	lower := func() float64 {
		if k == 0 {
			return 0
		}
		return solveMonotone(func(p float64) float64 { return binomSF(k-1, n, p) - alpha },
			mathext.InvRegIncBeta(float64(k), float64(n-k+1), alpha))
	}
	upper := func() float64 {
		if k == n {
			return 1
		}
		return solveMonotone(func(p float64) float64 { return binomCDF(k, n, p) - alpha },
			mathext.InvRegIncBeta(float64(k+1), float64(n-k), 1-alpha))
	}
	switch alt {
	case Less:
		return Interval{0, upper()}
	case Greater:
		return Interval{lower(), 1}
	}
	return Interval{lower(), upper()}
}

// solveMonotone refines a root guess x0 in (0, 1) of a monotone f by
// bracketing and bisection to the last representable bit.
func solveMonotone(f func(float64) float64, x0 float64) float64 {
	if math.IsNaN(x0) || x0 <= 0 || x0 >= 1 {
		x0 = 0.5
	}
	f0 := f(x0)
	if f0 == 0 {
		return x0
	}
	// Walk outward from x0 until the sign changes.
	lo, hi := x0, x0
	flo, fhi := f0, f0
	step := 1e-12 * math.Max(x0, 1e-300)
	for i := 0; i < 2000 && (flo > 0) == (fhi > 0); i++ {
		lo = math.Max(0, lo-step)
		hi = math.Min(1, hi+step)
		flo, fhi = f(lo), f(hi)
		step *= 2
		if lo == 0 && hi == 1 {
			break
		}
	}
	if (flo > 0) == (fhi > 0) {
		return x0
	}
	for range 200 {
		mid := lo + (hi-lo)/2
		if mid == lo || mid == hi {
			break
		}
		fm := f(mid)
		if fm == 0 {
			return mid
		}
		if (fm > 0) == (flo > 0) {
			lo, flo = mid, fm
		} else {
			hi = mid
		}
	}
	return lo + (hi-lo)/2
}
