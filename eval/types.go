package eval

import (
	"time"

	"github.com/papersum/papersum"
)

// SchemaResult names the JSON schema of Result.
const SchemaResult = "papersum.eval/v1"

// Result is one evaluation run: one configuration over one dataset. It is
// what `papersum eval run --format json` prints, what is stored, and what
// `papersum eval gate` compares against a baseline.
type Result struct {
	Schema string `json:"schema"`
	// ID identifies the evaluation run.
	ID string `json:"id"`
	// Dataset is the dataset spec ("scisummnet:DIR") and DatasetHash the
	// content hash of every file it read.
	Dataset     string `json:"dataset"`
	DatasetHash string `json:"dataset_hash"`
	// ConfigHash identifies the pipeline configuration; Config names it
	// (a file name or "default").
	Config     string `json:"config"`
	ConfigHash string `json:"config_hash"`
	// Repeat is how many times each paper was run (nondeterministic models).
	Repeat    int       `json:"repeat"`
	CreatedAt time.Time `json:"created_at"`
	// Thresholds are the quality thresholds the pass rate uses.
	Thresholds Thresholds `json:"thresholds"`
	// Items hold per-paper scores, in dataset order.
	Items []Item `json:"items"`
	// Aggregate summarises Items per metric.
	Aggregate map[string]Summary `json:"aggregate"`
	// PassRate is the share of items meeting Thresholds, with its Wilson
	// interval.
	PassRate Proportion `json:"pass_rate"`
	// Corpus holds corpus-level ROUGE F scores as ROUGE-1.5.5 prints them
	// for the whole set (its Average_F line: with -t 1, as the CL-SciSumm
	// protocol uses, the counts of all papers are pooled), named like item
	// metrics. Published shared-task tables report these, so they are the
	// figures to rank against. Empty when not computed.
	Corpus map[string]float64 `json:"corpus,omitempty"`
}

// Item is one paper's scores. For Repeat > 1, Metrics are the means over
// the repeats and Runs lists every run.
type Item struct {
	ID string `json:"id"`
	// Metrics maps a metric name to its value, e.g. "rouge2_f/human",
	// "rougeSUstar_f/community", "accuracy", "overall", "cost_usd",
	// "latency_ms". See MetricName.
	Metrics map[string]float64 `json:"metrics"`
	// RunIDs are the pipeline runs scored.
	RunIDs []string `json:"run_ids"`
	// Error is set when the paper could not be summarized; such items have
	// no metrics and count as failing the thresholds.
	Error string `json:"error,omitempty"`
}

// Summary describes one metric over the items.
type Summary struct {
	N      int     `json:"n"`
	Mean   float64 `json:"mean"`
	StdDev float64 `json:"stddev"`
	Min    float64 `json:"min"`
	Median float64 `json:"median"`
	Max    float64 `json:"max"`
	// CI is a 95% bootstrap confidence interval of the mean.
	CI [2]float64 `json:"ci95"`
}

// Proportion is a share with its 95% Wilson score interval.
type Proportion struct {
	K     int        `json:"k"`
	N     int        `json:"n"`
	Value float64    `json:"value"`
	CI    [2]float64 `json:"ci95"`
}

// Thresholds are the quality bar a summary must meet. Defaults:
// accuracy >= 8.0, overall >= 7.5.
type Thresholds struct {
	Accuracy float64 `json:"accuracy"`
	Overall  float64 `json:"overall"`
}

// DefaultThresholds returns accuracy >= 8.0 and overall >= 7.5.
func DefaultThresholds() Thresholds { return Thresholds{Accuracy: 8.0, Overall: 7.5} }

// RubricMetrics are the metric names of the rubric scores.
var RubricMetrics = []string{"accuracy", "completeness", "clarity", "coherence", "overall"}

// RubricValues returns the rubric metrics of scores (overall weighted by
// papersum, 40/30/20/10).
func RubricValues(s papersum.Scores) map[string]float64 {
	return map[string]float64{
		"accuracy": s.Accuracy, "completeness": s.Completeness, "clarity": s.Clarity,
		"coherence": s.Coherence, "overall": s.Overall(),
	}
}

// MetricName names a ROUGE metric against a reference type, e.g.
// MetricName("rouge2", "f", "human") = "rouge2_f/human".
func MetricName(rouge, part, refType string) string { return rouge + "_" + part + "/" + refType }
