package stats

import (
	"math"
	"math/rand/v2"
	"slices"
)

// BootstrapMethod selects how a bootstrap interval is formed.
type BootstrapMethod int

const (
	// BCa is the bias-corrected and accelerated interval (Efron 1987),
	// SciPy's default; the acceleration comes from the jackknife.
	BCa BootstrapMethod = iota
	// Percentile takes the alpha/2 and 1-alpha/2 quantiles of the
	// bootstrap distribution.
	Percentile
)

// BootstrapOptions configure BootstrapCI and PairedBootstrapCI.
type BootstrapOptions struct {
	// Resamples is the number of bootstrap resamples. Default 9999
	// (SciPy's n_resamples).
	Resamples int
	// Level is the confidence level. Default 0.95.
	Level float64
	// Method is the interval method. Default BCa.
	Method BootstrapMethod
}

func (o BootstrapOptions) withDefaults() BootstrapOptions {
	if o.Resamples == 0 {
		o.Resamples = 9999
	}
	if o.Level == 0 {
		o.Level = 0.95
	}
	return o
}

func (o BootstrapOptions) validate(op string) error {
	if o.Resamples < 1 {
		return invalid(op, "resamples must be positive, got %d", o.Resamples)
	}
	if !(o.Level > 0 && o.Level < 1) {
		return invalid(op, "level must be in (0, 1), got %g", o.Level)
	}
	if o.Method != BCa && o.Method != Percentile {
		return invalid(op, "unknown bootstrap method %d", int(o.Method))
	}
	return nil
}

// BootstrapResult is a bootstrap confidence interval.
type BootstrapResult struct {
	Interval
	// Estimate is the statistic on the original sample.
	Estimate float64
	// StdErr is the sample standard deviation (ddof = 1) of the
	// bootstrap distribution.
	StdErr float64
}

// BootstrapCI is a two-sided bootstrap confidence interval for stat(x),
// in the manner of scipy.stats.bootstrap (one sample, vectorized=False).
// Resampling draws indices from rng, so a given seed gives the same
// interval every time; SciPy's NumPy generator cannot be reproduced, so
// results agree with SciPy's only in distribution, not resample by
// resample. BCa needs n >= 2 (for the jackknife); a degenerate bootstrap
// distribution (all resampled statistics equal) gives NaN bounds with BCa,
// as SciPy does. An empty sample, a nil rng or invalid options are errors.
func BootstrapCI(rng *rand.Rand, x []float64, stat func([]float64) float64, opts BootstrapOptions) (BootstrapResult, error) {
	const op = "BootstrapCI"
	buf := make([]float64, len(x))
	return bootstrap(op, rng, len(x), func(idx []int) float64 {
		buf = buf[:len(idx)]
		for i, j := range idx {
			buf[i] = x[j]
		}
		return stat(buf)
	}, opts)
}

// PairedBootstrapCI is BootstrapCI for a statistic of two paired samples
// (SciPy's paired=True): pairs (x[i], y[i]) are resampled together, which
// is what comparing two summarisers on the same papers needs, for example
// stat = mean(x) - mean(y). Unequal lengths are an error.
func PairedBootstrapCI(rng *rand.Rand, x, y []float64, stat func(x, y []float64) float64, opts BootstrapOptions) (BootstrapResult, error) {
	const op = "PairedBootstrapCI"
	if len(x) != len(y) {
		return BootstrapResult{}, invalid(op, "samples have different lengths (%d and %d)", len(x), len(y))
	}
	bx := make([]float64, len(x))
	by := make([]float64, len(y))
	return bootstrap(op, rng, len(x), func(idx []int) float64 {
		bx, by = bx[:len(idx)], by[:len(idx)]
		for i, j := range idx {
			bx[i], by[i] = x[j], y[j]
		}
		return stat(bx, by)
	}, opts)
}

// bootstrap resamples n indices. statIdx evaluates the statistic on the
// observations at the given indices.
func bootstrap(op string, rng *rand.Rand, n int, statIdx func([]int) float64, opts BootstrapOptions) (BootstrapResult, error) {
	opts = opts.withDefaults()
	if err := opts.validate(op); err != nil {
		return BootstrapResult{}, err
	}
	if rng == nil {
		return BootstrapResult{}, invalid(op, "rng is nil; pass a seeded *rand.Rand")
	}
	if n == 0 {
		return BootstrapResult{}, invalid(op, "empty sample")
	}
	if opts.Method == BCa && n < 2 {
		return BootstrapResult{}, invalid(op, "BCa needs at least 2 observations for the jackknife")
	}
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	est := statIdx(all)

	theta := make([]float64, opts.Resamples)
	idx := make([]int, n)
	for b := range theta {
		for i := range idx {
			idx[i] = rng.IntN(n)
		}
		theta[b] = statIdx(idx)
	}
	sorted := slices.Clone(theta)
	slices.Sort(sorted)
	res := BootstrapResult{Estimate: est, StdErr: math.Sqrt(varDDof1(theta))}

	alpha := (1 - opts.Level) / 2
	lo, hi := alpha, 1-alpha
	if opts.Method == BCa {
		// Bias correction: the share of resampled statistics below the
		// estimate, counting ties as half (SciPy's _percentile_of_score).
		var below, atOrBelow int
		for _, t := range theta {
			if t < est {
				below++
			}
			if t <= est {
				atOrBelow++
			}
		}
		z0 := normPPF(float64(below+atOrBelow) / float64(2*len(theta)))
		// Acceleration from the jackknife (leave one out).
		jack := make([]float64, n)
		loo := make([]int, n-1)
		for i := range n {
			loo = loo[:0]
			for j := range n {
				if j != i {
					loo = append(loo, j)
				}
			}
			jack[i] = statIdx(loo)
		}
		jm := mean(jack)
		var num, den float64
		for _, v := range jack {
			d := jm - v
			num += d * d * d
			den += d * d
		}
		a := num / (6 * math.Pow(den, 1.5))
		adjust := func(p float64) float64 {
			z := normPPF(p)
			return normCDF(z0 + (z0+z)/(1-a*(z0+z)))
		}
		lo, hi = adjust(lo), adjust(hi)
	}
	res.Low = quantileLinear(sorted, lo)
	res.High = quantileLinear(sorted, hi)
	return res, nil
}

// quantileLinear is np.percentile(a, 100*q) with the default "linear"
// interpolation over sorted data; NaN q gives NaN.
func quantileLinear(sorted []float64, q float64) float64 {
	if math.IsNaN(q) || len(sorted) == 0 {
		return nan
	}
	h := q * float64(len(sorted)-1)
	lo := math.Floor(h)
	i := int(lo)
	if i >= len(sorted)-1 {
		return sorted[len(sorted)-1]
	}
	if i < 0 {
		return sorted[0]
	}
	return sorted[i] + (h-lo)*(sorted[i+1]-sorted[i])
}
