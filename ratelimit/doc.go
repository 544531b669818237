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
// When Redis fails, the Redis limiter fails open by default: the request is
// allowed, Decision.Degraded is set and Stats.Errors counted. A limiter
// protects papersum's spend and fairness, not its correctness, so an outage
// of the limiter's store should not become an outage of the API; setting
// RedisConfig.Fallback (typically an in-process limiter) keeps a
// per-replica limit in force during the outage instead.
//
// The conformance suite that both backends pass is in ratelimittest.
package ratelimit
