// Package papersum holds the domain of papersum: papers and their sections,
// the three pipeline stages, model requests and responses, runs, stage
// results, scores, usage and the error vocabulary, together with the
// interfaces that two or more packages share (Model, Store, Pricer).
//
// It imports only the standard library. Adapters (ingest, llm/*, sqlite,
// pipeline, ...) import this package and never each other; cmd/papersum is
// the only place that wires them together.
package papersum
