package cache_test

import (
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/papersum/papersum/internal/redistest"
)

// fakeClock is a papersum.Clock that moves only when told.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// redisClient returns a client for TEST_REDIS_URL, or skips the test.
func redisClient(tb testing.TB) *redis.Client { return redistest.Client(tb) }

// testPrefix returns a key prefix of this test's own, cleaned up after it.
func testPrefix(tb testing.TB, client *redis.Client) string {
	return redistest.Prefix(tb, client, "cache")
}
