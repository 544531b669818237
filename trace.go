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
