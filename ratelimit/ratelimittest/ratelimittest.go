package ratelimittest

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/ratelimit"
)

// Harness is a limiter under test.
type Harness struct {
	// Limiter is new and used by one subtest only.
	Limiter ratelimit.Limiter
	// Replica, when the backend shares state between processes, returns
	// another Limiter (own client, same store and limits) standing for a
	// second replica. Nil for in-process backends.
	Replica func() ratelimit.Limiter
}

// Exercise runs the Limiter conformance suite. newLimiter must return a
// new limiter, with no state shared with earlier calls, that takes its
// limits from limits, and arrange its clean-up with t.Cleanup.
func Exercise(t *testing.T, newLimiter func(t *testing.T, limits func(key string) ratelimit.Limits) Harness) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, nl func(l func(string) ratelimit.Limits) Harness)
	}{
		{"BurstThenReject", testBurstThenReject},
		{"RetryAfterIsExact", testRetryAfterIsExact},
		{"Refill", testRefill},
		{"TokensPerDay", testTokensPerDay},
		{"DeniedChargesNothing", testDeniedChargesNothing},
		{"RecordDebtAndRefund", testRecordDebtAndRefund},
		{"KeysAndLimitsPerKey", testKeysAndLimitsPerKey},
		{"Unlimited", testUnlimited},
		{"Validation", testValidation},
		{"Stats", testStats},
		{"Concurrent", testConcurrent},
		{"ReplicasShareOneLimit", testReplicasShareOneLimit},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, func(l func(string) ratelimit.Limits) Harness { return newLimiter(t, l) })
		})
	}
}

// t0 is an arbitrary start, far from the epoch so that the arithmetic
// meets realistic magnitudes.
var t0 = time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)

func fixed(l ratelimit.Limits) func(string) ratelimit.Limits {
	return func(string) ratelimit.Limits { return l }
}

func allow(t *testing.T, l ratelimit.Limiter, key string, now time.Time, c ratelimit.Cost) ratelimit.Decision {
	t.Helper()
	d, err := l.Allow(context.Background(), key, now, c)
	if err != nil {
		t.Fatalf("Allow(%s, %s, %+v): %v", key, now.Sub(t0), c, err)
	}
	if d.Degraded {
		t.Fatalf("Allow(%s): degraded decision %+v", key, d)
	}
	return d
}

var one = ratelimit.Cost{Requests: 1}

func testBurstThenReject(t *testing.T, nl func(func(string) ratelimit.Limits) Harness) {
	l := nl(fixed(ratelimit.Limits{RequestsPerMinute: 10})).Limiter
	for i := range 10 {
		d := allow(t, l, "k", t0, one)
		if !d.Allowed {
			t.Fatalf("request %d of a burst of 10 denied: %+v", i+1, d)
		}
		if d.RemainingRequests != 9-i {
			t.Errorf("request %d: RemainingRequests = %d, want %d", i+1, d.RemainingRequests, 9-i)
		}
		if d.RemainingTokens != -1 {
			t.Errorf("RemainingTokens = %d, want -1 (unlimited)", d.RemainingTokens)
		}
	}
	d := allow(t, l, "k", t0, one)
	if d.Allowed {
		t.Fatal("11th request in the same instant allowed")
	}
	// The bucket refills one request every 6s.
	if d.RetryAfter != 6*time.Second {
		t.Errorf("RetryAfter = %s, want 6s", d.RetryAfter)
	}
	if d.RemainingRequests != 0 {
		t.Errorf("RemainingRequests = %d, want 0", d.RemainingRequests)
	}
	if d.Limits.RequestsPerMinute != 10 {
		t.Errorf("Limits = %+v", d.Limits)
	}
}

func testRetryAfterIsExact(t *testing.T, nl func(func(string) ratelimit.Limits) Harness) {
	// 7 per minute: an interval that does not divide a minute evenly.
	l := nl(fixed(ratelimit.Limits{RequestsPerMinute: 7})).Limiter
	for range 7 {
		if !allow(t, l, "k", t0, one).Allowed {
			t.Fatal("burst of 7 denied")
		}
	}
	now := t0.Add(time.Second)
	d := allow(t, l, "k", now, one)
	if d.Allowed {
		t.Fatal("8th request allowed")
	}
	want := 60*time.Second/7 - time.Second
	if diff := d.RetryAfter - want; diff < -10*time.Microsecond || diff > 10*time.Microsecond {
		t.Fatalf("RetryAfter = %s, want %s", d.RetryAfter, want)
	}
	if allow(t, l, "k", now.Add(d.RetryAfter-time.Millisecond), one).Allowed {
		t.Fatal("allowed before RetryAfter passed")
	}
	if !allow(t, l, "k", now.Add(d.RetryAfter), one).Allowed {
		t.Fatal("denied once RetryAfter passed")
	}
}

func testRefill(t *testing.T, nl func(func(string) ratelimit.Limits) Harness) {
	l := nl(fixed(ratelimit.Limits{RequestsPerMinute: 10})).Limiter
	for range 10 {
		allow(t, l, "k", t0, one)
	}
	// Half a minute refills half the bucket.
	now := t0.Add(30 * time.Second)
	for i := range 5 {
		if !allow(t, l, "k", now, one).Allowed {
			t.Fatalf("request %d after half a minute denied", i+1)
		}
	}
	if allow(t, l, "k", now, one).Allowed {
		t.Fatal("6th request after half a minute allowed")
	}
	// A full minute later the whole burst is back, and no more.
	now = now.Add(time.Minute)
	for i := range 10 {
		if !allow(t, l, "k", now, one).Allowed {
			t.Fatalf("request %d after a full refill denied", i+1)
		}
	}
	if allow(t, l, "k", now, one).Allowed {
		t.Fatal("refill went beyond the bucket's capacity")
	}
}

func testTokensPerDay(t *testing.T, nl func(func(string) ratelimit.Limits) Harness) {
	l := nl(fixed(ratelimit.Limits{TokensPerDay: 1000})).Limiter
	d := allow(t, l, "k", t0, ratelimit.Cost{Requests: 1, Tokens: 600})
	if !d.Allowed || d.RemainingTokens != 400 || d.RemainingRequests != -1 {
		t.Fatalf("600 of 1000: %+v", d)
	}
	if d := allow(t, l, "k", t0, ratelimit.Cost{Requests: 1, Tokens: 400}); !d.Allowed || d.RemainingTokens != 0 {
		t.Fatalf("last 400 of 1000: %+v", d)
	}
	d = allow(t, l, "k", t0, ratelimit.Cost{Requests: 1, Tokens: 10})
	// 1000 tokens a day is one token per 86.4s.
	if d.Allowed || d.RetryAfter != 10*86400*time.Millisecond {
		t.Fatalf("10 more tokens: %+v, want denied with RetryAfter 864s", d)
	}
	// After a day the budget is whole again.
	if d := allow(t, l, "k", t0.Add(24*time.Hour), ratelimit.Cost{Tokens: 1000}); !d.Allowed {
		t.Fatalf("a day later: %+v", d)
	}
}

func testDeniedChargesNothing(t *testing.T, nl func(func(string) ratelimit.Limits) Harness) {
	l := nl(fixed(ratelimit.Limits{RequestsPerMinute: 2, TokensPerDay: 100})).Limiter
	if !allow(t, l, "k", t0, ratelimit.Cost{Requests: 1, Tokens: 90}).Allowed {
		t.Fatal("first request denied")
	}
	// Denied on tokens: its request must not be charged either.
	if allow(t, l, "k", t0, ratelimit.Cost{Requests: 1, Tokens: 20}).Allowed {
		t.Fatal("request over the token budget allowed")
	}
	if d := allow(t, l, "k", t0, ratelimit.Cost{Requests: 1, Tokens: 10}); !d.Allowed || d.RemainingRequests != 0 || d.RemainingTokens != 0 {
		t.Fatalf("request that fits both: %+v", d)
	}
	d := allow(t, l, "k", t0, ratelimit.Cost{Requests: 1})
	if d.Allowed || d.RetryAfter != 30*time.Second {
		t.Fatalf("third request: %+v, want denied for 30s", d)
	}
}

func testRecordDebtAndRefund(t *testing.T, nl func(func(string) ratelimit.Limits) Harness) {
	l := nl(fixed(ratelimit.Limits{RequestsPerMinute: 100, TokensPerDay: 1000})).Limiter
	ctx := context.Background()
	if !allow(t, l, "k", t0, ratelimit.Cost{Requests: 1, Tokens: 100}).Allowed {
		t.Fatal("denied")
	}
	// The request turned out to use 1500 tokens in all: 1400 more.
	if err := l.Record(ctx, "k", t0, 1400); err != nil {
		t.Fatal(err)
	}
	d := allow(t, l, "k", t0, one)
	// 500 tokens of debt at 86.4s per token.
	if d.Allowed || d.RetryAfter != 500*86400*time.Millisecond || d.RemainingTokens != 0 {
		t.Fatalf("in debt: %+v, want denied for 12h", d)
	}
	// A refund of 700 leaves 200 tokens free.
	if err := l.Record(ctx, "k", t0, -700); err != nil {
		t.Fatal(err)
	}
	if d := allow(t, l, "k", t0, ratelimit.Cost{Requests: 1, Tokens: 200}); !d.Allowed || d.RemainingTokens != 0 {
		t.Fatalf("after refund: %+v", d)
	}
	// Refunds never fill beyond a full bucket.
	if err := l.Record(ctx, "k", t0, -1_000_000); err != nil {
		t.Fatal(err)
	}
	if d := allow(t, l, "k", t0, ratelimit.Cost{Tokens: 1}); !d.Allowed || d.RemainingTokens != 999 {
		t.Fatalf("after a huge refund: %+v, want 999 remaining", d)
	}
	// Record on a key without a token limit, or of 0 tokens, is a no-op.
	u := nl(fixed(ratelimit.Limits{RequestsPerMinute: 1})).Limiter
	if err := u.Record(ctx, "k", t0, 1<<40); err != nil {
		t.Fatal(err)
	}
	if !allow(t, u, "k", t0, one).Allowed {
		t.Fatal("Record on a key without a token limit charged something")
	}
	if err := l.Record(ctx, "k", t0, 0); err != nil {
		t.Fatal(err)
	}
}

func testKeysAndLimitsPerKey(t *testing.T, nl func(func(string) ratelimit.Limits) Harness) {
	l := nl(ratelimit.PerKey(ratelimit.Limits{RequestsPerMinute: 1},
		map[string]ratelimit.Limits{"pro": {RequestsPerMinute: 3}})).Limiter
	for _, k := range []string{"a", "b"} {
		if !allow(t, l, k, t0, one).Allowed {
			t.Fatalf("key %s: first request denied", k)
		}
		if allow(t, l, k, t0, one).Allowed {
			t.Fatalf("key %s: second request allowed", k)
		}
	}
	for i := range 3 {
		if !allow(t, l, "pro", t0, one).Allowed {
			t.Fatalf("pro key: request %d denied", i+1)
		}
	}
	if allow(t, l, "pro", t0, one).Allowed {
		t.Fatal("pro key: 4th request allowed")
	}
}

func testUnlimited(t *testing.T, nl func(func(string) ratelimit.Limits) Harness) {
	l := nl(fixed(ratelimit.Limits{})).Limiter
	for range 100 {
		d := allow(t, l, "k", t0, ratelimit.Cost{Requests: 1000, Tokens: 1 << 40})
		if !d.Allowed || d.RemainingRequests != -1 || d.RemainingTokens != -1 {
			t.Fatalf("unlimited key: %+v", d)
		}
	}
}

func testValidation(t *testing.T, nl func(func(string) ratelimit.Limits) Harness) {
	ctx := context.Background()
	l := nl(ratelimit.PerKey(ratelimit.Limits{RequestsPerMinute: 5, TokensPerDay: 100},
		map[string]ratelimit.Limits{"bad": {RequestsPerMinute: -1}})).Limiter
	cases := []struct {
		key  string
		cost ratelimit.Cost
	}{
		{"", one},
		{"k", ratelimit.Cost{Requests: -1}},
		{"k", ratelimit.Cost{Tokens: -1}},
		{"k", ratelimit.Cost{Requests: 6}}, // more than a minute's worth
		{"k", ratelimit.Cost{Tokens: 101}}, // more than a day's worth
		{"bad", one},                       // negative limits
	}
	for _, c := range cases {
		if _, err := l.Allow(ctx, c.key, t0, c.cost); papersum.ErrorCode(err) != papersum.EINVALID {
			t.Errorf("Allow(%q, %+v) error = %v, want EINVALID", c.key, c.cost, err)
		}
	}
	if err := l.Record(ctx, "", t0, 1); papersum.ErrorCode(err) != papersum.EINVALID {
		t.Errorf("Record with empty key: %v", err)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := l.Allow(canceled, "k", t0, one); err != context.Canceled {
		t.Errorf("Allow with canceled ctx: %v", err)
	}
	// None of these charged anything.
	for range 5 {
		if !allow(t, l, "k", t0, one).Allowed {
			t.Fatal("invalid calls charged the key")
		}
	}
	if st := l.Stats(); st.Errors != 0 {
		t.Errorf("invalid calls counted as backend errors: %+v", st)
	}
}

func testStats(t *testing.T, nl func(func(string) ratelimit.Limits) Harness) {
	l := nl(fixed(ratelimit.Limits{RequestsPerMinute: 3})).Limiter
	for range 5 {
		allow(t, l, "k", t0, one)
	}
	want := ratelimit.Stats{Allowed: 3, Denied: 2}
	if got := l.Stats(); got != want {
		t.Errorf("Stats = %+v, want %+v", got, want)
	}
}

func testConcurrent(t *testing.T, nl func(func(string) ratelimit.Limits) Harness) {
	const limit, workers, each = 50, 8, 20
	l := nl(fixed(ratelimit.Limits{RequestsPerMinute: limit, TokensPerDay: 1 << 30})).Limiter
	var allowed atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Go(func() {
			for range each {
				d, err := l.Allow(context.Background(), "k", t0, ratelimit.Cost{Requests: 1, Tokens: 10})
				if err != nil {
					errs <- err
					return
				}
				if d.Allowed {
					allowed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if got := allowed.Load(); got != limit {
		t.Fatalf("%d concurrent requests: %d allowed, want exactly %d", workers*each, got, limit)
	}
}

func testReplicasShareOneLimit(t *testing.T, nl func(func(string) ratelimit.Limits) Harness) {
	h := nl(fixed(ratelimit.Limits{RequestsPerMinute: 10, TokensPerDay: 1000}))
	if h.Replica == nil {
		t.Skip("in-process backend: each replica has its own limits")
	}
	replicas := []ratelimit.Limiter{h.Limiter, h.Replica()}
	allowed := 0
	for i := range 20 {
		if allow(t, replicas[i%2], "k", t0, one).Allowed {
			allowed++
		}
	}
	if allowed != 10 {
		t.Fatalf("two replicas allowed %d requests, want 10 between them", allowed)
	}
	// Tokens recorded on one replica are seen by the other.
	ctx := context.Background()
	if err := replicas[0].Record(ctx, "other", t0, 1000); err != nil {
		t.Fatal(err)
	}
	if d := allow(t, replicas[1], "other", t0, ratelimit.Cost{Tokens: 1}); d.Allowed {
		t.Fatalf("replica 1 ignored tokens recorded by replica 0: %+v", d)
	}
	// Both replicas compute the same wait.
	d0 := allow(t, replicas[0], "k", t0, one)
	d1 := allow(t, replicas[1], "k", t0, one)
	if d0.RetryAfter != d1.RetryAfter || d0.RetryAfter != 6*time.Second {
		t.Fatalf("RetryAfter %s and %s, want 6s from both", d0.RetryAfter, d1.RetryAfter)
	}
}
