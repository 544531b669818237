package ratelimit_test

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/ratelimit"
	"github.com/papersum/papersum/ratelimit/ratelimittest"
	"github.com/redis/go-redis/v9"
)

func fixed(l ratelimit.Limits) func(string) ratelimit.Limits {
	return func(string) ratelimit.Limits { return l }
}

var one = ratelimit.Cost{Requests: 1}

func allowT(t *testing.T, l ratelimit.Limiter, key string, now time.Time, c ratelimit.Cost) ratelimit.Decision {
	t.Helper()
	d, err := l.Allow(context.Background(), key, now, c)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func newRedisLimiter(t testing.TB, client *redis.Client, cfg ratelimit.RedisConfig) *ratelimit.Redis {
	t.Helper()
	r, err := ratelimit.NewRedis(client, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRedisConformance(t *testing.T) {
	client := redisClient(t)
	ratelimittest.Exercise(t, func(t *testing.T, limits func(string) ratelimit.Limits) ratelimittest.Harness {
		cfg := ratelimit.RedisConfig{Limits: limits, Prefix: testPrefix(t, client), Timeout: 2 * time.Second}
		return ratelimittest.Harness{
			Limiter: newRedisLimiter(t, client, cfg),
			Replica: func() ratelimit.Limiter {
				// Its own connection pool, as another process would have.
				other := redis.NewClient(client.Options())
				t.Cleanup(func() { other.Close() })
				return newRedisLimiter(t, other, cfg)
			},
		}
	})
}

func TestRedisKeyLifetime(t *testing.T) {
	client := redisClient(t)
	prefix := testPrefix(t, client)
	r := newRedisLimiter(t, client, ratelimit.RedisConfig{Prefix: prefix,
		Limits: fixed(ratelimit.Limits{RequestsPerMinute: 10, TokensPerDay: 1000})})
	ctx := context.Background()
	const apiKey = "sk-secret-api-key"
	allowT(t, r, apiKey, start, ratelimit.Cost{Requests: 1, Tokens: 10})

	keys, err := client.Keys(ctx, prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 || keys[0] != r.Key(apiKey) || strings.Contains(keys[0], apiKey) {
		t.Fatalf("Redis keys %v: want one hashed key, no secret", keys)
	}
	// The key lives until the fuller bucket (10 tokens of a day's 1000 =
	// 864s) has refilled.
	ttl, err := client.PTTL(ctx, keys[0]).Result()
	if err != nil {
		t.Fatal(err)
	}
	if ttl <= 860*time.Second || ttl > 864*time.Second {
		t.Errorf("PTTL = %s, want about 864s", ttl)
	}
	// A call once both buckets are full deletes the key.
	allowT(t, r, apiKey, start.Add(24*time.Hour), ratelimit.Cost{})
	if n, _ := client.Exists(ctx, keys[0]).Result(); n != 0 {
		t.Error("idle key kept")
	}
}

// Redis down: the limiter fails open (documented in doc.go) and counts it.
func TestRedisDownFailsOpen(t *testing.T) {
	// Port 1 refuses connections; no Redis environment needed.
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
	t.Cleanup(func() { client.Close() })
	r := newRedisLimiter(t, client, ratelimit.RedisConfig{Limits: fixed(ratelimit.Limits{RequestsPerMinute: 1})})
	ctx := context.Background()
	began := time.Now()
	for range 3 {
		d := allowT(t, r, "k", start, one)
		if !d.Allowed || !d.Degraded || d.RemainingRequests != -1 {
			t.Fatalf("Redis down: %+v, want allowed and degraded", d)
		}
	}
	if err := r.Record(ctx, "k", start, 10); err != nil {
		t.Fatalf("Record with Redis down: %v", err)
	}
	if el := time.Since(began); el > 2*time.Second {
		t.Errorf("4 degraded calls took %s; Timeout should bound each", el)
	}
	want := ratelimit.Stats{Allowed: 3, Errors: 3}
	if got := r.Stats(); got != want {
		t.Errorf("Stats = %+v, want %+v", got, want)
	}
	// The caller's own cancellation is returned, not papered over.
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := r.Allow(canceled, "k", start, one); err != context.Canceled {
		t.Errorf("canceled: %v", err)
	}
}

func TestRedisDownUsesFallback(t *testing.T) {
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
	t.Cleanup(func() { client.Close() })
	limits := fixed(ratelimit.Limits{RequestsPerMinute: 2})
	fb := newMemory(t, ratelimit.MemoryConfig{Limits: limits})
	r := newRedisLimiter(t, client, ratelimit.RedisConfig{Limits: limits, Fallback: fb, Timeout: 50 * time.Millisecond})
	var got []bool
	for range 3 {
		d := allowT(t, r, "k", start, one)
		if !d.Degraded {
			t.Fatalf("not degraded: %+v", d)
		}
		got = append(got, d.Allowed)
	}
	if !got[0] || !got[1] || got[2] {
		t.Errorf("fallback decisions %v, want [true true false]", got)
	}
	if st := r.Stats(); st.Errors != 3 || st.Denied != 1 {
		t.Errorf("Stats = %+v", st)
	}
}

func TestNewRedisValidation(t *testing.T) {
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer client.Close()
	lim := fixed(ratelimit.Limits{})
	for name, f := range map[string]func() error{
		"nil client": func() error { _, err := ratelimit.NewRedis(nil, ratelimit.RedisConfig{Limits: lim}); return err },
		"no limits":  func() error { _, err := ratelimit.NewRedis(client, ratelimit.RedisConfig{}); return err },
		"negative timeout": func() error {
			_, err := ratelimit.NewRedis(client, ratelimit.RedisConfig{Limits: lim, Timeout: -1})
			return err
		},
	} {
		if err := f(); papersum.ErrorCode(err) != papersum.EINVALID {
			t.Errorf("%s: %v, want EINVALID", name, err)
		}
	}
}

// The Lua script must make the same decisions as the Go arithmetic that
// the in-process limiter uses: replay one random schedule on both.
func TestRedisMatchesMemory(t *testing.T) {
	client := redisClient(t)
	limits := ratelimit.PerKey(ratelimit.Limits{RequestsPerMinute: 7, TokensPerDay: 5000},
		map[string]ratelimit.Limits{"b": {TokensPerDay: 999}, "c": {RequestsPerMinute: 3}})
	mem := newMemory(t, ratelimit.MemoryConfig{Limits: limits})
	red := newRedisLimiter(t, client, ratelimit.RedisConfig{Limits: limits, Prefix: testPrefix(t, client)})
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(7, 11))
	now := start
	for i := range 2000 {
		now = now.Add(time.Duration(rng.Int64N(int64(3 * time.Second))))
		key := []string{"a", "b", "c"}[rng.IntN(3)]
		if rng.IntN(5) == 0 {
			tokens := rng.Int64N(3000) - 1000
			if err := mem.Record(ctx, key, now, tokens); err != nil {
				t.Fatal(err)
			}
			if err := red.Record(ctx, key, now, tokens); err != nil {
				t.Fatal(err)
			}
			continue
		}
		c := ratelimit.Cost{Requests: rng.IntN(3), Tokens: rng.Int64N(900)}
		dm := allowT(t, mem, key, now, c)
		dr := allowT(t, red, key, now, c)
		if dm != dr {
			t.Fatalf("step %d (%s, %+v): memory %+v, redis %+v", i, key, c, dm, dr)
		}
	}
	if sm, sr := mem.Stats(), red.Stats(); sm.Allowed != sr.Allowed || sm.Denied != sr.Denied || sm.Denied == 0 || sm.Allowed == 0 {
		t.Errorf("stats differ or one-sided: memory %+v, redis %+v", sm, sr)
	}
}
