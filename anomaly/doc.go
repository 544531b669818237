// Package anomaly owns papersum's online anomaly detection. A series is
// one signal of one model (Key): cost per run, tokens or latency of a
// stage, or quality. Each new value is scored with the mean of the
// series' Recent newest values against a rolling baseline window of the
// values before them — by the classical z-score (mean and standard
// deviation) or its robust variant (median and 1.4826·MAD) — and raises
// an Anomaly when the score passes the threshold on the watched side,
// after a warm-up and outside a cool-down (Config documents each rule
// and its default). Monitor turns a finished papersum.Run into those
// series.
//
// The package is pure: values in, anomalies out, no I/O, no clock, no
// randomness. The scores are drift.ZMap and drift.RobustZMap, which are
// checked against SciPy's zscore/zmap reference vectors (and so is this
// package's path to them, in TestReferenceZ). The state of every series
// is one JSON document (MarshalJSON, Load, LoadMonitor), so that a
// restart continues where the last process stopped.
//
// The false-alarm rate and the detection delay of a step, measured on
// replays of 2,000 synthetic runs and asserted by TestReplay, and on real
// local-engine runs, are in BENCHMARKS.md ("Anomaly detection").
package anomaly
