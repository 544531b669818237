package papersum

import "context"

// CallTrace receives events of the model calls made under a context, the
// way net/http/httptrace's ClientTrace receives those of HTTP requests: the
// caller that needs to know what happened inside a stack of Model
// decorators (retries, breakers, fallback chains) puts a trace into the
// context, and the layer that sees the event calls it. The pipeline uses
// it to count, per stage, the calls that were abandoned; nothing else in
// a call's behaviour depends on it.
//
// Hooks may be nil, and may be called from several goroutines at once.
type CallTrace struct {
	// Abandoned is called once for each call to provider/model that the
	// retry layer stopped waiting for before an answer arrived: the
	// call's deadline passed, or the caller's context ended. The provider
	// may have answered and billed it; its tokens are unknown (see
	// AbandonedCalls).
	Abandoned func(provider, model string)
}

type callTraceKey struct{}

// WithCallTrace returns a copy of ctx that carries trace.
func WithCallTrace(ctx context.Context, trace *CallTrace) context.Context {
	return context.WithValue(ctx, callTraceKey{}, trace)
}

// ContextCallTrace returns the trace ctx carries, or nil.
func ContextCallTrace(ctx context.Context) *CallTrace {
	t, _ := ctx.Value(callTraceKey{}).(*CallTrace)
	return t
}

type jobTracesKey struct{}

// WithJobTraceContexts returns a copy of ctx that carries the trace
// context of each run's submitting request, by run ID. A group commit
// writes the runs of many requests in one transaction, under a context
// of its own; the job queue reads each job's trace context here
// (JobTraceContext) instead of from that context.
func WithJobTraceContexts(ctx context.Context, byRun map[string]map[string]string) context.Context {
	return context.WithValue(ctx, jobTracesKey{}, byRun)
}

// JobTraceContext returns the trace context ctx carries for run runID,
// nil when it carries none.
func JobTraceContext(ctx context.Context, runID string) map[string]string {
	m, _ := ctx.Value(jobTracesKey{}).(map[string]map[string]string)
	return m[runID]
}

// SubmissionTraces collects the TraceContext of each run of subs, by run
// ID, for WithJobTraceContexts; nil when none has one.
func SubmissionTraces(subs []*Submission) map[string]map[string]string {
	var out map[string]map[string]string
	for _, s := range subs {
		if s == nil || len(s.TraceContext) == 0 {
			continue
		}
		if out == nil {
			out = map[string]map[string]string{}
		}
		for _, r := range s.Runs {
			if r != nil {
				out[r.ID] = s.TraceContext
			}
		}
	}
	return out
}
