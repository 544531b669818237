// Package drift owns papersum's drift detection: batch tests that compare
// a current sample of a signal (latency, cost, scores, verdicts) with a
// reference sample, streaming detectors that watch a signal one
// observation at a time, and z-score anomaly scores. Every function is
// pure: numbers in, numbers out, no I/O, no clock; the only randomness is
// KSWIN's sampling, which takes a seed (or, as river's default, a random
// one).
//
// # Batch tests
//
// KS, ChiSquare (goodness of fit of the current counts against the
// reference shares, and its G form), ChiSquareContingency, PSI,
// JensenShannon and Wasserstein each return a Result: the statistic, the
// p-value where the test has one (NaN otherwise) and an effect size. The
// binning of PSI and Jensen–Shannon and the normalisation of Wasserstein
// are Evidently 0.7.21's (Bin documents the rule), and Choose/Auto pick a
// test per column as Evidently does. Decide turns the results of the
// signals checked together into verdicts: the p-values are adjusted by
// Holm's method across the signals, and a signal drifts only when its
// adjusted p-value is below Policy.Alpha and its effect reaches
// Policy.MinEffect — so that large samples, where KS finds every
// negligible shift significant, do not cry wolf. The data set drifts when
// at least Policy.DriftShare of the signals do (Evidently: half).
//
// # Streaming detectors
//
// PageHinkley, ADWIN, KSWIN, DDM, EDDM and HDDMA are ports of river's
// detectors (river 0.19; ADWIN's core from river 0.24.1), with river's
// parameter names (as JSON names) and defaults, and river's semantics: a
// detection at update i resets the detector lazily, at the start of
// update i+1; ADWIN checks the window only every Clock updates; KSWIN
// draws its sample with Python's Mersenne Twister. CUSUM is the two-sided
// tabular CUSUM and RollingZ the rolling (optionally robust median/MAD)
// z-score with warm-up, threshold and cool-down. They share the Detector
// interface: Update(x) returns a Signal (Drift, Warning), Stats exposes the
// internals under river's attribute names, and the JSON form (Save, Load)
// holds kind, parameters and complete state, so a detector survives a
// restart, or moves between replicas through a store, and continues bit
// for bit. New builds one from a kind and a JSON object of parameters.
//
// # Reference implementations
//
// The package is tested case by case against the shared reference vectors
// (drift.jsonl: river's detectors, with per-step traces, and a published
// tabular CUSUM example; drift-stats.jsonl: SciPy 1.10.1's tests,
// Evidently's PSI and SciPy's zscore/zmap), which are development data
// read through PAPERSUM_REFVEC_DIR (see internal/devdata); the README next
// to them documents the reference semantics followed here. The detectors
// reproduce river's doubles bit for bit, which is why several loops are
// written in river's order of operations rather than a tidier one.
package drift
