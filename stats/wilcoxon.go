package stats

import (
	"fmt"
	"math"
)

// ZeroMethod says how the Wilcoxon signed-rank test treats zero
// differences. The zero value is ZeroWilcox, SciPy's default.
type ZeroMethod int

const (
	// ZeroWilcox drops zero differences before ranking.
	ZeroWilcox ZeroMethod = iota
	// ZeroPratt ranks zero differences with the others, then drops them
	// from the rank sums (Pratt 1959; Cureton's adjusted mean and variance).
	ZeroPratt
	// ZeroZsplit ranks zero differences and splits their rank sum evenly
	// between R+ and R-.
	ZeroZsplit
)

// String returns SciPy's spelling.
func (z ZeroMethod) String() string {
	switch z {
	case ZeroWilcox:
		return "wilcox"
	case ZeroPratt:
		return "pratt"
	case ZeroZsplit:
		return "zsplit"
	}
	return fmt.Sprintf("ZeroMethod(%d)", int(z))
}

// WilcoxonOptions are the keyword arguments of scipy.stats.wilcoxon. The
// zero value is SciPy's defaults.
type WilcoxonOptions struct {
	// ZeroMethod treats zero differences. Default ZeroWilcox.
	ZeroMethod ZeroMethod
	// Correction applies the 0.5 continuity correction in the normal
	// approximation. Default false.
	Correction bool
	// Alternative is the alternative hypothesis. Default TwoSided.
	Alternative Alternative
	// Method picks exact or normal approximation. Default MethodAuto:
	// exact when n <= 50 and there are no zero differences, otherwise
	// the normal approximation (SciPy's rule).
	Method Method
}

// WilcoxonResult is the outcome of the signed-rank test.
type WilcoxonResult struct {
	// Statistic is min(R+, R-) for TwoSided and R+ otherwise.
	Statistic float64
	PValue    float64
	// ZStatistic is the standardized statistic of the normal
	// approximation; NaN when the exact distribution was used. (SciPy
	// only reports it when method="approx" was requested explicitly.)
	ZStatistic float64
	// Method is the method actually used: MethodExact or MethodApprox.
	Method Method
	// SmallSample is true when the normal approximation was used with
	// fewer than 10 differences; SciPy warns "Sample size too small for
	// normal approximation" then.
	SmallSample bool
}

// Wilcoxon is scipy.stats.wilcoxon(x, y, ...) from SciPy 1.10.1: the
// signed-rank test on d = x - y. A nil y tests x itself as the differences.
//
// SciPy's quirks are kept on purpose: with MethodAuto any zero difference
// switches to the normal approximation; with MethodExact and tied |d| the
// no-ties exact distribution is used with R+ truncated to an integer; the
// approximation uses the tie-corrected variance. All differences zero is
// an error for ZeroWilcox and ZeroPratt (SciPy raises ValueError) and gives
// p = 1 for ZeroZsplit. Empty input or NaN input gives NaN results.
func Wilcoxon(x, y []float64, opts WilcoxonOptions) (WilcoxonResult, error) {
	const op = "Wilcoxon"
	if !opts.Alternative.valid() {
		return WilcoxonResult{}, invalid(op, "unknown alternative %d", int(opts.Alternative))
	}
	if opts.ZeroMethod < ZeroWilcox || opts.ZeroMethod > ZeroZsplit {
		return WilcoxonResult{}, invalid(op, "unknown zero method %d", int(opts.ZeroMethod))
	}
	if opts.Method < MethodAuto || opts.Method > MethodApprox {
		return WilcoxonResult{}, invalid(op, "unknown method %d", int(opts.Method))
	}
	d := x
	if y != nil {
		if len(x) != len(y) {
			return WilcoxonResult{}, invalid(op, "samples have different lengths (%d and %d)", len(x), len(y))
		}
		d = make([]float64, len(x))
		for i := range x {
			d[i] = x[i] - y[i]
		}
	}
	nanRes := WilcoxonResult{Statistic: nan, PValue: nan, ZStatistic: nan, Method: opts.Method}
	if len(d) == 0 || hasNaN(d) {
		return nanRes, nil
	}

	mode := opts.Method
	if mode == MethodAuto {
		if len(d) <= 50 {
			mode = MethodExact
		} else {
			mode = MethodApprox
		}
	}
	nZero := 0
	for _, v := range d {
		if v == 0 {
			nZero++
		}
	}
	if nZero > 0 && mode == MethodExact {
		mode = MethodApprox
	}
	if mode == MethodApprox {
		if opts.ZeroMethod != ZeroZsplit && nZero == len(d) {
			return WilcoxonResult{}, invalid(op, "zero_method %q does not work if x - y is zero for all elements", opts.ZeroMethod)
		}
		if opts.ZeroMethod == ZeroWilcox {
			nz := make([]float64, 0, len(d)-nZero)
			for _, v := range d {
				if v != 0 {
					nz = append(nz, v)
				}
			}
			d = nz
		}
	}
	count := len(d)
	absd := make([]float64, count)
	for i, v := range d {
		absd[i] = math.Abs(v)
	}
	r, _ := rankAverage(absd)
	var rPlus, rMinus, rZero float64
	for i, v := range d {
		switch {
		case v > 0:
			rPlus += r[i]
		case v < 0:
			rMinus += r[i]
		default:
			rZero += r[i]
		}
	}
	if opts.ZeroMethod == ZeroZsplit {
		rPlus += rZero / 2
		rMinus += rZero / 2
	}
	T := rPlus
	if opts.Alternative == TwoSided {
		T = math.Min(rPlus, rMinus)
	}
	res := WilcoxonResult{Statistic: T, ZStatistic: nan, Method: mode}

	if mode == MethodApprox {
		res.SmallSample = count < 10
		c := float64(count)
		mn := c * (c + 1) * 0.25
		se := c * (c + 1) * (2*c + 1)
		ranked := r
		if opts.ZeroMethod == ZeroPratt {
			ranked = ranked[:0:0]
			for i, v := range d {
				if v != 0 {
					ranked = append(ranked, r[i])
				}
			}
			z := float64(nZero)
			mn -= z * (z + 1) * 0.25
			se -= z * (z + 1) * (2*z + 1)
		}
		// Tie correction over groups of equal ranks (SciPy's find_repeats).
		var tie float64
		for _, g := range tieGroups(ranked) {
			if g > 1 {
				t := float64(g)
				tie += t * (t*t - 1)
			}
		}
		se -= 0.5 * tie
		se = math.Sqrt(se / 24)
		var cc float64
		if opts.Correction {
			switch opts.Alternative {
			case TwoSided:
				cc = 0.5 * sign(T-mn)
			case Less:
				cc = -0.5
			default:
				cc = 0.5
			}
		}
		z := (T - mn - cc) / se
		switch opts.Alternative {
		case TwoSided:
			res.PValue = 2 * normSF(math.Abs(z))
		case Greater:
			res.PValue = normSF(z)
		default:
			res.PValue = normCDF(z)
		}
		res.ZStatistic = z
		return res, nil
	}

	pmf := wilcoxonPMF(count)
	rp := int(rPlus) // SciPy truncates R+ (it can be x.5 with ties)
	sumRange := func(lo, hi int) float64 { return npSum(pmf[lo:hi]) }
	var p float64
	switch opts.Alternative {
	case TwoSided:
		if rp == (len(pmf)-1)/2 {
			p = 1
		} else {
			pLess := sumRange(0, rp+1)
			pGreater := sumRange(rp, len(pmf))
			p = 2 * math.Min(pGreater, pLess)
		}
	case Greater:
		p = sumRange(rp, len(pmf))
	default:
		p = sumRange(0, rp+1)
	}
	res.PValue = clip01(p)
	return res, nil
}

// wilcoxonPMF is the exact null distribution of R+ for n untied, non-zero
// differences: P(R+ = r) for r = 0 .. n(n+1)/2. It is built by the same
// convolution SciPy uses (each rank k is in R+ with probability 1/2), so
// the probabilities are exact dyadic fractions.
func wilcoxonPMF(n int) []float64 {
	c := []float64{1}
	for k := 1; k <= n; k++ {
		next := make([]float64, k*(k+1)/2+1)
		m := len(c)
		for i := range m {
			next[i] = c[i] * 0.5
		}
		off := len(next) - m
		for i := range m {
			next[off+i] += c[i] * 0.5
		}
		c = next
	}
	return c
}

// tieGroups returns the sizes of groups of equal values in xs.
func tieGroups(xs []float64) []int {
	if len(xs) == 0 {
		return nil
	}
	_, g := rankAverage(xs)
	return g
}

func sign(v float64) float64 {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	case v == 0:
		return 0
	}
	return nan
}
