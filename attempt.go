package papersum

import "context"

type jobAttemptKey struct{}

// WithJobAttempt returns a copy of ctx that says which attempt at its job
// the work under it is (1 for the first), for the log lines and spans of
// a run. The job queue sets it; a CLI run is attempt 1.
func WithJobAttempt(ctx context.Context, attempt int) context.Context {
	return context.WithValue(ctx, jobAttemptKey{}, attempt)
}

// JobAttempt returns the attempt ctx carries, 1 when it carries none.
func JobAttempt(ctx context.Context) int {
	if n, ok := ctx.Value(jobAttemptKey{}).(int); ok && n > 0 {
		return n
	}
	return 1
}
