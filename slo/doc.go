// Package slo turns a service-level objective spec into Prometheus
// recording and alerting rules: the error ratio of each SLO over the
// windows of the multi-window, multi-burn-rate alerts of the Google SRE
// workbook (chapter 5, "Alerting on SLOs"), the SLO's metadata (objective,
// error budget, burn rates, budget remaining over the period) and the
// alerts themselves.
//
// The spec is Sloth's "prometheus/v1" format (version, service, labels,
// slos[] with name, objective, sli.events or sli.raw, alerting with
// page_alert and ticket_alert), so a spec written for Sloth is read here
// and the other way round; fields this package does not implement (SLI
// and SLO plugins) are refused, not ignored. The generated rules use
// Sloth's record names and sloth_* labels, so Sloth's Grafana dashboards
// read them. One difference is deliberate: the ticket alert is the
// workbook's single pair (1x burn over 3 days and 6 hours), where Sloth
// adds a 3x pair over 1 day and 2 hours.
//
// Sloth has a library (github.com/slok/sloth/pkg/lib, v0.16.0), but it
// brings the Kubernetes client libraries, the prometheus-operator API and
// a Go interpreter (yaegi, for its plugins) into papersum's binary for a
// few hundred lines of rule text, and its default windows add the 3x
// ticket pair. The rules are small and fixed, so they are written here.
//
// The package is pure: it reads a spec from an io.Reader and returns
// bytes, with no clock and no I/O of its own.
package slo
