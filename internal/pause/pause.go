package pause

import (
	"context"
	"time"
)

// For waits d, or until ctx is done, and returns ctx's error in that case.
// A d of zero or less does not wait: it returns ctx's error at once, so
// that a loop on a done context stops instead of spinning.
func For(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	// A timer, not time.After, so that it is released at once when ctx
	// ends first.
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
