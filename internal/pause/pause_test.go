package pause

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestForReturnsWhenContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- For(ctx, time.Hour) }()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("For = %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("For did not return when its context was canceled")
	}
}

func TestForWaits(t *testing.T) {
	if err := For(context.Background(), time.Nanosecond); err != nil {
		t.Fatalf("For = %v", err)
	}
}

func TestForZeroDoesNotWait(t *testing.T) {
	if err := For(context.Background(), 0); err != nil {
		t.Fatalf("For(0) = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// A done context wins over a zero wait every time, not at random.
	for range 100 {
		if err := For(ctx, 0); !errors.Is(err, context.Canceled) {
			t.Fatalf("For(done, 0) = %v, want context.Canceled", err)
		}
		if err := For(ctx, -time.Second); !errors.Is(err, context.Canceled) {
			t.Fatalf("For(done, -1s) = %v, want context.Canceled", err)
		}
	}
}
