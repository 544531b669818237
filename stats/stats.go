package stats

import (
	"fmt"
	"math"

	"github.com/papersum/papersum"
	"gonum.org/v1/gonum/stat/distuv"
)

// Alternative is the alternative hypothesis of a test. The zero value is
// TwoSided, SciPy's default.
type Alternative int

const (
	// TwoSided tests for a difference in either direction.
	TwoSided Alternative = iota
	// Less tests whether the first sample (or the statistic) is smaller.
	Less
	// Greater tests whether the first sample (or the statistic) is larger.
	Greater
)

// String returns SciPy's spelling: "two-sided", "less" or "greater".
func (a Alternative) String() string {
	switch a {
	case TwoSided:
		return "two-sided"
	case Less:
		return "less"
	case Greater:
		return "greater"
	}
	return fmt.Sprintf("Alternative(%d)", int(a))
}

// ParseAlternative maps SciPy's spelling to an Alternative.
func ParseAlternative(s string) (Alternative, error) {
	switch s {
	case "", "two-sided":
		return TwoSided, nil
	case "less":
		return Less, nil
	case "greater":
		return Greater, nil
	}
	return 0, invalid("parse alternative", "unknown alternative %q", s)
}

func (a Alternative) valid() bool { return a == TwoSided || a == Less || a == Greater }

// Method chooses between an exact null distribution and a large-sample
// approximation. The zero value is MethodAuto, SciPy's default, which
// applies SciPy's own selection rule for each test.
type Method int

const (
	// MethodAuto lets the test pick, by SciPy's rule for that test.
	MethodAuto Method = iota
	// MethodExact uses the exact null distribution.
	MethodExact
	// MethodApprox uses the asymptotic (normal or Kolmogorov) approximation.
	MethodApprox
)

// String returns "auto", "exact" or "approx".
func (m Method) String() string {
	switch m {
	case MethodAuto:
		return "auto"
	case MethodExact:
		return "exact"
	case MethodApprox:
		return "approx"
	}
	return fmt.Sprintf("Method(%d)", int(m))
}

// Interval is a confidence interval. One-sided intervals have an infinite
// (or, for proportions, a 0 or 1) bound.
type Interval struct {
	Low, High float64
}

// TestResult is the outcome of a hypothesis test that has no extra outputs.
type TestResult struct {
	Statistic float64
	PValue    float64
}

func invalid(op, format string, args ...any) error {
	e := papersum.Errorf(papersum.EINVALID, format, args...)
	e.Op = "stats." + op
	return e
}

var nan = math.NaN()

// stdNormal is the standard normal distribution. Its Survival method is
// not used: gonum computes it as 1 - erf, which loses the upper tail, so
// upper tails go through normSF (erfc) instead.
var stdNormal = distuv.Normal{Mu: 0, Sigma: 1}

// normSF is the upper tail of N(0, 1), accurate far into the tail
// (SciPy's norm.sf = ndtr(-x)).
func normSF(z float64) float64 { return stdNormal.CDF(-z) }

// normCDF is the lower tail of N(0, 1).
func normCDF(z float64) float64 { return stdNormal.CDF(z) }

// normPPF is the standard normal quantile (SciPy's ndtri).
func normPPF(p float64) float64 { return stdNormal.Quantile(p) }

// tCDF is Student's t CDF with df degrees of freedom (SciPy's stdtr).
// Non-finite or non-positive df give NaN, like stdtr.
func tCDF(df, t float64) float64 {
	if math.IsNaN(df) || math.IsNaN(t) || df <= 0 {
		return nan
	}
	if math.IsInf(t, 1) {
		return 1
	}
	if math.IsInf(t, -1) {
		return 0
	}
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.CDF(t)
}

// tPPF is the Student's t quantile (SciPy's stdtrit).
func tPPF(df, p float64) float64 {
	if math.IsNaN(df) || math.IsNaN(p) || df <= 0 {
		return nan
	}
	d := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}
	x := d.Quantile(p)
	// gonum's inverse incomplete beta is good to about 1e-11; SciPy's
	// stdtrit is good to the last bits, and a confidence bound near zero
	// (estimate + quantile·SE) magnifies the difference. Newton steps on
	// the CDF, which is accurate, close the gap.
	for range 3 {
		if math.IsInf(x, 0) || math.IsNaN(x) {
			break
		}
		var f float64
		if p < 0.5 {
			f = d.CDF(x) - p
		} else {
			f = (1 - p) - d.Survival(x)
		}
		pdf := d.Prob(x)
		if f == 0 || pdf == 0 {
			break
		}
		x -= f / pdf
	}
	return x
}

// tPValue is SciPy's _ttest_finish: the p-value of t with df degrees of
// freedom for the given alternative.
func tPValue(df, t float64, alt Alternative) float64 {
	switch alt {
	case Less:
		return tCDF(df, t)
	case Greater:
		return tCDF(df, -t)
	default:
		return 2 * tCDF(df, -math.Abs(t))
	}
}

// chi2SF is the chi-squared upper tail with k degrees of freedom
// (SciPy's chi2.sf; NaN for k <= 0 like SciPy).
func chi2SF(x, k float64) float64 {
	if math.IsNaN(x) || math.IsNaN(k) || k <= 0 {
		return nan
	}
	if x <= 0 {
		return 1
	}
	if math.IsInf(x, 1) {
		return 0
	}
	return distuv.ChiSquared{K: k}.Survival(x)
}

func clip01(p float64) float64 {
	if p < 0 {
		return 0
	}
	if p > 1 {
		return 1
	}
	return p
}
