package queue

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/papersum/papersum"
)

// SpanWork is the name of a summarize job's span (a consumer span, in
// the messaging conventions' "{operation} {destination}" form).
const SpanWork = "process " + KindSummarize

// traceContext is the W3C Trace Context propagator: the enqueuer's span
// context travels in SummarizeArgs.TraceParent, so the worker's spans
// join the request's trace whichever process runs the job, and after a
// restart, since the args are in the job row.
var traceContext = propagation.TraceContext{}

// argsCarrier is a propagation.TextMapCarrier over the traceparent and
// tracestate fields of SummarizeArgs.
type argsCarrier struct{ a *SummarizeArgs }

func (c argsCarrier) Get(key string) string {
	switch key {
	case "traceparent":
		return c.a.TraceParent
	case "tracestate":
		return c.a.TraceState
	}
	return ""
}

func (c argsCarrier) Set(key, value string) {
	switch key {
	case "traceparent":
		c.a.TraceParent = value
	case "tracestate":
		c.a.TraceState = value
	}
}

func (c argsCarrier) Keys() []string { return []string{"traceparent", "tracestate"} }

// summarizeArgs returns the args of run runID's job, with the trace
// context ctx carries for the run (papersum.JobTraceContext), else that of
// the span ctx holds; none when tracing is off.
func summarizeArgs(ctx context.Context, runID string) SummarizeArgs {
	a := SummarizeArgs{RunID: runID}
	if tc := papersum.JobTraceContext(ctx, runID); tc != nil {
		// The run's own request, written by a group commit.
		a.TraceParent, a.TraceState = tc["traceparent"], tc["tracestate"]
	} else if trace.SpanContextFromContext(ctx).IsValid() {
		traceContext.Inject(ctx, argsCarrier{&a})
	}
	return a
}

// tracer returns the tracer of c, a no-op one by default.
func (c Config) tracer() trace.Tracer {
	tp := c.TracerProvider
	if tp == nil {
		tp = noop.NewTracerProvider()
	}
	return tp.Tracer("github.com/papersum/papersum/queue")
}

// startWork starts the span of one attempt at a summarize job, as a child
// of the span that enqueued it, and puts the attempt number in ctx.
func (q *Queue) startWork(ctx context.Context, jobID int64, attempt int, args *SummarizeArgs) (context.Context, trace.Span) {
	ctx = papersum.WithJobAttempt(ctx, attempt)
	if args.TraceParent != "" {
		ctx = traceContext.Extract(ctx, argsCarrier{args})
	}
	ctx, span := q.tracer.Start(ctx, SpanWork, trace.WithSpanKind(trace.SpanKindConsumer))
	if span.IsRecording() {
		span.SetAttributes(attribute.String("messaging.system", "river"),
			attribute.String("messaging.operation.name", "process"),
			attribute.String("messaging.destination.name", KindSummarize),
			attribute.Int64("messaging.message.id", jobID),
			attribute.Int("papersum.attempt", attempt),
			attribute.String("papersum.run.id", args.RunID))
	}
	return ctx, span
}

// endWork ends a job's span with the job's outcome.
func endWork(span trace.Span, err error) {
	if err != nil && span.IsRecording() {
		span.SetStatus(codes.Error, papersum.ErrorMessage(err))
		span.SetAttributes(attribute.String("error.type", errorType(err)))
	}
	span.End()
}

func errorType(err error) string {
	if c := papersum.ClassOf(err); c != "" {
		return string(c)
	}
	if code := papersum.ErrorCode(err); code != "" {
		return code
	}
	return "_OTHER"
}
