package ratelimit

import (
	"context"
	"math"
	"math/bits"
	"sync/atomic"
	"time"

	"github.com/papersum/papersum"
)

// Limiter decides whether a key's requests may proceed. Implementations
// are safe for concurrent use.
type Limiter interface {
	// Allow charges cost to key's buckets at time now if both have room,
	// and reports the decision. A denied request charges nothing.
	// Cost.Tokens is the estimate known up front (e.g. the prompt); the
	// rest is charged later with Record.
	//
	// Errors: EINVALID for an empty key, negative cost or limits, or a
	// cost larger than the key's limit (it could never be allowed); the
	// context's error when ctx is done. A backend failure is not an error:
	// see the backend's documentation.
	Allow(ctx context.Context, key string, now time.Time, cost Cost) (Decision, error)

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
	Stats() Stats
}

// Limits are one key's limits. A zero field means no limit of that kind.
type Limits struct {
	// RequestsPerMinute is the request bucket's capacity, refilled over a
	// minute.
	RequestsPerMinute int
	// TokensPerDay is the token bucket's capacity, refilled over 24 hours.
	TokensPerDay int64
}

// Cost is what a request takes from the buckets.
type Cost struct {
	// Requests is usually 1; a batch may count as more.
	Requests int
	// Tokens is the number of model tokens known at admission.
	Tokens int64
}

// Decision is a Limiter's answer.
type Decision struct {
	// Allowed reports whether the request may proceed; if so its cost has
	// been charged.
	Allowed bool
	// RetryAfter is, when !Allowed, how long until the same request would
	// be allowed (if nothing else is charged meanwhile). The HTTP layer
	// rounds it up to whole seconds for Retry-After.
	RetryAfter time.Duration
	// Limits are the key's limits, for X-RateLimit-Limit style headers.
	Limits Limits
	// RemainingRequests and RemainingTokens are what the buckets hold
	// after this decision, or -1 when that kind is unlimited or unknown
	// (a degraded decision).
	RemainingRequests int
	RemainingTokens   int64
	// Degraded reports that the backend failed and the decision came from
	// the fallback policy (see Policy).
	Degraded bool
	// FailedClosed reports a refusal of PolicyClosed: the backend failed
	// and the policy refuses every request, so the refusal says nothing
	// about the key's usage (an HTTP layer answers 503, not 429).
	FailedClosed bool
}

// Stats are monotonically increasing counters for the metrics layer.
type Stats struct {
	// Allowed and Denied count Allow decisions (degraded ones included).
	Allowed, Denied uint64
	// Errors counts backend failures, each answered by the fallback policy.
	Errors uint64
	// Evictions counts keys dropped from memory while their buckets were
	// still not full (forgiving their usage) because MaxKeys was reached.
	// Dropping a key with full buckets loses nothing and is not counted.
	Evictions uint64
}

// PerKey returns a function for MemoryConfig.Limits or RedisConfig.Limits:
// each key's entry in overrides if it has one, def otherwise. overrides is
// not copied and must not be modified afterwards.
func PerKey(def Limits, overrides map[string]Limits) func(key string) Limits {
	return func(key string) Limits {
		if l, ok := overrides[key]; ok {
			return l
		}
		return def
	}
}

const (
	minute = int64(time.Minute / time.Microsecond)
	day    = int64(24 * time.Hour / time.Microsecond)
	// maxDebt caps what one Record can charge, so that the arithmetic
	// cannot overflow; a key that far in debt is blocked for a year
	// either way.
	maxDebt = 365 * day
)

// plan is a call's arithmetic, in microseconds: each bucket's increment
// (the TAT moves by it) and period (its capacity in time; 0 = unlimited).
// Go computes it so that the Lua script only adds and compares integers,
// which keeps the two backends identical.
type plan struct {
	reqInc, reqPeriod int64
	tokInc, tokPeriod int64
}

// increment returns n*period/limit, rounded toward zero, clamped to
// ±maxDebt. Rounding down means a full burst of `limit` always fits.
func increment(n, period, limit int64) int64 {
	if n == 0 || limit <= 0 {
		return 0
	}
	neg := n < 0
	u := uint64(n)
	if neg {
		u = uint64(-n)
	}
	hi, lo := bits.Mul64(u, uint64(period))
	var q uint64
	if hi >= uint64(limit) {
		q = math.MaxUint64
	} else {
		q, _ = bits.Div64(hi, lo, uint64(limit))
	}
	if q > uint64(maxDebt) {
		q = uint64(maxDebt)
	}
	if neg {
		return -int64(q)
	}
	return int64(q)
}

func validateLimits(l Limits) error {
	if l.RequestsPerMinute < 0 || l.TokensPerDay < 0 {
		return papersum.Errorf(papersum.EINVALID, "rate limit: negative limits %+v", l)
	}
	return nil
}

// allowPlan validates an Allow call and returns its plan.
func allowPlan(key string, l Limits, c Cost) (plan, error) {
	if key == "" {
		return plan{}, papersum.Errorf(papersum.EINVALID, "rate limit: empty key")
	}
	if err := validateLimits(l); err != nil {
		return plan{}, err
	}
	if c.Requests < 0 || c.Tokens < 0 {
		return plan{}, papersum.Errorf(papersum.EINVALID, "rate limit: negative cost %+v", c)
	}
	if l.RequestsPerMinute > 0 && c.Requests > l.RequestsPerMinute {
		return plan{}, papersum.Errorf(papersum.EINVALID,
			"request counts as %d requests, more than the limit of %d per minute", c.Requests, l.RequestsPerMinute)
	}
	if l.TokensPerDay > 0 && c.Tokens > l.TokensPerDay {
		return plan{}, papersum.Errorf(papersum.EINVALID,
			"request needs %d tokens, more than the limit of %d per day", c.Tokens, l.TokensPerDay)
	}
	var p plan
	if l.RequestsPerMinute > 0 {
		p.reqPeriod = minute
		p.reqInc = increment(int64(c.Requests), minute, int64(l.RequestsPerMinute))
	}
	if l.TokensPerDay > 0 {
		p.tokPeriod = day
		p.tokInc = increment(c.Tokens, day, l.TokensPerDay)
	}
	return p, nil
}

func (p plan) unlimited() bool { return p.reqPeriod == 0 && p.tokPeriod == 0 }

// state is one key's buckets: their TATs in unix microseconds. A TAT at or
// before now is a full bucket, so the zero state is a new key.
type state struct{ req, tok int64 }

func (s state) idle(now int64) bool { return s.req <= now && s.tok <= now }

// step moves one bucket's TAT by inc. When enforce is set and the result
// would exceed the bucket's capacity, the TAT is unchanged and the wait
// until it would fit is returned. The Lua script mirrors this function.
func step(tat, now, inc, period int64, enforce bool) (newTAT, wait int64) {
	if period == 0 {
		return tat, 0
	}
	n := max(tat, now) + inc
	if n < now { // a refund cannot fill a bucket beyond full
		n = now
	}
	if enforce && n-now > period {
		return tat, n - now - period
	}
	return n, 0
}

// apply runs p against s at now: the decision's new state and the wait
// (0 = allowed). A denied call leaves s as it was.
func apply(s state, now int64, p plan, enforce bool) (state, int64) {
	r, wr := step(s.req, now, p.reqInc, p.reqPeriod, enforce)
	t, wt := step(s.tok, now, p.tokInc, p.tokPeriod, enforce)
	if w := max(wr, wt); w > 0 {
		return s, w
	}
	return state{r, t}, 0
}

// decision builds a Decision from the buckets' fill after the call,
// expressed as how far each TAT is ahead of now (µs).
func decision(l Limits, wait, reqAhead, tokAhead int64) Decision {
	d := Decision{
		Allowed:           wait == 0,
		RetryAfter:        time.Duration(wait) * time.Microsecond,
		Limits:            l,
		RemainingRequests: -1,
		RemainingTokens:   -1,
	}
	if l.RequestsPerMinute > 0 {
		d.RemainingRequests = int(remaining(reqAhead, minute, int64(l.RequestsPerMinute)))
	}
	if l.TokensPerDay > 0 {
		d.RemainingTokens = remaining(tokAhead, day, l.TokensPerDay)
	}
	return d
}

// remaining is how many units of a bucket of limit per period are free
// when its TAT is ahead of now by ahead µs.
func remaining(ahead, period, limit int64) int64 {
	free := period - max(ahead, 0)
	if free <= 0 {
		return 0
	}
	hi, lo := bits.Mul64(uint64(free), uint64(limit))
	q, _ := bits.Div64(hi, lo, uint64(period)) // free ≤ period, so no overflow
	return int64(q)
}

// counters are the atomic counters behind Stats.
type counters struct {
	allowed, denied, errors, evictions atomic.Uint64
}

func (c *counters) count(d Decision) {
	if d.Allowed {
		c.allowed.Add(1)
	} else {
		c.denied.Add(1)
	}
}

func (c *counters) snapshot() Stats {
	return Stats{
		Allowed:   c.allowed.Load(),
		Denied:    c.denied.Load(),
		Errors:    c.errors.Load(),
		Evictions: c.evictions.Load(),
	}
}
