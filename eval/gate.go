package eval

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"text/tabwriter"
)

// MetricPassRate names the pass rate (Result.PassRate.Value) in the gate.
// It is not an item metric; the gate checks it because aggregates skip
// items with an Error, so a run that fails more papers could otherwise
// keep its means and pass.
const MetricPassRate = "pass_rate"

// DefaultPassRateTolerance is the pass rate drop the gate allows by
// default: 0.05, one paper in twenty, the size of the smallest evaluation
// set (CL-SciSumm 2018).
const DefaultPassRateTolerance = 0.05

// toleranceSlack absorbs float error in delta − tolerance comparisons: a
// drop of exactly the tolerance (0.95 − 1.0 is −0.05000000000000004) must
// pass.
const toleranceSlack = 1e-9

// GateOptions configure Gate.
type GateOptions struct {
	// Tolerance is the absolute worsening of a metric's mean that is
	// allowed (a drop; a rise for cost and latency). Default per metric:
	// DefaultTolerance, and DefaultPassRateTolerance for MetricPassRate.
	Tolerance map[string]float64
	// Metrics are the metrics gated. Default: every metric of the
	// baseline (its aggregate, else its items) except cost and latency,
	// plus MetricPassRate.
	// A gated metric missing from either result fails the gate: a metric
	// that stopped being computed must not pass unnoticed.
	Metrics []string
	// Alpha is the family-wise significance level (Holm over the gated
	// metrics) of the paired tests. Default DefaultAlpha (0.05).
	Alpha float64
	// AllowDatasetChange lets results computed on data with different
	// hashes be compared. Default false: the gate fails, since the
	// difference of two means over different papers says nothing about
	// the configuration.
	AllowDatasetChange bool
}

// Gate verdicts of one metric. Those that start with "FAIL" fail the gate.
const (
	GateOK             = "ok"
	GateImproved       = "improved"
	GateWithin         = "worse, within tolerance"
	GateBeyond         = "FAIL: worse beyond tolerance"
	GateSignificant    = "FAIL: significantly worse"
	GateBeyondSig      = "FAIL: worse beyond tolerance, significant"
	GateMissingBase    = "FAIL: missing in baseline"
	GateMissingCurrent = "FAIL: missing in current"
)

// GateRow is the comparison of one metric. Undefined numbers are NaN
// (JSON null).
type GateRow struct {
	Metric string
	// Baseline and Current are the metric's means (the pass rate for
	// MetricPassRate); Delta = Current − Baseline.
	Baseline, Current, Delta float64
	// Tolerance is the worsening allowed.
	Tolerance float64
	// N is the number of papers paired for the test.
	N int
	// P is the paired test's p-value (the larger of t-test and Wilcoxon,
	// as in CompareAB) and PHolm the same after Holm over the gated
	// metrics; NaN when fewer than two papers pair, and for the pass rate.
	P, PHolm float64
	// Verdict is one of the Gate* verdicts; Failed is true for those that
	// fail the gate.
	Verdict string
	Failed  bool
}

type gateRowJSON struct {
	Metric    string     `json:"metric"`
	Baseline  jsonNumber `json:"baseline"`
	Current   jsonNumber `json:"current"`
	Delta     jsonNumber `json:"delta"`
	Tolerance jsonNumber `json:"tolerance"`
	N         int        `json:"n"`
	P         jsonNumber `json:"p"`
	PHolm     jsonNumber `json:"p_holm"`
	Verdict   string     `json:"verdict"`
	Failed    bool       `json:"failed"`
}

// MarshalJSON encodes r with NaN as null.
func (r GateRow) MarshalJSON() ([]byte, error) {
	return json.Marshal(gateRowJSON{r.Metric, jsonNumber(r.Baseline), jsonNumber(r.Current), jsonNumber(r.Delta),
		jsonNumber(r.Tolerance), r.N, jsonNumber(r.P), jsonNumber(r.PHolm), r.Verdict, r.Failed})
}

// UnmarshalJSON decodes what MarshalJSON encodes; null becomes NaN.
func (r *GateRow) UnmarshalJSON(b []byte) error {
	var j gateRowJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*r = GateRow{j.Metric, float64(j.Baseline), float64(j.Current), float64(j.Delta), float64(j.Tolerance),
		j.N, float64(j.P), float64(j.PHolm), j.Verdict, j.Failed}
	return nil
}

// GateResult is the outcome of Gate.
type GateResult struct {
	// Passed is false when any row failed, the dataset changed (without
	// AllowDatasetChange) or there was nothing to compare.
	Passed   bool    `json:"passed"`
	Baseline RunRef  `json:"baseline"`
	Current  RunRef  `json:"current"`
	Alpha    float64 `json:"alpha"`
	// DatasetChanged is set when the dataset hashes differ.
	DatasetChanged bool `json:"dataset_changed"`
	// Paired is the number of papers present in both results without an
	// error.
	Paired int `json:"paired"`
	// Reasons say, one sentence each, why the gate failed.
	Reasons []string  `json:"reasons"`
	Rows    []GateRow `json:"rows"`
}

// Gate compares a current evaluation result with a stored baseline. A
// metric fails when its mean worsens by more than its tolerance, or when
// it worsens significantly: the paired tests of CompareAB over the papers
// both results scored (by Item.ID), Holm-adjusted over the gated metrics,
// give p ≤ Alpha and the paired mean difference is a worsening. The gate
// also fails when the dataset hashes differ (unless
// opts.AllowDatasetChange) and when there is no metric to compare.
//
// Means come from each result's Aggregate, or from its items for a metric
// the aggregate lacks; the pass rate is recomputed for both results with
// the baseline's thresholds, so that a changed bar does not pass for a
// changed quality. Gate needs no randomness: it reports p-values, not
// intervals.
func Gate(baseline, current Result, opts GateOptions) GateResult {
	alpha := opts.Alpha
	if !(alpha > 0 && alpha < 1) {
		alpha = DefaultAlpha
	}
	p := pairItems(baseline, current)
	res := GateResult{
		Baseline: refOf(baseline), Current: refOf(current), Alpha: alpha,
		DatasetChanged: baseline.DatasetHash != current.DatasetHash,
		Paired:         len(p.a), Reasons: []string{}, Rows: []GateRow{},
	}
	if res.DatasetChanged && !opts.AllowDatasetChange {
		res.Reasons = append(res.Reasons, fmt.Sprintf("dataset changed: baseline %s (%s), current %s (%s); "+
			"comparing different data is meaningless (allow it explicitly to compare anyway)",
			baseline.Dataset, shortHash(baseline.DatasetHash), current.Dataset, shortHash(current.DatasetHash)))
	}

	metrics := opts.Metrics
	if metrics == nil {
		metrics = defaultGateMetrics(baseline)
	}
	if len(metrics) == 0 {
		res.Reasons = append(res.Reasons, "no metrics to compare: the baseline has no scores")
	}
	baseCur := make(map[string]float64)
	ps := make([]float64, len(metrics))
	for i, m := range metrics {
		tol, ok := opts.Tolerance[m]
		if !ok {
			tol = defaultGateTolerance(m)
		}
		row := GateRow{Metric: m, Tolerance: tol, P: math.NaN(), PHolm: math.NaN()}
		var okB, okC bool
		if m == MetricPassRate {
			row.Baseline, okB = passRateOf(baseline, baseline.Thresholds)
			row.Current, okC = passRateOf(current, baseline.Thresholds)
		} else {
			row.Baseline, okB = meanOf(baseline, m)
			row.Current, okC = meanOf(current, m)
			x, y := p.values(m)
			row.N = len(x)
			_, _, row.P = pairedTest(x, y)
			baseCur[m] = mean(y) - mean(x)
		}
		row.Delta = row.Current - row.Baseline
		switch {
		case !okB:
			row.Verdict, row.Failed = GateMissingBase, true
			row.Delta = math.NaN()
		case !okC:
			row.Verdict, row.Failed = GateMissingCurrent, true
			row.Delta = math.NaN()
		}
		ps[i] = row.P
		res.Rows = append(res.Rows, row)
	}
	for i, adj := range holmOver(ps) {
		row := &res.Rows[i]
		row.PHolm = adj
		if row.Failed { // missing
			res.Reasons = append(res.Reasons, fmt.Sprintf("%s: %s", row.Metric, strings.TrimPrefix(row.Verdict, "FAIL: ")))
			continue
		}
		worse := row.Delta
		if !LowerIsBetter(row.Metric) {
			worse = -worse
		}
		beyond := worse > row.Tolerance+toleranceSlack
		sig := adj <= alpha && worsened(row.Metric, baseCur[row.Metric])
		switch {
		case beyond && sig:
			row.Verdict = GateBeyondSig
		case beyond:
			row.Verdict = GateBeyond
		case sig:
			row.Verdict = GateSignificant
		case worse > toleranceSlack:
			row.Verdict = GateWithin
		case worse < -toleranceSlack:
			row.Verdict = GateImproved
		default:
			row.Verdict = GateOK
		}
		row.Failed = beyond || sig
		if beyond {
			res.Reasons = append(res.Reasons, fmt.Sprintf("%s worsened by %s (from %s to %s), more than the tolerance %s",
				row.Metric, formatValue(row.Metric, math.Abs(row.Delta)), formatValue(row.Metric, row.Baseline),
				formatValue(row.Metric, row.Current), formatValue(row.Metric, row.Tolerance)))
		}
		if sig {
			res.Reasons = append(res.Reasons, fmt.Sprintf("%s worsened significantly over %d paired papers (p = %.3g after Holm, alpha %g)",
				row.Metric, row.N, adj, alpha))
		}
	}
	res.Passed = len(res.Reasons) == 0
	return res
}

// defaultGateMetrics: every metric of the baseline's aggregate (or, for a
// result stored without one, of its items) except cost and latency, in
// SortMetrics order, then the pass rate.
func defaultGateMetrics(r Result) []string {
	set := make(map[string]bool)
	for m := range r.Aggregate {
		set[m] = true
	}
	for m := range collect(r.Items) {
		set[m] = true
	}
	var out []string
	for m := range set {
		if k := MetricKind(m); k != KindCost && k != KindLatency {
			out = append(out, m)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return append(SortMetrics(out), MetricPassRate)
}

func defaultGateTolerance(m string) float64 {
	if m == MetricPassRate {
		return DefaultPassRateTolerance
	}
	return DefaultTolerance(m)
}

// meanOf is the metric's mean from r.Aggregate, or from r's items when the
// aggregate lacks it; ok is false when neither has a value.
func meanOf(r Result, m string) (float64, bool) {
	if s, ok := r.Aggregate[m]; ok && s.N > 0 {
		return s.Mean, true
	}
	if v := collect(r.Items)[m]; len(v) > 0 {
		return mean(v), true
	}
	return math.NaN(), false
}

// passRateOf recomputes r's pass rate with th; a result stored without
// items falls back to its recorded pass rate.
func passRateOf(r Result, th Thresholds) (float64, bool) {
	if len(r.Items) > 0 {
		return PassRate(r.Items, th).Value, true
	}
	if r.PassRate.N > 0 {
		return r.PassRate.Value, true
	}
	return math.NaN(), false
}

// String renders the gate's outcome for people: a verdict line, the two
// results, a per-metric diff table (metric, baseline, current, delta,
// tolerance, paired papers, Holm-adjusted p, verdict) and the reasons for
// a failure.
func (g GateResult) String() string {
	var b strings.Builder
	if g.Passed {
		b.WriteString("Quality gate: PASSED\n")
	} else {
		b.WriteString("Quality gate: FAILED\n")
	}
	for _, side := range []struct {
		name string
		r    RunRef
	}{{"baseline", g.Baseline}, {"current ", g.Current}} {
		fmt.Fprintf(&b, "  %s  %s  config %s (%s)  dataset %s (%s)\n", side.name, orDash(side.r.ID),
			orDash(side.r.Config), shortHash(side.r.ConfigHash), orDash(side.r.Dataset), shortHash(side.r.DatasetHash))
	}
	fmt.Fprintf(&b, "  paired papers: %d; significance: paired t-test and Wilcoxon, Holm-adjusted, alpha %g\n\n", g.Paired, g.Alpha)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "METRIC\tBASELINE\tCURRENT\tDELTA\tTOLERANCE\tN\tP (HOLM)\tVERDICT")
	for _, r := range g.Rows {
		delta := "–"
		if finite(r.Delta) {
			delta = signed(formatValue(r.Metric, r.Delta), r.Delta)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", r.Metric, formatValue(r.Metric, r.Baseline),
			formatValue(r.Metric, r.Current), delta, formatValue(r.Metric, r.Tolerance), r.N, formatP(r.PHolm), r.Verdict)
	}
	tw.Flush()
	if len(g.Reasons) > 0 {
		b.WriteString("\nFailed because:\n")
		for _, r := range g.Reasons {
			fmt.Fprintf(&b, "  - %s\n", r)
		}
	}
	return b.String()
}

// formatValue prints a metric value with the precision its scale needs:
// 3 decimals for 0–10 rubric scores and rates, 4 for ROUGE (ROUGE prints
// 5, papers 2 on the ×100 scale), dollars to 6 decimals, milliseconds to
// 1. NaN prints as "–".
func formatValue(metric string, v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	switch MetricKind(metric) {
	case KindRubric:
		return fmt.Sprintf("%.3f", v)
	case KindROUGE:
		return fmt.Sprintf("%.4f", v)
	case KindCost:
		return fmt.Sprintf("%.6f", v)
	case KindLatency:
		return fmt.Sprintf("%.1f", v)
	}
	if metric == MetricPassRate {
		return fmt.Sprintf("%.3f", v)
	}
	return fmt.Sprintf("%.4g", v)
}

// signed puts an explicit + on a non-negative formatted value.
func signed(s string, v float64) string {
	if v >= 0 && !strings.HasPrefix(s, "+") {
		return "+" + s
	}
	return s
}

// formatP prints a p-value: "–" when undefined, "<0.0001" when tiny.
func formatP(p float64) string {
	switch {
	case math.IsNaN(p):
		return "–"
	case p < 1e-4:
		return "<0.0001"
	}
	return fmt.Sprintf("%.4f", p)
}

// FormatP is formatP for renderers outside the package.
func FormatP(p float64) string { return formatP(p) }

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

// shortHash shortens "sha256:<hex>" to 12 hex digits for display.
func shortHash(h string) string {
	if h == "" {
		return "–"
	}
	h = strings.TrimPrefix(h, "sha256:")
	if len(h) > 12 {
		return h[:12]
	}
	return h
}
