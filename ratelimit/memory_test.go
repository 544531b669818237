package ratelimit_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/ratelimit"
	"github.com/papersum/papersum/ratelimit/ratelimittest"
)

func newMemory(t testing.TB, cfg ratelimit.MemoryConfig) *ratelimit.Memory {
	t.Helper()
	m, err := ratelimit.NewMemory(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestMemoryConformance(t *testing.T) {
	ratelimittest.Exercise(t, func(t *testing.T, limits func(string) ratelimit.Limits) ratelimittest.Harness {
		return ratelimittest.Harness{Limiter: newMemory(t, ratelimit.MemoryConfig{Limits: limits})}
	})
}

var start = time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)

func TestMemoryForgetsIdleKeys(t *testing.T) {
	m := newMemory(t, ratelimit.MemoryConfig{Limits: fixed(ratelimit.Limits{RequestsPerMinute: 10})})
	for i := range 100 {
		allowT(t, m, fmt.Sprint("k", i), start, one)
	}
	if m.Len() != 100 {
		t.Fatalf("Len = %d, want 100", m.Len())
	}
	// A minute later every bucket is full again; each call drops up to two
	// idle keys from the cold end, so 50 calls on one hot key clear them.
	for i := range 50 {
		allowT(t, m, "hot", start.Add(time.Minute+time.Duration(i)*time.Millisecond), one)
	}
	if m.Len() != 1 {
		t.Fatalf("Len = %d after the others went idle, want 1", m.Len())
	}
	if got := m.Stats().Evictions; got != 0 {
		t.Errorf("Evictions = %d, want 0 (idle keys are dropped for free)", got)
	}
}

func TestMemoryMaxKeys(t *testing.T) {
	m := newMemory(t, ratelimit.MemoryConfig{MaxKeys: 3, Limits: fixed(ratelimit.Limits{RequestsPerMinute: 1})})
	for _, k := range []string{"a", "b", "c", "d"} {
		allowT(t, m, k, start, one)
	}
	if m.Len() != 3 {
		t.Fatalf("Len = %d, want 3", m.Len())
	}
	if got := m.Stats().Evictions; got != 1 {
		t.Errorf("Evictions = %d, want 1", got)
	}
	// "a" was least recently charged, so it was dropped (its usage
	// forgiven); "d" is still limited.
	if !allowT(t, m, "a", start, one).Allowed {
		t.Error("evicted key still limited")
	}
	if allowT(t, m, "d", start, one).Allowed {
		t.Error("recent key forgotten")
	}
}

func TestMemoryConfigValidation(t *testing.T) {
	for _, cfg := range []ratelimit.MemoryConfig{{}, {Limits: fixed(ratelimit.Limits{}), MaxKeys: -1}} {
		if _, err := ratelimit.NewMemory(cfg); papersum.ErrorCode(err) != papersum.EINVALID {
			t.Errorf("NewMemory(%+v) error = %v, want EINVALID", cfg, err)
		}
	}
}
