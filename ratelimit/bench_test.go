package ratelimit_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/papersum/papersum/ratelimit"
)

// benchAllow charges 1000 keys in turn, with time moving 1ms a call so that
// the buckets (600/min, 10M tokens/day) keep refilling and the measured
// path is the usual one: an allowed request that updates state.
func benchAllow(b *testing.B, l ratelimit.Limiter) {
	keys := make([]string, 1000)
	for i := range keys {
		keys[i] = fmt.Sprint("bench-key-", i)
	}
	ctx := context.Background()
	now := start
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		now = now.Add(time.Millisecond)
		if _, err := l.Allow(ctx, keys[i%len(keys)], now, ratelimit.Cost{Requests: 1, Tokens: 500}); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

var benchLimits = fixed(ratelimit.Limits{RequestsPerMinute: 600, TokensPerDay: 10_000_000})

func BenchmarkMemoryAllow(b *testing.B) {
	benchAllow(b, newMemory(b, ratelimit.MemoryConfig{Limits: benchLimits}))
}

func BenchmarkMemoryAllowParallel(b *testing.B) {
	m := newMemory(b, ratelimit.MemoryConfig{Limits: benchLimits})
	keys := make([]string, 1000)
	for i := range keys {
		keys[i] = fmt.Sprint("bench-key-", i)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		now := start
		for i := 0; pb.Next(); i++ {
			now = now.Add(time.Millisecond)
			if _, err := m.Allow(ctx, keys[i%len(keys)], now, ratelimit.Cost{Requests: 1}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkRedisAllow(b *testing.B) {
	client := redisClient(b)
	benchAllow(b, newRedisLimiter(b, client, ratelimit.RedisConfig{Limits: benchLimits, Prefix: testPrefix(b, client)}))
}
