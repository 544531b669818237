// Package eval holds the evaluation framework's pure parts: the result
// types every evaluation command produces, per-paper scoring (ROUGE
// against references, rubric scores), aggregation with confidence
// intervals, quality thresholds with pass rates, paired A/B analysis with
// significance after Holm correction, and the quality gate. It does no
// I/O: datasets are loaded by eval/dataset, runs are driven by cmd/papersum
// and stored by the store.
//
// Metric names follow one rule, documented in metrics.go: rubric scores
// by dimension ("overall"), "cost_usd", "latency_ms", and ROUGE as
// MetricName(ROUGEKey(m), part, refType), prefixed with the preset
// ("clscisumm:rouge2_f/human") only when several presets are scored.
//
// Statistical choices, made once here: confidence intervals of means and
// of paired differences are percentile bootstraps (BootstrapResamples
// resamples from an injected, seeded *rand.Rand), because BCa is
// undefined for one paper or all-equal scores; a difference is significant
// when the larger of the paired t-test and Wilcoxon p-values, adjusted
// with Holm over the metrics compared, is at most alpha.
package eval
