// Package anomaly owns papersum's online anomaly detection: per series
// (a signal such as cost per run, tokens or latency of a stage, or
// quality, of one model), each new value is scored against a rolling
// baseline window of the series' past values — by the classical z-score
// (mean and standard deviation) or its robust variant (median and
// 1.4826·MAD) — and raises an Anomaly when the score passes a threshold,
// after a warm-up and outside a cool-down. Monitor turns a finished
// papersum.Run into those series.
//
// The package is pure: values in, anomalies out, no I/O, no clock. The
// scoring is drift.RollingZ (whose ZMap and RobustZMap are checked against
// SciPy's zscore/zmap reference vectors); this package adds the series
// keyed by signal and model, the configuration operators set, the
// logarithmic scale for positive skewed signals, and one JSON state for
// all series so that the detector survives a restart.
//
// What a Detector's false-alarm rate and detection delay are, measured on
// replays of 2,000 synthetic runs, is in BENCHMARKS.md ("Anomaly
// detection") and asserted by TestReplay.
package anomaly
