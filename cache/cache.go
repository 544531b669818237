package cache

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
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

// Key identifies a cached result by everything that determines it. Two
// runs with equal Keys produce the same output, so one may be served from
// the other's result.
type Key struct {
	// PaperHash is the content hash of the paper. Required.
	PaperHash string
	// ConfigHash is the hash of the pipeline configuration (model,
	// parameters, stages). Required.
	ConfigHash string
	// PromptVersions names the versions of the prompt templates used, so
	// that editing a prompt invalidates the results it produced. It may be
	// empty for a pipeline without prompts.
	PromptVersions string
}

// keyVersion is mixed into every key so that a change to the key's
// derivation (or to what the cached value means) can invalidate all old
// entries at once by bumping it.
const keyVersion = "papersum-cache-v1"

// String returns the key as 64 hex characters: the SHA-256 of its fields.
// Each field is length-prefixed before hashing, so that fields whose
// concatenations are equal ("ab"+"c" and "a"+"bc") still give different
// keys. It is stable across processes and releases (see keyVersion), which
// is what lets replicas share a Redis cache.
func (k Key) String() string {
	h := sha256.New()
	var n [8]byte
	for _, f := range [...]string{keyVersion, k.PaperHash, k.ConfigHash, k.PromptVersions} {
		binary.BigEndian.PutUint64(n[:], uint64(len(f)))
		h.Write(n[:])
		h.Write([]byte(f))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Validate reports an EINVALID error when a required field is empty.
func (k Key) Validate() error {
	if k.PaperHash == "" {
		return papersum.Errorf(papersum.EINVALID, "cache key: paper hash is empty")
	}
	if k.ConfigHash == "" {
		return papersum.Errorf(papersum.EINVALID, "cache key: config hash is empty")
	}
	return nil
}

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
