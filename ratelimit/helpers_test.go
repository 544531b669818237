package ratelimit_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/redis/go-redis/v9"
)

// redisClient returns a client for TEST_REDIS_URL, or skips the test when
// it is unset so that plain `go test ./...` stays hermetic.
func redisClient(tb testing.TB) *redis.Client {
	tb.Helper()
	url := os.Getenv("TEST_REDIS_URL")
	if url == "" {
		tb.Skip("TEST_REDIS_URL not set")
	}
	opt, err := redis.ParseURL(url)
	if err != nil {
		tb.Fatalf("TEST_REDIS_URL: %v", err)
	}
	client := redis.NewClient(opt)
	tb.Cleanup(func() { client.Close() })
	if err := client.Ping(context.Background()).Err(); err != nil {
		tb.Fatalf("redis at TEST_REDIS_URL: %v", err)
	}
	return client
}

// testPrefix returns a key prefix used by no other test or concurrent run,
// and deletes its keys when tb ends (token buckets would otherwise linger
// for up to a day of real time).
func testPrefix(tb testing.TB, client *redis.Client) string {
	tb.Helper()
	prefix := fmt.Sprintf("papersum-test:ratelimit:%d:%x:", os.Getpid(), rand.Uint64())
	tb.Cleanup(func() {
		ctx := context.Background()
		iter := client.Scan(ctx, 0, prefix+"*", 100).Iterator()
		for iter.Next(ctx) {
			client.Del(ctx, iter.Val())
		}
		if err := iter.Err(); err != nil {
			tb.Errorf("cleaning %s*: %v", prefix, err)
		}
	})
	return prefix
}
