// Package eval holds the evaluation framework's pure parts: the result
// types every evaluation command produces, per-paper scoring (ROUGE
// against references, rubric scores), aggregation with confidence
// intervals, quality thresholds with pass rates, paired A/B analysis with
// significance after Holm correction, and the quality gate. It does no
// I/O: datasets are loaded by eval/dataset, runs are driven by cmd/papersum
// and stored by the store.
package eval
