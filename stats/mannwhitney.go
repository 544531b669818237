package stats

import "math"

// MannWhitneyOptions are the keyword arguments of scipy.stats.mannwhitneyu.
// The zero value is SciPy's defaults.
type MannWhitneyOptions struct {
	// NoContinuity turns off the 0.5 continuity correction of the normal
	// approximation. Default false (SciPy's use_continuity=True).
	NoContinuity bool
	// Alternative is the alternative hypothesis. Default TwoSided.
	Alternative Alternative
	// Method picks exact or asymptotic. Default MethodAuto: exact when
	// min(n1, n2) <= 8 and the pooled sample has no ties, otherwise the
	// tie-corrected normal approximation (SciPy's rule).
	Method Method
}

// MannWhitneyResult is the outcome of the Mann–Whitney U test.
type MannWhitneyResult struct {
	// Statistic is U of x: R1 - n1(n1+1)/2, whatever the alternative.
	Statistic float64
	PValue    float64
	// Method is the method actually used: MethodExact or MethodApprox.
	Method Method
}

// MannWhitneyU is scipy.stats.mannwhitneyu(x, y, ...) from SciPy 1.10.1.
// The two-sided p-value is 2·sf(max(U1, U2)) clipped to 1; the exact
// p-value counts lattice paths (Andrews & Mallows' recursion, as SciPy);
// the asymptotic one uses the tie-corrected variance. With MethodExact and
// ties, SciPy's behaviour (the no-ties distribution at the truncated U) is
// kept. An empty sample is an error, as in SciPy; NaN gives NaN results.
func MannWhitneyU(x, y []float64, opts MannWhitneyOptions) (MannWhitneyResult, error) {
	const op = "MannWhitneyU"
	if !opts.Alternative.valid() {
		return MannWhitneyResult{}, invalid(op, "unknown alternative %d", int(opts.Alternative))
	}
	if opts.Method < MethodAuto || opts.Method > MethodApprox {
		return MannWhitneyResult{}, invalid(op, "unknown method %d", int(opts.Method))
	}
	if len(x) == 0 || len(y) == 0 {
		return MannWhitneyResult{}, invalid(op, "x and y must be of nonzero size")
	}
	if hasNaN(x, y) {
		return MannWhitneyResult{Statistic: nan, PValue: nan, Method: opts.Method}, nil
	}
	n1, n2 := len(x), len(y)
	xy := make([]float64, 0, n1+n2)
	xy = append(append(xy, x...), y...)
	ranks, groups := rankAverage(xy)

	method := opts.Method
	if method == MethodAuto {
		method = MethodExact
		if n1 > 8 && n2 > 8 {
			method = MethodApprox
		}
		for _, g := range groups {
			if g > 1 {
				method = MethodApprox
				break
			}
		}
	}

	r1 := npSum(ranks[:n1])
	f1, f2 := float64(n1), float64(n2)
	u1 := r1 - f1*(f1+1)/2
	u2 := f1*f2 - u1
	var u, f float64
	switch opts.Alternative {
	case Greater:
		u, f = u1, 1
	case Less:
		u, f = u2, 1
	default:
		u, f = math.Max(u1, u2), 2
	}
	var p float64
	if method == MethodExact {
		p = mwuSF(int(u), n1, n2)
	} else {
		mu := f1 * f2 / 2
		n := f1 + f2
		var tie float64
		for _, g := range groups {
			t := float64(g)
			tie += t*t*t - t
		}
		s := math.Sqrt(f1 * f2 / 12 * ((n + 1) - tie/(n*(n-1))))
		num := u - mu
		if !opts.NoContinuity {
			num -= 0.5
		}
		p = normSF(num / s)
	}
	p *= f
	return MannWhitneyResult{Statistic: u1, PValue: clip01(p), Method: method}, nil
}

// mwuSF is P(U >= u) under the null for sample sizes m and n without
// ties: SciPy's _MWU.sf, i.e. the CDF at m·n - u by symmetry, with the
// counts f(m, n, k) of Andrews & Mallows' recursion
// f(m, n, k) = f(m-1, n, k-n) + f(m, n-1, k) and a sequential cumulative
// sum of count / C(m+n, m) as SciPy does.
func mwuSF(u, m, n int) float64 {
	k := m*n - u
	if k < 0 {
		return 0
	}
	counts := mwuCounts(m, n, k)
	total := binomCoeff(m+n, m)
	var cdf float64
	for i := 0; i <= k; i++ {
		cdf += counts[i] / total
	}
	return cdf
}

// mwuCounts returns f(m, n, k') for k' = 0..kmax: the number of
// arrangements of m x's and n y's in which U of x equals k'.
func mwuCounts(m, n, kmax int) []float64 {
	// prev[j][k] holds f(i-1, j, k); cur[j][k] holds f(i, j, k).
	mk := kmax + 1
	prev := make([][]float64, n+1)
	for j := range prev {
		prev[j] = make([]float64, mk)
		prev[j][0] = 1 // f(0, j, 0) = 1, f(0, j, k>0) = 0
	}
	cur := make([][]float64, n+1)
	for j := range cur {
		cur[j] = make([]float64, mk)
	}
	for i := 1; i <= m; i++ {
		for j := 0; j <= n; j++ {
			clear(cur[j])
			for k := 0; k < mk; k++ {
				if k > i*j {
					break
				}
				if k == 0 {
					cur[j][k] = 1
					continue
				}
				var a, b float64
				if k-j >= 0 {
					a = prev[j][k-j]
				}
				if j > 0 {
					b = cur[j-1][k]
				}
				cur[j][k] = a + b
			}
		}
		prev, cur = cur, prev
	}
	return prev[n]
}
