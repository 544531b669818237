package ratelimit

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"log/slog"
	"time"

	"github.com/papersum/papersum"
	"github.com/redis/go-redis/v9"
)

//go:embed gcra.lua
var gcraLua string

// gcraScript is immutable (its source and SHA), so sharing it between
// limiters is safe; go-redis sends EVALSHA and falls back to EVAL once per
// server that has not seen it.
var gcraScript = redis.NewScript(gcraLua)

// RedisConfig configures NewRedis.
type RedisConfig struct {
	// Limits returns a key's limits; it is called on every Allow and
	// Record, so it should be cheap (see PerKey). Required.
	Limits func(key string) Limits
	// Prefix is put before every Redis key. Replicas that must share
	// limits need the same Prefix. Default "papersum:ratelimit:".
	Prefix string
	// Timeout bounds each Redis call; past it the call counts as a
	// backend failure. It is the most a Redis problem adds to a request.
	// Default 100ms.
	Timeout time.Duration
	// Policy is what Allow answers while Redis fails (see Policy).
	// Default: PolicyLocal when Fallback is set, PolicyOpen otherwise.
	Policy Policy
	// Fallback answers while Redis fails, under PolicyLocal, where it is
	// required. When it is a *Memory, every answer of Redis is copied
	// into it (the key's last known level), so that an outage starts
	// from where each key stood rather than from a full bucket. Default:
	// nil.
	Fallback Limiter
	// ClosedRetryAfter is the RetryAfter of a refusal under PolicyClosed.
	// Default DefaultClosedRetryAfter (5s).
	ClosedRetryAfter time.Duration
	// OnDegraded, when set, is called once for every decision or record
	// that Redis could not make and the policy made instead (for a
	// metric), with the operation: "allow" or "record". Default: none.
	OnDegraded func(op string)
	// Logger receives one warning per failed Redis call. Default: discard.
	Logger *slog.Logger
}

// Policy is what a Redis limiter does while Redis fails.
type Policy string

// The policies.
const (
	// PolicyLocal answers from the in-process Fallback: each replica
	// enforces the limit on its own until Redis is back, so with N
	// replicas a key may get up to N times its limit meanwhile.
	PolicyLocal Policy = "local"
	// PolicyOpen allows every request: an outage of the limiter's store
	// never becomes an outage of the API, and no limit holds meanwhile.
	PolicyOpen Policy = "open"
	// PolicyClosed refuses every request (Decision.Degraded, not
	// Allowed, RetryAfter ClosedRetryAfter): no request escapes the
	// shared limit, and the API is down for keyed requests meanwhile.
	PolicyClosed Policy = "closed"
)

// Policies are the policies, in the order of the serve flag's help.
var Policies = []Policy{PolicyLocal, PolicyOpen, PolicyClosed}

// DefaultClosedRetryAfter is RedisConfig.ClosedRetryAfter.
const DefaultClosedRetryAfter = 5 * time.Second

// WithDefaults returns c with every zero field set to its default.
func (c RedisConfig) WithDefaults() RedisConfig {
	if c.Prefix == "" {
		c.Prefix = "papersum:ratelimit:"
	}
	if c.Timeout == 0 {
		c.Timeout = 100 * time.Millisecond
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Policy == "" {
		c.Policy = PolicyOpen
		if c.Fallback != nil {
			c.Policy = PolicyLocal
		}
	}
	if c.ClosedRetryAfter == 0 {
		c.ClosedRetryAfter = DefaultClosedRetryAfter
	}
	return c
}

func (c RedisConfig) validate() error {
	if c.Limits == nil {
		return papersum.Errorf(papersum.EINVALID, "rate limit: no Limits function")
	}
	if c.Timeout < 0 {
		return papersum.Errorf(papersum.EINVALID, "rate limit: negative Redis timeout %s", c.Timeout)
	}
	if c.ClosedRetryAfter < 0 {
		return papersum.Errorf(papersum.EINVALID, "rate limit: negative ClosedRetryAfter %s", c.ClosedRetryAfter)
	}
	switch c.Policy {
	case PolicyLocal:
		if c.Fallback == nil {
			return papersum.Errorf(papersum.EINVALID, "rate limit: policy %q needs a Fallback limiter", c.Policy)
		}
	case PolicyOpen, PolicyClosed:
	default:
		return papersum.Errorf(papersum.EINVALID, "rate limit: unknown policy %q; want local, open or closed", c.Policy)
	}
	return nil
}

// Redis is a Limiter whose state lives in Redis, so every replica pointing
// at the same server (and Prefix) enforces one limit per key. Each call is
// one EVALSHA of gcra.lua on one key, so it is atomic and works on Redis
// Cluster too.
//
// Keys are stored as Prefix plus a SHA-256 of the API key, so that a
// caller passing the API key itself does not leave secrets in Redis.
//
// A Redis failure (unreachable, timed out) is never an error: Allow
// answers by the Policy (the Fallback, allow, or refuse), with
// Decision.Degraded set; Record is passed to the Fallback under
// PolicyLocal and dropped otherwise. Both count the failure in
// Stats.Errors, log it and call OnDegraded. A done ctx is the exception:
// its error is returned, because the caller has given up.
type Redis struct {
	client *redis.Client
	cfg    RedisConfig
	st     counters
	// carry is the Fallback when it keeps each key's last known level.
	carry carrier
}

// carrier is a limiter that can be told a key's buckets, as Redis last
// answered them.
type carrier interface {
	carry(key string, now int64, s state)
}

// NewRedis returns a Limiter over client, which the caller owns (and
// closes). It does not contact Redis, so that an unreachable server shows
// up as degraded decisions, not as a start-up failure. Errors: EINVALID
// for a nil client, a missing Limits function or a negative timeout.
func NewRedis(client *redis.Client, cfg RedisConfig) (*Redis, error) {
	if client == nil {
		return nil, papersum.Errorf(papersum.EINVALID, "rate limit: nil Redis client")
	}
	cfg = cfg.WithDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	r := &Redis{client: client, cfg: cfg}
	if c, ok := cfg.Fallback.(carrier); ok && cfg.Policy == PolicyLocal {
		r.carry = c
	}
	return r, nil
}

// Key returns the Redis key that holds key's buckets.
func (r *Redis) Key(key string) string {
	h := sha256.Sum256([]byte(key))
	return r.cfg.Prefix + hex.EncodeToString(h[:16])
}

// Allow implements Limiter.
func (r *Redis) Allow(ctx context.Context, key string, now time.Time, cost Cost) (Decision, error) {
	l := r.cfg.Limits(key)
	p, err := allowPlan(key, l, cost)
	if err != nil {
		return Decision{}, err
	}
	if err := ctx.Err(); err != nil {
		return Decision{}, err
	}
	if p.unlimited() {
		d := decision(l, 0, 0, 0)
		r.st.count(d)
		return d, nil
	}
	res, err := r.run(ctx, key, now, p, true)
	if err != nil {
		if ctx.Err() != nil {
			return Decision{}, ctx.Err()
		}
		r.failed("allow", err)
		d := Decision{Allowed: true, Limits: l, RemainingRequests: -1, RemainingTokens: -1}
		switch r.cfg.Policy {
		case PolicyLocal:
			if d, err = r.cfg.Fallback.Allow(ctx, key, now, cost); err != nil {
				return Decision{}, err
			}
		case PolicyClosed:
			d.Allowed, d.RetryAfter, d.FailedClosed = false, r.cfg.ClosedRetryAfter, true
		}
		d.Degraded = true
		r.st.count(d)
		return d, nil
	}
	r.carried(key, now, res)
	d := decision(l, res[0], res[1], res[2])
	r.st.count(d)
	return d, nil
}

// Record implements Limiter.
func (r *Redis) Record(ctx context.Context, key string, now time.Time, tokens int64) error {
	if key == "" {
		return papersum.Errorf(papersum.EINVALID, "rate limit: empty key")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	l := r.cfg.Limits(key)
	if err := validateLimits(l); err != nil {
		return err
	}
	if l.TokensPerDay == 0 || tokens == 0 {
		return nil
	}
	p := plan{tokPeriod: day, tokInc: increment(tokens, day, l.TokensPerDay)}
	res, err := r.run(ctx, key, now, p, false)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		r.failed("record", err)
		if r.cfg.Policy == PolicyLocal {
			return r.cfg.Fallback.Record(ctx, key, now, tokens)
		}
		return nil
	}
	r.carried(key, now, res)
	return nil
}

// carried copies the level Redis answered for key into the Fallback. It
// costs one map write under the Fallback's lock per call, and the
// Fallback's MaxKeys bounds its memory; without it every outage would give
// each key a full bucket again.
func (r *Redis) carried(key string, now time.Time, res [3]int64) {
	if r.carry == nil {
		return
	}
	us := now.UnixMicro()
	r.carry.carry(key, us, state{req: us + res[1], tok: us + res[2]})
}

// run executes the script and returns {wait, reqAhead, tokAhead} in µs.
func (r *Redis) run(ctx context.Context, key string, now time.Time, p plan, enforce bool) ([3]int64, error) {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	defer cancel()
	enf := "0"
	if enforce {
		enf = "1"
	}
	vals, err := gcraScript.Run(ctx, r.client, []string{r.Key(key)},
		now.UnixMicro(), enf, p.reqInc, p.reqPeriod, p.tokInc, p.tokPeriod).Int64Slice()
	if err != nil {
		return [3]int64{}, err
	}
	if len(vals) != 3 {
		return [3]int64{}, fmt.Errorf("rate limit script returned %d values, want 3", len(vals))
	}
	return [3]int64{vals[0], vals[1], vals[2]}, nil
}

func (r *Redis) failed(op string, err error) {
	r.st.errors.Add(1)
	r.cfg.Logger.Warn("redis rate limiter call failed; using the fallback policy", "op", op, "policy", string(r.cfg.Policy), "err", err)
	if r.cfg.OnDegraded != nil {
		r.cfg.OnDegraded(op)
	}
}

// Stats implements Limiter. Evictions is always 0: Redis expires idle keys
// by itself.
func (r *Redis) Stats() Stats { return r.st.snapshot() }

var _ Limiter = (*Redis)(nil)
