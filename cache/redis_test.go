package cache_test

import (
	"context"
	"testing"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/cache"
	"github.com/papersum/papersum/cache/cachetest"
	"github.com/redis/go-redis/v9"
)

func newRedisCache(t testing.TB, client *redis.Client, cfg cache.RedisConfig) *cache.Redis {
	t.Helper()
	c, err := cache.NewRedis(client, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRedisConformance(t *testing.T) {
	client := redisClient(t)
	cachetest.Exercise(t, func(t *testing.T) cachetest.Harness {
		c := newRedisCache(t, client, cache.RedisConfig{Prefix: testPrefix(t, client), Timeout: 2 * time.Second})
		// Redis expires keys on its own clock, so time can only pass.
		return cachetest.Harness{Cache: c, Advance: time.Sleep}
	})
}

func TestRedisSetsTTLOnTheKey(t *testing.T) {
	client := redisClient(t)
	prefix := testPrefix(t, client)
	c := newRedisCache(t, client, cache.RedisConfig{Prefix: prefix})
	ctx := context.Background()
	k := cachetest.K("ttl")
	if err := c.Set(ctx, k, []byte("v"), 90*time.Minute); err != nil {
		t.Fatal(err)
	}
	// Checking PTTL instead of sleeping through a long TTL.
	ttl, err := client.PTTL(ctx, prefix+k.String()).Result()
	if err != nil {
		t.Fatal(err)
	}
	if ttl <= 89*time.Minute || ttl > 90*time.Minute {
		t.Errorf("PTTL = %s, want about 90m", ttl)
	}
	if err := c.Set(ctx, k, []byte("v"), 0); err != nil {
		t.Fatal(err)
	}
	if ttl, _ := client.PTTL(ctx, prefix+k.String()).Result(); ttl != -1 {
		t.Errorf("ttl 0: PTTL = %s, want -1 (no expiry)", ttl)
	}
}

func TestRedisPrefixesIsolate(t *testing.T) {
	client := redisClient(t)
	a := newRedisCache(t, client, cache.RedisConfig{Prefix: testPrefix(t, client)})
	b := newRedisCache(t, client, cache.RedisConfig{Prefix: testPrefix(t, client)})
	k := cachetest.K("iso")
	set(t, a, k, "a", time.Minute)
	if has(t, b, k) {
		t.Error("a value set under one prefix is visible under another")
	}
}

func TestRedisReplicasShare(t *testing.T) {
	client := redisClient(t)
	prefix := testPrefix(t, client)
	// Two caches with their own clients stand for two replicas.
	other := redis.NewClient(client.Options())
	t.Cleanup(func() { other.Close() })
	a := newRedisCache(t, client, cache.RedisConfig{Prefix: prefix})
	b := newRedisCache(t, other, cache.RedisConfig{Prefix: prefix})
	k := cachetest.K("shared")
	set(t, a, k, "from a", time.Minute)
	v, ok, err := b.Get(context.Background(), k)
	if err != nil || !ok || string(v) != "from a" {
		t.Fatalf("replica b: Get = %q, %v, %v", v, ok, err)
	}
}

// A cache outage must not fail requests: calls degrade to misses and
// no-ops, and are counted.
func TestRedisDownDegradesToMiss(t *testing.T) {
	// Port 1 refuses connections; no Redis environment needed.
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
	t.Cleanup(func() { client.Close() })
	var degraded []string
	c := newRedisCache(t, client, cache.RedisConfig{Timeout: 200 * time.Millisecond,
		OnDegraded: func(op string) { degraded = append(degraded, op) }})
	ctx := context.Background()
	start := time.Now()
	v, ok, err := c.Get(ctx, cachetest.K("x"))
	if err != nil || ok || v != nil {
		t.Fatalf("Get = %q, %v, %v; want a plain miss", v, ok, err)
	}
	if err := c.Set(ctx, cachetest.K("x"), []byte("v"), time.Minute); err != nil {
		t.Fatalf("Set = %v, want nil", err)
	}
	if el := time.Since(start); el > time.Second {
		t.Errorf("degraded calls took %s", el)
	}
	want := cache.Stats{Misses: 1, Errors: 2}
	if got := c.Stats(); got != want {
		t.Errorf("Stats = %+v, want %+v", got, want)
	}
	if len(degraded) != 2 || degraded[0] != "get" || degraded[1] != "set" {
		t.Errorf("OnDegraded saw %v, want [get set]", degraded)
	}
}

func TestRedisTimeoutDegrades(t *testing.T) {
	client := redisClient(t)
	// A timeout too short for any round trip stands for a slow server.
	c := newRedisCache(t, client, cache.RedisConfig{Prefix: testPrefix(t, client), Timeout: time.Nanosecond})
	_, ok, err := c.Get(context.Background(), cachetest.K("slow"))
	if err != nil || ok {
		t.Fatalf("Get = %v, %v; want a plain miss", ok, err)
	}
	if got := c.Stats().Errors; got != 1 {
		t.Errorf("Errors = %d, want 1", got)
	}
}

func TestNewRedisValidation(t *testing.T) {
	if _, err := cache.NewRedis(nil, cache.RedisConfig{}); papersum.ErrorCode(err) != papersum.EINVALID {
		t.Errorf("nil client: %v", err)
	}
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer client.Close()
	if _, err := cache.NewRedis(client, cache.RedisConfig{Timeout: -1}); papersum.ErrorCode(err) != papersum.EINVALID {
		t.Errorf("negative timeout: %v", err)
	}
}
