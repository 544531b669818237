// Package watch runs papersum's online anomaly detection in a service:
// a Watcher takes every finished run (service.Config.OnFinished), feeds
// it to an anomaly.Monitor, and for each anomaly counts it in the
// metrics, logs it, stores it (papersum.AnomalyStore, for `papersum
// report anomalies`) and hands it to a Notifier (the signed
// "anomaly.detected" webhook, wired by cmd/papersum). Restore rebuilds
// the baselines from the store's recent runs at start-up, so that a
// restart does not start a new warm-up.
//
// The package owns the concurrency (one Monitor behind a mutex) and the
// side effects; the statistics are package anomaly's.
package watch
