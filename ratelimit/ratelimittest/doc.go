// Package ratelimittest is the conformance suite that every
// ratelimit.Limiter passes: in-process and Redis. A backend's own tests
// call Exercise with a constructor; the suite is the executable form of
// the Limiter contract (bursts, exact RetryAfter, refill, tokens per day,
// Record, validation, concurrency and, for shared backends, one limit
// across replicas).
//
// Every call passes an explicit time, so the suite replays minutes and
// days without sleeping, against Redis too.
package ratelimittest
