package papersum

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"
)

// RunStatus is the state of a run.
type RunStatus string

// Run states. The CLI creates a run running; the service creates it
// queued, and a worker moves it to running. A run ends succeeded, failed or
// canceled, and a finished run never changes again.
const (
	RunQueued    RunStatus = "queued"
	RunRunning   RunStatus = "running"
	RunSucceeded RunStatus = "succeeded"
	RunFailed    RunStatus = "failed"
	RunCanceled  RunStatus = "canceled"
)

// Finished reports whether s is a final state.
func (s RunStatus) Finished() bool {
	return s == RunSucceeded || s == RunFailed || s == RunCanceled
}

// Run is one pass of a paper through the pipeline.
type Run struct {
	ID      string    `json:"id"`
	PaperID string    `json:"paper_id"`
	Title   string    `json:"title"`
	Source  string    `json:"source"`
	Status  RunStatus `json:"status"`
	// Error is the failure reason of a failed run.
	Error string `json:"error,omitempty"`
	// ErrorClass is the provider failure class, when there is one.
	ErrorClass Class `json:"error_class,omitempty"`
	// ConfigHash identifies the pipeline configuration used.
	ConfigHash string `json:"config_hash"`
	// TargetWords is the requested summary length.
	TargetWords int `json:"target_words"`
	// Summary is the final (revised) summary of a succeeded run.
	Summary string `json:"summary"`
	// Scores are the critique's scores of the first draft.
	Scores *Scores `json:"scores,omitempty"`
	// RevisedScores are the scores of the revised summary (Summary), by
	// the measured critique of the local engine: the pipeline's critique
	// stage scores only the first draft, and a second model critique
	// would cost a call per run. nil when not measured.
	RevisedScores *Scores `json:"revised_scores,omitempty"`
	// Team and User are who the run is charged to ("" on the CLI).
	Team string `json:"team,omitempty"`
	User string `json:"user,omitempty"`
	// KeyID is the API key that submitted the run, whose tokens-per-day
	// limit its usage is charged to ("" outside the HTTP API).
	KeyID string `json:"key_id,omitempty"`
	// Config names the service configuration the run uses ("" is the
	// default one), so that a worker on any replica runs it the same way.
	Config string `json:"config,omitempty"`
	// Cached reports that the run was answered from the result cache: it
	// made no model call and cost nothing.
	Cached bool `json:"cached,omitempty"`
	// CacheHits is how many cache hits the run answered: a cached run is
	// recorded once per CacheHitKey and answers every later identical hit
	// (JobStore.RecordCacheHits), so that hits do not grow the store. 0
	// for a run that is not cached, and for a cached run stored before
	// hits were counted.
	CacheHits int `json:"cache_hits,omitempty"`
	// LastHitAt is when the latest of those hits arrived.
	LastHitAt *time.Time `json:"last_hit_at,omitempty"`
	// BatchID is the service batch the run belongs to, if any.
	BatchID string `json:"batch_id,omitempty"`
	// CallbackURL receives a signed webhook when the run finishes.
	CallbackURL string        `json:"callback_url,omitempty"`
	Stages      []StageResult `json:"stages"`
	// Abandoned counts the model calls of the run that papersum stopped
	// waiting for before an answer arrived (see AbandonedCalls), per
	// stage and model, in the order first recorded. Their tokens are
	// unknown and not in Stages, TotalUsage or TotalCost.
	Abandoned []AbandonedCalls `json:"abandoned_calls,omitempty"`
	// RepeatedCalls counts the model calls of the run that were made
	// again although an earlier call for the same stage had been answered
	// (and paid for): its answer was lost before it could be stored (see
	// Store.AddRepeatedCalls). Both calls' cost is real; only the second
	// is in Stages, so the run's cost is a lower bound when this is above
	// zero.
	RepeatedCalls int `json:"repeated_calls,omitempty"`
	// Waits counts how often the run went back to the queue to wait for a
	// model provider to recover (see RunWait).
	Waits int `json:"waits,omitempty"`
	// Waiting says why a queued run is waiting and when it is tried
	// next; nil unless the run is queued after a wait (JobStore.WaitRun).
	Waiting    *RunWait   `json:"waiting,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	StartedAt  *time.Time `json:"started_at,omitempty"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
}

// RunWait is why a run is back in the queue: a model call failed with a
// transient class (rate_limit, overloaded, server, timeout, connection)
// after the retry layer's attempts, so the run waits for the provider to
// recover and is tried again at NextAttemptAt, until Deadline, after which
// it fails with Class.
type RunWait struct {
	// Class is the failure class of the call that failed.
	Class Class `json:"class"`
	// Reason is the call's error, for the user.
	Reason string `json:"reason"`
	// NextAttemptAt is when the run is tried again.
	NextAttemptAt time.Time `json:"next_attempt_at"`
	// Deadline is when the run stops waiting and fails.
	Deadline time.Time `json:"deadline"`
}

// TransientClass reports whether c names a failure that passes by itself:
// a provider that is rate-limiting, overloaded, failing (5xx, an
// unreadable answer), slow or unreachable, or whose circuit is open. A run
// that meets one waits for the provider instead of failing (RunWait).
func TransientClass(c Class) bool {
	switch c {
	case ClassRateLimit, ClassOverloaded, ClassServer, ClassTimeout, ClassConnection:
		return true
	}
	return false
}

// CacheHitKey identifies the cache hits that one cached run answers: the
// same team, paper, configuration (name, hash, length) and what the
// caller chose of the answer (title, callback URL). The team is part of
// it so that a hit never answers with another team's run: a team sees
// only its own runs. Hits by different users or keys of a team share the
// run, which is charged (at $0) to the first.
func (r *Run) CacheHitKey() string {
	h := sha256.New()
	for _, part := range []string{r.Team, r.PaperID, r.Config, r.ConfigHash, strconv.Itoa(r.TargetWords), r.Title, r.CallbackURL} {
		fmt.Fprintf(h, "%d:%s;", len(part), part)
	}
	return "hit:" + hex.EncodeToString(h.Sum(nil))
}

// TotalCost is the sum of the stages' costs in US dollars.
func (r *Run) TotalCost() float64 {
	var c float64
	for _, s := range r.Stages {
		c += s.CostUSD
	}
	return c
}

// TotalUsage is the sum of the stages' usage.
func (r *Run) TotalUsage() Usage {
	var u Usage
	for _, s := range r.Stages {
		u = u.Add(s.Usage)
	}
	return u
}

// StageResult is the outcome of one stage of a run.
type StageResult struct {
	Stage    Stage  `json:"stage"`
	Provider string `json:"provider"`
	Model    string `json:"model"`
	// PromptVersion is the content hash of the prompt template used.
	PromptVersion string `json:"prompt_version"`
	// Raw is the model's output exactly as returned.
	Raw string `json:"raw"`
	// Output is the parsed text: the summary for summarize and revise.
	Output string `json:"output,omitempty"`
	// Critique is the parsed critique for the critique stage.
	Critique   *Critique     `json:"critique,omitempty"`
	Usage      Usage         `json:"usage"`
	CostUSD    float64       `json:"cost_usd"`
	Latency    time.Duration `json:"latency_ns"`
	StopReason StopReason    `json:"stop_reason"`
	// FallbackReason says why another model than the first choice answered.
	FallbackReason string    `json:"fallback_reason,omitempty"`
	StartedAt      time.Time `json:"started_at"`
}

// AbandonedCalls counts the calls of one stage to one model that papersum
// abandoned: it stopped waiting before an answer arrived, because the
// call's deadline passed or the run was cancelled or interrupted. The
// provider may have answered such a call after all, and billed it; its
// tokens are unknown, so papersum records neither tokens nor cost for it,
// only that it happened. A run's cost is therefore a lower bound when it
// has abandoned calls.
type AbandonedCalls struct {
	Stage    Stage  `json:"stage"`
	Provider string `json:"provider"`
	Model    string `json:"model"`
	Calls    int    `json:"calls"`
}

// AbandonedTotal is the number of the run's abandoned calls.
func (r *Run) AbandonedTotal() int {
	n := 0
	for _, a := range r.Abandoned {
		n += a.Calls
	}
	return n
}

// AddAbandoned adds a to the run's counts in memory, as the store's
// AddAbandonedCalls does.
func (r *Run) AddAbandoned(a AbandonedCalls) {
	for i := range r.Abandoned {
		b := &r.Abandoned[i]
		if b.Stage == a.Stage && b.Provider == a.Provider && b.Model == a.Model {
			b.Calls += a.Calls
			return
		}
	}
	r.Abandoned = append(r.Abandoned, a)
}

// RunFilter selects runs for listing. Zero values select everything.
type RunFilter struct {
	Status  RunStatus
	PaperID string
	// Team, when set, selects that team's runs only; the service always
	// sets it from the caller's API key.
	Team string
	// BatchID, when set, selects the runs of one service batch.
	BatchID string
	// Limit bounds the result; zero means the store's default (50), a
	// value above 1000 is cut to 1000 and a negative one is EINVALID.
	Limit int
	// Before is a cursor: list the runs that sort after this run in
	// (created_at, id) descending order. ENOTFOUND if the ID is unknown.
	Before string
}

// Store keeps papers, runs and stage results.
//
// CreateRun, AddStage and FinishRun stamp a zero CreatedAt, StartedAt or
// nil FinishedAt from the store's clock and write it back into the
// caller's struct. ListRuns returns stages with Raw emptied.
//
// Errors: ENOTFOUND when an ID does not exist; ECONFLICT when a run is
// created twice or a finished run is changed; EINVALID for malformed input.
type Store interface {
	// PutPaper stores the paper under its ID; storing it again is a no-op.
	PutPaper(ctx context.Context, p *Paper) error
	// GetPaper returns the paper with this ID.
	GetPaper(ctx context.Context, id string) (*Paper, error)
	// CreateRun stores a new run in state running or queued. run.ID must
	// be set and its paper must already be stored. A run answered from the
	// result cache is created finished: state succeeded with Cached set.
	CreateRun(ctx context.Context, run *Run) error
	// AddStage appends a stage result to a running run.
	AddStage(ctx context.Context, runID string, res *StageResult) error
	// AddAbandonedCalls adds a.Calls (at least 1) to the run's count of
	// abandoned calls of a.Stage to a.Provider/a.Model. The run must be
	// running, or canceled: a cancel abandons the calls in flight, which
	// are counted after it. ECONFLICT otherwise.
	AddAbandonedCalls(ctx context.Context, runID string, a AbandonedCalls) error
	// FinishRun ends a running run with its final status, summary, scores
	// (both), and error, atomically. A failed run must carry a non-empty Error
	// (EINVALID otherwise).
	FinishRun(ctx context.Context, run *Run) error
	// AddRepeatedCalls adds n (at least 1) to the run's RepeatedCalls.
	// The run must be running or canceled (as for AddAbandonedCalls);
	// ECONFLICT otherwise.
	AddRepeatedCalls(ctx context.Context, runID string, n int) error
	// GetRun returns a run with its stages and abandoned calls.
	GetRun(ctx context.Context, id string) (*Run, error)
	// ListRuns returns runs newest first, with their abandoned calls and
	// without their stages' raw output.
	ListRuns(ctx context.Context, f RunFilter) ([]*Run, error)
	// Close releases the store.
	Close() error
}

// Clock tells the time; tests inject a fixed one.
type Clock interface {
	Now() time.Time
}

// SystemClock is the real clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// ProviderBatch records a batch submitted to a provider's batch API, so
// that a restarted batch job resumes polling it instead of paying for the
// same requests twice.
type ProviderBatch struct {
	// JobID identifies the papersum batch job (its papers and config).
	JobID string
	Stage Stage
	// Provider and BatchID name the batch at the provider.
	Provider string
	BatchID  string
	// RunIDs are the runs whose requests the batch carries; each request's
	// custom ID is its run ID.
	RunIDs      []string
	SubmittedAt time.Time
	// Done is set once every result has been recorded.
	Done bool
}

// ProviderBatchStore keeps the state of batch jobs that use a provider's batch
// API.
//
// Errors: EINVALID for malformed input; ENOTFOUND from FinishProviderBatch
// when the batch is unknown.
type ProviderBatchStore interface {
	// PutJobRun records that runID is the run of paperID in job jobID. It
	// returns the run ID already recorded when there is one, so that a
	// resumed job keeps its runs.
	PutJobRun(ctx context.Context, jobID, paperID, runID string) (string, error)
	// JobRuns returns the runs of a job by paper ID.
	JobRuns(ctx context.Context, jobID string) (map[string]string, error)
	// PutProviderBatch records a submitted batch.
	PutProviderBatch(ctx context.Context, b *ProviderBatch) error
	// ProviderBatches returns the batches of a job in submission order.
	ProviderBatches(ctx context.Context, jobID string) ([]ProviderBatch, error)
	// FinishProviderBatch marks a batch done.
	FinishProviderBatch(ctx context.Context, provider, batchID string) error
}

// EvalRecord is a stored evaluation run: one configuration over one
// dataset. Items carry the per-paper scores; Result is the whole result
// document (JSON, schema papersum.eval/v1) as the evaluation command
// produced it.
type EvalRecord struct {
	ID          string
	Dataset     string
	DatasetHash string
	ConfigHash  string
	CreatedAt   time.Time
	Items       []EvalItem
	Result      []byte
}

// EvalItem is one paper's scores in an evaluation.
type EvalItem struct {
	ItemID  string
	Metrics map[string]float64
	RunIDs  []string
	Error   string
}

// EvalStore keeps evaluation results.
//
// Errors: EINVALID for a record without ID or result; ECONFLICT when the ID
// exists; ENOTFOUND from GetEval for an unknown ID.
type EvalStore interface {
	// PutEval stores a complete evaluation in one transaction: it is
	// stored whole or not at all.
	PutEval(ctx context.Context, e *EvalRecord) error
	// GetEval returns an evaluation with its items.
	GetEval(ctx context.Context, id string) (*EvalRecord, error)
	// ListEvals returns evaluations newest first, without items or result.
	ListEvals(ctx context.Context, limit int) ([]*EvalRecord, error)
}

// SubmissionBatch is a set of runs submitted together through the service.
type SubmissionBatch struct {
	ID     string
	Team   string
	User   string
	RunIDs []string
	// CallbackURL receives a signed webhook when the whole batch has
	// finished.
	CallbackURL string
	CreatedAt   time.Time
	// Counts is the number of runs by state and CostUSD their cost so far;
	// GetBatch fills both from the runs.
	Counts  map[RunStatus]int
	CostUSD float64
	// UpdatedAt is when a run of the batch last finished, nil before.
	UpdatedAt *time.Time
}

// Submission is what the service stores for one accepted request: the
// papers it brought, their runs in state queued, optionally the batch they
// form, and optionally the idempotency key that names the request.
type Submission struct {
	// Papers are stored as PutPaper would, in the submission's
	// transaction: a paper already stored is left as it is. A run's paper
	// may also have been stored before, with PutPaper.
	Papers []*Paper
	Runs   []*Run
	Batch  *SubmissionBatch
	// IdempotencyKey, when set, is recorded for Team with RequestHash and
	// the ID of the created run (one run) or batch (a batch).
	IdempotencyKey string
	Team           string
	// RequestHash identifies the request's content, so that a key reused
	// for a different request is refused instead of silently answered
	// with another request's result.
	RequestHash string
	// TraceContext is the W3C trace context (traceparent, tracestate) of
	// the request that made the submission, which its runs' jobs carry so
	// that the worker's spans join the request's trace (see
	// WithJobTraceContexts). Nil when tracing is off. Not stored.
	TraceContext map[string]string `json:"-"`
}

// Delivery is one attempt at delivering a completion webhook.
type Delivery struct {
	// WebhookID is the webhook-id, the same for every attempt.
	WebhookID string
	// RunID or BatchID names what finished.
	RunID   string
	BatchID string
	URL     string
	Attempt int
	// Status is the HTTP status, 0 when no answer arrived.
	Status   int
	Error    string
	At       time.Time
	Duration time.Duration
}

// EnqueueTx queues the jobs of runIDs inside tx, the store's open
// transaction that wrote their runs, so that a run never exists without
// its job nor a job without its run. TTx is the store's transaction type
// (*sql.Tx for SQLite, pgx.Tx for Postgres): it crosses the call typed, as
// River's Client[TTx].InsertManyTx takes it, never as a value checked at
// run time.
type EnqueueTx[TTx any] func(ctx context.Context, tx TTx, runIDs []string) error

// JobInserter is a job queue that inserts jobs in a transaction of type
// TTx; the queue package builds one for each store's transaction type.
type JobInserter[TTx any] interface {
	// EnqueueManyTx queues the jobs of runIDs in tx and returns their job
	// IDs in order. Errors: EINVALID for an empty run ID; EUNAVAILABLE
	// when the database cannot be reached.
	EnqueueManyTx(ctx context.Context, tx TTx, runIDs []string) ([]int64, error)
}

// TxSubmitter stores submissions with their jobs, handing its transaction
// of type TTx to enqueue; the SQLite and Postgres stores implement it.
//
// Errors: as Store; ECONFLICT also when an idempotency key is reused for a
// different request; enqueue's error as it returned it.
type TxSubmitter[TTx any] interface {
	// Submit stores s.Runs (state queued), s.Batch and the idempotency key
	// in one transaction, and calls enqueue inside it with the store's
	// transaction and the run IDs, so that a run never exists without its
	// job, nor a job without its run. When the key was already recorded
	// for the team with the same RequestHash, nothing is written, enqueue
	// is not called, and the ID recorded with the key is returned;
	// otherwise Submit returns "".
	Submit(ctx context.Context, s *Submission, enqueue EnqueueTx[TTx]) (existing string, err error)
	// SubmitMany stores several submissions in one transaction, all or
	// none: it is Submit for each, except that enqueue is called once,
	// with the run IDs of every submission not answered by its
	// idempotency key, in order (and not at all when there are none).
	// existing[i] is what Submit would return for subs[i]. Any error
	// rolls everything back; the caller can retry the submissions one by
	// one to learn whose it was. One transaction for many requests is
	// how the service commits submissions that arrive together (group
	// commit). An empty subs is EINVALID.
	SubmitMany(ctx context.Context, subs []*Submission, enqueue EnqueueTx[TTx]) (existing []string, err error)
}

// Submitter is a TxSubmitter bound to its job queue (BindJobs): what the
// service writes its submissions through, with no transaction in sight.
type Submitter interface {
	// SubmitMany is TxSubmitter.SubmitMany with the bound queue's
	// EnqueueManyTx as enqueue.
	SubmitMany(ctx context.Context, subs []*Submission) (existing []string, err error)
}

// BindJobs binds store to jobs: the submissions it stores enqueue their
// jobs through jobs, in the store's own transaction. The transaction type
// TTx must agree between the two, which the compiler checks.
func BindJobs[TTx any](store TxSubmitter[TTx], jobs JobInserter[TTx]) Submitter {
	return boundJobs[TTx]{store: store, jobs: jobs}
}

type boundJobs[TTx any] struct {
	store TxSubmitter[TTx]
	jobs  JobInserter[TTx]
}

func (b boundJobs[TTx]) SubmitMany(ctx context.Context, subs []*Submission) ([]string, error) {
	return b.store.SubmitMany(ctx, subs, func(ctx context.Context, tx TTx, runIDs []string) error {
		_, err := b.jobs.EnqueueManyTx(ctx, tx, runIDs)
		return err
	})
}

// JobStore is the part of the store the service's job queue needs: runs
// (created queued with their jobs through TxSubmitter), started, canceled,
// grouped into batches, deduplicated by idempotency key, and their
// callbacks recorded.
//
// Errors: as Store; ECONFLICT also when an idempotency key is reused for a
// different request, or when a finished run is canceled.
type JobStore interface {
	// CreateRuns is CreateRun for several runs in one transaction, all or
	// none. An empty runs is EINVALID.
	CreateRuns(ctx context.Context, runs []*Run) error
	// RecordCacheHits records cache hits, in one transaction, all or
	// none; the service records the hits that arrive together with one
	// call (group commit). Each hit is a run as CreateRun takes a cached
	// one (succeeded, Cached, no stages, a summary), with CreatedAt the
	// time of the hit. The first hit of a CacheHitKey is stored as a new
	// run with CacheHits 1 and LastHitAt its CreatedAt; every later hit
	// of that key adds one to that run's CacheHits and moves its
	// LastHitAt to the hit's CreatedAt when that is later, and stores no
	// row. Either way, once the transaction has committed, each hit's
	// struct holds the stored run (its ID, times, counts, user and key),
	// which is what the caller answers with. The store thus grows by one
	// row per key, not per hit, also when hits of one key arrive at once.
	//
	// Errors: EINVALID when hits is empty or holds a run that is not a
	// cache hit (see CreateRun); ENOTFOUND when a paper is not stored;
	// ECONFLICT when a new run's ID exists.
	RecordCacheHits(ctx context.Context, hits []*Run) error
	// StartRun moves a queued run to running and returns it with its
	// stages. The first start stamps StartedAt from the store's clock;
	// a later one (after WaitRun) keeps it and clears Waiting. A running
	// run (a job rescued after a crash) and a finished run are returned
	// unchanged; the caller decides from Status.
	StartRun(ctx context.Context, id string) (*Run, error)
	// WaitRun moves a running run back to queued with w as its Waiting
	// and one more Waits: its job waits for a provider to recover.
	// ENOTFOUND when the run does not exist; ECONFLICT when it is not
	// running (a cancel came first); EINVALID for a w without a
	// transient Class or times.
	WaitRun(ctx context.Context, id string, w RunWait) error
	// CancelRun moves a queued or running run to canceled and returns it.
	// ECONFLICT when the run has finished.
	CancelRun(ctx context.Context, id string) (*Run, error)
	// GetBatch returns a batch with its run IDs (in submission order),
	// its counts by state and its cost so far. ENOTFOUND when unknown.
	GetBatch(ctx context.Context, id string) (*SubmissionBatch, error)
	// RecordDelivery stores one webhook delivery attempt.
	RecordDelivery(ctx context.Context, d *Delivery) error
	// Deliveries returns the attempts recorded for a run or batch ID,
	// oldest first.
	Deliveries(ctx context.Context, id string) ([]Delivery, error)
}
