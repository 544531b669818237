// Package dirrun runs many papers through the pipeline: it collects inputs
// from a directory or a JSONL manifest, skips papers already summarized
// with the same configuration (so a rerun resumes), runs the rest with
// bounded concurrency, reports progress (done/total, rate, ETA, cost) and
// writes one output file per paper plus a summary CSV.
//
// It is the `papersum batch` command's directory run; the name keeps it
// apart from the service's submission batches (papersum.SubmissionBatch),
// providers' Message Batches (papersum.MessageBatcher) and pgx's batched
// statements.
package dirrun
