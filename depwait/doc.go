// Package depwait owns what serve does while a backing service (PostgreSQL,
// Redis) cannot be reached at start-up: it says why in a few closed words an
// operator acts on (Cause: connection refused, DNS failure, authentication
// failed, missing database, timeout, unreachable), and it tries again with
// exponential backoff until the service answers, the caller stops, or a
// deadline passes (Wait).
//
// Classify reads the errors of pgx and go-redis as well as the standard
// library's network errors, which is why this package imports both drivers:
// it is the one place that knows how each says "I cannot reach the server".
// An error that is not about reaching a server (a URL that does not parse, a
// failed migration) is not classified, and Wait returns it at once: waiting
// cannot fix it.
package depwait
