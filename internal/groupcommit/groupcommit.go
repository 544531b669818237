package groupcommit

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// ErrClosed is returned by Do after Close.
var ErrClosed = errors.New("groupcommit: committer is closed")

// Flush writes items in one transaction, all or none, and returns one
// result per item, in order.
type Flush[T, R any] func(ctx context.Context, items []T) ([]R, error)

// Options tune a Committer. The zero value is usable.
type Options struct {
	// Writers is how many transactions may be open at once. While they
	// are all busy, new requests queue and form the next transactions.
	// Use 1 for SQLite (one connection); a few for PostgreSQL. Default 1.
	Writers int
	// MaxBatch caps the requests of one transaction. Default 64.
	MaxBatch int
	// Timeout bounds one transaction, whatever the callers' contexts:
	// a caller that gives up must not abort its neighbours' writes.
	// Default 30s.
	Timeout time.Duration
	// Observe, when set, is called after each transaction with its number
	// of requests, how long it took and its error.
	Observe func(requests int, took time.Duration, err error)
}

// Committer groups concurrent Do calls into shared transactions.
type Committer[T, R any] struct {
	flush Flush[T, R]
	opts  Options

	mu     sync.RWMutex // held for reading while sending to queue
	closed bool
	queue  chan *request[T, R]
	wg     sync.WaitGroup
}

type request[T, R any] struct {
	ctx  context.Context
	item T
	done chan result[R]
}

type result[R any] struct {
	val R
	err error
}

// New starts a Committer whose writers call flush.
func New[T, R any](flush Flush[T, R], opts Options) *Committer[T, R] {
	if opts.Writers < 1 {
		opts.Writers = 1
	}
	if opts.MaxBatch < 1 {
		opts.MaxBatch = 64
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	c := &Committer[T, R]{flush: flush, opts: opts, queue: make(chan *request[T, R], opts.MaxBatch*opts.Writers)}
	c.wg.Add(opts.Writers)
	for range opts.Writers {
		go c.write()
	}
	return c
}

// Do writes item in the next transaction and returns its result. It
// returns ctx's error without writing when ctx ends before the write
// starts; once the write has started, Do waits for its outcome, so that
// what it returns is what happened.
func (c *Committer[T, R]) Do(ctx context.Context, item T) (R, error) {
	var zero R
	if err := ctx.Err(); err != nil {
		return zero, err
	}
	req := &request[T, R]{ctx: ctx, item: item, done: make(chan result[R], 1)}
	if err := c.send(ctx, req); err != nil {
		return zero, err
	}
	res := <-req.done
	return res.val, res.err
}

func (c *Committer[T, R]) send(ctx context.Context, req *request[T, R]) error {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.closed {
		return ErrClosed
	}
	select {
	case c.queue <- req:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close writes what is queued, stops the writers and waits for them.
// Later Do calls return ErrClosed.
func (c *Committer[T, R]) Close() {
	c.mu.Lock()
	if !c.closed {
		c.closed = true
		close(c.queue)
	}
	c.mu.Unlock()
	c.wg.Wait()
}

// write is one writer: it takes the oldest request, everything queued
// behind it up to MaxBatch, and commits them together.
func (c *Committer[T, R]) write() {
	defer c.wg.Done()
	for first := range c.queue {
		batch := []*request[T, R]{first}
	gather:
		for len(batch) < c.opts.MaxBatch {
			select {
			case req, ok := <-c.queue:
				if !ok {
					break gather
				}
				batch = append(batch, req)
			default:
				break gather
			}
		}
		c.commit(batch)
	}
}

// commit writes batch in one transaction, or, when that fails and it
// held more than one request, each request alone.
func (c *Committer[T, R]) commit(batch []*request[T, R]) {
	live := batch[:0]
	for _, req := range batch {
		if err := req.ctx.Err(); err != nil {
			req.done <- result[R]{err: err}
			continue
		}
		live = append(live, req)
	}
	if len(live) == 0 {
		return
	}
	vals, err := c.run(live)
	if err == nil {
		for i, req := range live {
			req.done <- result[R]{val: vals[i]}
		}
		return
	}
	if len(live) == 1 {
		live[0].done <- result[R]{err: err}
		return
	}
	// One request's fault (a reused key, a bad row) fails the shared
	// transaction; alone, each gets its own outcome.
	for _, req := range live {
		vals, err := c.run([]*request[T, R]{req})
		if err != nil {
			req.done <- result[R]{err: err}
			continue
		}
		req.done <- result[R]{val: vals[0]}
	}
}

// run calls flush on the items of reqs, in one transaction. Its context
// carries none of the callers' values.
func (c *Committer[T, R]) run(reqs []*request[T, R]) ([]R, error) {
	items := make([]T, len(reqs))
	for i, req := range reqs {
		items[i] = req.item
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.opts.Timeout)
	defer cancel()
	start := time.Now()
	vals, err := c.flush(ctx, items)
	if err == nil && len(vals) != len(items) {
		err = fmt.Errorf("groupcommit: flush returned %d results for %d items", len(vals), len(items))
	}
	if c.opts.Observe != nil {
		c.opts.Observe(len(items), time.Since(start), err)
	}
	return vals, err
}
