// Package storetest is the conformance suite that every papersum.Store
// passes: SQLite and Postgres. A store's own tests call Exercise with a
// constructor of empty stores; the suite is the executable form of the
// Store contract (round trips of every field, status transitions and
// their error codes, list order and paging, concurrency), and of the
// BatchStore, EvalStore, KeyStore and JobStore contracts for a store that
// has them (jobs.go: queued and cached runs, Submit with its idempotency
// keys, rollback and races, StartRun, CancelRun, batches, deliveries).
// Options lets a store's test write through the transaction Submit hands
// to enqueue, which only the store knows the type of.
//
// It uses only the standard library's testing package and the root
// package, so it adds no dependency to the stores that import it.
package storetest
