package llm

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// The span events of the policy decisions. They are added to the span of
// the caller's context (the pipeline's stage span), whose children are
// the model-call spans of each attempt (telemetry.NewGenAIModel wraps the
// adapter, inside the Retrier): a trace shows each attempt as a span and
// why the next one happened as an event between them. When tracing is off
// the context holds no recording span and nothing is built.
const (
	EventRetry       = "papersum.retry"
	EventCircuitOpen = "papersum.circuit_open"
	EventFallback    = "papersum.fallback"
)

// spanEvent adds the event name to the recording span of ctx; attrs is
// only called when there is one.
func spanEvent(ctx context.Context, name string, attrs func() []attribute.KeyValue) {
	if span := trace.SpanFromContext(ctx); span.IsRecording() {
		span.AddEvent(name, trace.WithAttributes(attrs()...))
	}
}

func retryEvent(ctx context.Context, provider, model string, attempt int, class string, delay time.Duration) {
	spanEvent(ctx, EventRetry, func() []attribute.KeyValue {
		return []attribute.KeyValue{
			attribute.String("gen_ai.provider.name", provider), attribute.String("gen_ai.request.model", model),
			attribute.Int("papersum.attempt", attempt), attribute.String("error.type", class),
			attribute.Float64("papersum.retry.delay_seconds", delay.Seconds()),
		}
	})
}

func circuitOpenEvent(ctx context.Context, provider, model, state string, retryAfter time.Duration) {
	spanEvent(ctx, EventCircuitOpen, func() []attribute.KeyValue {
		return []attribute.KeyValue{
			attribute.String("gen_ai.provider.name", provider), attribute.String("gen_ai.request.model", model),
			attribute.String("papersum.breaker.state", state),
			attribute.Float64("papersum.retry_after_seconds", retryAfter.Seconds()),
		}
	})
}

func fallbackEvent(ctx context.Context, from, to Link, reason string) {
	spanEvent(ctx, EventFallback, func() []attribute.KeyValue {
		return []attribute.KeyValue{
			attribute.String("gen_ai.provider.name", from.Provider), attribute.String("gen_ai.request.model", from.Model),
			attribute.String("papersum.fallback.reason", reason),
			attribute.String("papersum.fallback.next_provider", to.Provider),
			attribute.String("papersum.fallback.next_model", to.Model),
		}
	})
}
