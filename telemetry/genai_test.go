package telemetry

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/papersum/papersum"
)

type stubModel struct {
	resp *papersum.Response
	err  error
}

func (m stubModel) Generate(context.Context, *papersum.Request) (*papersum.Response, error) {
	return m.resp, m.err
}

// stepClock advances by step on every Now.
type stepClock struct {
	t    time.Time
	step time.Duration
}

func (c *stepClock) Now() time.Time { c.t = c.t.Add(c.step); return c.t }

func genAIRequest() *papersum.Request {
	temp := 0.2
	return &papersum.Request{Model: "claude-sonnet-4-5", System: "SYSTEM-SECRET", Prompt: "PROMPT-SECRET",
		Paper: &papersum.Document{Text: "PAPER-SECRET"}, MaxTokens: 1024, Temperature: &temp,
		Task: papersum.Task{Stage: papersum.StageSummarize}}
}

func attrs(kv []attribute.KeyValue) map[string]attribute.Value {
	m := map[string]attribute.Value{}
	for _, a := range kv {
		m[string(a.Key)] = a.Value
	}
	return m
}

func TestGenAISpanFollowsTheConventions(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	reg := prometheus.NewRegistry()
	gm, err := NewGenAIMetrics(reg, []ModelRef{{Provider: "anthropic", Model: "claude-sonnet-4-5"}})
	if err != nil {
		t.Fatal(err)
	}
	resp := &papersum.Response{Text: "ANSWER-SECRET", StopReason: papersum.StopEnd, Provider: "anthropic", Model: "claude-sonnet-4-5-20250929",
		Usage: papersum.Usage{InputTokens: 100, OutputTokens: 50, CacheCreation5mTokens: 1000, CacheCreation1hTokens: 10, CacheReadTokens: 3000}}
	m := NewGenAIModel(stubModel{resp: resp}, GenAIConfig{Provider: "anthropic", TracerProvider: tp, Observer: gm,
		Clock: &stepClock{t: time.Unix(0, 0), step: 300 * time.Millisecond}})
	if _, err := m.Generate(context.Background(), genAIRequest()); err != nil {
		t.Fatal(err)
	}
	spans := exp.GetSpans()
	if len(spans) != 1 {
		t.Fatalf("want 1 span, got %d", len(spans))
	}
	s := spans[0]
	if s.Name != "chat claude-sonnet-4-5" || s.SpanKind != trace.SpanKindClient {
		t.Errorf("span %q kind %v, want %q client", s.Name, s.SpanKind, "chat claude-sonnet-4-5")
	}
	a := attrs(s.Attributes)
	for k, want := range map[string]any{
		"gen_ai.operation.name":                    "chat",
		"gen_ai.provider.name":                     "anthropic",
		"gen_ai.request.model":                     "claude-sonnet-4-5",
		"gen_ai.request.max_tokens":                int64(1024),
		"gen_ai.request.temperature":               0.2,
		"gen_ai.response.model":                    "claude-sonnet-4-5-20250929",
		"gen_ai.usage.input_tokens":                int64(100 + 1000 + 10 + 3000),
		"gen_ai.usage.output_tokens":               int64(50),
		"gen_ai.usage.cache_read.input_tokens":     int64(3000),
		"gen_ai.usage.cache_creation.input_tokens": int64(1010),
	} {
		if got := a[k].AsInterface(); got != want {
			t.Errorf("%s = %v (%T), want %v", k, got, got, want)
		}
	}
	if fr := a["gen_ai.response.finish_reasons"].AsStringSlice(); len(fr) != 1 || fr[0] != "end_turn" {
		t.Errorf("finish_reasons %v", fr)
	}
	for _, v := range a {
		if strings.Contains(v.String(), "SECRET") {
			t.Errorf("span records content without the opt-in: %v", v.String())
		}
	}
	// The metrics: one duration sample of 0.3 s, token samples of the
	// totals.
	if n := testutil.CollectAndCount(reg, GenAIDurationName); n != 1 {
		t.Errorf("%d duration series, want 1", n)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		for _, mt := range mf.GetMetric() {
			h := mt.GetHistogram()
			switch mf.GetName() {
			case GenAIDurationName:
				if h.GetSampleSum() < 0.2999 || h.GetSampleSum() > 0.3001 {
					t.Errorf("duration sum %v, want 0.3", h.GetSampleSum())
				}
				if len(h.GetBucket()) != len(GenAIDurationBuckets) {
					t.Errorf("%d duration buckets, want the conventions' %d", len(h.GetBucket()), len(GenAIDurationBuckets))
				}
			case GenAITokenUsageName:
				var typ string
				for _, l := range mt.GetLabel() {
					if l.GetName() == "gen_ai_token_type" {
						typ = l.GetValue()
					}
				}
				wantSum := map[string]float64{"input": 4110, "output": 50}[typ]
				if h.GetSampleSum() != wantSum {
					t.Errorf("%s tokens sum %v, want %v", typ, h.GetSampleSum(), wantSum)
				}
			}
		}
	}
}

func TestGenAISpanOfAFailedCall(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	perr := &papersum.ProviderError{Class: papersum.ClassRateLimit, Provider: "anthropic", Model: "claude-sonnet-4-5"}
	m := NewGenAIModel(stubModel{err: perr}, GenAIConfig{Provider: "anthropic", TracerProvider: tp})
	if _, err := m.Generate(context.Background(), genAIRequest()); err == nil {
		t.Fatal("want the error")
	}
	s := exp.GetSpans()[0]
	if got := attrs(s.Attributes)["error.type"].AsString(); got != "rate_limit" {
		t.Errorf("error.type %q, want rate_limit", got)
	}
	if s.Status.Code.String() != "Error" {
		t.Errorf("status %v, want Error", s.Status)
	}
}

func TestGenAIContentOnlyWhenOptedIn(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	resp := &papersum.Response{Text: "ANSWER-SECRET", StopReason: papersum.StopEnd, Model: "m"}
	m := NewGenAIModel(stubModel{resp: resp}, GenAIConfig{Provider: "anthropic", TracerProvider: tp, RecordContent: true})
	if _, err := m.Generate(context.Background(), genAIRequest()); err != nil {
		t.Fatal(err)
	}
	a := attrs(exp.GetSpans()[0].Attributes)
	for k, want := range map[string]string{
		"gen_ai.system_instructions": "SYSTEM-SECRET",
		"gen_ai.input.messages":      "PAPER-SECRET",
		"gen_ai.output.messages":     "ANSWER-SECRET",
	} {
		if !strings.Contains(a[k].AsString(), want) {
			t.Errorf("%s = %q, want it to hold %q", k, a[k].AsString(), want)
		}
	}
	if !strings.Contains(a["gen_ai.input.messages"].AsString(), "PROMPT-SECRET") {
		t.Errorf("input messages lack the prompt: %s", a["gen_ai.input.messages"].AsString())
	}
}

func TestTraceHandlerAddsTraceAndSpanIDs(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	var buf bytes.Buffer
	log, err := NewLogger(&buf, "info", "json")
	if err != nil {
		t.Fatal(err)
	}
	log.InfoContext(context.Background(), "no span")
	ctx, span := tp.Tracer("t").Start(context.Background(), "s")
	log.With("run_id", "r1").InfoContext(ctx, "in span")
	span.End()
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 lines, got %q", buf.String())
	}
	if strings.Contains(lines[0], "trace_id") {
		t.Errorf("a line without a span has a trace_id: %s", lines[0])
	}
	sc := span.SpanContext()
	for _, want := range []string{`"trace_id":"` + sc.TraceID().String() + `"`, `"span_id":"` + sc.SpanID().String() + `"`, `"run_id":"r1"`} {
		if !strings.Contains(lines[1], want) {
			t.Errorf("line %s lacks %s", lines[1], want)
		}
	}
}
