// Package ratelimit owns per-API-key rate limits: requests per minute and
// model tokens per day. A Limiter answers whether a request may start now
// and, when it may not, how long to wait (the HTTP layer's Retry-After).
//
// Both limits use GCRA (the generic cell rate algorithm), which is a token
// bucket kept as one timestamp per bucket, the "theoretical arrival time"
// (TAT): a bucket of capacity L per period P refills continuously at L/P,
// so a key may burst up to L at once and then proceed at the refill rate.
// This is how the model providers themselves describe their limits, it
// never resets everyone at midnight, and it gives an exact wait time:
// RetryAfter is when enough of the bucket has refilled for the request.
//
// Two backends implement Limiter with the same arithmetic (integer
// microseconds, increments computed in Go):
//
//   - NewMemory keeps state in process behind one mutex, bounded by
//     MaxKeys. A key whose buckets are full is forgotten, which loses
//     nothing since a missing key is a full bucket.
//   - NewRedis runs the same algorithm as one Lua script per call, so
//     Redis applies it atomically and every replica sharing the server
//     enforces one limit. Keys expire when their buckets are full again.
//
// Time is a parameter of every call rather than read from a clock, so
// tests replay any schedule and replicas agree as well as their clocks do
// (NTP skew of s shifts a limit by at most s of refill).
//
// When Redis fails, the Redis limiter answers by its Policy, sets
// Decision.Degraded and counts Stats.Errors: PolicyOpen (the default
// without a Fallback) allows, since a limiter protects papersum's spend and
// fairness, not its correctness; PolicyLocal answers from an in-process
// Fallback, a per-replica limit; PolicyClosed refuses, so that no request
// escapes the shared limit. A *Memory Fallback is kept at each key's last
// level Redis reported, so an outage does not hand every key a full bucket.
//
// The conformance suite that both backends pass is in ratelimittest.
package ratelimit
