package eval

import (
	"encoding/json"
	"math"
	"math/rand/v2"

	"github.com/papersum/papersum/stats"
)

// Verdicts of an A/B comparison of one metric.
const (
	VerdictBetter = "B better"
	VerdictWorse  = "B worse"
	VerdictNone   = "no significant difference"
)

// SchemaAB names the JSON schema of ABReport.
const SchemaAB = "papersum.ab/v1"

// ABReport compares two evaluation results, A (the reference, usually the
// current configuration) and B (the candidate), paper by paper.
type ABReport struct {
	Schema string `json:"schema"`
	A      RunRef `json:"a"`
	B      RunRef `json:"b"`
	// Alpha is the family-wise significance level of the verdicts.
	Alpha float64 `json:"alpha"`
	// Paired is the number of papers present in both results without an
	// error. Dropped counts the other distinct paper IDs: OnlyA and OnlyB
	// are present on one side only, Failed on both but with an error on
	// at least one side.
	Paired  int `json:"paired"`
	Dropped int `json:"dropped"`
	OnlyA   int `json:"only_a"`
	OnlyB   int `json:"only_b"`
	Failed  int `json:"failed"`
	// DatasetMismatch is set when the two results were computed on data
	// with different hashes; the comparison then covers only the IDs both
	// share and may compare different texts.
	DatasetMismatch bool `json:"dataset_mismatch"`
	// Metrics holds one row per compared metric, in the requested order.
	Metrics []ABMetric `json:"metrics"`
}

// ABMetric is the comparison of one metric over the paired papers.
// Undefined statistics are NaN (encoded as JSON null).
type ABMetric struct {
	Metric string
	// N is the number of pairs where both sides have the metric.
	N int
	// MeanA and MeanB are the means over those pairs, Diff = MeanB − MeanA
	// and CI its 95% paired percentile-bootstrap interval.
	MeanA, MeanB, Diff float64
	CI                 [2]float64
	// PT is the two-sided paired t-test p-value, PWilcoxon the Wilcoxon
	// signed-rank p-value, P the larger of the two (see below) and PHolm
	// P after Holm's correction over all metrics of the report.
	PT, PWilcoxon, P, PHolm float64
	// CohensD is the paired effect size of B − A: mean / sd of the
	// differences.
	CohensD float64
	// LowerIsBetter is set for cost and latency; it decides the verdict's
	// direction.
	LowerIsBetter bool
	// Verdict is VerdictBetter, VerdictWorse or VerdictNone.
	Verdict string
}

type abMetricJSON struct {
	Metric        string        `json:"metric"`
	N             int           `json:"n"`
	MeanA         jsonNumber    `json:"mean_a"`
	MeanB         jsonNumber    `json:"mean_b"`
	Diff          jsonNumber    `json:"diff"`
	CI            [2]jsonNumber `json:"diff_ci95"`
	PT            jsonNumber    `json:"p_ttest"`
	PWilcoxon     jsonNumber    `json:"p_wilcoxon"`
	P             jsonNumber    `json:"p"`
	PHolm         jsonNumber    `json:"p_holm"`
	CohensD       jsonNumber    `json:"cohens_d"`
	LowerIsBetter bool          `json:"lower_is_better,omitempty"`
	Verdict       string        `json:"verdict"`
}

// MarshalJSON encodes m with NaN and ±Inf as null.
func (m ABMetric) MarshalJSON() ([]byte, error) {
	return json.Marshal(abMetricJSON{m.Metric, m.N, jsonNumber(m.MeanA), jsonNumber(m.MeanB), jsonNumber(m.Diff),
		[2]jsonNumber{jsonNumber(m.CI[0]), jsonNumber(m.CI[1])}, jsonNumber(m.PT), jsonNumber(m.PWilcoxon),
		jsonNumber(m.P), jsonNumber(m.PHolm), jsonNumber(m.CohensD), m.LowerIsBetter, m.Verdict})
}

// UnmarshalJSON decodes what MarshalJSON encodes; null becomes NaN.
func (m *ABMetric) UnmarshalJSON(b []byte) error {
	var j abMetricJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*m = ABMetric{j.Metric, j.N, float64(j.MeanA), float64(j.MeanB), float64(j.Diff),
		[2]float64{float64(j.CI[0]), float64(j.CI[1])}, float64(j.PT), float64(j.PWilcoxon),
		float64(j.P), float64(j.PHolm), float64(j.CohensD), j.LowerIsBetter, j.Verdict}
	return nil
}

// CompareAB compares results a and b on the papers both contain without
// an error (paired by Item.ID; ABReport says how many were dropped). For
// each metric it reports the means, the mean difference B − A with a 95%
// paired bootstrap interval (percentile method, BootstrapResamples
// resamples from rng), the paired t-test and Wilcoxon p-values, Cohen's d
// for paired samples, and a verdict.
//
// The verdict acts on P, the larger of the two p-values, so a change
// counts only when the parametric and the rank test agree; P is adjusted
// with Holm over the report's metrics (the family is the metrics list),
// and a metric is "B better" or "B worse" when the adjusted p is at most
// alpha, by the sign of Diff (reversed for cost and latency, where lower
// is better). Fewer than two pairs give NaN p-values and "no significant
// difference". Identical values give p = 1.
//
// metrics nil means every metric the paired items share except cost and
// latency, in SortMetrics order; pass them explicitly to compare
// spending (they then join the Holm family). alpha outside (0, 1) means
// DefaultAlpha. For Repeat > 1 the item metrics are already means over
// the repeats, so papers, not runs, are the unit of analysis. rng is
// required; the metrics are resampled in order, so a seed gives the same
// report every time.
func CompareAB(a, b Result, metrics []string, rng *rand.Rand, alpha float64) ABReport {
	if rng == nil {
		panic("eval.CompareAB: nil rng")
	}
	if !(alpha > 0 && alpha < 1) {
		alpha = DefaultAlpha
	}
	p := pairItems(a, b)
	rep := ABReport{
		Schema: SchemaAB, A: refOf(a), B: refOf(b), Alpha: alpha,
		Paired: len(p.a), OnlyA: p.onlyA, OnlyB: p.onlyB, Failed: p.failed,
		Dropped:         p.onlyA + p.onlyB + p.failed,
		DatasetMismatch: a.DatasetHash != b.DatasetHash,
		Metrics:         []ABMetric{},
	}
	if metrics == nil {
		metrics = p.sharedMetrics()
	}
	ps := make([]float64, len(metrics))
	for i, m := range metrics {
		x, y := p.values(m)
		row := ABMetric{Metric: m, N: len(x), MeanA: mean(x), MeanB: mean(y), LowerIsBetter: LowerIsBetter(m)}
		row.Diff = row.MeanB - row.MeanA
		row.CI = [2]float64{math.NaN(), math.NaN()}
		switch {
		case len(x) == 1:
			row.CI = [2]float64{row.Diff, row.Diff}
		case len(x) > 1:
			if ci, err := stats.PairedBootstrapCI(rng, x, y, func(x, y []float64) float64 { return mean(y) - mean(x) }, bootOpts); err == nil {
				row.CI = [2]float64{ci.Low, ci.High}
			}
		}
		row.PT, row.PWilcoxon, row.P = pairedTest(x, y)
		row.CohensD = pairedD(x, y)
		ps[i] = row.P
		rep.Metrics = append(rep.Metrics, row)
	}
	for i, adj := range holmOver(ps) {
		row := &rep.Metrics[i]
		row.PHolm = adj
		row.Verdict = VerdictNone
		if adj <= alpha { // false for NaN
			switch {
			case improved(row.Metric, row.Diff):
				row.Verdict = VerdictBetter
			case worsened(row.Metric, row.Diff):
				row.Verdict = VerdictWorse
			}
		}
	}
	return rep
}
