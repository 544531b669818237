package drift

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"

	"github.com/papersum/papersum/stats"
)

// Test names a batch (two-sample) drift test.
type Test string

// The batch tests.
const (
	// TestKS is SciPy's two-sample Kolmogorov–Smirnov test (two-sided,
	// exact up to 10,000 per sample); effect: the statistic D.
	TestKS Test = "ks"
	// TestChiSquare is Pearson's goodness-of-fit test of the current
	// counts against the reference shares (Evidently's chi-square);
	// effect: Cohen's w = sqrt(χ²/n).
	TestChiSquare Test = "chisquare"
	// TestGTest is the log-likelihood-ratio (G) form of TestChiSquare;
	// effect: sqrt(G/n).
	TestGTest Test = "g_test"
	// TestContingency is the chi-squared test of independence of the
	// reference and current counts (a 2×k table); effect: Cramér's V.
	TestContingency Test = "chi2_contingency"
	// TestGContingency is its G form; effect: V computed from G.
	TestGContingency Test = "g_contingency"
	// TestPSI is Evidently's population stability index; no p-value;
	// effect: the PSI.
	TestPSI Test = "psi"
	// TestJensenShannon is Evidently's Jensen–Shannon distance of the
	// binned samples (natural logarithm); no p-value; effect: the
	// distance.
	TestJensenShannon Test = "jensenshannon"
	// TestWasserstein is Evidently's normed Wasserstein distance (the
	// distance over the reference standard deviation, at least 0.001);
	// no p-value; effect: the normed distance.
	TestWasserstein Test = "wasserstein"
)

// Result is the outcome of a batch test on a reference and a current
// sample. Its JSON form spells NaN and ±Inf as "NaN", "Infinity",
// "-Infinity".
type Result struct {
	Test Test
	// Statistic is the test's own statistic (D, χ², G, PSI, the distance;
	// the raw Wasserstein distance).
	Statistic float64
	// PValue is NaN for the tests that have none (PSI, Jensen–Shannon,
	// Wasserstein).
	PValue float64
	// Effect is the effect size the decision compares with its minimum
	// (see Test for which one); large samples make tiny effects
	// significant, the effect keeps them from counting as drift.
	Effect float64
	// NRef and NCur are the sample sizes (missing values included).
	NRef, NCur int
	// AdjustedP is PValue after Holm's correction across the signals of
	// one Decide call (NaN before Decide and for tests without p-value).
	AdjustedP float64
	// Drift is Decide's verdict.
	Drift bool
}

type resultJSON struct {
	Test      Test   `json:"test"`
	Statistic jfloat `json:"statistic"`
	PValue    jfloat `json:"p_value"`
	Effect    jfloat `json:"effect"`
	NRef      int    `json:"n_reference"`
	NCur      int    `json:"n_current"`
	AdjustedP jfloat `json:"adjusted_p_value"`
	Drift     bool   `json:"drift"`
}

// MarshalJSON implements json.Marshaler.
func (r Result) MarshalJSON() ([]byte, error) {
	return json.Marshal(resultJSON{r.Test, jfloat(r.Statistic), jfloat(r.PValue), jfloat(r.Effect), r.NRef, r.NCur, jfloat(r.AdjustedP), r.Drift})
}

// UnmarshalJSON implements json.Unmarshaler.
func (r *Result) UnmarshalJSON(b []byte) error {
	var j resultJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*r = Result{j.Test, float64(j.Statistic), float64(j.PValue), float64(j.Effect), j.NRef, j.NCur, float64(j.AdjustedP), j.Drift}
	return nil
}

// HasPValue reports whether the test yields a p-value.
func (t Test) HasPValue() bool {
	switch t {
	case TestKS, TestChiSquare, TestGTest, TestContingency, TestGContingency:
		return true
	}
	return false
}

func newResult(t Test, stat, p, effect float64, nRef, nCur int) Result {
	return Result{Test: t, Statistic: stat, PValue: p, Effect: effect, NRef: nRef, NCur: nCur, AdjustedP: math.NaN()}
}

// checkSample rejects an empty sample and, where missing values make no
// sense, NaN and ±Inf.
func checkSample(op, name string, x []float64, allowNaN bool) error {
	if len(x) == 0 {
		return invalidf("%s: the %s sample is empty", op, name)
	}
	for i, v := range x {
		if math.IsInf(v, 0) || (!allowNaN && math.IsNaN(v)) {
			return invalidf("%s: the %s sample holds %v at %d", op, name, v, i)
		}
	}
	return nil
}

// KS is the two-sample Kolmogorov–Smirnov test of cur against ref
// (scipy.stats.ks_2samp, two-sided, method "auto"). Effect: D. NaN or
// ±Inf in a sample, or an empty sample, is an EINVALID error.
func KS(ref, cur []float64) (Result, error) {
	if err := checkSample("KS", "reference", ref, false); err != nil {
		return Result{}, err
	}
	if err := checkSample("KS", "current", cur, false); err != nil {
		return Result{}, err
	}
	r, err := stats.KS2Samp(ref, cur, stats.TwoSided, stats.MethodAuto)
	if err != nil {
		return Result{}, err
	}
	return newResult(TestKS, r.Statistic, r.PValue, r.Statistic, len(ref), len(cur)), nil
}

// ChiSquareGOF is scipy.stats.chisquare(observed, expected): Pearson's
// goodness-of-fit test of current counts against expected counts (which
// must have the same total). Effect: Cohen's w = sqrt(χ²/n), n the
// observed total. NRef and NCur are both n.
func ChiSquareGOF(observed, expected []float64) (Result, error) {
	r, err := stats.ChiSquare(observed, expected, 0)
	if err != nil {
		return Result{}, err
	}
	n := stats.Sum(observed)
	return newResult(TestChiSquare, r.Statistic, r.PValue, math.Sqrt(r.Statistic/n), int(n), int(n)), nil
}

// GTestGOF is scipy.stats.power_divergence(observed, expected,
// lambda_="log-likelihood"), the G form of ChiSquareGOF. Effect:
// sqrt(G/n).
func GTestGOF(observed, expected []float64) (Result, error) {
	r, err := stats.GTest(observed, expected, 0)
	if err != nil {
		return Result{}, err
	}
	n := stats.Sum(observed)
	return newResult(TestGTest, r.Statistic, r.PValue, math.Sqrt(r.Statistic/n), int(n), int(n)), nil
}

// ChiSquareContingency is scipy.stats.chi2_contingency(table, correction)
// for a table whose rows are the reference and the current counts.
// Effect: Cramér's V = sqrt(χ²/(n·(min(rows, cols) - 1))). A category
// absent from both rows is an EINVALID error (SciPy raises).
func ChiSquareContingency(table [][]float64, correction bool) (Result, error) {
	r, err := stats.Chi2Contingency(table, correction)
	if err != nil {
		return Result{}, err
	}
	return contingencyResult(TestContingency, table, r), nil
}

// GTestContingency is chi2_contingency(table, correction,
// lambda_="log-likelihood"). Effect: V computed from G.
func GTestContingency(table [][]float64, correction bool) (Result, error) {
	r, err := stats.GTestContingency(table, correction)
	if err != nil {
		return Result{}, err
	}
	return contingencyResult(TestGContingency, table, r), nil
}

func contingencyResult(t Test, table [][]float64, r stats.ContingencyResult) Result {
	var n float64
	var rows []float64
	for _, row := range table {
		s := stats.Sum(row)
		rows = append(rows, s)
		n += s
	}
	k := float64(min(len(table), len(table[0])) - 1)
	effect := math.Sqrt(r.Statistic / (n * k))
	if k == 0 {
		effect = 0
	}
	res := newResult(t, r.Statistic, r.PValue, effect, 0, 0)
	if len(rows) == 2 {
		res.NRef, res.NCur = int(rows[0]), int(rows[1])
	}
	return res
}

// ChiSquare is Evidently's chi-square drift test on two samples whose
// values are categories (NaN = missing): f_obs = current counts,
// f_exp = reference counts · len(cur)/len(ref), over the categories of
// both samples. Effect: Cohen's w. Missing values count in the sample
// sizes, as in Evidently, so with missing values the totals differ and
// the test is refused (EINVALID), as SciPy refuses it.
func ChiSquare(ref, cur []float64) (Result, error) {
	if err := checkSample("ChiSquare", "reference", ref, true); err != nil {
		return Result{}, err
	}
	if err := checkSample("ChiSquare", "current", cur, true); err != nil {
		return Result{}, err
	}
	return chiFromBins(categorize(ref, cur, isNaN))
}

// ChiSquareCategorical is ChiSquare for string categories ("" = missing).
func ChiSquareCategorical(ref, cur []string) (Result, error) {
	if len(ref) == 0 || len(cur) == 0 {
		return Result{}, invalidf("ChiSquareCategorical: empty sample")
	}
	return chiFromBins(categorize(ref, cur, isEmpty))
}

func chiFromBins(b Binned) (Result, error) {
	k := float64(b.NCur) / float64(b.NRef)
	exp := make([]float64, len(b.RefCounts))
	obs := make([]float64, len(b.CurCounts))
	for i := range exp {
		exp[i] = float64(b.RefCounts[i]) * k
		obs[i] = float64(b.CurCounts[i])
	}
	r, err := ChiSquareGOF(obs, exp)
	if err != nil {
		return Result{}, err
	}
	r.NRef, r.NCur = b.NRef, b.NCur
	return r, nil
}

// ColumnKind is how a numeric column is binned: as numbers (histogram
// bins when the reference has more than 20 distinct values) or as
// categories.
type ColumnKind int

const (
	// Numerical columns are binned by Evidently's rule.
	Numerical ColumnKind = iota
	// Categorical columns: every distinct value is a bin.
	Categorical
)

// String returns Evidently's spelling, "num" or "cat".
func (k ColumnKind) String() string {
	if k == Categorical {
		return "cat"
	}
	return "num"
}

// Binned is two samples binned the way Evidently's get_binned_data does
// it (see Bin).
type Binned struct {
	// Edges are the histogram bin edges (len(RefCounts)+1; nil for
	// categories). A bin holds [Edges[i], Edges[i+1]), the last one also
	// its right edge.
	Edges []float64
	// Values are the numeric categories, ascending (nil otherwise).
	Values []float64
	// Labels are the string categories, ascending (nil otherwise).
	Labels []string
	// RefCounts and CurCounts are the counts per bin.
	RefCounts, CurCounts []int
	// NRef and NCur are the sample sizes, missing values included.
	NRef, NCur int
}

// Percents returns the counts divided by the sample sizes (which include
// missing values, so with missing values a side sums to less than 1).
func (b Binned) Percents() (ref, cur []float64) {
	ref = make([]float64, len(b.RefCounts))
	cur = make([]float64, len(b.CurCounts))
	for i := range ref {
		ref[i] = float64(b.RefCounts[i]) / float64(b.NRef)
		cur[i] = float64(b.CurCounts[i]) / float64(b.NCur)
	}
	return ref, cur
}

// Bin bins ref and cur as Evidently 0.7.21's get_binned_data: a Numerical
// column whose reference has more than 20 distinct values gets
// numpy.histogram_bin_edges(ref ∪ cur, bins="sturges") — ceil(log2(n)+1)
// equal-width bins over the combined range, n = len(ref)+len(cur), not
// reference quantiles — and any other column one bin per distinct value
// of either sample, NaN being a missing value that is left out of the
// bins but counted in the sample size. NaN or ±Inf on the histogram path
// is an EINVALID error (NumPy raises), as is an empty sample.
func Bin(ref, cur []float64, kind ColumnKind) (Binned, error) {
	if err := checkSample("Bin", "reference", ref, true); err != nil {
		return Binned{}, err
	}
	if err := checkSample("Bin", "current", cur, true); err != nil {
		return Binned{}, err
	}
	if kind == Numerical && nUnique(ref) > 20 {
		if hasNaN(ref) || hasNaN(cur) {
			return Binned{}, invalidf("Bin: NaN in a numerical column with histogram bins (drop missing values first)")
		}
		return histogram(ref, cur), nil
	}
	return categorize(ref, cur, isNaN), nil
}

// BinCategorical bins string categories ("" = missing) as Bin does.
func BinCategorical(ref, cur []string) (Binned, error) {
	if len(ref) == 0 || len(cur) == 0 {
		return Binned{}, invalidf("BinCategorical: empty sample")
	}
	return categorize(ref, cur, isEmpty), nil
}

func isNaN(v float64) bool  { return math.IsNaN(v) }
func isEmpty(s string) bool { return s == "" }

// nUnique is pandas' Series.nunique(): distinct non-NaN values.
func nUnique(x []float64) int {
	seen := make(map[float64]struct{}, len(x))
	for _, v := range x {
		if !math.IsNaN(v) {
			seen[v] = struct{}{}
		}
	}
	return len(seen)
}

// categorize counts the distinct non-missing values of both samples.
// Categories are sorted (Evidently uses Python set order, which changes
// only the order of the terms summed).
func categorize[K float64 | string](ref, cur []K, missing func(K) bool) Binned {
	idx := map[K]int{}
	var keys []K
	for _, s := range [][]K{ref, cur} {
		for _, v := range s {
			if missing(v) {
				continue
			}
			if _, ok := idx[v]; !ok {
				idx[v] = 0
				keys = append(keys, v)
			}
		}
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	for i, k := range keys {
		idx[k] = i
	}
	b := Binned{RefCounts: make([]int, len(keys)), CurCounts: make([]int, len(keys)), NRef: len(ref), NCur: len(cur)}
	for _, v := range ref {
		if !missing(v) {
			b.RefCounts[idx[v]]++
		}
	}
	for _, v := range cur {
		if !missing(v) {
			b.CurCounts[idx[v]]++
		}
	}
	switch k := any(keys).(type) {
	case []float64:
		b.Values = k
	case []string:
		b.Labels = k
	}
	return b
}

// histogram is numpy.histogram_bin_edges(concat, "sturges") followed by
// numpy.histogram(sample, edges) for each sample (NumPy 1.24.2).
func histogram(ref, cur []float64) Binned {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range [][]float64{ref, cur} {
		for _, v := range s {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	ptp := hi - lo
	first, last := lo, hi
	if first == last {
		first, last = first-0.5, last+0.5
	}
	nBins := 1
	if width := ptp / (math.Log2(float64(len(ref)+len(cur))) + 1.0); width != 0 {
		nBins = int(math.Ceil((last - first) / width))
	}
	// numpy.linspace(first, last, nBins+1): i·step + first, the last edge
	// set to last exactly.
	edges := make([]float64, nBins+1)
	step := (last - first) / float64(nBins)
	for i := range edges {
		edges[i] = float64(i)*step + first
	}
	edges[nBins] = last
	return Binned{Edges: edges, RefCounts: histCounts(ref, edges), CurCounts: histCounts(cur, edges), NRef: len(ref), NCur: len(cur)}
}

// histCounts is numpy.histogram's count for explicit edges: the sorted
// sample searched at every edge (left side, the last edge right side),
// differenced.
func histCounts(x, edges []float64) []int {
	s := append([]float64(nil), x...)
	sort.Float64s(s)
	cum := make([]int, len(edges))
	for i, e := range edges {
		if i == len(edges)-1 {
			cum[i] = sort.Search(len(s), func(j int) bool { return s[j] > e })
		} else {
			cum[i] = sort.Search(len(s), func(j int) bool { return s[j] >= e })
		}
	}
	counts := make([]int, len(edges)-1)
	for i := range counts {
		counts[i] = cum[i+1] - cum[i]
	}
	return counts
}

// PSIResult is a PSI Result with the binning behind it.
type PSIResult struct {
	Result
	// Bins are the binned samples.
	Bins Binned
	// RefPercents and CurPercents are the shares per bin after empty bins
	// were filled (see PSI).
	RefPercents, CurPercents []float64
}

// PSI is Evidently 0.7.21's population stability index of cur against
// ref: the samples binned by Bin; each side's empty bins set to its
// smallest non-zero share / 10⁶ when that share is at most 0.0001, else
// to 0.0001; PSI = Σ (ref% - cur%)·ln(ref%/cur%). Evidently's threshold
// is 0.1 (DefaultMinEffect). A side with no non-missing value is an
// EINVALID error (Evidently raises).
func PSI(ref, cur []float64, kind ColumnKind) (PSIResult, error) {
	b, err := Bin(ref, cur, kind)
	if err != nil {
		return PSIResult{}, err
	}
	return psiFromBins(b)
}

// PSICategorical is PSI for string categories ("" = missing).
func PSICategorical(ref, cur []string) (PSIResult, error) {
	b, err := BinCategorical(ref, cur)
	if err != nil {
		return PSIResult{}, err
	}
	return psiFromBins(b)
}

func psiFromBins(b Binned) (PSIResult, error) {
	rp, cp := b.Percents()
	if err := fillEmpty(rp); err != nil {
		return PSIResult{}, fmt.Errorf("PSI reference: %w", err)
	}
	if err := fillEmpty(cp); err != nil {
		return PSIResult{}, fmt.Errorf("PSI current: %w", err)
	}
	terms := make([]float64, len(rp))
	for i := range rp {
		terms[i] = (rp[i] - cp[i]) * math.Log(rp[i]/cp[i])
	}
	psi := stats.Sum(terms)
	return PSIResult{
		Result: newResult(TestPSI, psi, math.NaN(), psi, b.NRef, b.NCur),
		Bins:   b, RefPercents: rp, CurPercents: cp,
	}, nil
}

// fillEmpty is Evidently's feel_zeroes step for one side.
func fillEmpty(p []float64) error {
	minNZ := math.Inf(1)
	for _, v := range p {
		if v != 0 {
			minNZ = math.Min(minNZ, v)
		}
	}
	if math.IsInf(minNZ, 1) {
		return invalidf("no non-missing value to compute shares from")
	}
	fill := 0.0001
	if minNZ <= 0.0001 {
		fill = minNZ / 1e6
	}
	for i, v := range p {
		if v == 0 {
			p[i] = fill
		}
	}
	return nil
}

// JensenShannon is Evidently 0.7.21's Jensen–Shannon drift score: the
// samples binned by Bin (empty bins kept at 0) and
// scipy.spatial.distance.jensenshannon of the shares, natural logarithm
// (so at most sqrt(ln 2) ≈ 0.83). Evidently's threshold is 0.1.
func JensenShannon(ref, cur []float64, kind ColumnKind) (Result, error) {
	b, err := Bin(ref, cur, kind)
	if err != nil {
		return Result{}, err
	}
	return jsFromBins(b)
}

// JensenShannonCategorical is JensenShannon for string categories
// ("" = missing).
func JensenShannonCategorical(ref, cur []string) (Result, error) {
	b, err := BinCategorical(ref, cur)
	if err != nil {
		return Result{}, err
	}
	return jsFromBins(b)
}

func jsFromBins(b Binned) (Result, error) {
	rp, cp := b.Percents()
	if stats.Sum(rp) == 0 || stats.Sum(cp) == 0 {
		return Result{}, invalidf("JensenShannon: a sample has no non-missing value")
	}
	d, err := stats.JensenShannon(rp, cp, 0)
	if err != nil {
		return Result{}, err
	}
	return newResult(TestJensenShannon, d, math.NaN(), d, b.NRef, b.NCur), nil
}

// Wasserstein is Evidently 0.7.21's normed Wasserstein drift score:
// scipy.stats.wasserstein_distance(ref, cur) over max(std(ref), 0.001)
// (population standard deviation), so that the score is in units of the
// reference spread. Statistic is the raw distance, Effect the normed one.
// Evidently's threshold is 0.1. NaN or ±Inf in a sample is an EINVALID
// error.
func Wasserstein(ref, cur []float64) (Result, error) {
	if err := checkSample("Wasserstein", "reference", ref, false); err != nil {
		return Result{}, err
	}
	if err := checkSample("Wasserstein", "current", cur, false); err != nil {
		return Result{}, err
	}
	d, err := stats.Wasserstein(ref, cur)
	if err != nil {
		return Result{}, err
	}
	_, sd := zStats(ref, 0, Propagate)
	if math.IsNaN(sd) { // constant reference: std 0
		sd = 0
	}
	norm := math.Max(sd, 0.001)
	return newResult(TestWasserstein, d, math.NaN(), d/norm, len(ref), len(cur)), nil
}

// Choose is Evidently's default test for a column: for a reference of at
// most 1000 values, KS for a numerical column with more than 5 distinct
// values (in both samples together) and chi-square otherwise; for a
// larger reference, Wasserstein for a numerical column with more than 5
// distinct values and Jensen–Shannon otherwise. (Evidently uses a
// proportion z-test for a small column with at most two values; papersum
// uses chi-square there too.)
func Choose(nRef, nUnique int, kind ColumnKind) Test {
	if nRef <= 1000 {
		if kind == Numerical && nUnique > 5 {
			return TestKS
		}
		return TestChiSquare
	}
	if kind == Numerical && nUnique > 5 {
		return TestWasserstein
	}
	return TestJensenShannon
}

// Auto runs the test Choose picks for ref and cur.
func Auto(ref, cur []float64, kind ColumnKind) (Result, error) {
	if len(ref) == 0 || len(cur) == 0 {
		return Result{}, invalidf("Auto: empty sample")
	}
	both := append(append(make([]float64, 0, len(ref)+len(cur)), ref...), cur...)
	switch Choose(len(ref), nUnique(both), kind) {
	case TestKS:
		return KS(ref, cur)
	case TestWasserstein:
		return Wasserstein(ref, cur)
	case TestJensenShannon:
		return JensenShannon(ref, cur, Categorical)
	default:
		return ChiSquare(ref, cur)
	}
}

// AutoCategorical is Auto for string categories ("" = missing):
// chi-square for a reference of at most 1000 values, Jensen–Shannon
// above.
func AutoCategorical(ref, cur []string) (Result, error) {
	if len(ref) <= 1000 {
		return ChiSquareCategorical(ref, cur)
	}
	return JensenShannonCategorical(ref, cur)
}

// Policy is how Decide turns results into drift verdicts.
type Policy struct {
	// Alpha is the level for the Holm-adjusted p-values: a test with a
	// p-value counts only when its adjusted p-value is below Alpha.
	// Default 0.05 (Evidently's).
	Alpha float64 `json:"alpha"`
	// MinEffect is the smallest effect that counts as drift, per test;
	// a test missing from the map uses DefaultMinEffect. Every test needs
	// its effect at or above the minimum (Evidently's >= for distances).
	MinEffect map[Test]float64 `json:"min_effect"`
	// DriftShare: the data set drifts when at least this share of the
	// signals drift. Default 0.5 (Evidently's).
	DriftShare float64 `json:"drift_share"`
}

// DefaultMinEffect is the default minimum effect of a test: 0.1 for
// every test — Evidently's thresholds for PSI, Jensen–Shannon and normed
// Wasserstein, KSWIN's minimum KS statistic, and Cohen's "small" w and V.
func DefaultMinEffect(Test) float64 { return 0.1 }

// DefaultPolicy returns Alpha 0.05, DefaultMinEffect for every test and
// DriftShare 0.5.
func DefaultPolicy() Policy {
	m := map[Test]float64{}
	for _, t := range []Test{TestKS, TestChiSquare, TestGTest, TestContingency, TestGContingency, TestPSI, TestJensenShannon, TestWasserstein} {
		m[t] = DefaultMinEffect(t)
	}
	return Policy{Alpha: 0.05, MinEffect: m, DriftShare: 0.5}
}

func (p Policy) validate() error {
	if !finite(p.Alpha, p.DriftShare) || p.Alpha <= 0 || p.Alpha >= 1 || p.DriftShare <= 0 || p.DriftShare > 1 {
		return invalidf("drift policy: alpha must be in (0, 1) and drift_share in (0, 1]")
	}
	for t, v := range p.MinEffect {
		if !finite(v) || v < 0 {
			return invalidf("drift policy: min_effect[%s] must be a finite number >= 0", t)
		}
	}
	return nil
}

// Decision is the outcome of Decide.
type Decision struct {
	// Results are the inputs with AdjustedP and Drift set, in order.
	Results []Result `json:"results"`
	// Drifted is the number of results with Drift.
	Drifted int `json:"drifted"`
	// Share is Drifted / len(Results) (0 for none).
	Share float64 `json:"share"`
	// Drift is the data-set verdict: Share >= DriftShare.
	Drift bool `json:"drift"`
}

// Decide decides which signals drifted. The p-values of all results that
// have one are adjusted together by Holm's method (one family: the
// signals checked at one time), and a result drifts when its adjusted
// p-value is below Alpha (tests with a p-value) and its effect is at
// least MinEffect for its test. So neither a significant but tiny shift
// (KS at large samples) nor a large but unsupported one counts. An
// invalid policy is an EINVALID error.
func Decide(results []Result, p Policy) (Decision, error) {
	if err := p.validate(); err != nil {
		return Decision{}, err
	}
	out := Decision{Results: append([]Result(nil), results...)}
	var ps []float64
	var at []int
	for i, r := range out.Results {
		out.Results[i].AdjustedP = math.NaN()
		if r.Test.HasPValue() {
			ps = append(ps, r.PValue)
			at = append(at, i)
		}
	}
	for j, adj := range stats.Holm(ps) {
		out.Results[at[j]].AdjustedP = adj
	}
	for i := range out.Results {
		r := &out.Results[i]
		minEffect, ok := p.MinEffect[r.Test]
		if !ok {
			minEffect = DefaultMinEffect(r.Test)
		}
		r.Drift = r.Effect >= minEffect && (!r.Test.HasPValue() || r.AdjustedP < p.Alpha)
		if r.Drift {
			out.Drifted++
		}
	}
	if len(out.Results) > 0 {
		out.Share = float64(out.Drifted) / float64(len(out.Results))
	}
	out.Drift = len(out.Results) > 0 && out.Share >= p.DriftShare
	return out, nil
}
