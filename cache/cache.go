package cache

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/papersum/papersum"
)

// Cache stores finished results by Key. Implementations are safe for
// concurrent use.
type Cache interface {
	// Get returns the value stored under key and true, or nil and false on
	// a miss. An expired entry is a miss. The returned slice belongs to the
	// caller.
	//
	// Errors: EINVALID for an invalid key; the context's error when ctx is
	// done. A backend failure is not an error: it is reported as a miss and
	// counted in Stats.Errors.
	Get(ctx context.Context, key Key) ([]byte, bool, error)

	// Set stores a copy of value under key for ttl; ttl 0 means no expiry
	// (the entry lives until evicted). Storing is best effort: a backend
	// failure, or a value too large for the cache, is not an error.
	//
	// Errors: EINVALID for an invalid key or a negative ttl; the context's
	// error when ctx is done.
	Set(ctx context.Context, key Key, value []byte, ttl time.Duration) error

	// Stats returns a snapshot of the counters since the cache was built.
	Stats() Stats
}

// Stats are monotonically increasing counters, read by the metrics layer
// (as Prometheus counter funcs) and by tests.
type Stats struct {
	// Hits counts Gets that found a live entry.
	Hits uint64
	// Misses counts Gets that found nothing, including expired entries
	// and Gets turned into misses by a backend error.
	Misses uint64
	// Errors counts backend failures (Redis unreachable, timed out, ...),
	// each of which was degraded to a miss or a skipped Set.
	Errors uint64
	// Evictions counts live entries dropped to make room (LRU only; Redis
	// evicts by its own maxmemory policy, which it reports itself).
	Evictions uint64
}

// Key identifies a cached result by everything that determines it; it
// is the root's papersum.CacheKey, so that a Cache is the service's
// papersum.ResultCache.
type Key = papersum.CacheKey

func validateSet(key Key, ttl time.Duration) error {
	if err := key.Validate(); err != nil {
		return err
	}
	if ttl < 0 {
		return papersum.Errorf(papersum.EINVALID, "cache: negative ttl %s", ttl)
	}
	return nil
}

// counters are the atomic counters behind Stats, shared by both backends.
type counters struct {
	hits, misses, errors, evictions atomic.Uint64
}

func (c *counters) snapshot() Stats {
	return Stats{
		Hits:      c.hits.Load(),
		Misses:    c.misses.Load(),
		Errors:    c.errors.Load(),
		Evictions: c.evictions.Load(),
	}
}
