package cache

import (
	"container/list"
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/papersum/papersum"
)

// LRUConfig configures NewLRU.
type LRUConfig struct {
	// MaxEntries bounds the number of entries. Default 10000.
	MaxEntries int
	// MaxBytes bounds the bytes held (keys plus values). A value larger
	// than MaxBytes is not stored. Default 256 MiB.
	MaxBytes int64
	// Clock decides expiry. Default papersum.SystemClock.
	Clock papersum.Clock
}

// WithDefaults returns c with every zero field set to its default.
func (c LRUConfig) WithDefaults() LRUConfig {
	if c.MaxEntries == 0 {
		c.MaxEntries = 10000
	}
	if c.MaxBytes == 0 {
		c.MaxBytes = 256 << 20
	}
	if c.Clock == nil {
		c.Clock = papersum.SystemClock{}
	}
	return c
}

func (c LRUConfig) validate() error {
	if c.MaxEntries < 0 {
		return papersum.Errorf(papersum.EINVALID, "cache: MaxEntries %d is negative", c.MaxEntries)
	}
	if c.MaxBytes < 0 {
		return papersum.Errorf(papersum.EINVALID, "cache: MaxBytes %d is negative", c.MaxBytes)
	}
	return nil
}

// LRU is an in-process Cache that drops the least recently used entries
// when it is over MaxEntries or MaxBytes.
//
// It is a map plus a container/list rather than hashicorp/golang-lru: that
// library bounds only the entry count and its expirable variant has one TTL
// for all entries and reads the wall clock, whereas results range from a
// few KB to a few MB (so bytes must be bounded), each Set carries its own
// TTL, and tests drive expiry with an injected Clock. The whole thing is
// about a hundred lines.
type LRU struct {
	cfg LRUConfig
	st  counters

	mu    sync.Mutex
	ll    *list.List // front = most recently used; elements hold *lruEntry
	items map[string]*list.Element
	bytes int64
}

type lruEntry struct {
	key     string
	value   []byte
	expires time.Time // zero: never
}

func (e *lruEntry) size() int64 { return int64(len(e.key) + len(e.value)) }

// NewLRU returns an empty LRU. Errors: EINVALID for a negative bound.
func NewLRU(cfg LRUConfig) (*LRU, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &LRU{cfg: cfg, ll: list.New(), items: make(map[string]*list.Element)}, nil
}

// Get implements Cache.
func (c *LRU) Get(ctx context.Context, key Key) ([]byte, bool, error) {
	if err := key.Validate(); err != nil {
		return nil, false, err
	}
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	k := key.String()
	now := c.cfg.Clock.Now()

	c.mu.Lock()
	el, ok := c.items[k]
	if !ok {
		c.mu.Unlock()
		c.st.misses.Add(1)
		return nil, false, nil
	}
	e := el.Value.(*lruEntry)
	if !e.expires.IsZero() && !now.Before(e.expires) {
		// Expired entries are dropped when met, so they stop using
		// memory; ones never read again leave through the back of the
		// list like any other cold entry.
		c.remove(el)
		c.mu.Unlock()
		c.st.misses.Add(1)
		return nil, false, nil
	}
	c.ll.MoveToFront(el)
	// Copy under the lock: the entry's slice is never mutated, but the
	// copy keeps callers from mutating what other readers will get.
	v := append([]byte(nil), e.value...)
	c.mu.Unlock()
	c.st.hits.Add(1)
	if v == nil {
		v = []byte{}
	}
	return v, true, nil
}

// Set implements Cache.
func (c *LRU) Set(ctx context.Context, key Key, value []byte, ttl time.Duration) error {
	if err := validateSet(key, ttl); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	now := c.cfg.Clock.Now()
	e := &lruEntry{key: key.String(), value: append([]byte(nil), value...)}
	if ttl > 0 {
		e.expires = now.Add(ttl)
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.items[e.key]; ok {
		c.remove(old)
	}
	if e.size() > c.cfg.MaxBytes {
		// Too big to ever fit: storing it would only flush everything
		// else. The stale value, if any, was removed above.
		return nil
	}
	c.items[e.key] = c.ll.PushFront(e)
	c.bytes += e.size()
	for c.ll.Len() > c.cfg.MaxEntries || c.bytes > c.cfg.MaxBytes {
		back := c.ll.Back()
		exp := back.Value.(*lruEntry).expires
		c.remove(back)
		// Only live entries count: dropping an expired one loses nothing.
		if exp.IsZero() || now.Before(exp) {
			c.st.evictions.Add(1)
		}
	}
	return nil
}

// remove unlinks el. The caller holds c.mu.
func (c *LRU) remove(el *list.Element) {
	e := c.ll.Remove(el).(*lruEntry)
	delete(c.items, e.key)
	c.bytes -= e.size()
}

// Stats implements Cache.
func (c *LRU) Stats() Stats { return c.st.snapshot() }

// Len returns the number of entries held, expired ones included until they
// are met or evicted.
func (c *LRU) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ll.Len()
}

// Bytes returns the bytes held (keys plus values).
func (c *LRU) Bytes() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bytes
}

// String describes the cache's bounds, for start-up logs.
func (c *LRU) String() string {
	return fmt.Sprintf("lru(max_entries=%d, max_bytes=%d)", c.cfg.MaxEntries, c.cfg.MaxBytes)
}

var _ Cache = (*LRU)(nil)
