package ratelimit_test

import (
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/papersum/papersum/internal/redistest"
)

// redisClient returns a client for TEST_REDIS_URL, or skips the test.
func redisClient(tb testing.TB) *redis.Client { return redistest.Client(tb) }

// testPrefix returns a key prefix of this test's own, cleaned up after it.
func testPrefix(tb testing.TB, client *redis.Client) string {
	return redistest.Prefix(tb, client, "ratelimit")
}
