package eval

import (
	"math"
	"slices"
	"strings"
)

// Metric naming
//
// Every per-item metric has one flat name so that results, aggregates,
// A/B reports and the gate can all key on a string:
//
//   - rubric scores: "accuracy", "completeness", "clarity", "coherence",
//     "overall" (RubricMetrics);
//   - cost and latency per paper: "cost_usd", "latency_ms";
//   - ROUGE: MetricName(ROUGEKey(m), part, refType), for example
//     "rouge2_f/human" or "rougeSUstar_f/community", where part is "r", "p"
//     or "f". When one evaluation uses several ROUGE presets, every ROUGE
//     name carries its preset in front, QualifyMetric(preset, name), for
//     example "clscisumm:rouge2_f/human"; with a single preset the prefix is
//     left out so that the common case reads simply.
//
// The SciTLDR protocol (ScoreSciTLDR) uses the reference types
// SciTLDRMax, SciTLDRAuthor and SciTLDRMean.

// Names of the cost and latency metrics of an item.
const (
	MetricCost    = "cost_usd"
	MetricLatency = "latency_ms"
)

// ROUGE parts, as used in metric names.
const (
	PartRecall    = "r"
	PartPrecision = "p"
	PartF         = "f"
)

// ROUGEKey turns a metric name as ROUGE prints it into the form used in
// papersum metric names: "ROUGE-2" → "rouge2", "ROUGE-L" → "rougeL",
// "ROUGE-SU4" → "rougeSU4", "ROUGE-SU*" → "rougeSUstar". A '*' is spelled
// out because it is awkward in flags, file names and URLs.
func ROUGEKey(printed string) string {
	s := strings.TrimPrefix(printed, "ROUGE-")
	return "rouge" + strings.ReplaceAll(s, "*", "star")
}

// QualifyMetric prefixes a metric name with the ROUGE preset that produced
// it: QualifyMetric("clscisumm", "rouge2_f/human") =
// "clscisumm:rouge2_f/human". See the naming rule above.
func QualifyMetric(preset, name string) string { return preset + ":" + name }

// MetricParts is a ROUGE metric name taken apart.
type MetricParts struct {
	// Preset is "" for an unqualified name.
	Preset, ROUGE, Part, RefType string
}

// ParseROUGEMetric takes a ROUGE metric name apart; ok is false for names
// that are not ROUGE metrics (rubric scores, cost, latency, ...).
func ParseROUGEMetric(name string) (parts MetricParts, ok bool) {
	if i := strings.IndexByte(name, ':'); i >= 0 {
		parts.Preset, name = name[:i], name[i+1:]
	}
	head, ref, found := strings.Cut(name, "/")
	if !found || !strings.HasPrefix(head, "rouge") {
		return MetricParts{}, false
	}
	i := strings.LastIndexByte(head, '_')
	if i < 0 {
		return MetricParts{}, false
	}
	parts.ROUGE, parts.Part, parts.RefType = head[:i], head[i+1:], ref
	switch parts.Part {
	case PartRecall, PartPrecision, PartF:
		return parts, true
	}
	return MetricParts{}, false
}

// Kind classifies a metric by what it measures; renderers, tolerances and
// the direction of "better" depend on it.
type Kind int

// The metric kinds.
const (
	KindOther   Kind = iota
	KindRubric       // 0–10 rubric scores, higher is better
	KindROUGE        // ROUGE R/P/F in [0, 1], higher is better
	KindCost         // US dollars per paper, lower is better
	KindLatency      // milliseconds per paper, lower is better
)

// MetricKind returns the kind of a metric name.
func MetricKind(name string) Kind {
	switch {
	case slices.Contains(RubricMetrics, name):
		return KindRubric
	case name == MetricCost:
		return KindCost
	case name == MetricLatency:
		return KindLatency
	}
	if _, ok := ParseROUGEMetric(name); ok {
		return KindROUGE
	}
	return KindOther
}

// LowerIsBetter reports whether a smaller value of the metric is an
// improvement (cost and latency).
func LowerIsBetter(name string) bool {
	k := MetricKind(name)
	return k == KindCost || k == KindLatency
}

// DefaultTolerance is the absolute drop of a metric's mean that the gate
// allows when GateOptions.Tolerance does not name it: 0.1 for rubric
// scores (one tenth of a point on the 0–10 scale, below what a judge
// reproduces between runs), 0.01 for ROUGE (one point on the ×100 scale
// papers report). Other metrics default to 0: any worsening of the mean
// fails, so a metric whose noise is known must be given a tolerance.
func DefaultTolerance(name string) float64 {
	switch MetricKind(name) {
	case KindRubric:
		return 0.1
	case KindROUGE:
		return 0.01
	}
	return 0
}

// SortMetrics orders metric names for reports: rubric scores in
// RubricMetrics order, then ROUGE metrics, then other metrics, each
// alphabetically, then cost and latency. It sorts in place and returns
// names.
func SortMetrics(names []string) []string {
	rank := func(n string) int {
		switch MetricKind(n) {
		case KindRubric:
			return 0
		case KindROUGE:
			return 1
		case KindOther:
			return 2
		case KindCost:
			return 3
		}
		return 4
	}
	slices.SortFunc(names, func(a, b string) int {
		ra, rb := rank(a), rank(b)
		if ra != rb {
			return ra - rb
		}
		if ra == 0 {
			return slices.Index(RubricMetrics, a) - slices.Index(RubricMetrics, b)
		}
		return strings.Compare(a, b)
	})
	return names
}

// finite reports whether v is a usable measurement. NaN marks a value that
// was not measured; ±Inf cannot be averaged and JSON cannot carry either.
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
