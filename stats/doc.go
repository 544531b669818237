// Package stats owns the statistics that papersum uses to compare
// summarisers: significance tests over per-paper metric scores (paired and
// Welch t-tests, Wilcoxon signed-rank, Mann–Whitney U, two-sample
// Kolmogorov–Smirnov, chi-squared and the G-test, Pearson and Spearman
// correlation, the exact binomial test), distances between distributions
// (Jensen–Shannon, Wasserstein), effect sizes (Cohen's d, Cohen's kappa),
// multiple-comparison control (Holm), interval estimates for pass rates
// (Wilson, Clopper–Pearson) and seeded bootstrap confidence intervals.
//
// Every function is pure: numbers in, numbers out, no I/O, no globals.
// Randomness enters only through an injected *rand.Rand (math/rand/v2).
//
// The reference implementation is SciPy 1.10.1 with NumPy 1.24.2. The
// functions reproduce SciPy's defaults, its method-selection rules (for
// example when Wilcoxon or Mann–Whitney switch from the exact distribution
// to the normal approximation) and its edge-case results (NaN, ±Inf, p = 1,
// or an error where SciPy raises). They are tested case by case against
// the SciPy reference vectors (stats.jsonl in ../shared/data/reference-vectors,
// read through PAPERSUM_REFVEC_DIR), and against testdata/edge.jsonl, which
// testdata/gen_edge.py computed with the same SciPy for inputs the shared
// vectors do not cover, and testdata/divergence.jsonl (G-test,
// Jensen–Shannon, Wasserstein; testdata/gen_divergence.py).
//
// Distribution functions (Student t, normal, chi-squared, beta, binomial)
// come from gonum.org/v1/gonum/stat/distuv and gonum/mathext. What is
// written by hand here is the test logic that no Go library provides with
// SciPy's exact semantics: tie and zero handling, the exact null
// distributions of the rank statistics and of the Smirnov statistic, and
// NumPy's summation order where it changes the last bits of a result.
//
// NaN policy: like SciPy's default nan_policy="propagate", a NaN anywhere
// in a sample gives NaN statistic and p-value rather than an error. Inputs
// that SciPy rejects (empty samples where it raises, mismatched lengths,
// k > n) return an error with code papersum.EINVALID.
package stats
