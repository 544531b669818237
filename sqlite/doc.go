// Package sqlite is the papersum.Store on SQLite, through the pure-Go
// driver modernc.org/sqlite (no cgo).
//
// It owns the database file: opening it (WAL, busy timeout, foreign keys),
// the embedded schema migrations in migrations/*.sql, and the mapping of
// papers, runs and stage results to rows. Every Store method runs in one
// transaction.
//
// The store uses a single connection. SQLite allows one writer at a time
// anyway, and one connection makes every transaction serial inside the
// process, so no write ever waits on SQLITE_BUSY from its own siblings (see
// NOTES.md). Readers share that connection; the store's transactions are
// short, so they are not starved.
//
// A file at the path that is not a SQLite database, or is the database of
// some other program, is refused with EINVALID and left untouched: bad
// input must never cost stored data.
package sqlite
