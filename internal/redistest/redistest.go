// Package redistest gives tests a client of the real Redis named by
// TEST_REDIS_URL (CI sets it; plain `go test ./...` skips these tests) and
// a key prefix of their own that is cleaned up afterwards, so tests and
// concurrent runs sharing one Redis never see each other's keys.
package redistest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/redis/go-redis/v9"
)

// Client returns a client for TEST_REDIS_URL, or skips tb when it is unset.
func Client(tb testing.TB) *redis.Client {
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

// Prefix returns a key prefix ("papersum-test:<area>:<pid>:<random>:")
// that no other test uses, and deletes its keys when tb ends.
func Prefix(tb testing.TB, client *redis.Client, area string) string {
	tb.Helper()
	prefix := fmt.Sprintf("papersum-test:%s:%d:%x:", area, os.Getpid(), rand.Uint64())
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
