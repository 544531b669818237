// Package queue owns papersum's durable jobs: it runs summarization runs in
// the background on River (github.com/riverqueue/river), on SQLite by
// default (riversqlite) or on PostgreSQL at scale (riverpgxv5).
//
// A job carries the ID of a run, never the paper: the caller writes the run
// row first, then enqueues SummarizeArgs{RunID} — in the same transaction
// when it can (EnqueueSQLTx, EnqueuePgxTx), so a run row never exists
// without its job nor a job without its row. Jobs are unique by run ID:
// enqueueing a run twice yields the one job.
//
// The work itself is the caller's Handler, which must be idempotent: a job
// may run more than once (after a crash it is rescued and run again). The
// queue owns the retry policy, so that one layer decides:
//
//   - a *papersum.ProviderError of class rate_limit or overloaded snoozes
//     the job for the provider's retry-after hint (Config.RateLimitSnooze
//     without one). A snooze does not use up an attempt;
//   - an error wrapped with Permanent cancels the job at once;
//   - any other error is retried with River's backoff, up to
//     Config.MaxAttempts attempts, after which the job is discarded.
//
// The queue owns River's tables (river_job, river_leader, ...), which
// Migrate creates in the database the driver points at: on PostgreSQL the
// first schema of the pool's search_path, which is how the postgres store
// configures the pool it shares.
//
// SQLite has no LISTEN/NOTIFY, so River polls; the SQLite defaults of
// FetchCooldown and FetchPollInterval are tuned for that (see NOTES.md).
package queue
