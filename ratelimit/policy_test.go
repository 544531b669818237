package ratelimit_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/internal/faultproxy"
	"github.com/papersum/papersum/ratelimit"
	"github.com/redis/go-redis/v9"
)

// proxied returns a client of the test Redis through a proxy the test
// cuts: an outage of the limiter's store without stopping the shared
// server.
func proxied(t *testing.T) (*redis.Client, *faultproxy.Proxy, string) {
	t.Helper()
	direct := redisClient(t)
	prefix := testPrefix(t, direct)
	p := faultproxy.New(t, direct.Options().Addr, false)
	opt := *direct.Options()
	opt.Addr, opt.MaxRetries = p.Addr(), -1
	client := redis.NewClient(&opt)
	t.Cleanup(func() { client.Close() })
	return client, p, prefix
}

type degradedOps struct {
	mu  sync.Mutex
	ops []string
}

func (d *degradedOps) add(op string) { d.mu.Lock(); d.ops = append(d.ops, op); d.mu.Unlock() }
func (d *degradedOps) count() int    { d.mu.Lock(); defer d.mu.Unlock(); return len(d.ops) }

// TestPolicies runs each policy against a real Redis that goes away and
// comes back.
func TestPolicies(t *testing.T) {
	limits := fixed(ratelimit.Limits{RequestsPerMinute: 3, TokensPerDay: 1000})
	for _, tc := range []struct {
		policy ratelimit.Policy
		// want is what the outage's first two Allows answer, after the
		// key used 2 of its 3 requests while Redis was up.
		want [2]bool
	}{
		// The fallback starts from the key's last level: one left.
		{ratelimit.PolicyLocal, [2]bool{true, false}},
		{ratelimit.PolicyOpen, [2]bool{true, true}},
		{ratelimit.PolicyClosed, [2]bool{false, false}},
	} {
		t.Run(string(tc.policy), func(t *testing.T) {
			client, proxy, prefix := proxied(t)
			var degraded degradedOps
			cfg := ratelimit.RedisConfig{Limits: limits, Prefix: prefix, Policy: tc.policy, Timeout: time.Second,
				ClosedRetryAfter: 3 * time.Second, OnDegraded: degraded.add}
			if tc.policy == ratelimit.PolicyLocal {
				cfg.Fallback = newMemory(t, ratelimit.MemoryConfig{Limits: limits})
			}
			r := newRedisLimiter(t, client, cfg)
			for range 2 {
				if d := allowT(t, r, "k", start, one); !d.Allowed || d.Degraded {
					t.Fatalf("Redis up: %+v", d)
				}
			}
			proxy.Cut()
			for i, want := range tc.want {
				d := allowT(t, r, "k", start, one)
				if d.Allowed != want || !d.Degraded {
					t.Errorf("outage call %d: %+v, want allowed=%v and degraded", i, d, want)
				}
				if tc.policy == ratelimit.PolicyClosed && (d.RetryAfter != 3*time.Second || !d.FailedClosed) {
					t.Errorf("closed: %+v, want RetryAfter 3s and FailedClosed", d)
				}
				if tc.policy != ratelimit.PolicyClosed && d.FailedClosed {
					t.Errorf("%s: FailedClosed set: %+v", tc.policy, d)
				}
			}
			if err := r.Record(context.Background(), "k", start, 5); err != nil {
				t.Errorf("Record during the outage: %v", err)
			}
			if n := degraded.count(); n != 3 {
				t.Errorf("OnDegraded called %d times, want 3 (two allows, one record)", n)
			}
			proxy.Restore()
			// Back on Redis, which saw 2 of the 3 requests: one left.
			d := waitUp(t, r, start)
			if !d.Allowed {
				t.Errorf("Redis back: %+v, want the shared bucket's last request", d)
			}
			if d := allowT(t, r, "k", start, one); d.Allowed || d.Degraded {
				t.Errorf("Redis back, bucket empty: %+v, want a plain refusal", d)
			}
		})
	}
}

// waitUp calls Allow until Redis answers (go-redis reconnects on its own),
// and returns that first non-degraded decision.
func waitUp(t *testing.T, r *ratelimit.Redis, now time.Time) ratelimit.Decision {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if d := allowT(t, r, "k", now, one); !d.Degraded {
			return d
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("Redis did not come back within 10s")
	return ratelimit.Decision{}
}

func TestPolicyValidation(t *testing.T) {
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer client.Close()
	lim := fixed(ratelimit.Limits{})
	for name, cfg := range map[string]ratelimit.RedisConfig{
		"local without fallback": {Limits: lim, Policy: ratelimit.PolicyLocal},
		"unknown":                {Limits: lim, Policy: "maybe"},
		"negative retry-after":   {Limits: lim, Policy: ratelimit.PolicyClosed, ClosedRetryAfter: -time.Second},
	} {
		if _, err := ratelimit.NewRedis(client, cfg); papersum.ErrorCode(err) != papersum.EINVALID {
			t.Errorf("%s: %v, want EINVALID", name, err)
		}
	}
}
