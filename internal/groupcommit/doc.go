// Package groupcommit lets writes that arrive at the same moment share one
// database transaction.
//
// Each accepted request of the service writes a few rows and commits.
// Under load most of a commit's cost is per transaction, not per row:
// round trips, BEGIN and COMMIT, the log flush, and on SQLite the single
// connection that every write waits for. A Committer queues the writes of
// concurrent callers and hands them to a writer goroutine that commits
// everything queued so far in one transaction, then the next lot. A lone
// request is written at once, so it pays no added latency; a burst of
// them pays for one or two transactions instead of one each.
//
// This is the classic group commit of databases (PostgreSQL's
// commit_delay, InnoDB's binlog group commit) done one level up, where
// the application knows which writes are independent. No maintained Go
// library does it for arbitrary transactions, hence this small package.
//
// Failures stay per request: when a shared transaction fails, each of its
// writes is tried again alone, so only the request at fault gets the
// error.
package groupcommit
