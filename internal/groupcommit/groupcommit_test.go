package groupcommit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

// recorder is a Flush that records the batches it was given, answers
// each item doubled, fails a batch holding a negative item, and can be
// held at its next call.
type recorder struct {
	mu      sync.Mutex
	batches [][]int
	hold    chan struct{} // when non-nil, the next call waits for it
	entered chan struct{}
	ctxErr  []error
}

func (r *recorder) flush(ctx context.Context, items []int) ([]int, error) {
	r.mu.Lock()
	r.batches = append(r.batches, append([]int(nil), items...))
	hold := r.hold
	r.hold = nil
	r.mu.Unlock()
	if hold != nil {
		close(r.entered)
		<-hold
	}
	r.mu.Lock()
	r.ctxErr = append(r.ctxErr, ctx.Err())
	r.mu.Unlock()
	out := make([]int, len(items))
	for i, v := range items {
		if v < 0 {
			return nil, fmt.Errorf("item %d is bad", v)
		}
		out[i] = 2 * v
	}
	return out, nil
}

// copyBatches returns the batches flushed so far.
func (r *recorder) copyBatches() [][]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([][]int, len(r.batches))
	for i, b := range r.batches {
		out[i] = append([]int(nil), b...)
	}
	return out
}

func (r *recorder) sizes() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	var n []int
	for _, b := range r.batches {
		n = append(n, len(b))
	}
	return n
}

// holdNext makes the next flush wait until the returned function is
// called, and returns once that flush has started.
func (r *recorder) holdNext(t *testing.T, start func()) (release func()) {
	t.Helper()
	r.mu.Lock()
	r.hold, r.entered = make(chan struct{}), make(chan struct{})
	hold, entered := r.hold, r.entered
	r.mu.Unlock()
	start()
	select {
	case <-entered:
	case <-time.After(5 * time.Second):
		t.Fatal("the held flush never started")
	}
	return func() { close(hold) }
}

// waitQueued waits until n requests wait in c's queue.
func waitQueued(t *testing.T, c *Committer[int, int], n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for len(c.queue) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d requests queued, want %d", len(c.queue), n)
		}
		time.Sleep(time.Millisecond)
	}
}

type outcome struct {
	in, val int
	err     error
}

// doAll calls Do for each item in its own goroutine and returns a
// function that waits for the outcomes.
func doAll(c *Committer[int, int], items ...int) func() []outcome {
	out := make([]outcome, len(items))
	var wg sync.WaitGroup
	for i, v := range items {
		wg.Go(func() {
			val, err := c.Do(context.Background(), v)
			out[i] = outcome{v, val, err}
		})
	}
	return func() []outcome { wg.Wait(); return out }
}

func TestLoneRequestIsWrittenAtOnce(t *testing.T) {
	r := &recorder{}
	c := New(r.flush, Options{})
	defer c.Close()
	for i := 1; i <= 3; i++ {
		v, err := c.Do(context.Background(), i)
		if err != nil || v != 2*i {
			t.Fatalf("Do(%d) = %d, %v; want %d", i, v, err, 2*i)
		}
	}
	if got := fmt.Sprint(r.sizes()); got != "[1 1 1]" {
		t.Fatalf("sequential requests were written in batches %s, want one each", got)
	}
}

// Requests that queue while a commit is in flight share the next one: the
// property group commit exists for. The first commit is held open; the
// requests are all in the queue before it is released (waitQueued), so
// what the next transaction holds does not depend on how goroutines are
// scheduled. In the full case more requests than one transaction takes
// wait behind them; they must not push the queued ones apart.
func TestRequestsArrivingDuringACommitShareTheNext(t *testing.T) {
	const maxBatch = 8
	for _, tc := range []struct {
		name           string
		queued, behind int
	}{
		{"some", 3, 0},
		{"a full transaction, more waiting", maxBatch, 12},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &recorder{}
			c := New(r.flush, Options{MaxBatch: maxBatch})
			defer c.Close()
			var first func() []outcome
			release := r.holdNext(t, func() { first = doAll(c, 1000) })
			queued := make([]int, tc.queued)
			for i := range queued {
				queued[i] = i + 1
			}
			waitQueuedOnes := doAll(c, queued...)
			// The queue holds MaxBatch × Writers requests, so all of
			// these fit in it.
			waitQueued(t, c, len(queued))
			behind := make([]int, tc.behind)
			for i := range behind {
				behind[i] = 100 + i
			}
			waitBehind := doAll(c, behind...)
			release()

			all := append(append(first(), waitQueuedOnes()...), waitBehind()...)
			for _, o := range all {
				if o.err != nil || o.val != 2*o.in {
					t.Fatalf("Do(%d) = %d, %v", o.in, o.val, o.err)
				}
			}
			batches := r.copyBatches()
			if len(batches) < 2 || fmt.Sprint(batches[0]) != "[1000]" {
				t.Fatalf("batches %v: the held commit should hold its one request", batches)
			}
			next := append([]int(nil), batches[1]...)
			slices.Sort(next)
			if !slices.Equal(next, queued) {
				t.Fatalf("batches %v: the next transaction holds %v, want exactly the %d requests queued during the held commit %v",
					batches, next, len(queued), queued)
			}
			// Every request is written once, none in a transaction over
			// MaxBatch.
			written := map[int]int{}
			for i, b := range batches {
				if len(b) > maxBatch {
					t.Fatalf("batch %d holds %d requests, over MaxBatch %d", i, len(b), maxBatch)
				}
				for _, v := range b {
					written[v]++
				}
			}
			for _, o := range all {
				if written[o.in] != 1 {
					t.Fatalf("batches %v: request %d written %d times, want once", batches, o.in, written[o.in])
				}
			}
			if len(written) != len(all) {
				t.Fatalf("batches %v: %d distinct requests written, want %d", batches, len(written), len(all))
			}
		})
	}
}

func TestAFailingRequestFailsAlone(t *testing.T) {
	r := &recorder{}
	c := New(r.flush, Options{})
	defer c.Close()
	var first func() []outcome
	release := r.holdNext(t, func() { first = doAll(c, 1) })
	wait := doAll(c, 2, -3, 4)
	waitQueued(t, c, 3)
	release()
	first()
	for _, o := range wait() {
		switch {
		case o.in < 0 && (o.err == nil || o.err.Error() != "item -3 is bad"):
			t.Fatalf("Do(%d) = %v, want its own error", o.in, o.err)
		case o.in > 0 && (o.err != nil || o.val != 2*o.in):
			t.Fatalf("Do(%d) = %d, %v; want %d: a neighbour's failure leaked", o.in, o.val, o.err, 2*o.in)
		}
	}
	// The held one, the failed shared one, then each of the three alone.
	if got := fmt.Sprint(r.sizes()); got != "[1 3 1 1 1]" {
		t.Fatalf("batches %s, want [1 3 1 1 1]", got)
	}
}

func TestCanceledBeforeTheWriteIsNotWritten(t *testing.T) {
	r := &recorder{}
	c := New(r.flush, Options{})
	defer c.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Do(ctx, 1); !errors.Is(err, context.Canceled) {
		t.Fatalf("Do with a canceled context = %v, want context.Canceled", err)
	}

	// Canceled while queued behind a held commit.
	var first func() []outcome
	release := r.holdNext(t, func() { first = doAll(c, 5) })
	ctx, cancel = context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { _, err := c.Do(ctx, 6); errc <- err }()
	waitQueued(t, c, 1)
	cancel()
	release()
	first()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("Do canceled while queued = %v, want context.Canceled", err)
	}
	for _, b := range r.batches {
		for _, v := range b {
			if v == 1 || v == 6 {
				t.Fatalf("batches %v wrote a canceled request", r.batches)
			}
		}
	}
}

func TestCallerGivingUpDoesNotAbortTheWrite(t *testing.T) {
	r := &recorder{}
	c := New(r.flush, Options{})
	defer c.Close()
	ctx, cancel := context.WithCancel(context.Background())
	r.mu.Lock()
	r.hold, r.entered = make(chan struct{}), make(chan struct{})
	hold, entered := r.hold, r.entered
	r.mu.Unlock()
	done := make(chan outcome, 1)
	go func() { v, err := c.Do(ctx, 7); done <- outcome{7, v, err} }()
	<-entered
	cancel() // the write has started
	close(hold)
	o := <-done
	if o.err != nil || o.val != 14 {
		t.Fatalf("Do whose caller gave up mid-write = %d, %v; want the write's outcome 14", o.val, o.err)
	}
	if err := r.ctxErr[0]; err != nil {
		t.Fatalf("the transaction's context ended with its caller's: %v", err)
	}
}

func TestCloseWritesWhatIsQueued(t *testing.T) {
	r := &recorder{}
	c := New(r.flush, Options{})
	var first func() []outcome
	release := r.holdNext(t, func() { first = doAll(c, 1) })
	wait := doAll(c, 2, 3)
	waitQueued(t, c, 2)
	closed := make(chan struct{})
	go func() { c.Close(); close(closed) }()
	release()
	<-closed
	for _, o := range append(first(), wait()...) {
		if o.err != nil || o.val != 2*o.in {
			t.Fatalf("Do(%d) queued before Close = %d, %v", o.in, o.val, o.err)
		}
	}
	if _, err := c.Do(context.Background(), 4); !errors.Is(err, ErrClosed) {
		t.Fatalf("Do after Close = %v, want ErrClosed", err)
	}
	c.Close() // twice is harmless
}

func TestWritersCommitSideBySide(t *testing.T) {
	r := &recorder{}
	c := New(r.flush, Options{Writers: 2})
	defer c.Close()
	var first func() []outcome
	release := r.holdNext(t, func() { first = doAll(c, 1) })
	// With one writer held, the other still commits.
	if v, err := c.Do(context.Background(), 2); err != nil || v != 4 {
		t.Fatalf("Do beside a held writer = %d, %v; want 4", v, err)
	}
	release()
	first()
}

func TestWrongResultCountIsAnError(t *testing.T) {
	c := New(func(_ context.Context, items []int) ([]int, error) { return nil, nil }, Options{})
	defer c.Close()
	if _, err := c.Do(context.Background(), 1); err == nil {
		t.Fatal("a flush that returned no results was taken as success")
	}
}

func TestObserveSeesEveryTransaction(t *testing.T) {
	r := &recorder{}
	var mu sync.Mutex
	var seen []string
	c := New(r.flush, Options{Observe: func(n int, took time.Duration, err error) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, fmt.Sprintf("%d:%v", n, err != nil))
		if took < 0 {
			t.Errorf("negative duration %v", took)
		}
	}})
	_, _ = c.Do(context.Background(), 1)
	_, _ = c.Do(context.Background(), -1)
	c.Close()
	if got := fmt.Sprint(seen); got != "[1:false 1:true]" {
		t.Fatalf("observed %s, want [1:false 1:true]", got)
	}
}
