// Package sqlite is the papersum.Store on SQLite, through the pure-Go
// driver modernc.org/sqlite (no cgo).
//
// It owns the database file: opening it (WAL, busy timeout, foreign keys),
// checkpointing its log beside the store's connection (checkpoint.go),
// the embedded schema migrations in migrations/*.sql, and the mapping of
// papers, runs and stage results, batch jobs, evaluations, API keys and the
// service's submissions, batches, idempotency keys and webhook deliveries
// to rows. Every method runs in one transaction.
//
// A migration whose leading comment carries "-- papersum:foreign-keys-off"
// runs with foreign keys off (set on the connection before BEGIN, since
// SQLite ignores the pragma inside a transaction) and must pass PRAGMA
// foreign_key_check before it commits: that is how a table others
// reference is rebuilt without cascading deletes (0005_service).
//
// The store uses a single connection (and a second one that only
// checkpoints the log). SQLite allows one writer at a time anyway, and one
// connection makes every transaction serial inside the process, so no
// write ever waits on SQLITE_BUSY from its own siblings (see NOTES.md). Readers share that connection; the store's transactions are
// short, so they are not starved. SQL hands out the handle so that a queue
// (River's riversqlite driver) shares that connection too, and Submit
// enqueues jobs in the transaction that writes their runs.
//
// The hot statements (API key lookup, submissions, cache hits, a
// worker's run) are prepared once, at Open, and reused: the driver has no
// statement cache, and parsing them anew on every call cost the server
// about a sixth of its CPU (stmtcache.go).
//
// A file at the path that is not a SQLite database, or is the database of
// some other program, is refused with EINVALID and left untouched: bad
// input must never cost stored data.
package sqlite
