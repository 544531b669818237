package llm

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/papersum/papersum"
)

// instant answers at once with a shared response, so that a benchmark
// measures the decorators and nothing else.
type instant struct{ resp *papersum.Response }

func (m instant) Generate(context.Context, *papersum.Request) (*papersum.Response, error) {
	return m.resp, nil
}

func newInstant() instant {
	return instant{&papersum.Response{Text: "ok", Provider: "anthropic", Model: "claude-opus-4-5"}}
}

// benchStack is the documented wiring: Chain(Breaker(Retrier(adapter)))
// with a second link that is never reached.
func benchStack(b *testing.B, first papersum.Model) papersum.Model {
	b.Helper()
	br, err := NewBreakers(BreakerConfig{})
	if err != nil {
		b.Fatal(err)
	}
	link := func(provider, model string, m papersum.Model) Link {
		r, err := NewRetrier(m, RetryConfig{Provider: provider, Rand: rand.New(rand.NewPCG(1, 2)),
			OnAttempt: func(Attempt) {}})
		if err != nil {
			b.Fatal(err)
		}
		return Link{Provider: provider, Model: model, Client: br.Wrap(provider, model, r)}
	}
	c, err := NewChain(nil, link("anthropic", "claude-opus-4-5", first),
		link("anthropic", "claude-sonnet-4-5", newInstant()))
	if err != nil {
		b.Fatal(err)
	}
	return c
}

func benchRequest() *papersum.Request {
	return &papersum.Request{Model: "claude-opus-4-5", Prompt: "summarize", Timeout: 2 * time.Minute}
}

func runBench(b *testing.B, m papersum.Model, req *papersum.Request) {
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Generate(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBare is the baseline: the model called directly.
func BenchmarkBare(b *testing.B) { runBench(b, newInstant(), benchRequest()) }

// BenchmarkStack is the decorator stack around a model that answers at
// once: the overhead each LLM call pays.
func BenchmarkStack(b *testing.B) { runBench(b, benchStack(b, newInstant()), benchRequest()) }

// BenchmarkStackPaperTimeout is BenchmarkStack with no Timeout in the
// request, so the Retrier sizes it from a 10,000-word paper.
func BenchmarkStackPaperTimeout(b *testing.B) {
	req := benchRequest()
	req.Timeout = 0
	req.Paper = &papersum.Document{Text: strings.Repeat("lorem ipsum dolor sit amet ", 2000)}
	runBench(b, benchStack(b, newInstant()), req)
}

// BenchmarkStackParallel is BenchmarkStack from GOMAXPROCS goroutines
// sharing one breaker and one Retrier, whose locks they contend for.
func BenchmarkStackParallel(b *testing.B) {
	m := benchStack(b, newInstant())
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		req := benchRequest()
		for pb.Next() {
			if _, err := m.Generate(ctx, req); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkStackCircuitOpen: the first link's circuit is open, so every
// call is refused by its breaker and answered by the second link.
func BenchmarkStackCircuitOpen(b *testing.B) {
	m := benchStack(b, script("opus", step{err: perr(papersum.ClassAuth)}))
	// Open opus's circuit by hand: five infrastructure failures.
	c := m.(*Chain)
	br := c.links[0].Client.(*breakerModel).br
	for range DefaultConsecutiveFailures {
		br.cb.Execute(func() (*papersum.Response, error) { return nil, perr(papersum.ClassServer) })
	}
	runBench(b, m, benchRequest())
}
