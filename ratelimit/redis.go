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
	// Fallback answers while Redis fails. Default nil: fail open (allow,
	// with Decision.Degraded set). An in-process limiter here keeps a
	// per-replica limit in force during an outage instead, at the price of
	// the limit being per replica until Redis is back.
	Fallback Limiter
	// Logger receives one warning per failed Redis call. Default: discard.
	Logger *slog.Logger
}

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
	return c
}

func (c RedisConfig) validate() error {
	if c.Limits == nil {
		return papersum.Errorf(papersum.EINVALID, "rate limit: no Limits function")
	}
	if c.Timeout < 0 {
		return papersum.Errorf(papersum.EINVALID, "rate limit: negative Redis timeout %s", c.Timeout)
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
// A Redis failure (unreachable, timed out) never fails a request: Allow
// answers with the Fallback or, by default, allows (fail-open); Record is
// passed to the Fallback or dropped. Both count the failure in
// Stats.Errors and log it. A done ctx is the exception: its error is
// returned, because the caller has given up.
type Redis struct {
	client *redis.Client
	cfg    RedisConfig
	st     counters
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
	return &Redis{client: client, cfg: cfg}, nil
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
		if r.cfg.Fallback != nil {
			if d, err = r.cfg.Fallback.Allow(ctx, key, now, cost); err != nil {
				return Decision{}, err
			}
		}
		d.Degraded = true
		r.st.count(d)
		return d, nil
	}
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
	if _, err := r.run(ctx, key, now, p, false); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		r.failed("record", err)
		if r.cfg.Fallback != nil {
			return r.cfg.Fallback.Record(ctx, key, now, tokens)
		}
	}
	return nil
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
	r.cfg.Logger.Warn("redis rate limiter call failed; using the fallback policy", "op", op, "err", err)
}

// Stats implements Limiter. Evictions is always 0: Redis expires idle keys
// by itself.
func (r *Redis) Stats() Stats { return r.st.snapshot() }

var _ Limiter = (*Redis)(nil)
