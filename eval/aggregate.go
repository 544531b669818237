package eval

import (
	"math"
	"math/rand/v2"
	"slices"

	"github.com/papersum/papersum/stats"
)

// BootstrapResamples is the number of bootstrap resamples behind every
// confidence interval in this package. 2000 keeps the Monte Carlo error
// of a 95% percentile bound well below the last printed digit while an
// aggregate over hundreds of papers and dozens of metrics stays fast;
// SciPy's 9999 would be five times slower for no visible gain.
const BootstrapResamples = 2000

// ciLevel is the level of every confidence interval in this package.
const ciLevel = 0.95

// bootOpts are the options of every bootstrap in this package. The
// percentile method is used rather than BCa because BCa is undefined for
// the cases evaluations hit routinely: one paper (no jackknife) and
// all-equal scores (integer rubric scores, a deterministic local engine),
// where it yields NaN. Percentile gives [x, x] there, which is the honest
// answer, and is close to BCa for the near-symmetric means reported here.
var bootOpts = stats.BootstrapOptions{Resamples: BootstrapResamples, Level: ciLevel, Method: stats.Percentile}

// Aggregate summarises each metric over the items: n, mean, sample
// standard deviation, min, median, max and a 95% percentile-bootstrap
// confidence interval of the mean, resampled with rng.
//
// Items with Error are skipped, and so are non-finite values (NaN marks a
// metric that was not measured for that paper); a metric with no finite
// value on any item is absent from the map. N counts the items that had
// the metric. With N = 1 the standard deviation is 0 and the interval is
// [x, x] rather than NaN, so that a Result always encodes as JSON.
//
// Metrics are visited in sorted order, so a given seed gives the same
// intervals every time. rng is required: Aggregate panics on nil, since an
// interval silently missing its randomness would be a wrong answer.
func Aggregate(items []Item, rng *rand.Rand) map[string]Summary {
	if rng == nil {
		panic("eval.Aggregate: nil rng")
	}
	values := collect(items)
	names := make([]string, 0, len(values))
	for name := range values {
		names = append(names, name)
	}
	slices.Sort(names)
	out := make(map[string]Summary, len(names))
	for _, name := range names {
		out[name] = summarize(values[name], rng)
	}
	return out
}

// collect gathers each metric's finite values over the items without
// Error, in item order.
func collect(items []Item) map[string][]float64 {
	values := make(map[string][]float64)
	for _, it := range items {
		if it.Error != "" {
			continue
		}
		for name, v := range it.Metrics {
			if finite(v) {
				values[name] = append(values[name], v)
			}
		}
	}
	return values
}

// summarize describes a non-empty sample.
func summarize(x []float64, rng *rand.Rand) Summary {
	sorted := slices.Clone(x)
	slices.Sort(sorted)
	n := len(x)
	s := Summary{N: n, Mean: mean(x), Min: sorted[0], Max: sorted[n-1], Median: median(sorted)}
	if n > 1 {
		var ss float64
		for _, v := range x {
			d := v - s.Mean
			ss += d * d
		}
		s.StdDev = math.Sqrt(ss / float64(n-1))
	}
	s.CI = [2]float64{s.Mean, s.Mean}
	if n > 1 {
		if b, err := stats.BootstrapCI(rng, x, mean, bootOpts); err == nil {
			s.CI = [2]float64{b.Low, b.High}
		}
	}
	return s
}

// mean is the arithmetic mean; NaN for an empty sample.
func mean(x []float64) float64 {
	if len(x) == 0 {
		return math.NaN()
	}
	var sum float64
	for _, v := range x {
		sum += v
	}
	return sum / float64(len(x))
}

// median of sorted data; the mean of the two middle values for even n.
func median(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

// Passes reports whether an item meets the thresholds: it has no Error,
// and its "accuracy" and "overall" metrics are at least th.Accuracy and
// th.Overall. A zero threshold disables its check, so that an evaluation
// without rubric scores (ROUGE only) is not reported as failing every
// paper; a missing or NaN metric fails an enabled check.
func Passes(it Item, th Thresholds) bool {
	if it.Error != "" {
		return false
	}
	for _, c := range []struct {
		metric string
		min    float64
	}{{"accuracy", th.Accuracy}, {"overall", th.Overall}} {
		if c.min == 0 {
			continue
		}
		v, ok := it.Metrics[c.metric]
		if !ok || math.IsNaN(v) || v < c.min {
			return false
		}
	}
	return true
}

// PassRate is the share of items that pass th (see Passes; items with
// Error count as failing) with its 95% Wilson score interval. No items
// gives value 0 and the uninformative interval [0, 1] rather than NaN.
func PassRate(items []Item, th Thresholds) Proportion {
	k := 0
	for _, it := range items {
		if Passes(it, th) {
			k++
		}
	}
	n := len(items)
	if n == 0 {
		return Proportion{CI: [2]float64{0, 1}}
	}
	ci := stats.WilsonInterval(k, n, ciLevel, false)
	return Proportion{K: k, N: n, Value: float64(k) / float64(n), CI: [2]float64{ci.Low, ci.High}}
}
