package service

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/papersum/papersum"
)

// The names of the service's spans: a submission (SpanSubmit) has the
// children SpanIngest (reading and parsing the paper), SpanCacheLookup
// (the result cache) and SpanCommit (the group-committed transaction that
// writes the run and enqueues its job, whose trace context the job
// carries to the worker).
const (
	SpanSubmit      = "papersum.submit"
	SpanIngest      = "papersum.ingest"
	SpanCacheLookup = "papersum.cache.lookup"
	SpanCommit      = "papersum.store.commit submission"
)

const tracerName = "github.com/papersum/papersum/service"

func tracerOf(tp trace.TracerProvider) trace.Tracer {
	if tp == nil {
		tp = noop.NewTracerProvider()
	}
	return tp.Tracer(tracerName)
}

// traceContext returns the W3C trace context of ctx's span, nil without
// one (tracing off).
func traceContext(ctx context.Context) map[string]string {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return nil
	}
	c := propagation.MapCarrier{}
	propagation.TraceContext{}.Inject(ctx, c)
	return c
}

// withJobTraces returns ctx carrying the trace context of each run of
// subs, for the queue to put in their jobs.
func withJobTraces(ctx context.Context, subs []*papersum.Submission) context.Context {
	if t := papersum.SubmissionTraces(subs); t != nil {
		return papersum.WithJobTraceContexts(ctx, t)
	}
	return ctx
}

// endSpan ends span, marking it failed with err when err is set.
func endSpan(span trace.Span, err error) {
	if err != nil && span.IsRecording() {
		t := string(papersum.ClassOf(err))
		if t == "" {
			t = papersum.ErrorCode(err)
		}
		span.SetAttributes(attribute.String("error.type", t))
		span.SetStatus(codes.Error, papersum.ErrorMessage(err))
	}
	span.End()
}
