// Package observability holds papersum's monitoring as code: the Grafana
// dashboards (dashboards/*.json), the Prometheus recording and alerting
// rules (rules/*.yaml), the SLO spec (slos.yaml, from which `papersum slo
// rules` generates rules/slos.rules.yaml) and the promtool unit tests of
// the rules (tests/*.test.yaml).
//
// The Go code here only reads those files for tests: Queries lists every
// PromQL expression they contain, and Check tells which metric names,
// label names and label values in them papersum does not export, so that
// a test scraping a running `papersum serve` catches a dashboard or rule
// that has drifted from the code. Nothing here is linked into papersum.
package observability
