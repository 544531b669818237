package stats

import "math"

// TTestResult is the outcome of a t-test. StdErr and Estimate are the
// denominator and numerator of the statistic; ConfidenceInterval uses them.
type TTestResult struct {
	Statistic   float64
	PValue      float64
	DF          float64
	Alternative Alternative
	// Estimate is the point estimate: mean(x - y) for the paired test,
	// mean(x) - mean(y) for the independent tests.
	Estimate float64
	// StdErr is the standard error of Estimate.
	StdErr float64
}

// ConfidenceInterval returns the confidence interval of Estimate at the
// given level (for example 0.95), as SciPy's TtestResult.confidence_interval:
// two-sided for TwoSided, and one-sided (one bound infinite) otherwise.
// It is only meaningful for PairedTTest results, the only t-test whose
// SciPy 1.10.1 result has the method; for the others it is computed the
// same way.
func (r TTestResult) ConfidenceInterval(level float64) Interval {
	if math.IsNaN(r.DF) {
		return Interval{nan, nan}
	}
	var lo, hi float64
	switch r.Alternative {
	case Less:
		lo, hi = math.Inf(-1), tPPF(r.DF, level)
	case Greater:
		lo, hi = tPPF(r.DF, 1-level), math.Inf(1)
	default:
		tail := (1 - level) / 2
		lo, hi = tPPF(r.DF, tail), tPPF(r.DF, 1-tail)
	}
	return Interval{Low: lo*r.StdErr + r.Estimate, High: hi*r.StdErr + r.Estimate}
}

// PairedTTest is scipy.stats.ttest_rel(x, y, alternative=alt): the t-test
// on the differences x[i] - y[i], with df = n - 1.
//
// Empty input gives NaN for everything (SciPy returns NaN, not an error);
// n = 1 and identical samples give NaN statistic and p-value; NaN in the
// input propagates. Samples of different lengths are an error.
func PairedTTest(x, y []float64, alt Alternative) (TTestResult, error) {
	if len(x) != len(y) {
		return TTestResult{}, invalid("PairedTTest", "samples have different lengths (%d and %d)", len(x), len(y))
	}
	if !alt.valid() {
		return TTestResult{}, invalid("PairedTTest", "unknown alternative %d", int(alt))
	}
	n := len(x)
	if n == 0 || hasNaN(x, y) {
		return TTestResult{Statistic: nan, PValue: nan, DF: nan, Alternative: alt, Estimate: nan, StdErr: nan}, nil
	}
	d := make([]float64, n)
	for i := range x {
		d[i] = x[i] - y[i]
	}
	df := float64(n - 1)
	v := sampleVar(d)
	dm := mean(d)
	denom := math.Sqrt(v / float64(n))
	t := dm / denom
	return TTestResult{
		Statistic:   t,
		PValue:      tPValue(df, t, alt),
		DF:          df,
		Alternative: alt,
		Estimate:    dm,
		StdErr:      denom,
	}, nil
}

// IndependentTTest is scipy.stats.ttest_ind(x, y, equal_var=equalVar,
// alternative=alt). With equalVar it is Student's pooled-variance test
// (df = n1 + n2 - 2); without, Welch's test with Welch–Satterthwaite df,
// which is set to 1 when it is undefined (both variances zero), as SciPy
// does. Zero variance in both groups with different means gives ±Inf and
// p = 0; an empty sample or NaN input gives NaN statistic and p-value.
func IndependentTTest(x, y []float64, equalVar bool, alt Alternative) (TTestResult, error) {
	if !alt.valid() {
		return TTestResult{}, invalid("IndependentTTest", "unknown alternative %d", int(alt))
	}
	n1, n2 := float64(len(x)), float64(len(y))
	if len(x) == 0 || len(y) == 0 {
		return TTestResult{Statistic: nan, PValue: nan, DF: nan, Alternative: alt, Estimate: nan, StdErr: nan}, nil
	}
	v1, v2 := sampleVar(x), sampleVar(y)
	m1, m2 := mean(x), mean(y)
	var df, denom float64
	if equalVar {
		df = n1 + n2 - 2
		svar := ((n1-1)*v1 + (n2-1)*v2) / df
		denom = math.Sqrt(svar * (1/n1 + 1/n2))
	} else {
		vn1, vn2 := v1/n1, v2/n2
		df = (vn1 + vn2) * (vn1 + vn2) / (vn1*vn1/(n1-1) + vn2*vn2/(n2-1))
		if math.IsNaN(df) {
			df = 1
		}
		denom = math.Sqrt(vn1 + vn2)
	}
	d := m1 - m2
	t := d / denom
	return TTestResult{
		Statistic:   t,
		PValue:      tPValue(df, t, alt),
		DF:          df,
		Alternative: alt,
		Estimate:    d,
		StdErr:      denom,
	}, nil
}

// WelchTTest is IndependentTTest with unequal variances (Welch's t-test),
// the right default when two summarisers' score spreads differ.
func WelchTTest(x, y []float64, alt Alternative) (TTestResult, error) {
	return IndependentTTest(x, y, false, alt)
}
