package postgres

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/papersum/papersum"
)

// benchGroup is how many requests a group commit writes at once in the
// benchmarks: cache hits, or submissions, that arrived together.
const benchGroup = 20

// benchSeq numbers the benchmarks' runs, papers and keys, which must be
// new on every iteration.
var benchSeq atomic.Int64

func benchID(prefix string) string { return fmt.Sprintf("%s-%d", prefix, benchSeq.Add(1)) }

// reportPerItem adds the time per request to ns/op, the time per group of
// benchGroup requests, so that both ways of writing compare directly.
func reportPerItem(b *testing.B) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchGroup), "ns/item")
}

// benchHit is a cache hit as the service records it.
func benchHit(paperID string) *papersum.Run {
	return &papersum.Run{
		ID: benchID("run-hit"), PaperID: paperID, Title: "A Study of Benchmarks", Source: "https://arxiv.org/abs/2601.00001",
		Status: papersum.RunSucceeded, Cached: true, Summary: strings.Repeat("A cached summary sentence. ", 40),
		ConfigHash: "sha256:config", TargetWords: 200, Team: "team-bench", User: "user-bench", KeyID: "key-bench",
		Scores: &papersum.Scores{Accuracy: 8, Completeness: 7, Clarity: 9, Coherence: 8},
	}
}

// BenchmarkCreateRuns records benchGroup cache hits with one CreateRun
// each, and with one CreateRuns.
func BenchmarkCreateRuns(b *testing.B) {
	ctx := context.Background()
	db := openTest(b, Options{})
	paper := &papersum.Paper{ID: "sha256:bench-hits", Title: "A Study of Benchmarks", Format: "pdf"}
	if err := db.PutPaper(ctx, paper); err != nil {
		b.Fatal(err)
	}
	hits := func() []*papersum.Run {
		runs := make([]*papersum.Run, benchGroup)
		for i := range runs {
			runs[i] = benchHit(paper.ID)
		}
		return runs
	}
	b.Run("CreateRun-each", func(b *testing.B) {
		for b.Loop() {
			for _, r := range hits() {
				if err := db.CreateRun(ctx, r); err != nil {
					b.Fatal(err)
				}
			}
		}
		reportPerItem(b)
	})
	b.Run("CreateRuns-group", func(b *testing.B) {
		for b.Loop() {
			if err := db.CreateRuns(ctx, hits()); err != nil {
				b.Fatal(err)
			}
		}
		reportPerItem(b)
	})
	// RecordCacheHits is how the service records hits: benchHit's key is
	// the same every time, so all but the first count on one run.
	b.Run("RecordCacheHits-group", func(b *testing.B) {
		for b.Loop() {
			if err := db.RecordCacheHits(ctx, hits()); err != nil {
				b.Fatal(err)
			}
		}
		reportPerItem(b)
	})
}

// benchSubmission is a request as the service submits it: a paper of its
// own and one queued run, with an idempotency key when keyed.
func benchSubmission(keyed bool) *papersum.Submission {
	p := &papersum.Paper{ID: benchID("sha256:bench"), Title: "A Study of Benchmarks", Source: "https://arxiv.org/abs/2601.00001",
		Format: "pdf", Sections: []papersum.Section{
			{Title: "Abstract", Kind: papersum.KindAbstract, Sentences: []string{"We measure round trips.", "They cost."}},
			{Title: "1 Introduction", Kind: papersum.KindIntroduction, Sentences: []string{strings.Repeat("Words matter. ", 50)}},
		}}
	run := &papersum.Run{ID: benchID("run-sub"), PaperID: p.ID, Title: p.Title, Source: p.Source, Status: papersum.RunQueued,
		ConfigHash: "sha256:config", TargetWords: 200, Team: "team-bench", User: "user-bench", KeyID: "key-bench",
		CallbackURL: "https://hooks.example.test/papersum"}
	sub := &papersum.Submission{Papers: []*papersum.Paper{p}, Runs: []*papersum.Run{run}, Team: "team-bench"}
	if keyed {
		sub.IdempotencyKey, sub.RequestHash = benchID("key"), "sha256:request"
	}
	return sub
}

// noEnqueue stands for the queue, whose cost is not the store's.
func noEnqueue(context.Context, pgx.Tx, []string) error { return nil }

// BenchmarkSubmitMany stores benchGroup submissions with one Submit each,
// and with one SubmitMany, without and with idempotency keys.
func BenchmarkSubmitMany(b *testing.B) {
	ctx := context.Background()
	db := openTest(b, Options{})
	group := func(keyed bool) []*papersum.Submission {
		subs := make([]*papersum.Submission, benchGroup)
		for i := range subs {
			subs[i] = benchSubmission(keyed)
		}
		return subs
	}
	for _, keyed := range []bool{false, true} {
		name := map[bool]string{false: "no-key", true: "keyed"}[keyed]
		b.Run(name+"/Submit-each", func(b *testing.B) {
			for b.Loop() {
				for _, sub := range group(keyed) {
					if _, err := db.Submit(ctx, sub, noEnqueue); err != nil {
						b.Fatal(err)
					}
				}
			}
			reportPerItem(b)
		})
		b.Run(name+"/SubmitMany-group", func(b *testing.B) {
			for b.Loop() {
				if _, err := db.SubmitMany(ctx, group(keyed), noEnqueue); err != nil {
					b.Fatal(err)
				}
			}
			reportPerItem(b)
		})
	}
}
