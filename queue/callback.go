package queue

import (
	"context"

	"github.com/papersum/papersum"
	"github.com/riverqueue/river"
)

// KindCallback is the River job kind of CallbackArgs. It is stored in
// every job row: renaming it strands the jobs already queued.
const KindCallback = "callback"

// QueueCallbacks is the River queue of callback jobs. Summarize jobs stay
// on River's default queue, so that each has workers of its own.
const QueueCallbacks = "callbacks"

// CallbackArgs are the arguments of a callback job, which sends the
// completion webhook of a finished run or batch: exactly one of RunID and
// BatchID is set. As SummarizeArgs, they carry IDs only; the callback
// reads what it sends from the store.
type CallbackArgs struct {
	RunID   string `json:"run_id,omitempty"`
	BatchID string `json:"batch_id,omitempty"`
}

// Kind implements river.JobArgs.
func (CallbackArgs) Kind() string { return KindCallback }

// InsertOpts implements river.JobArgsWithInsertOpts: callback jobs go to
// QueueCallbacks, and are unique by their arguments as summarize jobs are
// (see SummarizeArgs.InsertOpts): a run or batch whose callback is pending,
// running or completed is not called back again.
func (CallbackArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueCallbacks, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

func (a CallbackArgs) validate(op string) error {
	if (a.RunID == "") == (a.BatchID == "") {
		return &papersum.Error{Code: papersum.EINVALID, Op: op, Message: "queue: a callback needs exactly one of a run ID and a batch ID"}
	}
	return nil
}

// logAttrs identify the job of a in the logs.
func (a CallbackArgs) logAttrs(jobID int64) []any {
	attrs := []any{"job_id", jobID, "kind", KindCallback}
	if a.RunID != "" {
		return append(attrs, "run_id", a.RunID)
	}
	return append(attrs, "batch_id", a.BatchID)
}

// describe names the run or batch of a, for error messages.
func (a CallbackArgs) describe() string {
	if a.RunID != "" {
		return "run " + a.RunID
	}
	return "batch " + a.BatchID
}

// EnqueueCallback queues the callback job of args and returns its job ID.
// When the run or batch already has one (see CallbackArgs.InsertOpts), it
// returns that job's ID and queues nothing. The job is tried up to
// Config.CallbackMaxAttempts times.
//
// Errors: EINVALID when the queue has no Config.Callback or args do not
// set exactly one ID; EUNAVAILABLE when the database cannot be reached;
// EINTERNAL otherwise.
func (q *Queue) EnqueueCallback(ctx context.Context, args CallbackArgs) (int64, error) {
	const op = "queue.EnqueueCallback"
	if err := q.checkCallback(op, args); err != nil {
		return 0, err
	}
	res, err := q.eng.insert(ctx, args, q.callbackOpts())
	if err != nil {
		return 0, q.dbError(op, "queue: enqueue the callback of "+args.describe(), err)
	}
	return res.Job.ID, nil
}

func (q *Queue) checkCallback(op string, args CallbackArgs) error {
	if q.handlers.Load().Callback == nil {
		return &papersum.Error{Code: papersum.EINVALID, Op: op, Message: "queue: callback jobs are disabled (no Config.Callback)"}
	}
	return args.validate(op)
}

// callbackOpts override the client-wide MaxAttempts of summarize jobs;
// the rest comes from CallbackArgs.InsertOpts.
func (q *Queue) callbackOpts() *river.InsertOpts {
	return &river.InsertOpts{MaxAttempts: q.cfg.CallbackMaxAttempts}
}

type callbackWorker struct {
	river.WorkerDefaults[CallbackArgs]
	q *Queue
}

func (w *callbackWorker) Work(ctx context.Context, job *river.Job[CallbackArgs]) error {
	err := w.q.handlers.Load().Callback(ctx, job.Args)
	return w.q.outcome(ctx, err, job.Args.logAttrs(job.ID)...)
}
