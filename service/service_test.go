package service

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/cache"
	"github.com/papersum/papersum/events"
	"github.com/papersum/papersum/llm/local"
	"github.com/papersum/papersum/pipeline"
	"github.com/papersum/papersum/queue"
	"github.com/papersum/papersum/ratelimit"
	"github.com/papersum/papersum/sqlite"
	"github.com/papersum/papersum/webhook"
)

// gatedModel wraps the local engine: while block is set, summarize calls
// wait for release or their context; fail, when set, answers the next
// summarize call with that error.
type gatedModel struct {
	inner   papersum.Model
	block   atomic.Bool
	release chan struct{}
	started chan struct{}
	mu      sync.Mutex
	fail    error
	calls   atomic.Int64
}

func (m *gatedModel) Generate(ctx context.Context, req *papersum.Request) (*papersum.Response, error) {
	m.calls.Add(1)
	if req.Task.Stage == papersum.StageSummarize {
		m.mu.Lock()
		err := m.fail
		m.fail = nil
		m.mu.Unlock()
		if err != nil {
			return nil, err
		}
		if m.block.Load() {
			select {
			case m.started <- struct{}{}:
			default:
			}
			select {
			case <-m.release:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
	}
	return m.inner.Generate(ctx, req)
}

type freePricer struct{}

func (freePricer) Price(string, string, papersum.Usage, bool, time.Time) (float64, error) {
	return 0, nil
}
func (freePricer) Known(string, string, time.Time) bool { return true }

type harness struct {
	svc   *Service
	store *sqlite.DB
	q     *queue.Queue
	model *gatedModel
}

func newHarness(t *testing.T, withCache bool) *harness {
	t.Helper()
	return newHarnessWith(t, func(c *Config) {
		if withCache {
			var err error
			if c.Cache, err = cache.NewLRU(cache.LRUConfig{}); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// newHarnessWith is newHarness with edit applied to the service's Config
// before New.
func newHarnessWith(t *testing.T, edit func(*Config)) *harness {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "s.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	m := &gatedModel{inner: local.New(local.Config{}), release: make(chan struct{}), started: make(chan struct{}, 1)}
	stages := map[papersum.Stage]pipeline.StageModel{}
	for _, s := range papersum.Stages {
		stages[s] = pipeline.StageModel{Provider: "local", Model: "local", Client: m}
	}
	runner, err := pipeline.NewRunner(pipeline.RunnerConfig{Stages: stages, Store: store, Pricer: freePricer{}, ConfigHash: "cfg"})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{store: store, model: m}
	q, err := queue.New(ctx, queue.Config{Driver: queue.SQLite(store.SQL()), Workers: 4,
		RateLimitSnooze: 50 * time.Millisecond,
		Handler:         func(ctx context.Context, id string) error { return h.svc.Work(ctx, id) }})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	jobs, err := queue.JobsOf[*sql.Tx](q)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Store: store, Submissions: papersum.BindJobs(store, jobs), Queue: q, Runners: map[string]*pipeline.Runner{"": runner}, WaitPoll: 20 * time.Millisecond}
	edit(&cfg)
	if h.svc, err = New(cfg); err != nil {
		t.Fatal(err)
	}
	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = q.Stop(sctx)
		h.svc.Close()
	})
	h.q = q
	return h
}

func paper(n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Study %d\n\nAbstract\n\n", n)
	for i := 0; i < 12; i++ {
		fmt.Fprintf(&b, "Experiment %d of study %d measures how method %d changes accuracy by %d points. ", i, n, i*n+1, i+n)
	}
	return b.String()
}

func (h *harness) wait(t *testing.T, id string) *papersum.Run {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	run, err := h.svc.Wait(ctx, id)
	if err != nil {
		t.Fatalf("wait %s: %v", id, err)
	}
	return run
}

func TestSubmitRunsThroughTheQueue(t *testing.T) {
	h := newHarness(t, true)
	ctx := context.Background()
	res, err := h.svc.Submit(ctx, papersum.SubmitRequest{Text: paper(1), Team: "t", User: "u", KeyID: "k1"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != papersum.RunQueued {
		t.Errorf("submitted run is %s, want queued", res.Status)
	}
	run := h.wait(t, res.RunID)
	if run.Status != papersum.RunSucceeded || len(run.Stages) != 3 || run.Team != "t" || run.User != "u" || run.Cached {
		t.Fatalf("run %+v", run)
	}

	// The same bytes again: answered from the cache, no model call.
	calls := h.model.calls.Load()
	res2, err := h.svc.Submit(ctx, papersum.SubmitRequest{Text: paper(1), Team: "t2", User: "v"})
	if err != nil {
		t.Fatal(err)
	}
	hit, err := h.store.GetRun(ctx, res2.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if !hit.Cached || hit.Status != papersum.RunSucceeded || hit.Summary != run.Summary || hit.TotalCost() != 0 ||
		hit.Team != "t2" || h.model.calls.Load() != calls {
		t.Fatalf("cache hit %+v (model calls %d -> %d)", hit, calls, h.model.calls.Load())
	}
}

func TestIdempotencyKey(t *testing.T) {
	h := newHarness(t, false)
	ctx := context.Background()
	req := papersum.SubmitRequest{Text: paper(2), Team: "t", IdempotencyKey: "k"}
	a, err := h.svc.Submit(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	b, err := h.svc.Submit(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if b.RunID != a.RunID || !b.Deduplicated || a.Deduplicated {
		t.Fatalf("first %+v, second %+v", a, b)
	}
	// Another team may use the same key for its own request.
	c, err := h.svc.Submit(ctx, papersum.SubmitRequest{Text: paper(2), Team: "other", IdempotencyKey: "k"})
	if err != nil || c.RunID == a.RunID {
		t.Fatalf("other team: %+v %v", c, err)
	}
	req.Text = paper(3)
	if _, err := h.svc.Submit(ctx, req); papersum.ErrorCode(err) != papersum.ECONFLICT {
		t.Fatalf("key reused for another paper: %v, want ECONFLICT", err)
	}
	runs, err := h.store.ListRuns(ctx, papersum.RunFilter{Team: "t"})
	if err != nil || len(runs) != 1 {
		t.Fatalf("team t has %d runs (%v), want 1", len(runs), err)
	}
}

func TestCancelRunningRun(t *testing.T) {
	h := newHarness(t, false)
	ctx := context.Background()
	h.model.block.Store(true)
	res, err := h.svc.Submit(ctx, papersum.SubmitRequest{Text: paper(4), Team: "t"})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-h.model.started:
	case <-time.After(10 * time.Second):
		t.Fatal("the run never started")
	}
	if err := h.svc.Cancel(ctx, res.RunID); err != nil {
		t.Fatal(err)
	}
	run := h.wait(t, res.RunID)
	if run.Status != papersum.RunCanceled {
		t.Fatalf("run is %s, want canceled", run.Status)
	}
	if err := h.svc.Cancel(ctx, res.RunID); papersum.ErrorCode(err) != papersum.ECONFLICT {
		t.Fatalf("second cancel: %v, want ECONFLICT", err)
	}
	// The job ended without recording anything more.
	time.Sleep(100 * time.Millisecond)
	after, _ := h.store.GetRun(ctx, res.RunID)
	if after.Status != papersum.RunCanceled || len(after.Stages) != 0 {
		t.Fatalf("after cancel: %s with %d stages", after.Status, len(after.Stages))
	}
}

// A rate limit snoozes the job instead of failing the run: the run stays
// running and then succeeds, with no failed attempt recorded.
func TestRateLimitSnoozes(t *testing.T) {
	h := newHarness(t, false)
	ctx := context.Background()
	h.model.mu.Lock()
	h.model.fail = &papersum.ProviderError{Class: papersum.ClassRateLimit, Message: "429", RetryAfterSeconds: 0.05}
	h.model.mu.Unlock()
	res, err := h.svc.Submit(ctx, papersum.SubmitRequest{Text: paper(5), Team: "t"})
	if err != nil {
		t.Fatal(err)
	}
	run := h.wait(t, res.RunID)
	if run.Status != papersum.RunSucceeded || run.Error != "" || len(run.Stages) != 3 {
		t.Fatalf("run %s (%s) with %d stages", run.Status, run.Error, len(run.Stages))
	}
}

// Teams are kept apart: a key sees its own team's runs only.
func TestTeamsAreIsolated(t *testing.T) {
	h := newHarness(t, false)
	ctx := context.Background()
	res, err := h.svc.Submit(ctx, papersum.SubmitRequest{Text: paper(6), Team: "a"})
	if err != nil {
		t.Fatal(err)
	}
	h.wait(t, res.RunID)
	asB := papersum.NewContextWithCaller(ctx, &papersum.APIKey{ID: "kb", Team: "b", Scope: papersum.ScopeWrite})
	if _, err := h.svc.Get(asB, res.RunID); papersum.ErrorCode(err) != papersum.ENOTFOUND {
		t.Errorf("team b reads team a's run: %v", err)
	}
	if err := h.svc.Cancel(asB, res.RunID); papersum.ErrorCode(err) != papersum.ENOTFOUND {
		t.Errorf("team b cancels team a's run: %v", err)
	}
	if runs, err := h.svc.List(asB, papersum.RunFilter{}); err != nil || len(runs) != 0 {
		t.Errorf("team b lists %d runs (%v)", len(runs), err)
	}
	asAdmin := papersum.NewContextWithCaller(ctx, &papersum.APIKey{ID: "ka", Team: "ops", Scope: papersum.ScopeAdmin})
	if runs, err := h.svc.List(asAdmin, papersum.RunFilter{}); err != nil || len(runs) != 1 {
		t.Errorf("admin lists %d runs (%v)", len(runs), err)
	}
}

// A batch is accepted whole or not at all: one unreadable item refuses it.
func TestBatchIsAtomic(t *testing.T) {
	h := newHarness(t, false)
	ctx := context.Background()
	_, err := h.svc.CreateBatch(ctx, papersum.SubmissionBatchRequest{Team: "t", Items: []papersum.SubmissionBatchItem{{Text: paper(7)}, {Text: "too short"}}})
	if papersum.ErrorCode(err) != papersum.EINVALID || !strings.Contains(papersum.ErrorMessage(err), "item 1") {
		t.Fatalf("err %v, want EINVALID naming item 1", err)
	}
	if runs, _ := h.store.ListRuns(ctx, papersum.RunFilter{}); len(runs) != 0 {
		t.Fatalf("%d runs stored from a refused batch", len(runs))
	}
	st, err := h.svc.CreateBatch(ctx, papersum.SubmissionBatchRequest{Team: "t", Items: []papersum.SubmissionBatchItem{{Text: paper(7)}, {Text: paper(8)}}})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for st.Status != "finished" && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		if st, err = h.svc.GetBatch(ctx, st.ID); err != nil {
			t.Fatal(err)
		}
	}
	if st.Succeeded != 2 || st.Total != 2 {
		t.Fatalf("batch %+v", st)
	}
}

// Work is idempotent: running the job of a finished run again changes
// nothing.
func TestWorkIsIdempotent(t *testing.T) {
	h := newHarness(t, false)
	ctx := context.Background()
	res, err := h.svc.Submit(ctx, papersum.SubmitRequest{Text: paper(9), Team: "t"})
	if err != nil {
		t.Fatal(err)
	}
	first := h.wait(t, res.RunID)
	calls := h.model.calls.Load()
	if err := h.svc.Work(ctx, res.RunID); err != nil {
		t.Fatal(err)
	}
	again, _ := h.store.GetRun(ctx, res.RunID)
	if h.model.calls.Load() != calls || len(again.Stages) != len(first.Stages) || again.Summary != first.Summary {
		t.Fatal("a second Work on a finished run did work again")
	}
	if err := h.svc.Work(ctx, "run_unknown"); !queue.IsPermanent(err) {
		t.Fatalf("unknown run: %v, want a permanent error", err)
	}
}

// recordingLimiter records the tokens charged to each key.
type recordingLimiter struct {
	mu     sync.Mutex
	tokens map[string]int64
}

func (l *recordingLimiter) Allow(context.Context, string, time.Time, ratelimit.Cost) (ratelimit.Decision, error) {
	return ratelimit.Decision{Allowed: true}, nil
}

func (l *recordingLimiter) Record(_ context.Context, key string, _ time.Time, tokens int64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.tokens[key] += tokens
	return nil
}

func (l *recordingLimiter) Stats() ratelimit.Stats { return ratelimit.Stats{} }

// A finished run's tokens are charged to the key that submitted it, for
// the tokens-per-day limit, once even when its job runs again.
func TestTokensChargedToKey(t *testing.T) {
	h := newHarness(t, false)
	lim := &recordingLimiter{tokens: map[string]int64{}}
	h.svc.cfg.Limiter = lim
	ctx := context.Background()
	res, err := h.svc.Submit(ctx, papersum.SubmitRequest{Text: paper(10), Team: "t", KeyID: "key_1"})
	if err != nil {
		t.Fatal(err)
	}
	run := h.wait(t, res.RunID)
	u := run.TotalUsage()
	want := int64(u.TotalInput() + u.OutputTokens)
	if err := h.svc.Work(ctx, res.RunID); err != nil {
		t.Fatal(err)
	}
	lim.mu.Lock()
	defer lim.mu.Unlock()
	if want == 0 || lim.tokens["key_1"] != want {
		t.Fatalf("charged %d tokens to key_1, want %d", lim.tokens["key_1"], want)
	}
}

// A signed webhook or Kafka message with a body that can never be a paper
// is refused as invalid (400, or skipped as poison), and nothing is stored.
func TestInboundBadInput(t *testing.T) {
	h := newHarness(t, false)
	ctx := context.Background()
	event := func(data string) string { return `{"type": "paper.published", "data": ` + data + `}` }
	for _, body := range []string{``, `{`, `[]`, `{"text": "", "url": ""}`, `{"text": "` + paper(11) + `"}`,
		event(`{"text": "", "url": ""}`), event(`{"text": "a", "url": "https://arxiv.org/x"}`),
		event(`{"text": "` + paper(11) + `", "extra": 1}`), event(`{"text": "short"}`), event("{\"text\": \"\xff\xfe\x00\x00\"}"),
		`{"type": "paper.retracted", "data": {"text": "` + paper(11) + `"}}`,
		`{"type": "paper.published", "timestamp": "yesterday", "data": {"text": "` + paper(11) + `"}}`,
		`{"type": "paper.published", "data": {"text": "` + paper(11) + `"}, "extra": 1}`} {
		if err := webhook.PaperPublishedHandler(h.svc, "")(ctx, "msg_bad", []byte(body)); papersum.ErrorCode(err) != papersum.EINVALID {
			t.Errorf("webhook body %q: %v, want EINVALID", body, err)
		}
	}
	for _, msg := range []events.PaperMessage{{ID: "m1", Text: "short"}, {ID: "m2", URL: "https://example.com/x"}} {
		if err := events.SubmitHandler(h.svc)(ctx, msg); !events.IsPermanent(err) {
			t.Errorf("kafka message %+v: %v, want a permanent error", msg, err)
		}
	}
	if runs, err := h.store.ListRuns(ctx, papersum.RunFilter{}); err != nil || len(runs) != 0 {
		t.Fatalf("%d runs stored from bad input (%v)", len(runs), err)
	}
}

// Submissions and cache hits that arrive together share transactions
// (group commit); a request at fault among them fails alone, and every
// other one is stored with its job. The identical hits are answered with
// one cached run.
func TestConcurrentSubmissionsShareCommits(t *testing.T) {
	h := newHarness(t, true)
	ctx := context.Background()
	warm, err := h.svc.Submit(ctx, papersum.SubmitRequest{Text: paper(100), Team: "t"})
	if err != nil {
		t.Fatal(err)
	}
	h.wait(t, warm.RunID)
	if _, err := h.svc.Submit(ctx, papersum.SubmitRequest{Text: paper(101), Team: "t", IdempotencyKey: "taken"}); err != nil {
		t.Fatal(err)
	}

	const n = 40
	type outcome struct {
		res papersum.SubmitResult
		err error
	}
	out := make([]outcome, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			req := papersum.SubmitRequest{Text: paper(200 + i), Team: "t"}
			switch {
			case i%10 == 3: // a cache hit
				req.Text = paper(100)
			case i == 7: // the key names another request: refused
				req.IdempotencyKey = "taken"
			}
			res, err := h.svc.Submit(ctx, req)
			out[i] = outcome{res, err}
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	hitRun := ""
	for i, o := range out {
		if i == 7 {
			if papersum.ErrorCode(o.err) != papersum.ECONFLICT {
				t.Fatalf("request 7 reused a key: %v, want ECONFLICT", o.err)
			}
			continue
		}
		if o.err != nil {
			t.Fatalf("request %d failed beside a bad one: %v", i, o.err)
		}
		switch {
		case i%10 == 3 && hitRun == "":
			hitRun = o.res.RunID
		case i%10 == 3 && o.res.RunID != hitRun:
			t.Fatalf("identical cache hits answered with runs %s and %s", hitRun, o.res.RunID)
		case i%10 != 3 && seen[o.res.RunID]:
			t.Fatalf("run %s answered twice", o.res.RunID)
		}
		seen[o.res.RunID] = true
		run := h.wait(t, o.res.RunID)
		if run.Status != papersum.RunSucceeded || run.Cached != (i%10 == 3) {
			t.Fatalf("request %d: run %s is %s, cached %v", i, run.ID, run.Status, run.Cached)
		}
	}
	// The warm-up run, the keyed one, 35 new papers and one run for the 4
	// hits.
	runs, err := h.store.ListRuns(ctx, papersum.RunFilter{Team: "t", Limit: 1000})
	if want := 2 + (n - 1 - 4) + 1; err != nil || len(runs) != want {
		t.Fatalf("team t has %d runs (%v), want %d", len(runs), err, want)
	}
	if hit, err := h.store.GetRun(ctx, hitRun); err != nil || hit.CacheHits != 4 {
		t.Fatalf("the hits' run counts %d hits (%v), want 4", hit.CacheHits, err)
	}
}
