package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/papersum/papersum"
)

// The benchmarks measure the store's hot paths on a database file, as
// the server uses it: a cache hit recorded alone and in a group commit, a
// submission, the API key lookup of every request, and a worker's run.
//
//	go test -run '^$' -bench . -benchtime 2s ./sqlite/

// benchStore opens a store on a new file with one paper stored.
func benchStore(b *testing.B) (*DB, *papersum.Paper) {
	b.Helper()
	db, err := Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	p := benchPaper("sha256:bench")
	if err := db.PutPaper(context.Background(), p); err != nil {
		b.Fatal(err)
	}
	return db, p
}

func benchPaper(id string) *papersum.Paper {
	return &papersum.Paper{ID: id, Title: "A Benchmark", Source: "/papers/bench.pdf", Format: "pdf",
		Sections: []papersum.Section{{Title: "Abstract", Kind: papersum.KindAbstract, Sentences: []string{"We measure."}}}}
}

// cachedRun is a run answered from the result cache, as the service
// records it.
func cachedRun(id, paperID string) *papersum.Run {
	return &papersum.Run{ID: id, PaperID: paperID, Title: "A Benchmark", Source: "api", Status: papersum.RunSucceeded,
		Cached: true, Summary: "The cached summary.", ConfigHash: "cfg", TargetWords: 150, Team: "team", User: "user", KeyID: "key"}
}

// BenchmarkCreateRun records one cache hit per call.
func BenchmarkCreateRun(b *testing.B) {
	db, p := benchStore(b)
	ctx := context.Background()
	for i := 0; b.Loop(); i++ {
		if err := db.CreateRun(ctx, cachedRun(fmt.Sprint("run-", i), p.ID)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCreateRuns records 20 cache hits per call, as a group commit.
func BenchmarkCreateRuns(b *testing.B) {
	const perCall = 20
	db, p := benchStore(b)
	ctx := context.Background()
	for i := 0; b.Loop(); i++ {
		runs := make([]*papersum.Run, perCall)
		for j := range runs {
			runs[j] = cachedRun(fmt.Sprintf("run-%d-%d", i, j), p.ID)
		}
		if err := db.CreateRuns(ctx, runs); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRecordCacheHits records one cache hit per call, as the
// service does since hits count on one run per key: the same key every
// time, so every call after the first updates that run.
func BenchmarkRecordCacheHits(b *testing.B) {
	db, p := benchStore(b)
	ctx := context.Background()
	for i := 0; b.Loop(); i++ {
		if err := db.RecordCacheHits(ctx, []*papersum.Run{cachedRun(fmt.Sprint("run-", i), p.ID)}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRecordCacheHitsGroup records 20 cache hits of one key per
// call, as a group commit.
func BenchmarkRecordCacheHitsGroup(b *testing.B) {
	const perCall = 20
	db, p := benchStore(b)
	ctx := context.Background()
	for i := 0; b.Loop(); i++ {
		runs := make([]*papersum.Run, perCall)
		for j := range runs {
			runs[j] = cachedRun(fmt.Sprintf("run-%d-%d", i, j), p.ID)
		}
		if err := db.RecordCacheHits(ctx, runs); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSubmit submits one run with its paper (stored already, as for
// most requests) and an idempotency key.
func BenchmarkSubmit(b *testing.B) {
	db, p := benchStore(b)
	ctx := context.Background()
	enqueue := func(context.Context, *sql.Tx, []string) error { return nil }
	for i := 0; b.Loop(); i++ {
		id := fmt.Sprint("run-", i)
		_, err := db.Submit(ctx, &papersum.Submission{
			Papers: []*papersum.Paper{p},
			Runs: []*papersum.Run{{ID: id, PaperID: p.ID, Status: papersum.RunQueued, ConfigHash: "cfg",
				TargetWords: 150, Team: "team", User: "user", KeyID: "key", CallbackURL: "https://hooks.example.test/x"}},
			IdempotencyKey: "key-" + id, Team: "team", RequestHash: "hash-" + id,
		}, enqueue)
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkKeyByHash looks up an API key, as every HTTP request does.
func BenchmarkKeyByHash(b *testing.B) {
	db, _ := benchStore(b)
	ctx := context.Background()
	hash := []byte("0123456789abcdef0123456789abcdef")
	if err := db.CreateKey(ctx, &papersum.APIKey{ID: "key", Team: "team", User: "user", Scope: papersum.ScopeWrite,
		Prefix: "ps_0123"}, hash); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := db.KeyByHash(ctx, hash); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWorkerRun is a worker's part of a run: start it, add its three
// stages, finish it. The queued runs are created before the clock starts.
func BenchmarkWorkerRun(b *testing.B) {
	db, p := benchStore(b)
	ctx := context.Background()
	queued := make([]*papersum.Run, b.N)
	for i := range queued {
		queued[i] = &papersum.Run{ID: fmt.Sprint("run-", i), PaperID: p.ID, Status: papersum.RunQueued}
	}
	for start := 0; start < len(queued); start += 500 {
		if err := db.CreateRuns(ctx, queued[start:min(start+500, len(queued))]); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for _, r := range queued {
		if _, err := db.StartRun(ctx, r.ID); err != nil {
			b.Fatal(err)
		}
		for _, st := range papersum.Stages {
			res := &papersum.StageResult{Stage: st, Provider: "anthropic", Model: "model", Raw: "raw output",
				Output: "output", Usage: papersum.Usage{InputTokens: 1000, OutputTokens: 200}, CostUSD: 0.01,
				Latency: time.Second, StopReason: papersum.StopEnd}
			if err := db.AddStage(ctx, r.ID, res); err != nil {
				b.Fatal(err)
			}
		}
		if err := db.FinishRun(ctx, &papersum.Run{ID: r.ID, Status: papersum.RunSucceeded, Summary: "summary"}); err != nil {
			b.Fatal(err)
		}
	}
}
