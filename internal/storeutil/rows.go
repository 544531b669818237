package storeutil

import (
	"encoding/json"
	"errors"
	"time"

	"github.com/papersum/papersum"
)

// The rows below are what both stores write: a domain value checked by its
// Validate method and encoded (times as EncodeTime's nanoseconds, nested
// values as JSON text, a nil as SQL NULL), with the times it lacked
// stamped from the store's clock. A store adds only its SQL; Postgres
// binds the pointers as they are, SQLite through its nullable helper.

// WithOp returns err, an error of a domain rule, with op as its
// operation: the rules leave the operation to the store that applies
// them. Other errors are returned as they are.
func WithOp(op string, err error) error {
	var e *papersum.Error
	if err == nil || !errors.As(err, &e) {
		return err
	}
	c := *e
	c.Op = op
	return &c
}

// MarshalOptional returns the JSON text of v, or nil (SQL NULL) when
// isNil.
func MarshalOptional(v any, isNil bool) (*string, error) {
	if isNil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	text := string(b)
	return &text, nil
}

// encodeOptional encodes a nil time as NULL.
func encodeOptional(t *time.Time) (*int64, bool) {
	if t == nil {
		return nil, true
	}
	ns, ok := EncodeTime(*t)
	return &ns, ok
}

// DecodeOptional is the inverse of an optional time's encoding: NULL is
// nil.
func DecodeOptional(ns *int64) *time.Time {
	if ns == nil {
		return nil
	}
	t := DecodeTime(*ns)
	return &t
}

// StageRow is a stage result checked by papersum.StageResult.Validate,
// encoded and ready to insert.
type StageRow struct {
	RunID string
	Res   *papersum.StageResult
	// Critique is the critique's JSON text, nil when there is none.
	Critique *string
	// StartedAt is Res.StartedAt encoded, or the clock's time when it
	// was zero.
	StartedAt int64
}

// NewStageRow checks res, a stage of run runID, and encodes it.
//
// Errors: EINVALID, naming the run.
func NewStageRow(op, runID string, res *papersum.StageResult, clock papersum.Clock) (StageRow, error) {
	if err := res.Validate(); err != nil {
		return StageRow{}, Invalid(op, "run %s: %s", runID, papersum.ErrorMessage(err))
	}
	started := res.StartedAt
	if started.IsZero() {
		started = clock.Now()
	}
	startedNS, ok := EncodeTime(started)
	if !ok {
		return StageRow{}, Invalid(op, "run %s: %s: start time %s out of range", runID, res.Stage, started)
	}
	critique, err := MarshalOptional(res.Critique, res.Critique == nil)
	if err != nil {
		return StageRow{}, Invalid(op, "run %s: %s: critique: %v", runID, res.Stage, err)
	}
	return StageRow{RunID: runID, Res: res, Critique: critique, StartedAt: startedNS}, nil
}

// RunRow is a new run checked by papersum.Run.ValidateNew, with its
// stages, encoded and ready to insert.
type RunRow struct {
	Run     *papersum.Run
	Status  papersum.RunStatus
	BatchID string
	RunTimes
	// FinishedNS is Finished, or nil (NULL) for a run that is not created
	// finished (every run but a cache hit).
	FinishedNS *int64
	// LastHit is Run.LastHitAt encoded, nil when nil.
	LastHit *int64
	// Scores and Revised are the JSON text of the run's scores, nil when
	// it has none.
	Scores, Revised *string
	Stages          []StageRow
}

// NewRunRow checks run and its stages and encodes them, stamping a zero
// CreatedAt, and a cached run's nil FinishedAt, from clock.
//
// Errors: EINVALID.
func NewRunRow(op string, run *papersum.Run, clock papersum.Clock) (RunRow, error) {
	status, err := run.ValidateNew()
	if err != nil {
		return RunRow{}, WithOp(op, err)
	}
	times, err := NewRunTimes(op, run, status, clock)
	if err != nil {
		return RunRow{}, err
	}
	r := RunRow{Run: run, Status: status, BatchID: run.BatchID, RunTimes: times}
	if times.FinishedAt != nil {
		finished := times.Finished
		r.FinishedNS = &finished
	}
	var ok bool
	if r.LastHit, ok = encodeOptional(run.LastHitAt); !ok {
		return RunRow{}, Invalid(op, "run %s: last hit time %s out of range", run.ID, *run.LastHitAt)
	}
	r.Stages = make([]StageRow, len(run.Stages))
	for i := range run.Stages {
		if r.Stages[i], err = NewStageRow(op, run.ID, &run.Stages[i], clock); err != nil {
			return RunRow{}, err
		}
	}
	if r.Scores, err = MarshalOptional(run.Scores, run.Scores == nil); err != nil {
		return RunRow{}, Invalid(op, "run %s: scores: %v", run.ID, err)
	}
	if r.Revised, err = MarshalOptional(run.RevisedScores, run.RevisedScores == nil); err != nil {
		return RunRow{}, Invalid(op, "run %s: revised scores: %v", run.ID, err)
	}
	return r, nil
}

// WriteBack sets what the store decided in the caller's run, once it is
// stored.
func (r RunRow) WriteBack() {
	r.Run.Status = r.Status
	r.Run.CreatedAt = r.CreatedAt
	r.Run.BatchID = r.BatchID
	if r.FinishedAt != nil {
		r.Run.FinishedAt = r.FinishedAt
	}
	for i := range r.Run.Stages {
		r.Run.Stages[i].StartedAt = DecodeTime(r.Stages[i].StartedAt)
	}
}

// FinishRow is what FinishRun writes: a run checked by
// papersum.Run.ValidateFinish, with its finish time and scores encoded.
type FinishRow struct {
	// Finished is Run.FinishedAt encoded, or the clock's time when nil.
	Finished        int64
	Scores, Revised *string
}

// NewFinishRow checks run for FinishRun and encodes what it writes.
//
// Errors: EINVALID.
func NewFinishRow(op string, run *papersum.Run, clock papersum.Clock) (FinishRow, error) {
	if err := run.ValidateFinish(); err != nil {
		return FinishRow{}, WithOp(op, err)
	}
	finishedAt := clock.Now()
	if run.FinishedAt != nil {
		finishedAt = *run.FinishedAt
	}
	var f FinishRow
	var ok bool
	if f.Finished, ok = EncodeTime(finishedAt); !ok {
		return FinishRow{}, Invalid(op, "run %s: finish time %s out of range", run.ID, finishedAt)
	}
	var err error
	if f.Scores, err = MarshalOptional(run.Scores, run.Scores == nil); err != nil {
		return FinishRow{}, Invalid(op, "run %s: scores: %v", run.ID, err)
	}
	if f.Revised, err = MarshalOptional(run.RevisedScores, run.RevisedScores == nil); err != nil {
		return FinishRow{}, Invalid(op, "run %s: revised scores: %v", run.ID, err)
	}
	return f, nil
}

// KeyRow is a new API key checked by papersum.APIKey.Validate, with its
// times encoded.
type KeyRow struct {
	// CreatedAt is the key's, or the clock's time when it had none;
	// Created is its encoding.
	CreatedAt time.Time
	Created   int64
	// Revoked and Expires are the optional times encoded, nil when nil.
	Revoked, Expires *int64
}

// NewKeyRow checks k and the hash of its secret and encodes k's times.
//
// Errors: EINVALID.
func NewKeyRow(op string, k *papersum.APIKey, hash []byte, clock papersum.Clock) (KeyRow, error) {
	if err := k.Validate(); err != nil {
		return KeyRow{}, WithOp(op, err)
	}
	if len(hash) == 0 {
		return KeyRow{}, Invalid(op, "API key %s has no hash", k.ID)
	}
	r := KeyRow{CreatedAt: k.CreatedAt}
	if r.CreatedAt.IsZero() {
		r.CreatedAt = clock.Now()
	}
	var ok bool
	if r.Created, ok = EncodeTime(r.CreatedAt); !ok {
		return KeyRow{}, Invalid(op, "key %s: created_at out of range", k.ID)
	}
	if r.Revoked, ok = encodeOptional(k.RevokedAt); !ok {
		return KeyRow{}, Invalid(op, "key %s: revoked_at out of range", k.ID)
	}
	if r.Expires, ok = encodeOptional(k.ExpiresAt); !ok {
		return KeyRow{}, Invalid(op, "key %s: expires_at out of range", k.ID)
	}
	return r, nil
}

// DeliveryRow is a webhook delivery attempt checked by
// papersum.Delivery.Validate, with its time stamped and encoded.
type DeliveryRow struct {
	// At is the attempt's time, or the clock's when it had none; AtNS is
	// its encoding.
	At   time.Time
	AtNS int64
}

// NewDeliveryRow checks d and encodes its time.
//
// Errors: EINVALID.
func NewDeliveryRow(op string, d *papersum.Delivery, clock papersum.Clock) (DeliveryRow, error) {
	if err := d.Validate(); err != nil {
		return DeliveryRow{}, WithOp(op, err)
	}
	r := DeliveryRow{At: d.At}
	if r.At.IsZero() {
		r.At = clock.Now()
	}
	var ok bool
	if r.AtNS, ok = EncodeTime(r.At); !ok {
		return DeliveryRow{}, Invalid(op, "delivery %s: time %s out of range", d.WebhookID, r.At)
	}
	return r, nil
}

// ProviderBatchRow is a provider batch checked by
// papersum.ProviderBatch.Validate, encoded.
type ProviderBatchRow struct {
	// RunIDs is the JSON array of the batch's run IDs.
	RunIDs string
	// SubmittedAt is the batch's submission time encoded.
	SubmittedAt int64
}

// NewProviderBatchRow checks b and encodes it.
//
// Errors: EINVALID.
func NewProviderBatchRow(op string, b *papersum.ProviderBatch) (ProviderBatchRow, error) {
	if err := b.Validate(); err != nil {
		return ProviderBatchRow{}, WithOp(op, err)
	}
	ids, err := json.Marshal(b.RunIDs)
	if err != nil {
		return ProviderBatchRow{}, Invalid(op, "run ids: %v", err)
	}
	at, ok := EncodeTime(b.SubmittedAt)
	if !ok {
		return ProviderBatchRow{}, Invalid(op, "submitted_at out of range")
	}
	return ProviderBatchRow{RunIDs: string(ids), SubmittedAt: at}, nil
}

// PaperRow is a paper checked by papersum.Paper.Validate, encoded.
type PaperRow struct {
	P *papersum.Paper
	// Sections is the JSON text of the paper's sections.
	Sections string
	Words    int64
	// Created is the store's clock at the write, encoded.
	Created int64
}

// NewPaperRow checks p and encodes it with created as its creation time.
//
// Errors: EINVALID.
func NewPaperRow(op string, p *papersum.Paper, created int64) (PaperRow, error) {
	if err := p.Validate(); err != nil {
		return PaperRow{}, WithOp(op, err)
	}
	sections, err := json.Marshal(p.Sections)
	if err != nil {
		return PaperRow{}, Invalid(op, "paper %s: sections: %v", p.ID, err)
	}
	return PaperRow{P: p, Sections: string(sections), Words: int64(p.WordCount()), Created: created}, nil
}

// SubmissionRows is a submission checked by CheckSubmission, with its
// papers and runs encoded and its times stamped.
type SubmissionRows struct {
	Sub    *papersum.Submission
	Papers []PaperRow
	// Runs are the submission's runs, each with the submission's batch.
	Runs  []RunRow
	Times SubmissionTimes
}

// NewSubmissionRows checks sub and enqueue and encodes sub, stamping the
// times it lacks from clock.
//
// Errors: EINVALID.
func NewSubmissionRows[TTx any](op string, sub *papersum.Submission, enqueue papersum.EnqueueTx[TTx], clock papersum.Clock) (SubmissionRows, error) {
	if err := CheckSubmission(op, sub, enqueue); err != nil {
		return SubmissionRows{}, err
	}
	times, err := NewSubmissionTimes(op, sub, clock)
	if err != nil {
		return SubmissionRows{}, err
	}
	e := SubmissionRows{Sub: sub, Times: times, Papers: make([]PaperRow, len(sub.Papers)), Runs: make([]RunRow, len(sub.Runs))}
	for i, p := range sub.Papers {
		if e.Papers[i], err = NewPaperRow(op, p, times.Now); err != nil {
			return SubmissionRows{}, err
		}
	}
	for i, run := range sub.Runs {
		if e.Runs[i], err = NewRunRow(op, run, clock); err != nil {
			return SubmissionRows{}, err
		}
		if sub.Batch != nil {
			e.Runs[i].BatchID = sub.Batch.ID
		}
	}
	return e, nil
}

// NewHitRows checks the runs of RecordCacheHits, each a cached run as
// CreateRun takes it, and encodes them.
//
// Errors: EINVALID.
func NewHitRows(op string, hits []*papersum.Run, clock papersum.Clock) ([]RunRow, error) {
	if len(hits) == 0 {
		return nil, Invalid(op, "no cache hits to record")
	}
	rows := make([]RunRow, len(hits))
	for i, run := range hits {
		if run == nil || !run.Cached {
			return nil, Invalid(op, "a cache hit must be a cached run")
		}
		var err error
		if rows[i], err = NewRunRow(op, run, clock); err != nil {
			return nil, err
		}
	}
	return rows, nil
}

// WriteBack sets what the store decided in the caller's runs and batch,
// once they are committed.
func (e SubmissionRows) WriteBack() {
	for _, r := range e.Runs {
		r.WriteBack()
	}
	if b := e.Sub.Batch; b != nil {
		b.RunIDs = RunIDs(e.Sub.Runs)
		b.CreatedAt = e.Times.BatchAt
	}
}
