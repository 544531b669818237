package cachetest

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/cache"
)

// Harness is one empty cache under test and the means to move its time.
type Harness struct {
	// Cache is empty and used by one subtest only.
	Cache cache.Cache
	// Advance moves the cache's clock forward by d: a fake clock's step
	// for the LRU, a real sleep for Redis (whose expiry runs on the
	// server's clock). The suite advances by at most a few hundred
	// milliseconds in all, so that sleeping stays cheap.
	Advance func(d time.Duration)
}

// Exercise runs the Cache conformance suite. newCache must return a new,
// empty cache for each call and arrange its clean-up with t.Cleanup.
func Exercise(t *testing.T, newCache func(t *testing.T) Harness) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, h Harness)
	}{
		{"MissThenHit", testMissThenHit},
		{"KeyFieldsDistinguish", testKeyFieldsDistinguish},
		{"Overwrite", testOverwrite},
		{"EmptyValue", testEmptyValue},
		{"LargeValue", testLargeValue},
		{"CopySemantics", testCopySemantics},
		{"TTL", testTTL},
		{"Validation", testValidation},
		{"CanceledContext", testCanceledContext},
		{"Concurrent", testConcurrent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, newCache(t))
		})
	}
}

// K returns a valid key whose fields are derived from s.
func K(s string) cache.Key {
	return cache.Key{PaperHash: "paper-" + s, ConfigHash: "config-" + s, PromptVersions: "v1"}
}

func mustGet(t *testing.T, c cache.Cache, k cache.Key) ([]byte, bool) {
	t.Helper()
	v, ok, err := c.Get(context.Background(), k)
	if err != nil {
		t.Fatalf("Get(%v): %v", k, err)
	}
	return v, ok
}

func mustSet(t *testing.T, c cache.Cache, k cache.Key, v []byte, ttl time.Duration) {
	t.Helper()
	if err := c.Set(context.Background(), k, v, ttl); err != nil {
		t.Fatalf("Set(%v): %v", k, err)
	}
}

func testMissThenHit(t *testing.T, h Harness) {
	c := h.Cache
	k := K("a")
	if v, ok := mustGet(t, c, k); ok || v != nil {
		t.Fatalf("empty cache: Get = %q, %v; want nil, false", v, ok)
	}
	mustSet(t, c, k, []byte(`{"summary":"x"}`), time.Hour)
	v, ok := mustGet(t, c, k)
	if !ok || string(v) != `{"summary":"x"}` {
		t.Fatalf("Get after Set = %q, %v", v, ok)
	}
	want := cache.Stats{Hits: 1, Misses: 1}
	if got := c.Stats(); got != want {
		t.Fatalf("Stats = %+v, want %+v", got, want)
	}
}

func testKeyFieldsDistinguish(t *testing.T, h Harness) {
	c := h.Cache
	keys := []cache.Key{
		{PaperHash: "p", ConfigHash: "c", PromptVersions: "v"},
		{PaperHash: "p2", ConfigHash: "c", PromptVersions: "v"},
		{PaperHash: "p", ConfigHash: "c2", PromptVersions: "v"},
		{PaperHash: "p", ConfigHash: "c", PromptVersions: "v2"},
		{PaperHash: "p", ConfigHash: "c", PromptVersions: ""},
		// Equal concatenations must not collide.
		{PaperHash: "ab", ConfigHash: "c", PromptVersions: "v"},
		{PaperHash: "a", ConfigHash: "bc", PromptVersions: "v"},
	}
	seen := map[string]cache.Key{}
	for i, k := range keys {
		s := k.String()
		if len(s) != 64 {
			t.Fatalf("Key.String() = %q, want 64 hex chars", s)
		}
		if s != k.String() {
			t.Fatal("Key.String() is not deterministic")
		}
		if prev, dup := seen[s]; dup {
			t.Fatalf("keys %+v and %+v collide", prev, k)
		}
		seen[s] = k
		mustSet(t, c, k, []byte(fmt.Sprint(i)), time.Hour)
	}
	for i, k := range keys {
		if v, ok := mustGet(t, c, k); !ok || string(v) != fmt.Sprint(i) {
			t.Fatalf("Get(%+v) = %q, %v; want %d", k, v, ok, i)
		}
	}
}

func testOverwrite(t *testing.T, h Harness) {
	c := h.Cache
	k := K("o")
	mustSet(t, c, k, []byte("first"), time.Hour)
	mustSet(t, c, k, []byte("second"), time.Hour)
	if v, ok := mustGet(t, c, k); !ok || string(v) != "second" {
		t.Fatalf("Get = %q, %v; want second", v, ok)
	}
}

func testEmptyValue(t *testing.T, h Harness) {
	c := h.Cache
	k := K("e")
	mustSet(t, c, k, nil, time.Hour)
	v, ok := mustGet(t, c, k)
	if !ok || v == nil || len(v) != 0 {
		t.Fatalf("Get = %#v, %v; want a non-nil empty slice, true", v, ok)
	}
}

func testLargeValue(t *testing.T, h Harness) {
	c := h.Cache
	k := K("big")
	v := make([]byte, 4<<20)
	// Random bytes, so that no layer can get away with compressing them.
	rand.NewChaCha8([32]byte{1}).Read(v)
	mustSet(t, c, k, v, time.Hour)
	start := time.Now()
	got, ok := mustGet(t, c, k)
	elapsed := time.Since(start)
	if !ok || !bytes.Equal(got, v) {
		t.Fatalf("4 MiB value did not round-trip (ok=%v, len=%d)", ok, len(got))
	}
	// The issue asks that a hit return in milliseconds; allow generous
	// slack for -race and a loaded CI machine.
	if elapsed > 500*time.Millisecond {
		t.Errorf("4 MiB hit took %s", elapsed)
	}
}

func testCopySemantics(t *testing.T, h Harness) {
	c := h.Cache
	k := K("copy")
	in := []byte("original")
	mustSet(t, c, k, in, time.Hour)
	in[0] = 'X' // the caller reuses its buffer
	out, _ := mustGet(t, c, k)
	if string(out) != "original" {
		t.Fatalf("Set kept the caller's slice: got %q", out)
	}
	out[0] = 'Y' // the caller edits what it got
	if again, _ := mustGet(t, c, k); string(again) != "original" {
		t.Fatalf("Get shared the stored slice: got %q", again)
	}
}

func testTTL(t *testing.T, h Harness) {
	c := h.Cache
	short, forever := K("short"), K("forever")
	mustSet(t, c, short, []byte("s"), 100*time.Millisecond)
	mustSet(t, c, forever, []byte("f"), 0)
	if _, ok := mustGet(t, c, short); !ok {
		t.Fatal("entry missing before its TTL")
	}
	h.Advance(250 * time.Millisecond)
	if v, ok := mustGet(t, c, short); ok {
		t.Fatalf("entry %q still there after its TTL", v)
	}
	if _, ok := mustGet(t, c, forever); !ok {
		t.Fatal("ttl 0 entry expired")
	}
	// Overwriting resets the TTL.
	mustSet(t, c, short, []byte("s2"), time.Hour)
	if v, ok := mustGet(t, c, short); !ok || string(v) != "s2" {
		t.Fatalf("re-Set after expiry: Get = %q, %v", v, ok)
	}
}

func testValidation(t *testing.T, h Harness) {
	c := h.Cache
	ctx := context.Background()
	bad := []cache.Key{
		{ConfigHash: "c", PromptVersions: "v"},
		{PaperHash: "p", PromptVersions: "v"},
	}
	for _, k := range bad {
		if _, _, err := c.Get(ctx, k); papersum.ErrorCode(err) != papersum.EINVALID {
			t.Errorf("Get(%+v) error = %v, want EINVALID", k, err)
		}
		if err := c.Set(ctx, k, []byte("x"), time.Hour); papersum.ErrorCode(err) != papersum.EINVALID {
			t.Errorf("Set(%+v) error = %v, want EINVALID", k, err)
		}
	}
	if err := c.Set(ctx, K("neg"), []byte("x"), -time.Second); papersum.ErrorCode(err) != papersum.EINVALID {
		t.Errorf("Set with negative ttl: error = %v, want EINVALID", err)
	}
	if got := c.Stats(); got.Errors != 0 {
		t.Errorf("invalid calls counted as backend errors: %+v", got)
	}
}

func testCanceledContext(t *testing.T, h Harness) {
	c := h.Cache
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := c.Get(ctx, K("x")); err != context.Canceled {
		t.Errorf("Get with canceled ctx: error = %v, want context.Canceled", err)
	}
	if err := c.Set(ctx, K("x"), []byte("x"), 0); err != context.Canceled {
		t.Errorf("Set with canceled ctx: error = %v, want context.Canceled", err)
	}
	if got := c.Stats(); got.Errors != 0 {
		t.Errorf("a caller's cancellation counted as a backend error: %+v", got)
	}
}

func testConcurrent(t *testing.T, h Harness) {
	c := h.Cache
	const workers, rounds = 8, 50
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			ctx := context.Background()
			for i := range rounds {
				// Half the keys are shared between workers, half private.
				k := K(fmt.Sprint("shared-", i%5))
				if i%2 == 1 {
					k = K(fmt.Sprint("w", w, "-", i))
				}
				want := []byte(k.PaperHash)
				if err := c.Set(ctx, k, want, time.Hour); err != nil {
					errs <- err
					return
				}
				v, ok, err := c.Get(ctx, k)
				if err != nil {
					errs <- err
					return
				}
				if ok && !bytes.Equal(v, want) {
					errs <- fmt.Errorf("Get(%s) = %q, want %q", k.PaperHash, v, want)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	st := c.Stats()
	if st.Hits+st.Misses != workers*rounds {
		t.Errorf("Hits+Misses = %d, want %d", st.Hits+st.Misses, workers*rounds)
	}
}
