package fakeupstream

import (
	"crypto/sha256"
	"encoding/binary"
	"hash/fnv"
	"sync"
	"time"
	"unicode/utf8"
)

// promptCache holds the prompt-cache entries of both APIs: Anthropic
// prefixes ending at a cache_control breakpoint, and OpenAI prefixes at
// 128-token checkpoints. An entry is only its expiry time; the fake needs
// to know that a prefix was seen, not what it was.
type promptCache struct {
	mu      sync.Mutex
	entries map[[sha256.Size]byte]time.Time
	max     int
}

func newPromptCache(max int) *promptCache {
	return &promptCache{entries: make(map[[sha256.Size]byte]time.Time), max: max}
}

// live reports whether key has an entry that has not expired at now.
// Callers hold mu.
func (pc *promptCache) live(key [sha256.Size]byte, now time.Time) bool {
	exp, ok := pc.entries[key]
	return ok && now.Before(exp)
}

// put writes or refreshes key until exp, making room first if the cache
// is full. Callers hold mu.
func (pc *promptCache) put(key [sha256.Size]byte, exp, now time.Time) {
	if _, ok := pc.entries[key]; !ok && len(pc.entries) >= pc.max {
		for k, e := range pc.entries {
			if !now.Before(e) {
				delete(pc.entries, k)
			}
		}
		// Still full: drop arbitrary entries. A fake does not need LRU.
		for k := range pc.entries {
			if len(pc.entries) < pc.max {
				break
			}
			delete(pc.entries, k)
		}
	}
	pc.entries[key] = exp
}

// cacheUsage is how a request's input splits between the cache and not.
type cacheUsage struct {
	input, read, write5m, write1h int64
}

// anthropicCache applies Anthropic's prompt caching to c at now and
// returns the split of its input tokens.
//
// The blocks are the system blocks followed by every message's blocks, in
// order. Each block with cache_control is a breakpoint; the prefix up to
// and including it may be cached if it is at least minTokens long. The
// longest live prefix is read (and refreshed, as reading an entry resets
// its lifetime); every longer eligible prefix is written, its new tokens
// billed at the lifetime of the breakpoint that ends them.
func (s *Server) anthropicCache(c *conv, now time.Time) cacheUsage {
	type bp struct {
		key    [sha256.Size]byte
		tokens int64
		ttl    time.Duration
		long   bool
	}
	var (
		bps   []bp
		runes int64
		chain [sha256.Size]byte
	)
	h := sha256.New()
	visit := func(kind string, b block) {
		runes += int64(utf8.RuneCountInString(b.text))
		// Chain the hash block by block so every prefix has its own key
		// without hashing the prefix again. The model is part of the key:
		// caches are per model.
		h.Reset()
		h.Write(chain[:])
		h.Write([]byte(c.model))
		h.Write([]byte{0})
		h.Write([]byte(kind))
		h.Write([]byte{0})
		h.Write([]byte(b.text))
		h.Sum(chain[:0])
		if b.ttl != "" {
			d, long := s.cfg.CacheTTL, false
			if b.ttl == "1h" {
				d, long = s.cfg.CacheTTLLong, true
			}
			bps = append(bps, bp{key: chain, tokens: (runes + 3) / 4, ttl: d, long: long})
		}
	}
	for _, b := range c.system {
		visit("system", b)
	}
	for _, m := range c.messages {
		for _, b := range m.blocks {
			visit(m.role, b)
		}
	}
	total := (runes + 3) / 4
	min := s.cfg.minCacheable(c.model)
	eligible := bps[:0]
	for _, b := range bps {
		if b.tokens >= min {
			eligible = append(eligible, b)
		}
	}
	var u cacheUsage
	if len(eligible) > 0 {
		pc := s.cache
		pc.mu.Lock()
		hit := -1
		for i := len(eligible) - 1; i >= 0; i-- {
			if pc.live(eligible[i].key, now) {
				hit = i
				break
			}
		}
		prev := int64(0)
		if hit >= 0 {
			u.read = eligible[hit].tokens
			prev = u.read
			pc.put(eligible[hit].key, now.Add(eligible[hit].ttl), now)
		}
		for _, b := range eligible[hit+1:] {
			seg := b.tokens - prev
			if b.long {
				u.write1h += seg
			} else {
				u.write5m += seg
			}
			prev = b.tokens
			pc.put(b.key, now.Add(b.ttl), now)
		}
		pc.mu.Unlock()
	}
	u.input = total - u.read - u.write5m - u.write1h
	return u
}

// openaiCacheStep is the granularity of OpenAI's automatic prompt caching:
// cached_tokens is the longest cached prefix in steps of 128 tokens above
// the minimum.
const openaiCacheStep = 128

// openaiCache applies OpenAI's automatic prefix caching to c at now and
// returns the prompt's total tokens and how many of them were cached.
func (s *Server) openaiCache(c *conv, now time.Time) (total, cached int64) {
	var runes int64
	for _, m := range c.messages {
		for _, b := range m.blocks {
			runes += int64(utf8.RuneCountInString(b.text))
		}
	}
	total = (runes + 3) / 4
	min := s.cfg.OpenAIMinCacheableTokens
	if total < min {
		return total, 0
	}
	// Checkpoint k is the prefix of the first 4*t runes, t = min + k*step:
	// exactly t tokens by the estimate. Hash incrementally and record the
	// state at each checkpoint; role changes are hashed too, since the same
	// words under another role are another prompt.
	type cp struct {
		key    [sha256.Size]byte
		tokens int64
	}
	var cps []cp
	h := fnv.New128a()
	h.Write([]byte(c.model))
	next := min
	seen := int64(0)
	record := func() {
		var key [sha256.Size]byte
		h.Sum(key[:0])
		binary.BigEndian.PutUint64(key[24:], uint64(next))
		cps = append(cps, cp{key: key, tokens: next})
		next += openaiCacheStep
	}
	for _, m := range c.messages {
		if seen == next*4 {
			// A checkpoint at a message boundary ends before the next
			// role, so a longer conversation still hits it.
			record()
		}
		h.Write([]byte{0})
		h.Write([]byte(m.role))
		h.Write([]byte{0})
		for _, b := range m.blocks {
			start := 0
			for i := range b.text {
				if seen == next*4 {
					h.Write([]byte(b.text[start:i]))
					start = i
					record()
				}
				seen++
			}
			h.Write([]byte(b.text[start:]))
		}
	}
	if seen == next*4 {
		record()
	}
	pc := s.cache
	pc.mu.Lock()
	defer pc.mu.Unlock()
	for i := len(cps) - 1; i >= 0; i-- {
		if pc.live(cps[i].key, now) {
			cached = cps[i].tokens
			break
		}
	}
	exp := now.Add(s.cfg.CacheTTL)
	for _, p := range cps {
		pc.put(p.key, exp, now)
	}
	return total, cached
}
