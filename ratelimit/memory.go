package ratelimit

import (
	"container/list"
	"context"
	"sync"
	"time"

	"github.com/papersum/papersum"
)

// MemoryConfig configures NewMemory.
type MemoryConfig struct {
	// Limits returns a key's limits; it is called on every Allow and
	// Record, so it should be cheap (see PerKey). Required.
	Limits func(key string) Limits
	// MaxKeys bounds the keys held. Keys with full buckets are dropped
	// first and for free; past the bound the least recently charged key is
	// dropped even if not full, which forgives its usage (counted in
	// Stats.Evictions). Default 100000 (roughly 20 MB).
	MaxKeys int
}

// WithDefaults returns c with every zero field set to its default.
func (c MemoryConfig) WithDefaults() MemoryConfig {
	if c.MaxKeys == 0 {
		c.MaxKeys = 100000
	}
	return c
}

func (c MemoryConfig) validate() error {
	if c.Limits == nil {
		return papersum.Errorf(papersum.EINVALID, "rate limit: no Limits function")
	}
	if c.MaxKeys < 0 {
		return papersum.Errorf(papersum.EINVALID, "rate limit: MaxKeys %d is negative", c.MaxKeys)
	}
	return nil
}

// Memory is an in-process Limiter: each replica limits on its own. Use it
// for a single process, or as the Redis limiter's Fallback.
//
// Keys sit in a list ordered by last charge. Each call drops idle keys
// from its cold end, so memory tracks the keys active within the last
// period (a day for token limits) rather than every key ever seen.
type Memory struct {
	cfg MemoryConfig
	st  counters

	mu    sync.Mutex
	ll    *list.List // front = most recently charged; elements hold *memEntry
	items map[string]*list.Element
}

type memEntry struct {
	key string
	s   state
}

// NewMemory returns an in-process Limiter. Errors: EINVALID for a missing
// Limits function or a negative MaxKeys.
func NewMemory(cfg MemoryConfig) (*Memory, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &Memory{cfg: cfg, ll: list.New(), items: make(map[string]*list.Element)}, nil
}

// Allow implements Limiter.
func (m *Memory) Allow(ctx context.Context, key string, now time.Time, cost Cost) (Decision, error) {
	l := m.cfg.Limits(key)
	p, err := allowPlan(key, l, cost)
	if err != nil {
		return Decision{}, err
	}
	if err := ctx.Err(); err != nil {
		return Decision{}, err
	}
	if p.unlimited() {
		d := decision(l, 0, 0, 0)
		m.st.count(d)
		return d, nil
	}
	us := now.UnixMicro()
	s, wait := m.charge(key, us, p, true)
	d := decision(l, wait, s.req-us, s.tok-us)
	m.st.count(d)
	return d, nil
}

// Record implements Limiter.
func (m *Memory) Record(ctx context.Context, key string, now time.Time, tokens int64) error {
	if key == "" {
		return papersum.Errorf(papersum.EINVALID, "rate limit: empty key")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	l := m.cfg.Limits(key)
	if err := validateLimits(l); err != nil {
		return err
	}
	if l.TokensPerDay == 0 || tokens == 0 {
		return nil
	}
	m.charge(key, now.UnixMicro(), plan{tokPeriod: day, tokInc: increment(tokens, day, l.TokensPerDay)}, false)
	return nil
}

// charge applies p to key's state under the lock and returns the state
// after the call and the wait (0 = charged).
func (m *Memory) charge(key string, now int64, p plan, enforce bool) (state, int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	el := m.items[key]
	var old state
	if el != nil {
		old = el.Value.(*memEntry).s
	}
	s, wait := apply(old, now, p, enforce)
	switch {
	case wait > 0:
		// Nothing charged: neither the state nor the key's recency moves.
	case s.idle(now):
		if el != nil {
			m.remove(el)
		}
	case el != nil:
		el.Value.(*memEntry).s = s
		m.ll.MoveToFront(el)
	default:
		m.items[key] = m.ll.PushFront(&memEntry{key: key, s: s})
	}
	m.trim(now)
	return s, wait
}

// carry sets key's buckets to s, the level another limiter (Redis) last
// reported, so that this limiter, as its fallback, starts from there.
func (m *Memory) carry(key string, now int64, s state) {
	m.mu.Lock()
	defer m.mu.Unlock()
	el := m.items[key]
	switch {
	case s.idle(now):
		if el != nil {
			m.remove(el)
		}
	case el != nil:
		el.Value.(*memEntry).s = s
		m.ll.MoveToFront(el)
	default:
		m.items[key] = m.ll.PushFront(&memEntry{key: key, s: s})
	}
	m.trim(now)
}

// trim drops idle keys from the cold end (a couple per call, which keeps
// pace with insertions) and then enforces MaxKeys. The caller holds m.mu.
func (m *Memory) trim(now int64) {
	for range 2 {
		back := m.ll.Back()
		if back == nil || !back.Value.(*memEntry).s.idle(now) {
			break
		}
		m.remove(back)
	}
	for m.ll.Len() > m.cfg.MaxKeys {
		back := m.ll.Back()
		if !back.Value.(*memEntry).s.idle(now) {
			m.st.evictions.Add(1)
		}
		m.remove(back)
	}
}

func (m *Memory) remove(el *list.Element) {
	delete(m.items, m.ll.Remove(el).(*memEntry).key)
}

// Len returns the number of keys held.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.ll.Len()
}

// Stats implements Limiter.
func (m *Memory) Stats() Stats { return m.st.snapshot() }

var _ Limiter = (*Memory)(nil)
