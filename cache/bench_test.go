package cache_test

import (
	"context"
	"testing"
	"time"

	"github.com/papersum/papersum/cache"
	"github.com/papersum/papersum/cache/cachetest"
)

// benchSizes are a typical stored result (a JSON run with three stage
// outputs and scores) and the largest the issue expects.
var benchSizes = []struct {
	name string
	size int
}{{"8KiB", 8 << 10}, {"4MiB", 4 << 20}}

func benchGetHit(b *testing.B, c cache.Cache) {
	for _, bs := range benchSizes {
		b.Run(bs.name, func(b *testing.B) {
			ctx := context.Background()
			k := cachetest.K("bench-" + bs.name)
			if err := c.Set(ctx, k, make([]byte, bs.size), time.Hour); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(bs.size))
			b.ReportAllocs()
			for b.Loop() {
				if _, ok, err := c.Get(ctx, k); err != nil || !ok {
					b.Fatalf("Get = %v, %v", ok, err)
				}
			}
		})
	}
}

func BenchmarkLRUGetHit(b *testing.B) {
	c, err := cache.NewLRU(cache.LRUConfig{})
	if err != nil {
		b.Fatal(err)
	}
	benchGetHit(b, c)
}

func BenchmarkRedisGetHit(b *testing.B) {
	client := redisClient(b)
	benchGetHit(b, newRedisCache(b, client, cache.RedisConfig{Prefix: testPrefix(b, client)}))
}
