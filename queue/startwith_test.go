package queue

import (
	"context"
	"testing"
	"time"

	"github.com/papersum/papersum"
)

// A queue built without handlers is handed them when it starts: its
// summarize and callback jobs then run on them, and before that it
// refuses to start or to queue callbacks it could not work.
func TestStartWithHandlers(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			db := b.fresh(t)
			d, _ := db.open(t)
			q, err := New(ctx, Config{Driver: d, Logger: testLogger()})
			if err != nil {
				t.Fatalf("New without a Handler: %v", err)
			}
			if err := q.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if err := q.Start(ctx); papersum.ErrorCode(err) != papersum.EINVALID {
				t.Fatalf("Start without handlers = %v, want EINVALID", err)
			}
			if _, err := q.EnqueueCallback(ctx, CallbackArgs{RunID: "run-1"}); papersum.ErrorCode(err) != papersum.EINVALID {
				t.Fatalf("EnqueueCallback before a Callback = %v, want EINVALID", err)
			}
			if err := q.StartWith(ctx, Handlers{}); papersum.ErrorCode(err) != papersum.EINVALID {
				t.Fatalf("StartWith without Summarize = %v, want EINVALID", err)
			}
			ran := make(chan string, 1)
			called := make(chan CallbackArgs, 1)
			err = q.StartWith(ctx, Handlers{
				Summarize: func(_ context.Context, id string) error { ran <- id; return nil },
				Callback:  func(_ context.Context, a CallbackArgs) error { called <- a; return nil },
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				_ = q.Stop(sctx)
			})
			enqueue(t, q, "run-1")
			if _, err := q.EnqueueCallback(ctx, CallbackArgs{RunID: "run-1"}); err != nil {
				t.Fatal(err)
			}
			deadline := time.After(20 * time.Second)
			for got := 0; got < 2; got++ {
				select {
				case id := <-ran:
					if id != "run-1" {
						t.Errorf("summarize ran %q", id)
					}
				case a := <-called:
					if a.RunID != "run-1" {
						t.Errorf("callback got %+v", a)
					}
				case <-deadline:
					t.Fatal("the jobs were not worked by the handlers given to StartWith")
				}
			}
		})
	}
}
