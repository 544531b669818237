// Package queue owns papersum's durable jobs: it runs summarization runs in
// the background on River (github.com/riverqueue/river), on SQLite by
// default (riversqlite) or on PostgreSQL at scale (riverpgxv5).
//
// A job carries the ID of a run, never the paper: the caller writes the run
// row first, then enqueues SummarizeArgs{RunID} — in the same transaction
// when it can (EnqueueSQLTx, EnqueuePgxTx), so a run row never exists
// without its job nor a job without its row. Jobs[TTx] (JobsOf) does the
// same for many runs, typed by the store's transaction (*sql.Tx or pgx.Tx,
// as River's Client[TTx]): it is the papersum.JobInserter a store's Submit
// enqueues through (papersum.BindJobs). Jobs are unique by run ID: enqueueing a run twice
// yields the one job.
//
// A second kind of job, KindCallback, sends the completion webhook of a
// run or a batch: CallbackArgs carry exactly one of a run ID and a batch
// ID, are unique by those arguments too, and are queued with
// EnqueueCallback or, in the transaction that finishes the run or batch,
// Jobs.EnqueueCallbackTx. Their work is Config.Callback; a process without one
// neither queues nor works callback jobs. They run on a River queue of
// their own, QueueCallbacks, with Config.CallbackWorkers workers (4), so
// that slow webhook endpoints never hold the workers of summarize jobs,
// which stay on River's default queue. They are tried up to
// Config.CallbackMaxAttempts times (3): the webhook sender retries within
// one attempt, and River's attempts carry a callback across crashes.
//
// The work itself is the caller's Handler (Callback for callback jobs),
// which must be idempotent: a job may run more than once (after a crash it
// is rescued and run again). The queue owns the retry policy of both
// kinds, so that one layer decides:
//
//   - an error wrapped with Snooze snoozes the job for the time it names:
//     the Handler decided that its work waits (the service does so for a
//     run whose provider fails transiently, bounded by the run's
//     deadline). A snooze does not use up an attempt (River decrements
//     the attempt and counts snoozes in the job's metadata), so snoozes
//     alone never discard a job: whoever snoozes must bound them;
//   - a *papersum.ProviderError of class rate_limit or overloaded snoozes
//     the job for the provider's retry-after hint (Config.RateLimitSnooze
//     without one), also without using an attempt;
//   - an error wrapped with Permanent cancels the job at once;
//   - any other error is retried with River's backoff, up to
//     Config.MaxAttempts attempts (Config.CallbackMaxAttempts for
//     callback jobs), after which the job is discarded.
//
// Running reports whether the queue is between Start and Stop, and
// Healthy whether its workers can fetch jobs (the last renewal of its
// lease, below, succeeded), for a readiness check.
//
// A crashed process is told from a slow one by its lease: every queue
// process holds a row in papersum_worker_lease, renewed every
// Config.LeaseRenewInterval (5s), and every process reaps every
// Config.ReapInterval (5s): a job still marked running whose worker's
// lease has expired (Config.LeaseTTL, 30s) is made available again at
// once, its lost attempt counted; a job whose worker renews is never
// taken, however long it runs. On Linux a worker process of the same host
// and PID namespace that is gone is known without waiting for its lease,
// so a restart on the same host takes the dead process's jobs back as it
// starts. River's own rescue (Config.RescueStuckJobsAfter, 20 minutes)
// stays as the backstop for workers without a lease.
//
// The queue owns River's tables (river_job, river_leader, ...) and the
// table of worker leases, which Migrate creates in the database the driver
// points at: on PostgreSQL the first schema of the pool's search_path,
// which is how the postgres store configures the pool it shares.
//
// SQLite has no LISTEN/NOTIFY, so River polls; the SQLite defaults of
// FetchCooldown and FetchPollInterval are tuned for that (see NOTES.md).
package queue
