package stats

import (
	"math"
	"sort"
)

// npSum adds xs in the order NumPy's np.sum uses for a contiguous float64
// array (pairwise summation with eight accumulators in blocks of at most
// 128 elements). Plain left-to-right addition differs from NumPy in the
// last bits, and those bits are visible in SciPy's reference values where a
// statistic subtracts nearly equal numbers (a zero mean difference, an
// all-equal sample). No Go library reproduces NumPy's order, hence this.
func npSum(xs []float64) float64 {
	n := len(xs)
	switch {
	case n < 8:
		var res float64
		for _, v := range xs {
			res += v
		}
		return res
	case n <= 128:
		var r [8]float64
		copy(r[:], xs[:8])
		i := 8
		for ; i < n-n%8; i += 8 {
			for j := range 8 {
				r[j] += xs[i+j]
			}
		}
		res := ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
		for ; i < n; i++ {
			res += xs[i]
		}
		return res
	default:
		n2 := n / 2
		n2 -= n2 % 8
		return npSum(xs[:n2]) + npSum(xs[n2:])
	}
}

// mean is np.mean: the NumPy-ordered sum divided by n (NaN for n = 0).
func mean(xs []float64) float64 {
	return npSum(xs) / float64(len(xs))
}

// sampleVar is SciPy's _var(x, ddof=1): the second central moment
// (mean of squared deviations from np.mean) scaled by n/(n-1). SciPy scales
// the biased moment rather than dividing the sum of squares by n-1, and the
// two differ in the last bit. n = 1 gives NaN (0 * 1/0), as in SciPy.
func sampleVar(xs []float64) float64 {
	n := len(xs)
	m := mean(xs)
	sq := make([]float64, n)
	for i, v := range xs {
		d := v - m
		sq[i] = d * d
	}
	return mean(sq) * (float64(n) / float64(n-1))
}

// varDDof1 is np.var(x, ddof=1) as the effect-size formulas of the
// reference vectors use it: sum of squared deviations divided by n-1.
func varDDof1(xs []float64) float64 {
	n := len(xs)
	m := mean(xs)
	sq := make([]float64, n)
	for i, v := range xs {
		d := v - m
		sq[i] = d * d
	}
	return npSum(sq) / float64(n-1)
}

// hasNaN reports whether any element is NaN.
func hasNaN(xs ...[]float64) bool {
	for _, s := range xs {
		for _, v := range s {
			if math.IsNaN(v) {
				return true
			}
		}
	}
	return false
}

// rankAverage is scipy.stats.rankdata(method="average"): 1-based ranks,
// tied values sharing the mean of the ranks they span. It also returns the
// size of every tie group (including groups of one) so that callers can
// form tie corrections without sorting again. Inputs must not hold NaN.
func rankAverage(xs []float64) (ranks []float64, groups []int) {
	n := len(xs)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return xs[idx[a]] < xs[idx[b]] })
	ranks = make([]float64, n)
	for i := 0; i < n; {
		j := i + 1
		for j < n && xs[idx[j]] == xs[idx[i]] {
			j++
		}
		// Ranks i+1 .. j share their mean (i+1+j)/2, as SciPy computes
		// it: 0.5 * (count[dense] + count[dense-1] + 1).
		r := 0.5 * float64(i+j+1)
		for k := i; k < j; k++ {
			ranks[idx[k]] = r
		}
		groups = append(groups, j-i)
		i = j
	}
	return ranks, groups
}

// binomCoeff is C(n, k) as a float64 (exact while it fits in 53 bits; the
// log-gamma form beyond that, which is as accurate as SciPy's binom there).
func binomCoeff(n, k int) float64 {
	if k < 0 || k > n {
		return 0
	}
	if k > n-k {
		k = n - k
	}
	res := 1.0
	for i := 1; i <= k; i++ {
		res = res * float64(n-k+i) / float64(i)
		if res > 1<<53 {
			lg := func(v int) float64 { r, _ := math.Lgamma(float64(v) + 1); return r }
			return math.Round(math.Exp(lg(n) - lg(k) - lg(n-k)))
		}
	}
	return math.Round(res)
}
