// Package batch runs many papers through the pipeline: it collects inputs
// from a directory or a JSONL manifest, skips papers already summarized
// with the same configuration (so a rerun resumes), runs the rest with
// bounded concurrency, reports progress (done/total, rate, ETA, cost) and
// writes one output file per paper plus a summary CSV.
package batch
