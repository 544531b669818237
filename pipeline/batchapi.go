package pipeline

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/internal/pause"
)

// BatchOptions configure RunBatch.
type BatchOptions struct {
	// JobID identifies the job; running the same job again resumes it.
	// JobID derives one from the papers and the configuration.
	JobID string
	// Batchers take the requests of each stage; a stage without one runs
	// its requests live (with the usual retries and fallbacks).
	Batchers map[papersum.Stage]papersum.MessageBatcher
	// Store keeps the job's runs and submitted batches.
	Store papersum.ProviderBatchStore
	// PollInterval is the first wait before asking a batch's status; each
	// wait grows by half up to MaxPollInterval. Defaults 2s and 60s.
	PollInterval, MaxPollInterval time.Duration
	// Sleep waits; tests inject it. Default: a timer honouring ctx.
	Sleep func(ctx context.Context, d time.Duration) error
	// TargetWords is the summary length; 0 means DefaultTargetWords.
	TargetWords int
	// OnStage is called after each recorded stage result.
	OnStage func(papersum.StageResult)
	// OnBatch is called when a batch is submitted, resumed or ended.
	OnBatch func(stage papersum.Stage, batchID, event string, status papersum.MessageBatchStatus)
}

// JobID derives the ID of a batch job from its papers and configuration:
// the same papers with the same configuration are the same job, so a rerun
// resumes it.
func JobID(papers []*papersum.Paper, configHash string) string {
	ids := make([]string, 0, len(papers))
	for _, p := range papers {
		ids = append(ids, p.ID)
	}
	sort.Strings(ids)
	return "job_" + strings.TrimPrefix(papersum.ContentHash([]byte(configHash+"\n"+strings.Join(ids, "\n"))), "sha256:")[:24]
}

// RunBatch summarizes papers stage by stage through the providers' batch
// APIs: all summarize requests go in one batch (at the batch discount),
// then all critique requests, then all revise requests. Every submitted
// batch is recorded before it is polled, so a job interrupted at any point
// resumes when run again: finished stages are not redone and submitted
// batches are polled, not submitted again. An answer that is unusable, or
// a request the batch could not serve, is recovered live as in Run.
// It returns the runs in the order of papers.
func (r *Runner) RunBatch(ctx context.Context, papers []*papersum.Paper, o BatchOptions) ([]*papersum.Run, error) {
	if o.Store == nil {
		return nil, papersum.Errorf(papersum.EINTERNAL, "pipeline: batch store required")
	}
	if o.JobID == "" {
		o.JobID = JobID(papers, r.hash)
	}
	if o.TargetWords == 0 {
		o.TargetWords = DefaultTargetWords
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 2 * time.Second
	}
	if o.MaxPollInterval < o.PollInterval {
		o.MaxPollInterval = max(60*time.Second, o.PollInterval)
	}
	if o.Sleep == nil {
		o.Sleep = pause.For
	}
	opts := Options{TargetWords: o.TargetWords, OnStage: o.OnStage}
	runs, err := r.jobRuns(ctx, papers, o)
	if err != nil {
		return nil, err
	}
	byID := map[string]*jobRun{}
	for _, jr := range runs {
		byID[jr.run.ID] = jr
	}
	done, err := o.Store.ProviderBatches(ctx, o.JobID)
	if err != nil {
		return nil, err
	}
	for _, stage := range papersum.Stages {
		// Batches of this stage submitted before an interruption are
		// polled and collected first.
		for _, b := range done {
			if b.Stage == stage && !b.Done {
				if err := r.collect(ctx, byID, b, o, opts); err != nil {
					return nil, err
				}
			}
		}
		var pending []*jobRun
		for _, jr := range runs {
			if jr.run.Status == papersum.RunRunning && jr.usable(stage) == nil {
				pending = append(pending, jr)
			}
		}
		if len(pending) == 0 {
			continue
		}
		batcher := o.Batchers[stage]
		if batcher == nil {
			for _, jr := range pending {
				jr.finish(ctx, r, stage, func() (*papersum.StageResult, error) {
					return r.stage(ctx, jr.run, stage, jr.doc, jr.task(stage, o.TargetWords), opts)
				})
			}
			continue
		}
		reqs := make([]papersum.MessageBatchRequest, 0, len(pending))
		ids := make([]string, 0, len(pending))
		for _, jr := range pending {
			req, err := r.prepare(stage, jr.doc, jr.task(stage, o.TargetWords))
			if err != nil {
				return nil, err
			}
			reqs = append(reqs, papersum.MessageBatchRequest{CustomID: jr.run.ID, Request: req})
			ids = append(ids, jr.run.ID)
		}
		b, err := r.submit(ctx, batcher, stage, reqs, ids, o)
		if err != nil {
			return nil, err
		}
		batchID := b.BatchID
		if o.OnBatch != nil {
			o.OnBatch(stage, batchID, "submitted", papersum.MessageBatchStatus{ID: batchID, Processing: len(reqs)})
		}
		if err := r.collect(ctx, byID, *b, o, opts); err != nil {
			return nil, err
		}
	}
	out := make([]*papersum.Run, 0, len(runs))
	for _, jr := range runs {
		if jr.run.Status == papersum.RunRunning {
			rev := jr.usable(papersum.StageRevise)
			crit := jr.usable(papersum.StageCritique)
			jr.run.Status = papersum.RunSucceeded
			jr.run.Summary = rev.Output
			scores := crit.Critique.Scores
			jr.run.Scores = &scores
			jr.run.RevisedScores = r.scoreRevised(ctx, jr.task(papersum.StageRevise, o.TargetWords), rev.Output, r.logger)
			now := r.clock.Now().UTC()
			jr.run.FinishedAt = &now
			if err := r.store.FinishRun(ctx, jr.run); err != nil {
				return nil, fmt.Errorf("store run %s: %w", jr.run.ID, err)
			}
		}
		out = append(out, jr.run)
	}
	return out, nil
}

// submit sends a batch and records it. Submitting and recording are one
// step that an interrupt (a cancelled ctx) does not split: a batch the
// provider accepted but the store never heard of would be paid for twice
// by the rerun. Only a hard kill between the provider's answer and the
// store's commit, a window of milliseconds, can still lose the record.
func (r *Runner) submit(ctx context.Context, batcher papersum.MessageBatcher, stage papersum.Stage,
	reqs []papersum.MessageBatchRequest, ids []string, o BatchOptions) (*papersum.ProviderBatch, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
	defer cancel()
	batchID, err := batcher.SubmitBatch(sctx, reqs)
	if err != nil {
		return nil, fmt.Errorf("submit %s batch: %w", stage, err)
	}
	b := &papersum.ProviderBatch{JobID: o.JobID, Stage: stage, Provider: r.stages[stage].Provider,
		BatchID: batchID, RunIDs: ids, SubmittedAt: r.clock.Now().UTC()}
	if err := o.Store.PutProviderBatch(sctx, b); err != nil {
		return nil, fmt.Errorf("record %s batch %s: %w", stage, batchID, err)
	}
	return b, nil
}

// jobRun is one paper of a batch job with its run.
type jobRun struct {
	paper *papersum.Paper
	run   *papersum.Run
	doc   *papersum.Document
}

// usable returns the last stage result of stage whose output can be used.
func (jr *jobRun) usable(stage papersum.Stage) *papersum.StageResult {
	for i := len(jr.run.Stages) - 1; i >= 0; i-- {
		s := &jr.run.Stages[i]
		if s.Stage != stage {
			continue
		}
		if (stage == papersum.StageCritique && s.Critique != nil) || (stage != papersum.StageCritique && s.Output != "") {
			return s
		}
	}
	return nil
}

// task rebuilds the inputs of stage from the run's earlier stages.
func (jr *jobRun) task(stage papersum.Stage, target int) papersum.Task {
	t := papersum.Task{Stage: stage, Paper: jr.paper, TargetWords: target}
	if s := jr.usable(papersum.StageSummarize); s != nil {
		t.Draft = s.Output
	}
	if s := jr.usable(papersum.StageCritique); s != nil {
		t.Critique = s.Critique
	}
	return t
}

// finish runs fn for the run's stage and ends the run as failed when it
// fails; other runs of the job go on.
func (jr *jobRun) finish(ctx context.Context, r *Runner, stage papersum.Stage, fn func() (*papersum.StageResult, error)) {
	if _, err := fn(); err != nil {
		// fail stores the run as failed and logs the failure, and the
		// error of storing it if that fails too; its result is the
		// failure itself, which has no caller here.
		_, _ = r.fail(ctx, jr.run, withStage(err, stage), r.logger.With("run", jr.run.ID))
	}
}

// jobRuns finds or creates the run of every paper of the job.
func (r *Runner) jobRuns(ctx context.Context, papers []*papersum.Paper, o BatchOptions) ([]*jobRun, error) {
	known, err := o.Store.JobRuns(ctx, o.JobID)
	if err != nil {
		return nil, err
	}
	out := make([]*jobRun, 0, len(papers))
	seen := map[string]bool{}
	for _, p := range papers {
		if seen[p.ID] {
			continue // the same paper twice in one job is one run
		}
		seen[p.ID] = true
		jr := &jobRun{paper: p, doc: &papersum.Document{Text: p.Text(), Cacheable: !r.noCache, CacheTTL: r.cacheTTL()}}
		if id, ok := known[p.ID]; ok {
			run, err := r.store.GetRun(ctx, id)
			if err != nil {
				return nil, fmt.Errorf("resume run %s: %w", id, err)
			}
			jr.run = run
		} else {
			if err := r.store.PutPaper(ctx, p); err != nil {
				return nil, fmt.Errorf("store paper: %w", err)
			}
			run := r.NewRun(p, Options{TargetWords: o.TargetWords})
			if err := r.store.CreateRun(ctx, run); err != nil {
				return nil, fmt.Errorf("store run: %w", err)
			}
			if _, err := o.Store.PutJobRun(ctx, o.JobID, p.ID, run.ID); err != nil {
				return nil, err
			}
			jr.run = run
		}
		out = append(out, jr)
	}
	return out, nil
}

// collect polls a submitted batch until it ends, then records each result:
// a usable answer as the stage's result (priced at the batch discount), an
// unusable one through the live recovery of Run, and a request the batch
// could not serve through a live call. It then marks the batch done.
func (r *Runner) collect(ctx context.Context, byID map[string]*jobRun, b papersum.ProviderBatch, o BatchOptions, opts Options) error {
	batcher := o.Batchers[b.Stage]
	if batcher == nil {
		return papersum.Errorf(papersum.EINVALID, "batch %s of stage %s was submitted to %s, which this configuration no longer batches",
			b.BatchID, b.Stage, b.Provider)
	}
	wait := o.PollInterval
	for {
		st, err := batcher.BatchStatus(ctx, b.BatchID)
		if err != nil && !retryablePoll(err) {
			return fmt.Errorf("%s batch %s: %w", b.Stage, b.BatchID, err)
		}
		if err == nil && st.Ended {
			if o.OnBatch != nil {
				o.OnBatch(b.Stage, b.BatchID, "ended", st)
			}
			break
		}
		if err == nil && o.OnBatch != nil {
			o.OnBatch(b.Stage, b.BatchID, "polled", st)
		}
		if err := o.Sleep(ctx, wait); err != nil {
			return err
		}
		wait = min(o.MaxPollInterval, wait+wait/2)
	}
	results, err := batcher.BatchResults(ctx, b.BatchID)
	if err != nil {
		return fmt.Errorf("%s batch %s results: %w", b.Stage, b.BatchID, err)
	}
	got := map[string]bool{}
	m := r.stages[b.Stage]
	for _, res := range results {
		jr := byID[res.CustomID]
		if jr == nil || got[res.CustomID] {
			continue // not ours, or a duplicate line
		}
		got[res.CustomID] = true
		if jr.run.Status != papersum.RunRunning || jr.usable(b.Stage) != nil {
			continue // recorded before an interruption
		}
		req, err := r.prepare(b.Stage, jr.doc, jr.task(b.Stage, o.TargetWords))
		if err != nil {
			return err
		}
		jr.finish(ctx, r, b.Stage, func() (*papersum.StageResult, error) {
			if res.Err != nil {
				// The batch could not serve it: ask live, with retries
				// and fallbacks, and say why in the record.
				return r.stage(ctx, jr.run, b.Stage, jr.doc, jr.task(b.Stage, o.TargetWords), opts)
			}
			rec, outErr, err := r.record(ctx, jr.run, m, req, res.Response, b.SubmittedAt, 0, "batch "+b.BatchID, true, opts)
			if err != nil {
				return nil, err
			}
			return r.recover(ctx, jr.run, req, rec, outErr, opts)
		})
	}
	// A request the results do not mention is asked live.
	for _, id := range b.RunIDs {
		jr := byID[id]
		if jr == nil || got[id] || jr.run.Status != papersum.RunRunning || jr.usable(b.Stage) != nil {
			continue
		}
		jr.finish(ctx, r, b.Stage, func() (*papersum.StageResult, error) {
			return r.stage(ctx, jr.run, b.Stage, jr.doc, jr.task(b.Stage, o.TargetWords), opts)
		})
	}
	if err := o.Store.FinishProviderBatch(ctx, b.Provider, b.BatchID); err != nil {
		return err
	}
	return nil
}

// retryablePoll reports whether a failed status request is worth asking
// again: a batch outlives a flaky connection.
func retryablePoll(err error) bool {
	var pe *papersum.ProviderError
	return errors.As(err, &pe) && pe.Retryable()
}
