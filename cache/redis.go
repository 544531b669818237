package cache

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/papersum/papersum"
	"github.com/redis/go-redis/v9"
)

// RedisConfig configures NewRedis.
type RedisConfig struct {
	// Prefix is put before every Redis key, so that papersum's entries
	// (and different deployments or tests sharing one Redis) stay apart.
	// Default "papersum:cache:".
	Prefix string
	// Timeout bounds each Redis call. Past it the call counts as a backend
	// error and degrades to a miss, so a slow Redis costs a request at
	// most this much. It should exceed the time to move the largest value
	// (a few MB) over the network. Default 250ms.
	Timeout time.Duration
	// Logger receives one warning per degraded call. Default: discard.
	Logger *slog.Logger
	// OnDegraded, when set, is called once per call that Redis failed
	// and that was answered as a miss ("get") or skipped ("set"), for a
	// metric. Default: none.
	OnDegraded func(op string)
}

// WithDefaults returns c with every zero field set to its default.
func (c RedisConfig) WithDefaults() RedisConfig {
	if c.Prefix == "" {
		c.Prefix = "papersum:cache:"
	}
	if c.Timeout == 0 {
		c.Timeout = 250 * time.Millisecond
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

func (c RedisConfig) validate() error {
	if c.Timeout < 0 {
		return papersum.Errorf(papersum.EINVALID, "cache: negative Redis timeout %s", c.Timeout)
	}
	return nil
}

// Redis is a Cache in Redis, shared by every replica that points at the
// same server. Values are stored as plain strings under Prefix+Key.String()
// with the TTL set by the same SET command, so expiry is Redis's.
//
// Redis failures never fail a request: Get reports a miss and Set does
// nothing, and both count the failure in Stats.Errors and log it. A cache
// is an optimisation, so an outage should cost money and latency, not
// availability. The one exception is a done ctx, whose error is returned,
// because then the caller has given up and the failure is not Redis's.
type Redis struct {
	client *redis.Client
	cfg    RedisConfig
	st     counters
}

// NewRedis returns a Cache over client, which the caller owns (and
// closes). It does not contact Redis: an unreachable server shows up as
// errors in Stats, not as a start-up failure, for the reason above.
// Errors: EINVALID for a nil client or a negative timeout.
func NewRedis(client *redis.Client, cfg RedisConfig) (*Redis, error) {
	if client == nil {
		return nil, papersum.Errorf(papersum.EINVALID, "cache: nil Redis client")
	}
	cfg = cfg.WithDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &Redis{client: client, cfg: cfg}, nil
}

// Get implements Cache.
func (c *Redis) Get(ctx context.Context, key Key) ([]byte, bool, error) {
	if err := key.Validate(); err != nil {
		return nil, false, err
	}
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	cctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	v, err := c.client.Get(cctx, c.cfg.Prefix+key.String()).Bytes()
	switch {
	case err == nil:
		c.st.hits.Add(1)
		return v, true, nil
	case errors.Is(err, redis.Nil):
		c.st.misses.Add(1)
		return nil, false, nil
	case ctx.Err() != nil:
		return nil, false, ctx.Err()
	}
	c.degraded("get", err)
	c.st.misses.Add(1)
	return nil, false, nil
}

// Set implements Cache.
func (c *Redis) Set(ctx context.Context, key Key, value []byte, ttl time.Duration) error {
	if err := validateSet(key, ttl); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	cctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	// go-redis sends the value as it is (no copy is kept), and ttl 0 means
	// no expiry, which is the Cache contract.
	err := c.client.Set(cctx, c.cfg.Prefix+key.String(), value, ttl).Err()
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return ctx.Err()
	}
	c.degraded("set", err)
	return nil
}

func (c *Redis) degraded(op string, err error) {
	c.st.errors.Add(1)
	c.cfg.Logger.Warn("redis cache call failed; degraded to a miss", "op", op, "err", err)
	if c.cfg.OnDegraded != nil {
		c.cfg.OnDegraded(op)
	}
}

// Stats implements Cache. Evictions is always 0: Redis evicts by its own
// maxmemory policy and reports that in INFO stats.
func (c *Redis) Stats() Stats { return c.st.snapshot() }

var _ Cache = (*Redis)(nil)
