package pipeline

import (
	"context"
	"fmt"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/ingest"
	"github.com/papersum/papersum/llm/local"
	"github.com/papersum/papersum/llm/pricing"
	"github.com/papersum/papersum/sqlite"
	"github.com/papersum/papersum/telemetry"
)

// BenchmarkRunTracing measures what tracing adds to a run of the local
// engine (three stages, SQLite in memory) on a synthetic 3,000-word
// paper: "off" is the run as papersum makes it with tracing off (no-op
// provider, every decorator in place), "baseline" the same run without
// the GenAI decorator and with no provider at all, and "on" tracing with
// every span sampled (always_on) through the SDK's batching processor
// to an exporter that discards them. The ratio (on-off)/baseline is the
// overhead; see BENCHMARKS.md.
//
//	go test -run '^$' -bench RunTracing -benchtime 200x -count 5 -cpu 1 ./pipeline
func BenchmarkRunTracing(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("A synthetic study of tracing overhead\n\nAbstract\n\n")
	for i := range 300 {
		fmt.Fprintf(&sb, "Experiment %d measures how method %d changes accuracy by %d points on dataset %d. ", i, i%17, i%9+1, i%5)
		if i%20 == 19 {
			fmt.Fprintf(&sb, "\n\nSection %d\n\n", i/20+1)
		}
	}
	paper, err := ingest.Parse(context.Background(), "paper.txt", []byte(sb.String()), ingest.Options{})
	if err != nil {
		b.Fatal(err)
	}
	for _, mode := range []string{"baseline", "off", "on"} {
		b.Run(mode, func(b *testing.B) {
			var tp trace.TracerProvider = noop.NewTracerProvider()
			if mode == "on" {
				sdk := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()),
					sdktrace.WithBatcher(tracetest.NewNoopExporter()))
				b.Cleanup(func() { _ = sdk.Shutdown(context.Background()) })
				tp = sdk
			}
			store, err := sqlite.Open(context.Background(), ":memory:", sqlite.Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { store.Close() })
			pricer, err := pricing.Default()
			if err != nil {
				b.Fatal(err)
			}
			var client papersum.Model = local.New(local.Config{})
			cfg := RunnerConfig{Store: store, Pricer: pricer, Stages: map[papersum.Stage]StageModel{}}
			if mode != "baseline" {
				client = telemetry.NewGenAIModel(client, telemetry.GenAIConfig{Provider: "papersum.local", TracerProvider: tp})
				cfg.TracerProvider = tp
			}
			for _, s := range papersum.Stages {
				cfg.Stages[s] = StageModel{Provider: "local", Model: "local", Client: client}
			}
			r, err := NewRunner(cfg)
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				run, err := r.Run(ctx, paper, Options{})
				if err != nil || run.Status != papersum.RunSucceeded {
					b.Fatalf("run: %v", err)
				}
			}
		})
	}
}

type cannedModel struct{ resp *papersum.Response }

func (m cannedModel) Generate(context.Context, *papersum.Request) (*papersum.Response, error) {
	return m.resp, nil
}

// BenchmarkRunSpans measures the tracing work of one run alone, without
// the run: the spans a three-stage run makes (the run, three stages, three
// GenAI model calls, three add_stage commits and finish_run, with the
// critique's five evaluation events), through the same helpers, with
// tracing off (no-op provider) and on (always_on, batching processor, a
// discarding exporter). BenchmarkRunTracing's wall times are too noisy on
// a shared machine to see a difference this small; this isolates it.
//
//	go test -run '^$' -bench 'RunSpans|RunTracing/baseline' -benchtime 30x -count 5 -cpu 1 ./pipeline
func BenchmarkRunSpans(b *testing.B) {
	for _, mode := range []string{"off", "on"} {
		b.Run(mode, func(b *testing.B) {
			var tp trace.TracerProvider = noop.NewTracerProvider()
			if mode == "on" {
				sdk := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()),
					sdktrace.WithBatcher(tracetest.NewNoopExporter()))
				b.Cleanup(func() { _ = sdk.Shutdown(context.Background()) })
				tp = sdk
			}
			model := telemetry.NewGenAIModel(cannedModel{&papersum.Response{Text: "x", StopReason: papersum.StopEnd, Model: "local",
				Usage: papersum.Usage{InputTokens: 12000, OutputTokens: 300}}}, telemetry.GenAIConfig{Provider: "papersum.local", TracerProvider: tp})
			r := &Runner{tracer: tp.Tracer(tracerName), stages: map[papersum.Stage]StageModel{}}
			for _, s := range papersum.Stages {
				r.stages[s] = StageModel{Provider: "local", Model: "local"}
			}
			run := &papersum.Run{ID: "run-1", PaperID: "paper-1", Scores: &papersum.Scores{Accuracy: 8}}
			req := &papersum.Request{Model: "local", MaxTokens: 1024}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				rctx, rspan := r.startRun(ctx, run)
				for _, s := range papersum.Stages {
					sctx, sspan := r.startStage(rctx, run, s)
					if _, err := model.Generate(sctx, req); err != nil {
						b.Fatal(err)
					}
					_, cspan := r.startCommit(sctx, "add_stage")
					endSpan(cspan, nil)
					if s == papersum.StageCritique && sspan.IsRecording() {
						evaluationEvents(sspan, "", run.Scores)
					}
					endSpan(sspan, nil)
				}
				_, cspan := r.startCommit(rctx, "finish_run")
				endSpan(cspan, nil)
				endRun(rspan, run, nil)
			}
		})
	}
}
