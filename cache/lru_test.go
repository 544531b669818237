package cache_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/cache"
	"github.com/papersum/papersum/cache/cachetest"
)

func TestLRUConformance(t *testing.T) {
	cachetest.Exercise(t, func(t *testing.T) cachetest.Harness {
		clock := newFakeClock()
		c, err := cache.NewLRU(cache.LRUConfig{Clock: clock})
		if err != nil {
			t.Fatal(err)
		}
		return cachetest.Harness{Cache: c, Advance: clock.Advance}
	})
}

func newLRU(t *testing.T, cfg cache.LRUConfig) *cache.LRU {
	t.Helper()
	c, err := cache.NewLRU(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func has(t *testing.T, c cache.Cache, k cache.Key) bool {
	t.Helper()
	_, ok, err := c.Get(context.Background(), k)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

func set(t *testing.T, c cache.Cache, k cache.Key, v string, ttl time.Duration) {
	t.Helper()
	if err := c.Set(context.Background(), k, []byte(v), ttl); err != nil {
		t.Fatal(err)
	}
}

func TestLRUEvictsLeastRecentlyUsedByCount(t *testing.T) {
	c := newLRU(t, cache.LRUConfig{MaxEntries: 2})
	a, b, d := cachetest.K("a"), cachetest.K("b"), cachetest.K("d")
	set(t, c, a, "a", 0)
	set(t, c, b, "b", 0)
	if !has(t, c, a) { // a is now the most recently used
		t.Fatal("a missing")
	}
	set(t, c, d, "d", 0)
	if has(t, c, b) {
		t.Error("b survived; it was the least recently used")
	}
	if !has(t, c, a) || !has(t, c, d) {
		t.Error("a or d evicted")
	}
	if got := c.Stats().Evictions; got != 1 {
		t.Errorf("Evictions = %d, want 1", got)
	}
	if c.Len() != 2 {
		t.Errorf("Len = %d, want 2", c.Len())
	}
}

func TestLRUEvictsByBytes(t *testing.T) {
	// Each entry is a 64-byte key plus its value.
	c := newLRU(t, cache.LRUConfig{MaxBytes: 3 * (64 + 100)})
	for _, s := range []string{"1", "2", "3"} {
		set(t, c, cachetest.K(s), strings.Repeat("x", 100), 0)
	}
	if c.Stats().Evictions != 0 || c.Bytes() != 3*164 {
		t.Fatalf("full cache: evictions %d, bytes %d", c.Stats().Evictions, c.Bytes())
	}
	// A value twice as big pushes out the two oldest.
	set(t, c, cachetest.K("4"), strings.Repeat("x", 200), 0)
	if has(t, c, cachetest.K("1")) || has(t, c, cachetest.K("2")) {
		t.Error("oldest entries kept")
	}
	if !has(t, c, cachetest.K("3")) || !has(t, c, cachetest.K("4")) {
		t.Error("newest entries dropped")
	}
	if got := c.Stats().Evictions; got != 2 {
		t.Errorf("Evictions = %d, want 2", got)
	}
	if c.Bytes() > 3*164 {
		t.Errorf("Bytes = %d over MaxBytes", c.Bytes())
	}
}

func TestLRUOversizedValueNotStored(t *testing.T) {
	c := newLRU(t, cache.LRUConfig{MaxBytes: 1000})
	k := cachetest.K("big")
	set(t, c, k, "small", 0)
	set(t, c, cachetest.K("other"), "o", 0)
	set(t, c, k, strings.Repeat("x", 1000), 0)
	if has(t, c, k) {
		t.Error("oversized value stored (or the stale one kept)")
	}
	if !has(t, c, cachetest.K("other")) {
		t.Error("oversized value flushed other entries")
	}
	if c.Stats().Evictions != 0 {
		t.Errorf("Evictions = %d, want 0", c.Stats().Evictions)
	}
}

func TestLRUExpiryBoundary(t *testing.T) {
	clock := newFakeClock()
	c := newLRU(t, cache.LRUConfig{Clock: clock})
	k := cachetest.K("ttl")
	set(t, c, k, "v", time.Minute)
	clock.Advance(time.Minute - time.Nanosecond)
	if !has(t, c, k) {
		t.Fatal("expired early")
	}
	clock.Advance(time.Nanosecond)
	if has(t, c, k) {
		t.Fatal("alive at its expiry instant")
	}
	if c.Len() != 0 {
		t.Errorf("expired entry kept after a Get met it: Len = %d", c.Len())
	}
}

func TestLRUExpiredEntriesAreNotCountedAsEvictions(t *testing.T) {
	clock := newFakeClock()
	c := newLRU(t, cache.LRUConfig{MaxEntries: 1, Clock: clock})
	set(t, c, cachetest.K("a"), "a", time.Second)
	clock.Advance(time.Hour)
	set(t, c, cachetest.K("b"), "b", 0)
	if got := c.Stats().Evictions; got != 0 {
		t.Errorf("Evictions = %d, want 0 (the dropped entry had expired)", got)
	}
}

func TestLRUConfigValidation(t *testing.T) {
	for _, cfg := range []cache.LRUConfig{{MaxEntries: -1}, {MaxBytes: -1}} {
		if _, err := cache.NewLRU(cfg); papersum.ErrorCode(err) != papersum.EINVALID {
			t.Errorf("NewLRU(%+v) error = %v, want EINVALID", cfg, err)
		}
	}
	c := newLRU(t, cache.LRUConfig{})
	if got := c.String(); got != "lru(max_entries=10000, max_bytes=268435456)" {
		t.Errorf("defaults: %s", got)
	}
}

func TestKeyStringIsStable(t *testing.T) {
	// Replicas and releases must agree on keys, or a shared Redis cache
	// never hits: this value may change only with papersum's cacheKeyVersion.
	k := cache.Key{PaperHash: "p", ConfigHash: "c", PromptVersions: "v"}
	// sha256 over the 8-byte big-endian length-prefixed fields
	// "papersum-cache-v1", "p", "c", "v", computed independently in Python.
	const want = "507990ad33d184a214527cfb35345fb633a3c1a5815e3bbb5f7b0aa05fc4ca3b"
	if got := k.String(); got != want {
		t.Fatalf("Key.String() = %s, want %s", got, want)
	}
}
