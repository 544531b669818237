package service

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/ingest"
	"github.com/papersum/papersum/internal/groupcommit"
	"github.com/papersum/papersum/pipeline"
	"github.com/papersum/papersum/queue"
	"github.com/papersum/papersum/telemetry"
)

// Store is what the service keeps its papers, runs and batches in: the
// SQLite and Postgres stores both implement it.
type Store interface {
	papersum.Store
	papersum.JobStore
}

// Queue is the job queue the service puts its completion webhooks on;
// *queue.Queue implements it. The summarize jobs of submissions are
// queued by Config.Submissions, in the store's transaction.
type Queue interface {
	// EnqueueCallback queues a completion webhook.
	EnqueueCallback(ctx context.Context, args queue.CallbackArgs) (int64, error)
}

// Deliverer delivers signed webhooks with retries; *webhook.Sender
// implements it.
type Deliverer interface {
	Deliver(ctx context.Context, rawURL, id string, payload any) error
}

// Defaults of Config.
const (
	DefaultCacheTTL = 7 * 24 * time.Hour
	// DefaultWaitPoll is how often Wait reads a run that is being worked
	// on by another replica; runs of this process wake their waiters at
	// once.
	DefaultWaitPoll = 250 * time.Millisecond
	// DefaultTargetWords is the summary length of service runs.
	DefaultTargetWords = pipeline.DefaultTargetWords
	// DefaultRunDeadline is how long after it first started a run may
	// keep waiting for its model provider to recover (see
	// Config.RunDeadline): an hour covers the outages providers report
	// as incidents without keeping a dead run queued for a day.
	DefaultRunDeadline = time.Hour
	// DefaultFirstWait and DefaultMaxWait bound the waits of a run
	// between attempts (see Config.FirstWait).
	DefaultFirstWait = 5 * time.Second
	DefaultMaxWait   = 5 * time.Minute
)

// Config holds the service's dependencies. Store, Submissions, Queue and
// Runners are required; the rest is optional and its absence turns a feature off.
type Config struct {
	Store Store
	// Submissions writes submissions with their summarize jobs, in one
	// transaction: the store bound to the queue (papersum.BindJobs).
	Submissions papersum.Submitter
	Queue       Queue
	// Runners are the pipeline configurations by name; "" is the default
	// and must be present. A request may name another one.
	Runners map[string]*pipeline.Runner
	// Fetcher fetches papers given by URL (*fetch.Fetcher). Default nil:
	// URL submissions are refused.
	Fetcher papersum.DocumentFetcher
	// Ingest are the options papers are read with (size limit, pdftotext).
	Ingest ingest.Options
	// Cache stores finished results (the cache package's LRU or Redis
	// cache). Default nil: no cache.
	Cache papersum.ResultCache
	// CacheTTL is how long a result stays cached. Default DefaultCacheTTL.
	CacheTTL time.Duration
	// Publisher publishes finished runs (*events.Producer, to Kafka).
	// Default nil: none.
	Publisher papersum.SummaryPublisher
	// Deliverer sends completion webhooks. Default nil: callback_url is
	// refused.
	Deliverer Deliverer
	// Metrics records runs and cache hits. Default nil.
	Metrics *telemetry.Metrics
	// TracerProvider makes the spans of submissions (SpanSubmit and its
	// children). Default: a no-op provider, tracing off.
	TracerProvider trace.TracerProvider
	// OnFinished is called once for each run that ends in this process
	// (not again for a retried job), after the metrics, in the worker's
	// goroutine, after the run is stored: it must be quick (serve's anomaly
	// watcher and drift detection). Default nil.
	OnFinished func(ctx context.Context, run *papersum.Run)
	// Limiter is charged each run's tokens against the submitting key's
	// tokens-per-day limit. Default nil.
	Limiter papersum.Limiter
	// TargetWords is the summary length. Default DefaultTargetWords.
	TargetWords int
	Clock       papersum.Clock
	Logger      *slog.Logger
	// WaitPoll is how often Wait reads the store. Default DefaultWaitPoll.
	WaitPoll time.Duration
	// RunDeadline is how long after its first start a run whose model
	// calls fail transiently (rate_limit, overloaded, server, timeout,
	// connection, an open circuit), after the retry layer's attempts, goes
	// on waiting for the provider: its job is snoozed and the run tried
	// again until the provider answers or this much time has passed since
	// the run first started; only then does it fail, with the class and
	// the deadline in its error. Default DefaultRunDeadline (1h).
	RunDeadline time.Duration
	// FirstWait is the first wait of a run between two attempts; each
	// later wait doubles, up to MaxWait. A provider's retry-after hint,
	// when it gives one, is the wait instead (up to
	// queue.DefaultMaxSnooze). The last attempt is at the deadline.
	// Defaults DefaultFirstWait (5s) and DefaultMaxWait (5m).
	FirstWait, MaxWait time.Duration
	// CommitWriters is how many transactions of submissions, and as many
	// of cache hits, may be open at once; requests that arrive meanwhile
	// share the next one (see package groupcommit). 1 suits SQLite's
	// single connection; a few suit PostgreSQL. Default 1.
	CommitWriters int
}

// Service runs summaries for the API, webhooks and Kafka. It is safe for
// concurrent use.
type Service struct {
	cfg    Config
	log    *slog.Logger
	tracer trace.Tracer

	mu sync.Mutex
	// waiters are the channels of Wait calls by run ID, closed when the
	// run finishes in this process.
	waiters map[string][]chan struct{}
	// working are the attempts of the runs this process is working on:
	// their cancel functions, for Cancel, and one attempt at a time per
	// run (see Work).
	working map[string]*attempt

	// submits stores submissions that arrive together in one transaction,
	// and hits the cache hits (JobStore.RecordCacheHits).
	submits *groupcommit.Committer[*papersum.Submission, string]
	hits    *groupcommit.Committer[*papersum.Run, struct{}]
}

var (
	_ papersum.Summaries         = (*Service)(nil)
	_ papersum.SubmissionBatches = (*Service)(nil)
)

// New checks cfg and returns a Service.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Submissions == nil || cfg.Queue == nil {
		return nil, papersum.Errorf(papersum.EINTERNAL, "service: store, submissions and queue are required")
	}
	if cfg.Runners[""] == nil {
		return nil, papersum.Errorf(papersum.EINTERNAL, "service: the default pipeline configuration is required")
	}
	if cfg.CacheTTL == 0 {
		cfg.CacheTTL = DefaultCacheTTL
	}
	if cfg.WaitPoll == 0 {
		cfg.WaitPoll = DefaultWaitPoll
	}
	if cfg.TargetWords == 0 {
		cfg.TargetWords = DefaultTargetWords
	}
	if cfg.RunDeadline == 0 {
		cfg.RunDeadline = DefaultRunDeadline
	}
	if cfg.FirstWait == 0 {
		cfg.FirstWait = DefaultFirstWait
	}
	if cfg.MaxWait == 0 {
		cfg.MaxWait = DefaultMaxWait
	}
	if cfg.RunDeadline < 0 || cfg.FirstWait < 0 || cfg.MaxWait < cfg.FirstWait {
		return nil, papersum.Errorf(papersum.EINVALID, "service: run deadline %s, first wait %s and max wait %s must be positive, max wait at least the first",
			cfg.RunDeadline, cfg.FirstWait, cfg.MaxWait)
	}
	if cfg.Clock == nil {
		cfg.Clock = papersum.SystemClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Service{cfg: cfg, log: cfg.Logger, waiters: map[string][]chan struct{}{},
		working: map[string]*attempt{}, tracer: tracerOf(cfg.TracerProvider)}
	s.submits = groupcommit.New(func(ctx context.Context, subs []*papersum.Submission) ([]string, error) {
		return cfg.Submissions.SubmitMany(withJobTraces(ctx, subs), subs)
	}, s.commitOptions(telemetry.CommitSubmit))
	s.hits = groupcommit.New(func(ctx context.Context, runs []*papersum.Run) ([]struct{}, error) {
		return make([]struct{}, len(runs)), cfg.Store.RecordCacheHits(ctx, runs)
	}, s.commitOptions(telemetry.CommitCacheHit))
	return s, nil
}

// commitOptions are the group commit settings of kind's writes.
func (s *Service) commitOptions(kind string) groupcommit.Options {
	opts := groupcommit.Options{Writers: s.cfg.CommitWriters}
	if m := s.cfg.Metrics; m != nil {
		opts.Observe = func(n int, d time.Duration, err error) { m.ObserveCommit(kind, n, d, err) }
	}
	return opts
}

// Close writes the submissions and cache hits still waiting for their
// transaction. Close it after the HTTP server has drained and before the
// store closes.
func (s *Service) Close() {
	s.submits.Close()
	s.hits.Close()
}

// Get returns the run with its stages, if the caller's team may see it.
func (s *Service) Get(ctx context.Context, id string) (*papersum.Run, error) {
	run, err := s.cfg.Store.GetRun(ctx, id)
	if papersum.ErrorCode(err) == papersum.ENOTFOUND {
		// The store's message quotes the whole ID; the caller's may be
		// any length.
		return nil, notFound("run", id)
	}
	if err != nil {
		return nil, err
	}
	if !visible(ctx, run.Team) {
		return nil, notFound("run", id)
	}
	return run, nil
}

// List returns the caller's team's runs (every team's for an admin key).
func (s *Service) List(ctx context.Context, f papersum.RunFilter) ([]*papersum.Run, error) {
	if k := papersum.CallerFromContext(ctx); k != nil && !k.Scope.Allows(papersum.ScopeAdmin) {
		f.Team = k.Team
	}
	return s.cfg.Store.ListRuns(ctx, f)
}

// Cancel cancels a queued or running run. A run being worked on in this
// process stops at once; one on another replica stops when it next tries
// to record a stage, which the store refuses for a canceled run.
func (s *Service) Cancel(ctx context.Context, id string) error {
	if _, err := s.Get(ctx, id); err != nil {
		return err
	}
	run, err := s.cfg.Store.CancelRun(ctx, id)
	if err != nil {
		return err
	}
	s.mu.Lock()
	a := s.working[id]
	s.mu.Unlock()
	if a != nil {
		a.cancel()
	}
	return s.finished(ctx, run, false)
}

// Wait blocks until the run has finished and returns it, or returns ctx's
// error.
func (s *Service) Wait(ctx context.Context, id string) (*papersum.Run, error) {
	done := s.waitFor(id)
	defer s.stopWaiting(id, done)
	tick := time.NewTicker(s.cfg.WaitPoll)
	defer tick.Stop()
	for {
		run, err := s.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		if run.Status.Finished() {
			return run, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-done:
		case <-tick.C:
		}
	}
}

func (s *Service) waitFor(id string) chan struct{} {
	ch := make(chan struct{})
	s.mu.Lock()
	s.waiters[id] = append(s.waiters[id], ch)
	s.mu.Unlock()
	return ch
}

func (s *Service) stopWaiting(id string, ch chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := s.waiters[id]
	for i, c := range list {
		if c == ch {
			list = append(list[:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(s.waiters, id)
	} else {
		s.waiters[id] = list
	}
}

// wake closes the channels of the Wait calls for run id.
func (s *Service) wake(id string) {
	s.mu.Lock()
	list := s.waiters[id]
	delete(s.waiters, id)
	s.mu.Unlock()
	for _, ch := range list {
		close(ch)
	}
}

// visible reports whether the caller (the API key in ctx) may see a run or
// batch of team. Calls from inside the service (workers, webhooks, Kafka)
// carry no key and see everything.
func visible(ctx context.Context, team string) bool {
	k := papersum.CallerFromContext(ctx)
	return k == nil || k.Team == team || k.Scope.Allows(papersum.ScopeAdmin)
}

// notFound is the error of an unknown (or another team's) run or batch;
// it quotes the ID by an excerpt, since a client may send any length.
func notFound(what, id string) error {
	return papersum.Errorf(papersum.ENOTFOUND, "no %s %s", what, papersum.Excerpt(id))
}
