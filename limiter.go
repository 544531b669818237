package papersum

import (
	"context"
	"time"
)

// Limiter decides whether a key's requests may proceed. The HTTP layer
// admits requests through it and the service charges each run's tokens to
// it, so it is declared here rather than in the ratelimit adapter that
// implements it. Implementations are safe for concurrent use.
type Limiter interface {
	// Allow charges cost to key's buckets at time now if both have room,
	// and reports the decision. A denied request charges nothing.
	// RateCost.Tokens is the estimate known up front (e.g. the prompt);
	// the rest is charged later with Record.
	//
	// Errors: EINVALID for an empty key, negative cost or limits, or a
	// cost larger than the key's limit (it could never be allowed); the
	// context's error when ctx is done. A backend failure is not an error:
	// see the backend's documentation.
	Allow(ctx context.Context, key string, now time.Time, cost RateCost) (RateDecision, error)

	// Record charges tokens to key's tokens-per-day bucket without
	// checking the limit, for usage known only once a request has
	// finished. The bucket may go into debt, and the key's next requests
	// are then denied until it is paid back. Negative tokens refund an
	// over-estimate, never beyond a full bucket.
	//
	// Errors: EINVALID for an empty key; the context's error when ctx is
	// done.
	Record(ctx context.Context, key string, now time.Time, tokens int64) error

	// Stats returns a snapshot of the counters since the limiter was
	// built.
	Stats() LimiterStats
}

// RateLimits are one key's limits. A zero field means no limit of that
// kind.
type RateLimits struct {
	// RequestsPerMinute is the request bucket's capacity, refilled over a
	// minute.
	RequestsPerMinute int
	// TokensPerDay is the token bucket's capacity, refilled over 24 hours.
	TokensPerDay int64
}

// RateCost is what a request takes from a Limiter's buckets.
type RateCost struct {
	// Requests is usually 1; a batch may count as more.
	Requests int
	// Tokens is the number of model tokens known at admission.
	Tokens int64
}

// RateDecision is a Limiter's answer.
type RateDecision struct {
	// Allowed reports whether the request may proceed; if so its cost has
	// been charged.
	Allowed bool
	// RetryAfter is, when !Allowed, how long until the same request would
	// be allowed (if nothing else is charged meanwhile). The HTTP layer
	// rounds it up to whole seconds for Retry-After.
	RetryAfter time.Duration
	// Limits are the key's limits, for X-RateLimit-Limit style headers.
	Limits RateLimits
	// RemainingRequests and RemainingTokens are what the buckets hold
	// after this decision, or -1 when that kind is unlimited or unknown
	// (a degraded decision).
	RemainingRequests int
	RemainingTokens   int64
	// Degraded reports that the backend failed and the decision came from
	// the backend's fallback policy.
	Degraded bool
	// FailedClosed reports a refusal of a fail-closed policy: the backend
	// failed and the policy refuses every request, so the refusal says
	// nothing about the key's usage (an HTTP layer answers 503, not 429).
	FailedClosed bool
}

// LimiterStats are monotonically increasing counters for the metrics
// layer.
type LimiterStats struct {
	// Allowed and Denied count Allow decisions (degraded ones included).
	Allowed, Denied uint64
	// Errors counts backend failures, each answered by the fallback policy.
	Errors uint64
	// Evictions counts keys dropped from memory while their buckets were
	// still not full (forgiving their usage) because of a bound on the
	// keys kept. Dropping a key with full buckets loses nothing and is not
	// counted.
	Evictions uint64
}
