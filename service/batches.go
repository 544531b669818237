package service

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/papersum/papersum"
)

// newBatchID returns a batch ID that sorts by creation time.
func newBatchID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s%x%s", papersum.SubmissionBatchIDPrefix, time.Now().UTC().UnixMilli(), hex.EncodeToString(b[:]))
}

// CreateBatch reads every item of req and queues their runs as one batch, in
// one transaction: the batch is accepted whole or not at all. An item
// that cannot be read fails the request with its index in the message, so
// that the client can fix it and send the batch again.
func (s *Service) CreateBatch(ctx context.Context, req papersum.SubmissionBatchRequest) (papersum.SubmissionBatchStatus, error) {
	runner, err := s.runner(req.Config)
	if err != nil {
		return papersum.SubmissionBatchStatus{}, err
	}
	if err := s.checkCallback(req.CallbackURL); err != nil {
		return papersum.SubmissionBatchStatus{}, err
	}
	if len(req.Items) == 0 {
		return papersum.SubmissionBatchStatus{}, papersum.Errorf(papersum.EINVALID, "the batch has no items")
	}
	b := &papersum.SubmissionBatch{ID: newBatchID(), Team: req.Team, User: req.User, CallbackURL: req.CallbackURL,
		CreatedAt: s.cfg.Clock.Now().UTC()}
	runs := make([]*papersum.Run, 0, len(req.Items))
	papers := make([]*papersum.Paper, 0, len(req.Items))
	inputs := make([]*input, 0, len(req.Items))
	hashes := []string{req.Config, req.CallbackURL}
	for i, it := range req.Items {
		in, err := s.read(ctx, it.Text, it.URL, nil, "")
		if err != nil {
			return papersum.SubmissionBatchStatus{}, itemError(i, err)
		}
		paper, err := s.parse(ctx, in, it.Title)
		if err != nil {
			return papersum.SubmissionBatchStatus{}, itemError(i, err)
		}
		papers, inputs = append(papers, paper), append(inputs, in)
		run := s.newRun(runner, paper, req.Config, req.Team, req.User, "")
		run.KeyID = req.KeyID
		runs = append(runs, run)
		b.RunIDs = append(b.RunIDs, run.ID)
		hashes = append(hashes, in.hash, it.URL, it.Title)
	}
	sub := &papersum.Submission{Papers: papers, Runs: runs, Batch: b, IdempotencyKey: req.IdempotencyKey, Team: req.Team,
		RequestHash: requestHash(hashes...)}
	existing, err := s.commit(ctx, sub)
	if err != nil {
		return papersum.SubmissionBatchStatus{}, err
	}
	for i, in := range inputs {
		s.remember(ctx, runner, in, papers[i])
	}
	id, dedup := b.ID, false
	if existing != "" {
		id, dedup = existing, true
	}
	got, err := s.cfg.Store.GetBatch(ctx, id)
	if err != nil {
		return papersum.SubmissionBatchStatus{}, err
	}
	st := batchStatus(got)
	st.Deduplicated = dedup
	return st, nil
}

// itemError names the batch item an error is about.
func itemError(i int, err error) error {
	return &papersum.Error{Code: papersum.ErrorCode(err), Message: fmt.Sprintf("item %d: %s", i, papersum.ErrorMessage(err)), Err: err}
}

// GetBatch returns a batch's progress, if the caller's team may see it.
func (s *Service) GetBatch(ctx context.Context, id string) (papersum.SubmissionBatchStatus, error) {
	b, err := s.cfg.Store.GetBatch(ctx, id)
	if papersum.ErrorCode(err) == papersum.ENOTFOUND {
		return papersum.SubmissionBatchStatus{}, notFound("batch", id)
	}
	if err != nil {
		return papersum.SubmissionBatchStatus{}, err
	}
	if !visible(ctx, b.Team) {
		return papersum.SubmissionBatchStatus{}, notFound("batch", id)
	}
	return batchStatus(b), nil
}

// batchStatus is the contract's view of a stored batch.
func batchStatus(b *papersum.SubmissionBatch) papersum.SubmissionBatchStatus {
	st := papersum.SubmissionBatchStatus{ID: b.ID, Status: "running", Total: len(b.RunIDs),
		Queued: b.Counts[papersum.RunQueued], Running: b.Counts[papersum.RunRunning],
		Succeeded: b.Counts[papersum.RunSucceeded], Failed: b.Counts[papersum.RunFailed],
		Canceled: b.Counts[papersum.RunCanceled], CostUSD: b.CostUSD, RunIDs: b.RunIDs,
		CreatedAt: b.CreatedAt, UpdatedAt: b.UpdatedAt}
	if batchDone(b) {
		st.Status = "finished"
	}
	return st
}
