package queue

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/papersum/papersum"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"go.opentelemetry.io/otel/trace"
)

// KindSummarize is the River job kind of SummarizeArgs. It is stored in
// every job row: renaming it strands the jobs already queued.
const KindSummarize = "summarize"

// SummarizeArgs are the arguments of a summarize job: the ID of a run the
// caller has already written, never the paper itself, so a job row stays
// small and the run row stays the one source of truth.
type SummarizeArgs struct {
	RunID string `json:"run_id" river:"unique"`
	// TraceParent and TraceState are the W3C trace context of the span
	// that enqueued the job (empty when tracing is off), so the worker's
	// spans join that trace. They are not part of the job's uniqueness.
	TraceParent string `json:"traceparent,omitempty"`
	TraceState  string `json:"tracestate,omitempty"`
}

// Kind implements river.JobArgs.
func (SummarizeArgs) Kind() string { return KindSummarize }

// InsertOpts implements river.JobArgsWithInsertOpts: jobs are unique by
// their arguments, that is by run ID, in every state but cancelled and
// discarded (River's default ByState). A run that already has a pending,
// running or completed job is not queued again; one whose job was
// cancelled or discarded can be.
func (SummarizeArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// Handler does the work of one run. It must be idempotent, since a job can
// run again after a crash, a timeout or a retry, and should return when
// ctx ends (JobTimeout, Cancel or Stop). See the package comment for what
// its errors do.
type Handler func(ctx context.Context, runID string) error

// Defaults of Config.
const (
	DefaultWorkers         = 10
	DefaultMaxAttempts     = 5
	DefaultJobTimeout      = 15 * time.Minute
	DefaultRateLimitSnooze = 30 * time.Second
	DefaultMaxSnooze       = time.Hour
	// DefaultCallbackWorkers and DefaultCallbackMaxAttempts are the
	// defaults of the callback queue (see Config.Callback).
	DefaultCallbackWorkers     = 4
	DefaultCallbackMaxAttempts = 3
	// DefaultRescueMargin is added to JobTimeout to get the default
	// RescueStuckJobsAfter, River's backstop rescue (see there).
	DefaultRescueMargin = 5 * time.Minute
	// DefaultSQLiteFetchCooldown and DefaultSQLiteFetchPollInterval are
	// the SQLite fetch defaults, measured in NOTES.md: River's (100ms, 1s)
	// cap a polling client near Workers jobs per 100ms.
	DefaultSQLiteFetchCooldown     = 5 * time.Millisecond
	DefaultSQLiteFetchPollInterval = 20 * time.Millisecond
	// DefaultPostgresFetchCooldown is the Postgres fetch cooldown. River's
	// 100ms default caps a client near Workers jobs per 100ms even though
	// LISTEN/NOTIFY and finished jobs trigger fetches at once:
	// BenchmarkEnqueueManyAndWork worked 99 jobs/s at 10 workers with it
	// and 918 with 10ms, and the ?wait summaries of the load test
	// (scripts/loadtest) waited for it. A fetch is one indexed query that
	// runs only when triggered, so 10ms costs at most 100 of them a second
	// per process, and only under load.
	DefaultPostgresFetchCooldown = 10 * time.Millisecond
	// hardStopGrace bounds how long Stop waits, after its ctx ended, for
	// the jobs whose contexts it cancelled to record their outcome.
	hardStopGrace = 5 * time.Second
)

// Config configures New. Driver is required, and a Handler, here or in
// the Handlers given to StartWith, before the queue starts.
type Config struct {
	// Driver is the database of the jobs: SQLite(db) or Postgres(pool).
	// Required.
	Driver Driver
	// Handler does the work of a summarize job. Default: none, and
	// StartWith must be given one (Start without one is EINVALID).
	Handler Handler
	// Callback does the work of a callback job: it sends the completion
	// webhook of a run or a batch (see CallbackArgs). It must be
	// idempotent, as Handler, and its errors are treated as Handler's
	// (Permanent cancels the job, others are retried). Optional: when nil
	// (and StartWith is given none), this process works no callback jobs
	// and EnqueueCallback refuses them.
	Callback func(ctx context.Context, args CallbackArgs) error
	// CallbackWorkers is how many callback jobs this process runs at
	// once. Callback jobs have a River queue of their own (QueueCallbacks),
	// so slow webhooks never hold the Workers of summarize jobs. Only used
	// with a Callback. Default: DefaultCallbackWorkers (4).
	CallbackWorkers int
	// CallbackMaxAttempts is MaxAttempts for callback jobs, fixed in each
	// job when it is queued. Default: DefaultCallbackMaxAttempts (3): the
	// webhook sender already retries with backoff within one attempt, so
	// River's attempts mostly carry a callback across crashes.
	CallbackMaxAttempts int
	// Logger receives the queue's and River's logs. Default: a logger that
	// discards everything (River's own default writes to stdout).
	Logger *slog.Logger
	// TracerProvider makes the span of each summarize job, a child of
	// the span that enqueued it (see SummarizeArgs.TraceParent). Default:
	// a no-op provider, tracing off.
	TracerProvider trace.TracerProvider
	// Workers is how many jobs this process runs at once. Default:
	// DefaultWorkers (10). At most 10,000.
	Workers int
	// MaxAttempts is how many times a failing job is tried before it is
	// discarded. Snoozes (rate_limit, overloaded) do not count. Default:
	// DefaultMaxAttempts (5).
	MaxAttempts int
	// JobTimeout is how long a job may run before its context is
	// cancelled. Default: DefaultJobTimeout (15m).
	JobTimeout time.Duration
	// RescueStuckJobsAfter is River's backstop: how long after it started
	// a job still marked running is taken for the job of a dead process
	// even though no expired lease says so (its worker had no lease, as
	// versions before leases), and made available again (its attempt
	// counts). It must exceed JobTimeout, or live jobs would be run
	// twice. Default: JobTimeout + DefaultRescueMargin (5m). River checks
	// for such jobs every 30s, from the leader client only. Dead workers
	// are found by their leases (LeaseTTL) much sooner.
	RescueStuckJobsAfter time.Duration
	// ClientID names this process's River client in the jobs it works and
	// in its lease. It must be unique among the processes that share the
	// database. Default: the host name, the start time and a random
	// suffix. At most 100 bytes.
	ClientID string
	// LeaseTTL is how long this process's worker lease lasts without
	// renewal. Every queue process holds a lease (a row of papersum's
	// own table, papersum_worker_lease) and renews it every
	// LeaseRenewInterval while it runs; a job still marked running whose
	// worker's lease has expired belongs to a dead process and is made
	// available again at once by the next reap of any process (its
	// attempt counts; a job on its last attempt is discarded). A job
	// whose worker renews is never taken, however long it runs. A worker
	// process of the same host and PID namespace (Linux) that is gone has
	// its lease ended at the next reap without waiting for it to expire,
	// and at once when a process starts. So after a crash the jobs run
	// again within LeaseTTL + ReapInterval (35s) on another host, and at
	// once on a restart on the same host. Default: DefaultLeaseTTL (30s).
	LeaseTTL time.Duration
	// LeaseRenewInterval is how often this process renews its lease.
	// Default: LeaseTTL / 6 (5s). At most LeaseTTL / 2.
	LeaseRenewInterval time.Duration
	// ReapInterval is how often this process looks for the running jobs
	// of dead workers. Every process reaps (no leader is needed), and
	// concurrent reaps rescue each job once. Default: LeaseTTL / 6 (5s).
	ReapInterval time.Duration
	// Clock, when set, tells the time of leases. Default: nil, the
	// database's clock, which every process shares whatever its host's
	// clock says. Tests set it.
	Clock papersum.Clock
	// RateLimitSnooze is how long a job waits after a rate_limit or
	// overloaded error without a retry-after hint. Default:
	// DefaultRateLimitSnooze (30s).
	RateLimitSnooze time.Duration
	// MaxSnooze caps a provider's retry-after hint. Default:
	// DefaultMaxSnooze (1h).
	MaxSnooze time.Duration
	// FetchCooldown is the least time between two fetches of new jobs;
	// it bounds throughput. Default: DefaultSQLiteFetchCooldown (5ms) on
	// SQLite, DefaultPostgresFetchCooldown (10ms) on Postgres.
	FetchCooldown time.Duration
	// FetchPollInterval is how often an idle client looks for new jobs:
	// SQLite's only way to see them, a fallback to LISTEN/NOTIFY on
	// Postgres. Default: DefaultSQLiteFetchPollInterval (20ms) on SQLite,
	// River's river.FetchPollIntervalDefault (1s) on Postgres. Not below
	// FetchCooldown.
	FetchPollInterval time.Duration
}

// WithDefaults returns c with every unset field at its default.
func (c Config) WithDefaults() Config {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Workers == 0 {
		c.Workers = DefaultWorkers
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.CallbackWorkers == 0 {
		c.CallbackWorkers = DefaultCallbackWorkers
	}
	if c.CallbackMaxAttempts == 0 {
		c.CallbackMaxAttempts = DefaultCallbackMaxAttempts
	}
	if c.JobTimeout == 0 {
		c.JobTimeout = DefaultJobTimeout
	}
	if c.RescueStuckJobsAfter == 0 {
		c.RescueStuckJobsAfter = c.JobTimeout + DefaultRescueMargin
	}
	if c.LeaseTTL == 0 {
		c.LeaseTTL = DefaultLeaseTTL
	}
	if c.LeaseRenewInterval == 0 {
		c.LeaseRenewInterval = c.LeaseTTL / leaseIntervalDivisor
	}
	if c.ReapInterval == 0 {
		c.ReapInterval = c.LeaseTTL / leaseIntervalDivisor
	}
	if c.RateLimitSnooze == 0 {
		c.RateLimitSnooze = DefaultRateLimitSnooze
	}
	if c.MaxSnooze == 0 {
		c.MaxSnooze = DefaultMaxSnooze
	}
	if c.Driver != nil {
		c.Driver.defaults(&c)
	}
	return c
}

func (c Config) validate() error {
	var problems []string
	if c.Driver == nil {
		problems = append(problems, "no Driver (want queue.SQLite(db) or queue.Postgres(pool))")
	}
	if c.Workers < 1 || c.Workers > river.QueueNumWorkersMax {
		problems = append(problems, fmt.Sprintf("Workers %d is not in [1, %d]", c.Workers, river.QueueNumWorkersMax))
	}
	if c.MaxAttempts < 1 {
		problems = append(problems, fmt.Sprintf("MaxAttempts %d is below 1", c.MaxAttempts))
	}
	if c.CallbackWorkers < 1 || c.CallbackWorkers > river.QueueNumWorkersMax {
		problems = append(problems, fmt.Sprintf("CallbackWorkers %d is not in [1, %d]", c.CallbackWorkers, river.QueueNumWorkersMax))
	}
	if c.CallbackMaxAttempts < 1 {
		problems = append(problems, fmt.Sprintf("CallbackMaxAttempts %d is below 1", c.CallbackMaxAttempts))
	}
	if c.JobTimeout < 0 {
		problems = append(problems, fmt.Sprintf("JobTimeout %s is negative", c.JobTimeout))
	}
	if c.RescueStuckJobsAfter <= c.JobTimeout {
		problems = append(problems, fmt.Sprintf("RescueStuckJobsAfter %s must exceed JobTimeout %s", c.RescueStuckJobsAfter, c.JobTimeout))
	}
	if c.LeaseTTL <= 0 {
		problems = append(problems, fmt.Sprintf("LeaseTTL %s is not positive", c.LeaseTTL))
	}
	if c.LeaseRenewInterval <= 0 || c.LeaseRenewInterval > c.LeaseTTL/2 {
		problems = append(problems, fmt.Sprintf("LeaseRenewInterval %s is not in (0, LeaseTTL/2 = %s]", c.LeaseRenewInterval, c.LeaseTTL/2))
	}
	if c.ReapInterval <= 0 {
		problems = append(problems, fmt.Sprintf("ReapInterval %s is not positive", c.ReapInterval))
	}
	if len(c.ClientID) > 100 {
		problems = append(problems, fmt.Sprintf("ClientID is %d bytes, over 100", len(c.ClientID)))
	}
	if c.RateLimitSnooze < 0 {
		problems = append(problems, fmt.Sprintf("RateLimitSnooze %s is negative", c.RateLimitSnooze))
	}
	if c.MaxSnooze < c.RateLimitSnooze {
		problems = append(problems, fmt.Sprintf("MaxSnooze %s is below RateLimitSnooze %s", c.MaxSnooze, c.RateLimitSnooze))
	}
	if c.FetchCooldown < river.FetchCooldownMin {
		problems = append(problems, fmt.Sprintf("FetchCooldown %s is below River's minimum %s", c.FetchCooldown, river.FetchCooldownMin))
	}
	if c.FetchPollInterval < c.FetchCooldown || c.FetchPollInterval < river.FetchPollIntervalMin {
		problems = append(problems, fmt.Sprintf("FetchPollInterval %s is below FetchCooldown %s or River's minimum %s", c.FetchPollInterval, c.FetchCooldown, river.FetchPollIntervalMin))
	}
	if len(problems) > 0 {
		return papersum.Errorf(papersum.EINVALID, "queue: invalid config: %s", strings.Join(problems, "; "))
	}
	return nil
}

// Queue is papersum's durable job queue. Its methods are safe for
// concurrent use.
type Queue struct {
	cfg    Config
	logger *slog.Logger
	tracer trace.Tracer
	eng    engine
	lease  *leaser
	// stopping is set while Stop cancels jobs that outlived its deadline,
	// so that their context errors requeue them instead of using an
	// attempt.
	stopping atomic.Bool
	// started is set by a successful Start and cleared by Stop; it holds
	// the channel River closes when the client has stopped.
	started atomic.Pointer[startedState]
	// handlers are Config's Handler and Callback, or those given to
	// StartWith; the workers and EnqueueCallback read them.
	handlers atomic.Pointer[Handlers]
}

// Handlers are the work of the queue's jobs.
type Handlers struct {
	// Summarize does the work of a summarize job (Config.Handler).
	Summarize Handler
	// Callback does the work of a callback job (Config.Callback). nil:
	// this process works no callback jobs and EnqueueCallback refuses
	// them.
	Callback func(ctx context.Context, args CallbackArgs) error
}

type startedState struct{ stopped <-chan struct{} }

// New builds a Queue on cfg.Driver. It neither touches the database nor
// starts working: call Migrate once, then Start.
//
// Errors: EINVALID for an invalid Config.
func New(ctx context.Context, cfg Config) (*Queue, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	q := &Queue{cfg: cfg, logger: cfg.Logger, tracer: cfg.tracer()}
	q.handlers.Store(&Handlers{Summarize: cfg.Handler, Callback: cfg.Callback})

	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &summarizeWorker{q: q}); err != nil {
		return nil, internal("queue.New", err)
	}
	// The callback worker is always registered, but its River queue is
	// fetched from only with a Callback (here or at StartWith): without
	// one the process must not take callback jobs that another process
	// may queue.
	if err := river.AddWorkerSafely(workers, &callbackWorker{q: q}); err != nil {
		return nil, internal("queue.New", err)
	}
	queues := map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.Workers}}
	if cfg.Callback != nil {
		queues[QueueCallbacks] = river.QueueConfig{MaxWorkers: cfg.CallbackWorkers}
	}
	clientID := cfg.ClientID
	if clientID == "" {
		clientID = newClientID(time.Now())
	}
	rcfg := &river.Config{
		ID:                   clientID,
		FetchCooldown:        cfg.FetchCooldown,
		FetchPollInterval:    cfg.FetchPollInterval,
		JobTimeout:           cfg.JobTimeout,
		Logger:               cfg.Logger,
		MaxAttempts:          cfg.MaxAttempts,
		Queues:               queues,
		RescueStuckJobsAfter: cfg.RescueStuckJobsAfter,
		Workers:              workers,
	}
	eng, err := cfg.Driver.newEngine(rcfg, cfg.Logger)
	if err != nil {
		return nil, &papersum.Error{Code: papersum.EINVALID, Op: "queue.New", Message: "queue: cannot build the River client on " + cfg.Driver.name(), Err: err}
	}
	q.eng = eng
	q.lease = newLeaser(q, cfg.Driver.leases(), clientID)
	_ = ctx // reserved: New does no I/O today, but may check the schema later.
	return q, nil
}

// Migrate creates or upgrades River's tables and the table of worker
// leases. It is idempotent, so every process may call it at start-up.
//
// Errors: EUNAVAILABLE when the database cannot be reached; EINTERNAL
// otherwise.
func (q *Queue) Migrate(ctx context.Context) error {
	if err := q.eng.migrate(ctx); err != nil {
		return q.dbError("queue.Migrate", "queue: migrate River's tables", err)
	}
	if err := q.lease.store.migrate(ctx); err != nil {
		return q.dbError("queue.Migrate", "queue: create the table of worker leases", err)
	}
	return nil
}

// Start starts working jobs in the background. It first makes the
// running jobs of dead workers available again (see Config.LeaseTTL) and
// takes this process's lease. ctx bounds the start-up only: the queue then
// runs until Stop, so that the end of a request or signal context does not
// cut running jobs off without the grace period Stop gives them.
//
// Errors: EUNAVAILABLE when the database cannot be reached; EINTERNAL when
// River cannot start (no tables: call Migrate).
func (q *Queue) Start(ctx context.Context) error {
	if q.handlers.Load().Summarize == nil {
		return &papersum.Error{Code: papersum.EINVALID, Op: "queue.Start", Message: "queue: no Handler (set Config.Handler or use StartWith)"}
	}
	q.stopping.Store(false)
	if err := q.lease.begin(ctx); err != nil {
		return q.dbError("queue.Start", "queue: take this worker's lease (no table: call Migrate)", err)
	}
	if err := q.eng.start(context.WithoutCancel(ctx)); err != nil {
		q.endLease(ctx)
		return internal("queue.Start", err)
	}
	q.started.Store(&startedState{stopped: q.eng.stopped()})
	return nil
}

// StartWith is Start with h as the work of the jobs, in place of
// Config's Handler and Callback. It lets the service that does the work
// be built after the queue it enqueues through, and hand its methods over
// when the queue starts, so that neither is bound late.
//
// Errors: EINVALID when h has no Summarize, or a Callback is given to a
// queue that has started before without one; those of Start.
func (q *Queue) StartWith(ctx context.Context, h Handlers) error {
	const op = "queue.StartWith"
	if h.Summarize == nil {
		return &papersum.Error{Code: papersum.EINVALID, Op: op, Message: "queue: StartWith needs a Summarize handler"}
	}
	if h.Callback != nil && q.handlers.Load().Callback == nil {
		if err := q.eng.addQueue(QueueCallbacks, river.QueueConfig{MaxWorkers: q.cfg.CallbackWorkers}); err != nil {
			return &papersum.Error{Code: papersum.EINVALID, Op: op, Message: "queue: cannot add the callback queue", Err: err}
		}
	}
	q.handlers.Store(&h)
	return q.Start(ctx)
}

// Running reports whether the queue is working jobs: true from a
// successful Start until Stop is called (or River's client stops by
// itself), for a readiness check.
func (q *Queue) Running() bool {
	s := q.started.Load()
	if s == nil {
		return false
	}
	select {
	case <-s.stopped:
		return false
	default:
		return true
	}
}

// Healthy reports whether the workers can work: nil when the queue is
// running and the last renewal of this process's lease (every
// Config.LeaseRenewInterval, 5s) succeeded; an error saying why not
// otherwise, for a readiness check. The lease's renewal is the queue's
// heartbeat: it is a statement on the database the workers fetch jobs
// from, so while it fails they fetch none, and the first renewal that
// succeeds after an outage makes the queue healthy again. A renewal that
// hangs counts as failed when its LeaseTTL bound cuts it.
func (q *Queue) Healthy() error {
	if !q.Running() {
		return errNotRunning
	}
	if err := q.lease.lastRenewErr(); err != nil {
		return fmt.Errorf("queue: cannot renew this worker's lease, so cannot fetch jobs: %w", err)
	}
	return nil
}

// errNotRunning is Healthy's error before Start and after Stop.
var errNotRunning = errors.New("queue: the workers are not running")

// Stop stops fetching jobs and waits for the running ones to finish, up to
// ctx's deadline. Jobs still running then have their contexts cancelled;
// Stop waits a few more seconds for them to return, and those that do are
// requeued without using an attempt. Then it ends this process's lease: a
// job that ignored its context stays marked running and is rescued by the
// next reap of any process. Running is false from the call on.
//
// Errors: ctx's error (wrapped, EUNAVAILABLE) when jobs outlived its
// deadline; nil otherwise, including when the queue was not started.
func (q *Queue) Stop(ctx context.Context) error {
	q.started.Store(nil)
	// The lease is renewed until River has stopped: jobs finishing during
	// a long graceful stop are live, not lost.
	defer q.endLease(ctx)
	err := q.eng.stop(ctx)
	if err == nil {
		return nil
	}
	q.stopping.Store(true)
	hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), hardStopGrace)
	defer cancel()
	if herr := q.eng.stopAndCancel(hctx); herr != nil {
		q.logger.WarnContext(ctx, "queue: jobs ignored cancellation at Stop; they will be rescued", "error", herr)
	}
	return &papersum.Error{Code: papersum.EUNAVAILABLE, Op: "queue.Stop", Message: "queue: running jobs outlived the stop deadline and were cancelled", Err: err}
}

// endLease ends this process's lease, even after ctx has ended.
func (q *Queue) endLease(ctx context.Context) {
	ectx, cancel := context.WithTimeout(context.WithoutCancel(ctx), hardStopGrace)
	defer cancel()
	q.lease.end(ectx)
}

// ClientID is the ID of this process's River client, which names it in
// the jobs it works and in its lease.
func (q *Queue) ClientID() string { return q.lease.self.clientID }

// Enqueue queues the summarize job of run runID and returns its job ID.
// When the run already has a job (see SummarizeArgs.InsertOpts), it
// returns that job's ID and queues nothing.
//
// Errors: EINVALID for an empty runID; EUNAVAILABLE when the database
// cannot be reached; EINTERNAL otherwise.
func (q *Queue) Enqueue(ctx context.Context, runID string) (int64, error) {
	const op = "queue.Enqueue"
	if runID == "" {
		return 0, emptyRunID(op)
	}
	res, err := q.eng.insert(ctx, summarizeArgs(ctx, runID), nil)
	if err != nil {
		return 0, q.dbError(op, "queue: enqueue run "+runID, err)
	}
	return res.Job.ID, nil
}

// EnqueueSQLTx is Enqueue inside tx, the SQLite transaction that wrote the
// run row: the job exists if and only if tx commits. The queue's driver
// must be SQLite.
//
// Errors: as Enqueue, and EINVALID when tx is nil or the driver is not
// SQLite.
func (q *Queue) EnqueueSQLTx(ctx context.Context, tx *sql.Tx, runID string) (int64, error) {
	const op = "queue.EnqueueSQLTx"
	j, err := jobsOf[*sql.Tx](q, op)
	if err != nil {
		return 0, err
	}
	return j.enqueueTx(ctx, op, tx, runID)
}

// EnqueuePgxTx is Enqueue inside tx, the Postgres transaction that wrote
// the run row (see postgres.DB.WithTx): the job exists if and only if tx
// commits. The queue's driver must be Postgres.
//
// Errors: as Enqueue, and EINVALID when tx is nil or the driver is not
// Postgres.
func (q *Queue) EnqueuePgxTx(ctx context.Context, tx pgx.Tx, runID string) (int64, error) {
	const op = "queue.EnqueuePgxTx"
	j, err := jobsOf[pgx.Tx](q, op)
	if err != nil {
		return 0, err
	}
	return j.enqueueTx(ctx, op, tx, runID)
}

// isNil reports whether tx is nil, or a nil pointer (a nil *sql.Tx, or a
// pgx.Tx holding one) that would panic inside River.
func isNil[TTx any](tx TTx) bool {
	v := reflect.ValueOf(&tx).Elem()
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Map, reflect.Slice, reflect.Func, reflect.Chan:
		if v.IsNil() {
			return true
		}
		if v.Kind() == reflect.Interface {
			e := v.Elem()
			switch e.Kind() {
			case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Func, reflect.Chan, reflect.Interface:
				return e.IsNil()
			}
		}
	}
	return false
}

// EnqueueMany queues the jobs of runIDs in one batch and returns their job
// IDs in the order of runIDs. A run given twice, or that already has a
// job, gets the one job's ID.
//
// Errors: as Enqueue.
func (q *Queue) EnqueueMany(ctx context.Context, runIDs []string) ([]int64, error) {
	return enqueueMany(ctx, q, "queue.EnqueueMany", runIDs, func(params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error) {
		return q.eng.insertMany(ctx, params)
	})
}

// enqueueMany is EnqueueMany, and with tx the EnqueueManyTx of Jobs.
func enqueueMany(ctx context.Context, q *Queue, op string, runIDs []string,
	insert func(params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error)) ([]int64, error) {
	// Duplicates are removed first: one statement cannot insert and then
	// find the same unique key, and Postgres refuses an ON CONFLICT that
	// touches one row twice.
	index := make(map[string]int, len(runIDs))
	params := make([]river.InsertManyParams, 0, len(runIDs))
	for _, id := range runIDs {
		if id == "" {
			return nil, emptyRunID(op)
		}
		if _, seen := index[id]; !seen {
			index[id] = len(params)
			params = append(params, river.InsertManyParams{Args: summarizeArgs(ctx, id)})
		}
	}
	if len(params) == 0 {
		return []int64{}, nil
	}
	res, err := insert(params)
	if err != nil {
		return nil, q.dbError(op, fmt.Sprintf("queue: enqueue %d runs", len(params)), err)
	}
	ids := make([]int64, len(runIDs))
	for i, id := range runIDs {
		ids[i] = res[index[id]].Job.ID
	}
	return ids, nil
}

// Cancel cancels job jobID: a queued job is never run; a running one has
// its context cancelled and is marked cancelled when its Handler returns.
// A finished job is left as it is.
//
// Errors: ENOTFOUND when there is no such job; EUNAVAILABLE when the
// database cannot be reached; EINTERNAL otherwise.
func (q *Queue) Cancel(ctx context.Context, jobID int64) error {
	const op = "queue.Cancel"
	if _, err := q.eng.cancel(ctx, jobID); err != nil {
		if errors.Is(err, rivertype.ErrNotFound) {
			return &papersum.Error{Code: papersum.ENOTFOUND, Op: op, Message: fmt.Sprintf("queue: no job %d", jobID), Err: err}
		}
		return q.dbError(op, fmt.Sprintf("queue: cancel job %d", jobID), err)
	}
	return nil
}

// States are the job states Counts reports, River's names.
var States = []string{
	string(rivertype.JobStateAvailable),
	string(rivertype.JobStateRunning),
	string(rivertype.JobStateRetryable),
	string(rivertype.JobStateScheduled),
	string(rivertype.JobStateCompleted),
	string(rivertype.JobStateCancelled),
	string(rivertype.JobStateDiscarded),
}

// Counts returns how many jobs are in each state, for a queue-depth
// metric. Every state of States is present, at zero when empty; River's
// other states (pending) appear when the database reports them. Finished jobs are
// counted until River deletes them (24h for completed and cancelled, 7
// days for discarded).
//
// Errors: EUNAVAILABLE when the database cannot be reached; EINTERNAL
// otherwise.
func (q *Queue) Counts(ctx context.Context) (map[string]int, error) {
	counts, err := q.eng.counts(ctx)
	if err != nil {
		return nil, q.dbError("queue.Counts", "queue: count jobs", err)
	}
	out := make(map[string]int, len(States))
	for _, s := range States {
		out[s] = 0
	}
	for s, n := range counts {
		out[string(s)] = n
	}
	return out, nil
}

// OldestAvailableSince returns when the job that has waited longest for a
// worker became available (its scheduled time: its creation, or the end
// of its snooze or retry backoff), and false when no job is waiting. Its
// age is the oldest-queued-job metric: a growing one means the workers
// do not keep up.
//
// Errors: as Counts.
func (q *Queue) OldestAvailableSince(ctx context.Context) (time.Time, bool, error) {
	job, err := q.eng.oldestAvailable(ctx)
	if err != nil {
		return time.Time{}, false, q.dbError("queue.OldestAvailableSince", "queue: find the oldest available job", err)
	}
	if job == nil {
		return time.Time{}, false, nil
	}
	return job.ScheduledAt, true, nil
}

type summarizeWorker struct {
	river.WorkerDefaults[SummarizeArgs]
	q *Queue
}

func (w *summarizeWorker) Work(ctx context.Context, job *river.Job[SummarizeArgs]) error {
	ctx, span := w.q.startWork(ctx, job.ID, job.Attempt, &job.Args)
	err := w.q.handlers.Load().Summarize(ctx, job.Args.RunID)
	err = w.q.outcome(ctx, err, "job_id", job.ID, "run_id", job.Args.RunID, "attempt", job.Attempt)
	endWork(span, err)
	return err
}

func emptyRunID(op string) error {
	return &papersum.Error{Code: papersum.EINVALID, Op: op, Message: "queue: empty run ID"}
}

func nilTx(op string) error {
	return &papersum.Error{Code: papersum.EINVALID, Op: op, Message: "queue: nil transaction"}
}

func internal(op string, err error) error {
	return &papersum.Error{Code: papersum.EINTERNAL, Op: op, Message: "queue: " + err.Error(), Err: err}
}

// dbError classifies a database error: a cancelled or expired ctx, or a
// connection that cannot be had, is EUNAVAILABLE; the rest is EINTERNAL.
func (q *Queue) dbError(op, msg string, err error) error {
	code := papersum.EINTERNAL
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, sql.ErrConnDone) {
		code = papersum.EUNAVAILABLE
	}
	return &papersum.Error{Code: code, Op: op, Message: msg, Err: err}
}
