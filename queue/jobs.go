package queue

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/papersum/papersum"
)

// Jobs is a Queue seen by a store whose transactions are of type TTx
// (*sql.Tx for the SQLite driver, pgx.Tx for Postgres): it inserts jobs in
// the transaction that wrote their rows, typed as River's Client[TTx]
// takes it. It is the store's papersum.JobInserter[TTx]; JobsOf checks
// once, when it is built, that TTx is the driver's transaction type.
type Jobs[TTx any] struct {
	q   *Queue
	eng *riverEngine[TTx]
}

var (
	_ papersum.JobInserter[*sql.Tx] = (*Jobs[*sql.Tx])(nil)
	_ papersum.JobInserter[pgx.Tx]  = (*Jobs[pgx.Tx])(nil)
)

// JobsOf returns q for transactions of type TTx.
//
// Errors: EINVALID when TTx is not the transaction type of q's driver.
func JobsOf[TTx any](q *Queue) (*Jobs[TTx], error) {
	return jobsOf[TTx](q, "queue.JobsOf")
}

func jobsOf[TTx any](q *Queue, op string) (*Jobs[TTx], error) {
	eng, ok := q.eng.(*riverEngine[TTx])
	if !ok {
		var tx TTx
		return nil, &papersum.Error{Code: papersum.EINVALID, Op: op,
			Message: fmt.Sprintf("queue: %T is not a transaction of the %s driver", tx, q.cfg.Driver.name())}
	}
	return &Jobs[TTx]{q: q, eng: eng}, nil
}

// EnqueueManyTx is Queue.EnqueueMany inside tx, the transaction that wrote
// the run rows: the jobs exist if and only if tx commits. It is the
// enqueue of a store's Submit (papersum.BindJobs).
//
// Errors: as EnqueueMany, and EINVALID when tx is nil.
func (j *Jobs[TTx]) EnqueueManyTx(ctx context.Context, tx TTx, runIDs []string) ([]int64, error) {
	const op = "queue.EnqueueManyTx"
	if isNil(tx) {
		return nil, nilTx(op)
	}
	return enqueueMany(ctx, j.q, op, runIDs, func(params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error) {
		return j.eng.insertManyTx(ctx, tx, params)
	})
}

// EnqueueCallbackTx is Queue.EnqueueCallback inside tx, typically the
// transaction that marks the run or batch finished: the job exists if and
// only if tx commits.
//
// Errors: as EnqueueCallback, and EINVALID when tx is nil.
func (j *Jobs[TTx]) EnqueueCallbackTx(ctx context.Context, tx TTx, args CallbackArgs) (int64, error) {
	const op = "queue.EnqueueCallbackTx"
	if err := j.q.checkCallback(op, args); err != nil {
		return 0, err
	}
	if isNil(tx) {
		return 0, nilTx(op)
	}
	res, err := j.eng.insertTx(ctx, tx, args, j.q.callbackOpts())
	if err != nil {
		return 0, j.q.dbError(op, "queue: enqueue the callback of "+args.describe(), err)
	}
	return res.Job.ID, nil
}

// enqueueTx is Queue.Enqueue inside tx.
func (j *Jobs[TTx]) enqueueTx(ctx context.Context, op string, tx TTx, runID string) (int64, error) {
	if isNil(tx) {
		return 0, nilTx(op)
	}
	if runID == "" {
		return 0, emptyRunID(op)
	}
	res, err := j.eng.insertTx(ctx, tx, summarizeArgs(ctx, runID), nil)
	if err != nil {
		return 0, j.q.dbError(op, "queue: enqueue run "+runID, err)
	}
	return res.Job.ID, nil
}
