// Package telemetry owns papersum's observability set-up: the Prometheus
// metrics of the pipeline and the HTTP API, the /metrics handler, and the
// slog logger.
//
// Metrics are registered on a prometheus.Registerer passed in by the
// caller, never on the global default registry, so that tests get a fresh
// registry each and two servers in one process do not collide.
//
// Every label takes its values from a closed set. Free-form inputs (team
// names, model names, route patterns) are checked against the sets given
// in Config and collapse to "other" otherwise, so a client sending a
// thousand team names cannot create a thousand series. Identifiers of
// papers, runs and users never become label values: they belong in logs
// and traces, where cardinality costs nothing.
package telemetry
