// Package storetest is the conformance suite that every papersum.Store
// passes: SQLite now, Postgres later. A store's own tests call Exercise
// with a constructor of empty stores; the suite is the executable form of
// the Store contract (round trips of every field, status transitions and
// their error codes, list order and paging, concurrency).
//
// It uses only the standard library's testing package and the root
// package, so it adds no dependency to the stores that import it.
package storetest
