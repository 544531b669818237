package fakeupstream_test

import (
	"strings"
	"testing"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/llm/llmtest/fakeupstream"
	"github.com/papersum/papersum/llm/local"
)

// TestCacheTTL checks lifetimes on the injected clock: a 5m entry read
// within 5 minutes is refreshed by the read, and one left alone for 5
// minutes expires and is written again.
func TestCacheTTL(t *testing.T) {
	clock := newClock()
	_, url := start(t, fakeupstream.Config{Clock: clock})
	sys, user := stagePrompts(t, papersum.StageSummarize, "", nil)
	body := anthropicBody(sonnet, paperText(), "5m", sys, user, 1024)
	n := local.EstimateTokens(paperText())

	steps := []struct {
		advance     time.Duration
		write, read int64
	}{
		{0, n, 0},
		{4 * time.Minute, 0, n}, // read at 4m refreshes to 9m
		{4 * time.Minute, 0, n}, // 8m: alive only thanks to the refresh
		{5 * time.Minute, n, 0}, // 13m: expired (last use at 8m)
		{4*time.Minute + 59*time.Second, 0, n},
	}
	for i, st := range steps {
		clock.Advance(st.advance)
		m := message(t, url, body)
		if m.Usage.CacheCreationInputTokens != st.write || m.Usage.CacheReadInputTokens != st.read {
			t.Errorf("step %d: written %d read %d, want %d %d", i, m.Usage.CacheCreationInputTokens, m.Usage.CacheReadInputTokens, st.write, st.read)
		}
	}

	// A 1h entry survives what a 5m one does not, and is billed as 1h.
	body = anthropicBody(sonnet, paperText()+"\nv2", "1h", sys, user, 1024)
	m := message(t, url, body)
	if m.Usage.CacheCreation.Ephemeral1h == 0 || m.Usage.CacheCreation.Ephemeral5m != 0 {
		t.Errorf("1h write: %+v", m.Usage)
	}
	clock.Advance(50 * time.Minute)
	if m := message(t, url, body); m.Usage.CacheReadInputTokens == 0 {
		t.Errorf("1h entry expired after 50m: %+v", m.Usage)
	}
	clock.Advance(61 * time.Minute)
	if m := message(t, url, body); m.Usage.CacheReadInputTokens != 0 || m.Usage.CacheCreation.Ephemeral1h == 0 {
		t.Errorf("1h entry alive after 61m idle: %+v", m.Usage)
	}
}

func TestCacheTTLConfigurable(t *testing.T) {
	clock := newClock()
	_, url := start(t, fakeupstream.Config{Clock: clock, CacheTTL: time.Minute})
	sys, user := stagePrompts(t, papersum.StageSummarize, "", nil)
	body := anthropicBody(sonnet, paperText(), "", sys, user, 1024)
	body["system"].([]any)[0].(obj)["cache_control"] = obj{"type": "ephemeral"} // no ttl: 5m class
	message(t, url, body)
	clock.Advance(61 * time.Second)
	if m := message(t, url, body); m.Usage.CacheReadInputTokens != 0 {
		t.Errorf("entry outlived CacheTTL: %+v", m.Usage)
	}
}

// TestMinCacheable checks the documented minimum lengths: the ~2,000
// token sample paper is cached for Sonnet but not for Haiku 3.5 (2048) or
// Opus 4.5 (4096), unless the configuration says otherwise.
func TestMinCacheable(t *testing.T) {
	sys, user := stagePrompts(t, papersum.StageSummarize, "", nil)
	n := local.EstimateTokens(paperText())
	if n < 1024 || n >= 2048 {
		t.Fatalf("sample paper is %d tokens; the test needs 1024 <= n < 2048", n)
	}
	cases := []struct {
		model  string
		cfg    map[string]int64
		cached bool
	}{
		{"claude-sonnet-4-5", nil, true},
		{"claude-sonnet-4-6", nil, true},
		{"claude-opus-4-1", nil, true},
		{"claude-3-5-haiku-latest", nil, false},
		{"claude-haiku-4-5", nil, false},
		{"claude-opus-4-5", nil, false},
		{"claude-opus-4-5", map[string]int64{"opus-4-5": 1024}, true},
		{"claude-sonnet-4-5", map[string]int64{"sonnet": 4096}, false},
	}
	for _, tc := range cases {
		_, url := start(t, fakeupstream.Config{MinCacheableTokens: tc.cfg})
		body := anthropicBody(tc.model, paperText(), "5m", sys, user, 1024)
		m1 := message(t, url, body)
		m2 := message(t, url, body)
		if got := m1.Usage.CacheCreationInputTokens > 0 && m2.Usage.CacheReadInputTokens > 0; got != tc.cached {
			t.Errorf("%s %v: cached %v, want %v (%+v / %+v)", tc.model, tc.cfg, got, tc.cached, m1.Usage, m2.Usage)
		}
		if !tc.cached && (m1.Usage.InputTokens != m2.Usage.InputTokens || m1.Usage.InputTokens < n) {
			t.Errorf("%s: uncached input %d", tc.model, m1.Usage.InputTokens)
		}
	}
}

// TestCacheKey checks what a cache entry is keyed by: the model and the
// exact prefix, including the text after the paper up to the breakpoint.
func TestCacheKey(t *testing.T) {
	_, url := start(t, fakeupstream.Config{})
	sys, user := stagePrompts(t, papersum.StageSummarize, "", nil)
	message(t, url, anthropicBody(sonnet, paperText(), "5m", sys, user, 1024))
	if m := message(t, url, anthropicBody("claude-sonnet-4-6", paperText(), "5m", sys, user, 1024)); m.Usage.CacheReadInputTokens != 0 {
		t.Errorf("another model read the cache: %+v", m.Usage)
	}
	if m := message(t, url, anthropicBody(sonnet, strings.Replace(paperText(), "61%", "62%", 1), "5m", sys, user, 1024)); m.Usage.CacheReadInputTokens != 0 {
		t.Errorf("a changed paper read the cache: %+v", m.Usage)
	}
	// A different prompt after the breakpoint still reads it.
	if m := message(t, url, anthropicBody(sonnet, paperText(), "5m", "other system", "other user", 1024)); m.Usage.CacheReadInputTokens == 0 {
		t.Errorf("a different suffix missed the cache: %+v", m.Usage)
	}
	// Without cache_control nothing is cached.
	_, url2 := start(t, fakeupstream.Config{})
	message(t, url2, anthropicBody(sonnet, paperText(), "", sys, user, 1024))
	if m := message(t, url2, anthropicBody(sonnet, paperText(), "", sys, user, 1024)); m.Usage.CacheReadInputTokens != 0 || m.Usage.CacheCreationInputTokens != 0 {
		t.Errorf("cached without cache_control: %+v", m.Usage)
	}
}

// TestCacheBreakpoints checks two breakpoints: a later request that shares
// the first but not the second reads the first prefix and writes only the
// new segment.
func TestCacheBreakpoints(t *testing.T) {
	_, url := start(t, fakeupstream.Config{})
	paper := paperText()
	second := strings.Repeat("Additional instructions that are long enough to matter. ", 100)
	body := func(sec string) obj {
		return obj{"model": sonnet, "max_tokens": 100,
			"system": []any{
				obj{"type": "text", "text": paper, "cache_control": obj{"type": "ephemeral", "ttl": "1h"}},
				obj{"type": "text", "text": sec, "cache_control": obj{"type": "ephemeral"}},
			},
			"messages": []any{obj{"role": "user", "content": "Hello"}}}
	}
	p1, p2 := local.EstimateTokens(paper), local.EstimateTokens(paper+second)
	m := message(t, url, body(second))
	if m.Usage.CacheCreation.Ephemeral1h != p1 || m.Usage.CacheCreation.Ephemeral5m != p2-p1 || m.Usage.CacheReadInputTokens != 0 {
		t.Errorf("first: %+v, want 1h %d and 5m %d", m.Usage, p1, p2-p1)
	}
	m = message(t, url, body(second))
	if m.Usage.CacheReadInputTokens != p2 || m.Usage.CacheCreationInputTokens != 0 {
		t.Errorf("same: %+v, want %d read", m.Usage, p2)
	}
	other := strings.Repeat("Different instructions of a similar length, also cached. ", 100)
	m = message(t, url, body(other))
	p3 := local.EstimateTokens(paper + other)
	if m.Usage.CacheReadInputTokens != p1 || m.Usage.CacheCreation.Ephemeral5m != p3-p1 {
		t.Errorf("shared first breakpoint: %+v, want %d read and %d written", m.Usage, p1, p3-p1)
	}
}

func TestCacheInMessages(t *testing.T) {
	// A breakpoint in the first user message (paper as a user block)
	// caches system + that block.
	_, url := start(t, fakeupstream.Config{})
	body := obj{"model": sonnet, "max_tokens": 100, "system": "Be brief.",
		"messages": []any{obj{"role": "user", "content": []any{
			obj{"type": "text", "text": paperText(), "cache_control": obj{"type": "ephemeral"}},
			obj{"type": "text", "text": "Summarize it."}}}}}
	message(t, url, body)
	m := message(t, url, body)
	if want := local.EstimateTokens("Be brief." + paperText()); m.Usage.CacheReadInputTokens != want {
		t.Errorf("read %d, want %d", m.Usage.CacheReadInputTokens, want)
	}
}
