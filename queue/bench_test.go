package queue

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
)

// BenchmarkEnqueueManyAndWork inserts 500 jobs with one EnqueueMany and
// waits until a started queue has worked them all, on each driver, with
// the default Workers and with 100, and on Postgres also with River's
// 100ms FetchCooldown (which caps a client at Workers jobs per 100ms when
// jobs take no time; see DefaultPostgresFetchCooldown). It reports jobs/s
// over insert + work.
//
//	TEST_DATABASE_URL=postgres://... go test -run '^$' -bench EnqueueManyAndWork ./queue/
func BenchmarkEnqueueManyAndWork(b *testing.B) {
	const jobs = 500
	for _, be := range backends() {
		type variant struct {
			workers  int
			cooldown time.Duration // 0: the driver's default
		}
		variants := []variant{{DefaultWorkers, 0}, {100, 0}}
		if be.name == "postgres" {
			variants = append(variants, variant{DefaultWorkers, river.FetchCooldownDefault})
		}
		for _, v := range variants {
			workers := v.workers
			name := fmt.Sprintf("%s/workers=%d", be.name, workers)
			if v.cooldown > 0 {
				name += "/cooldown=" + v.cooldown.String()
			}
			b.Run(name, func(b *testing.B) {
				db := be.fresh(b)
				d, _ := db.open(b)
				var worked atomic.Int64
				done := make(chan struct{}, 1)
				var target atomic.Int64
				q, err := New(context.Background(), Config{
					Driver: d, Workers: workers, FetchCooldown: v.cooldown, Logger: testLogger(),
					Handler: func(context.Context, string) error {
						if worked.Add(1) == target.Load() {
							done <- struct{}{}
						}
						return nil
					},
				})
				if err != nil {
					b.Fatal(err)
				}
				ctx := context.Background()
				if err := q.Migrate(ctx); err != nil {
					b.Fatal(err)
				}
				if err := q.Start(ctx); err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() {
					sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
					defer cancel()
					_ = q.Stop(sctx)
				})

				runIDs := make([]string, jobs)
				var elapsed time.Duration
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					for j := range runIDs {
						runIDs[j] = fmt.Sprintf("bench-%d-%d", i, j)
					}
					target.Add(jobs)
					began := time.Now()
					if _, err := q.EnqueueMany(ctx, runIDs); err != nil {
						b.Fatal(err)
					}
					select {
					case <-done:
					case <-time.After(2 * time.Minute):
						b.Fatalf("%d of %d jobs worked in 2m", worked.Load(), target.Load())
					}
					elapsed += time.Since(began)
				}
				b.ReportMetric(float64(jobs*b.N)/elapsed.Seconds(), "jobs/s")
			})
		}
	}
}
