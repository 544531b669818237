package budget

import (
	"context"

	"github.com/papersum/papersum"
)

// Guard returns s with Submit refused (EBUDGET) while a budget of the
// request's team or key is spent. Everything else passes through: runs
// already submitted are never stopped.
func Guard(s papersum.Summaries, e *Enforcer) papersum.Summaries { return guarded{s, e} }

type guarded struct {
	papersum.Summaries
	e *Enforcer
}

func (g guarded) Submit(ctx context.Context, req papersum.SubmitRequest) (papersum.SubmitResult, error) {
	if err := g.e.Check(ctx, req.Team, req.KeyID); err != nil {
		return papersum.SubmitResult{}, err
	}
	return g.Summaries.Submit(ctx, req)
}

// GuardBatches returns b with CreateBatch refused (EBUDGET) while a
// budget of the request's team or key is spent.
func GuardBatches(b papersum.SubmissionBatches, e *Enforcer) papersum.SubmissionBatches {
	return guardedBatches{b, e}
}

type guardedBatches struct {
	papersum.SubmissionBatches
	e *Enforcer
}

func (g guardedBatches) CreateBatch(ctx context.Context, req papersum.SubmissionBatchRequest) (papersum.SubmissionBatchStatus, error) {
	if err := g.e.Check(ctx, req.Team, req.KeyID); err != nil {
		return papersum.SubmissionBatchStatus{}, err
	}
	return g.SubmissionBatches.CreateBatch(ctx, req)
}
