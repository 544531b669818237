package llm

import (
	"context"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/papersum/papersum"
)

type answerModel struct{ err error }

func (m answerModel) Generate(context.Context, *papersum.Request) (*papersum.Response, error) {
	if m.err != nil {
		return nil, m.err
	}
	return &papersum.Response{Text: "ok", StopReason: papersum.StopEnd}, nil
}

// TestFallbackIsAnEventOnTheCallersSpan: a chain that falls back adds a
// papersum.fallback event, with the reason and the next model, to the
// span of the caller's context.
func TestFallbackIsAnEventOnTheCallersSpan(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	overloaded := &papersum.ProviderError{Class: papersum.ClassOverloaded, Provider: "anthropic", Model: "big"}
	chain, err := NewChain(nil,
		Link{Provider: "anthropic", Model: "big", Client: answerModel{err: overloaded}},
		Link{Provider: "local", Model: "local", Client: answerModel{}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, span := tp.Tracer("t").Start(context.Background(), "stage")
	if _, err := chain.Generate(ctx, &papersum.Request{Model: "big"}); err != nil {
		t.Fatal(err)
	}
	span.End()
	evs := exp.GetSpans()[0].Events
	if len(evs) != 1 || evs[0].Name != EventFallback {
		t.Fatalf("events %+v, want one %s", evs, EventFallback)
	}
	got := map[string]string{}
	for _, a := range evs[0].Attributes {
		got[string(a.Key)] = a.Value.String()
	}
	if got["papersum.fallback.next_model"] != "local" || got["gen_ai.request.model"] != "big" || got["papersum.fallback.reason"] == "" {
		t.Errorf("fallback event attributes %v", got)
	}
}
