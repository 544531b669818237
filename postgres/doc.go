// Package postgres is the papersum.Store, BatchStore, EvalStore, KeyStore
// and JobStore on PostgreSQL, through pgx v5 and its pool
// (pgxpool). It is the store for more than one papersum process: an HTTP
// server with several replicas, a queue of workers.
//
// It owns the connection pool, the embedded schema migrations in
// migrations/*.sql (the Postgres twin of the SQLite schema) and the mapping
// of papers, runs, stage results, batch jobs, evaluations, API keys and
// the service's submissions, batches, idempotency keys and webhook
// deliveries to rows. Its
// semantics and error codes are the SQLite store's; the shared suite
// storetest checks both.
//
// Every method runs in one transaction. Where the SQLite store relies on
// its single writer, this one locks: AddStage and FinishRun lock the run's
// row (SELECT ... FOR NO KEY UPDATE), so stages of one run are numbered
// without gaps in the order they were added, and a run cannot take a stage
// after it finished, whichever replica writes; StartRun and CancelRun take
// the same lock. Inserts that may race (CreateRun, PutJobRun,
// PutProviderBatch, PutEval, and Submit's idempotency key, which it
// inserts first so that concurrent retries of one request wait for the
// first) rely on the primary key (INSERT ... ON CONFLICT DO NOTHING, or
// for runs a unique violation that fails the whole call), not on a check
// made earlier.
//
// Round trips cost the most under load, so writes of many rows take one
// statement per table (INSERT ... SELECT FROM unnest of one array per
// column) and send their statements together (pgx.Batch): CreateRuns and
// RecordCacheHits take one round trip whatever their number of runs, and
// SubmitMany, which
// sends BEGIN with its first statements, two besides enqueue's (see
// SubmitMany). The service groups the requests that arrive together into
// such calls (group commit).
//
// Besides the codes each method lists, every method returns EUNAVAILABLE
// when the server cannot be reached, the connection is lost, the server is
// overloaded or ctx ends (trying later may work), EINVALID for text
// Postgres cannot hold (a NUL byte, invalid UTF-8), and EINTERNAL for any
// other unexpected database error. Messages name the server as
// host:port/database and user, never the password.
//
// Open migrates under a transaction-scoped advisory lock, one per schema,
// so replicas that start at once apply each migration exactly once. The
// tables live in Options.Schema ("public" by default), which Open puts
// alone on the pool's search_path; a test or a tenant can take a schema of
// its own.
//
// Pool and WithTx hand out the pool and its transactions, so that a queue
// (River's riverpgxv5 driver) shares the connections and enqueues a job in
// the same transaction that wrote the row it refers to.
package postgres
