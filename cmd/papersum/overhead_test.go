package main

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"testing"
	"time"

	sdk "github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/config"
	"github.com/papersum/papersum/llm/llmtest/fakeupstream"
)

// BenchmarkCallOverhead measures the latency papersum adds to one LLM call:
// the stage client exactly as `papersum summarize` wires it (fallback
// chain, circuit breaker, retrier, Anthropic adapter) against the official
// SDK called directly, on the same fake upstream with no added latency.
// Each iteration makes one call of each kind, alternating, so both see the
// same machine load; the paired differences give the overhead.
//
//	go test -run '^$' -bench CallOverhead -benchtime 2000x ./cmd/papersum
func BenchmarkCallOverhead(b *testing.B) {
	_, url := func() (*fakeupstream.Server, string) {
		srv := fakeupstream.New(fakeupstream.Config{Seed: 1})
		u, stop := srv.Start()
		b.Cleanup(stop)
		return srv, u
	}()
	cfg, err := config.Load(strings.NewReader(fmt.Sprintf(`
providers:
  anthropic: {base_url: %q}
stages:
  summarize: {provider: anthropic, model: claude-sonnet-4-5, fallback: [{provider: anthropic, model: claude-haiku-4-5}]}
`, url)), "bench.yaml")
	if err != nil {
		b.Fatal(err)
	}
	e := &env{getenv: func(k string) string { return map[string]string{"ANTHROPIC_API_KEY": "k"}[k] }}
	deps, err := newPipelineDeps(cfg, e, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	client := deps.stages[papersum.StageSummarize].Client
	paper := fakeupstream.SamplePaper()
	system, prompt := "You are an expert scientific editor.", "Write a summary of about 150 words inside <summary></summary> tags."
	raw := sdk.NewClient(option.WithoutEnvironmentDefaults(), option.WithAPIKey("k"), option.WithBaseURL(url),
		option.WithMaxRetries(0), option.WithoutOpenTelemetry())
	ctx := context.Background()
	viaSDK := func() {
		p := sdk.MessageNewParams{
			Model: "claude-sonnet-4-5", MaxTokens: 1024,
			System: []sdk.TextBlockParam{
				{Text: paper, CacheControl: sdk.CacheControlEphemeralParam{TTL: sdk.CacheControlEphemeralTTLTTL5m}},
				{Text: system},
			},
			Messages: []sdk.MessageParam{sdk.NewUserMessage(sdk.NewTextBlock(prompt))},
		}
		if _, err := raw.Messages.New(ctx, p); err != nil {
			b.Fatal(err)
		}
	}
	viaPapersum := func() {
		req := &papersum.Request{Model: "claude-sonnet-4-5", System: system, Prompt: prompt, MaxTokens: 1024,
			Paper: &papersum.Document{Text: paper, Cacheable: true, CacheTTL: "5m"}}
		if _, err := client.Generate(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
	viaSDK()
	viaPapersum() // both warm: connections open, cache written
	var sdkT, psT, diff []time.Duration
	for b.Loop() {
		t0 := time.Now()
		viaSDK()
		t1 := time.Now()
		viaPapersum()
		t2 := time.Now()
		sdkT = append(sdkT, t1.Sub(t0))
		psT = append(psT, t2.Sub(t1))
		diff = append(diff, t2.Sub(t1)-t1.Sub(t0))
	}
	q := func(d []time.Duration, p float64) float64 {
		s := append([]time.Duration(nil), d...)
		sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
		return float64(s[int(p*float64(len(s)-1))].Microseconds())
	}
	b.ReportMetric(q(sdkT, 0.5), "sdk-p50-µs")
	b.ReportMetric(q(sdkT, 0.99), "sdk-p99-µs")
	b.ReportMetric(q(psT, 0.5), "papersum-p50-µs")
	b.ReportMetric(q(psT, 0.99), "papersum-p99-µs")
	b.ReportMetric(q(psT, 0.5)-q(sdkT, 0.5), "added-p50-µs")
	b.ReportMetric(q(psT, 0.99)-q(sdkT, 0.99), "added-p99-µs")
	b.ReportMetric(q(diff, 0.5), "paired-diff-p50-µs")
}
