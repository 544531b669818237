// Package driftwatch runs papersum's streaming drift detection in
// production: a Monitor that serve hands every finished run. It extracts
// the run's signals (drift/signals), updates one streaming detector per
// numeric or binary signal and per model (ADWIN or HDDM_A with river's
// defaults, drift/signals.Kind.DefaultDetector), and saves the detectors'
// state in the store (papersum.DriftStore) every Config.SaveEvery (5s), at
// every detection and at Close, so that a restarted server, or another
// replica, continues them.
//
// A detection is counted (pipeline_drift_detected_total{signal,detector}),
// the detector's statistic is exported
// (pipeline_drift_statistic{signal,detector,model}), logged, recorded in
// the store, and sent as a signed webhook event "drift.detected" naming the
// model, the models that answered each stage, the prompt versions and the
// time window of the values behind the detection, so that an operator can
// tell a silent provider model update from a change in the papers.
package driftwatch
