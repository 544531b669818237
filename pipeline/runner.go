package pipeline

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	semconv "go.opentelemetry.io/otel/semconv/v1.41.0"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/ingest/sentences"
)

// DefaultTargetWords is the summary length when none is asked for: about
// the length of an abstract, and of the ScisummNet human summaries.
const DefaultTargetWords = 150

// StageModel binds a stage to the model that runs it.
type StageModel struct {
	// Provider and Model name the model for pricing and for the record
	// ("local"/"local", "anthropic"/"claude-sonnet-4-5", ...).
	Provider string
	Model    string
	// Client makes the call.
	Client papersum.Model
	// MaxTokens bounds the output; zero means the provider's default.
	MaxTokens int
	// Temperature is sent when set.
	Temperature *float64
	// Timeout bounds one call; zero means no bound beyond the context.
	Timeout time.Duration
	// Batch prices the stage with the provider's batch discount.
	Batch bool
	// MaxOutputTokens is the model's output limit, which bounds the one
	// retry with a larger budget after a truncated answer; zero means no
	// known limit.
	MaxOutputTokens int
	// CacheTTL is the prompt-cache lifetime asked for the paper block,
	// "5m" or "1h"; the summarize stage's value applies to the run, since
	// the three stages share one cached block. Default "5m".
	CacheTTL string
	// Fallback answers when this model's output stays unusable (malformed
	// or cut off) after one repair or continuation; nil means the stage
	// fails instead. It is typically the local engine.
	Fallback *StageModel
}

// Runner runs papers through the three stages and records every stage in
// the store. It is safe for concurrent use.
type Runner struct {
	stages  map[papersum.Stage]StageModel
	prompts Prompts
	store   papersum.Store
	pricer  papersum.Pricer
	clock   papersum.Clock
	logger  *slog.Logger
	newID   func() string
	hash    string
	noCache bool
	scorer  papersum.Model
	unsaved *unsaved
	style   papersum.Style
	tracer  trace.Tracer
}

// RunnerConfig holds a Runner's dependencies. Every field is required
// unless its comment gives a default.
type RunnerConfig struct {
	// Stages maps each of the three stages to its model.
	Stages map[papersum.Stage]StageModel
	// Prompts defaults to DefaultPrompts().
	Prompts Prompts
	Store   papersum.Store
	Pricer  papersum.Pricer
	// Clock defaults to the system clock.
	Clock papersum.Clock
	// Logger defaults to a logger that discards.
	Logger *slog.Logger
	// NewID makes run IDs; it defaults to NewRunID.
	NewID func() string
	// ConfigHash identifies the configuration in each run's record.
	ConfigHash string
	// NoCache sends the paper without asking the provider to cache it
	// (to measure what caching saves). Default false: cached.
	NoCache bool
	// Scorer measures the revised summary of each run: it gets the
	// critique request of the revised summary (Task.Draft) and its
	// scores become Run.RevisedScores. It should be cheap and
	// deterministic, like the local engine's measured critique, since it
	// runs once per run and is not recorded as a stage. A failure leaves
	// RevisedScores nil and is logged; the run does not fail for it.
	// Default nil: no revised scores.
	Scorer papersum.Model
	// MaxUnsaved is how many stage results the runner keeps in memory
	// when the store cannot take them (a database restarting), so that
	// the run's next attempt in this process stores them instead of
	// paying for the calls again. Default DefaultMaxUnsaved (1000); a
	// negative value keeps none (every such answer is lost, and its
	// repeated call counted in Run.RepeatedCalls).
	MaxUnsaved int
	// Style is the kind of summary every run asks for (Task.Style and
	// the prompts' .Style). It shapes results, so it must be part of
	// ConfigHash. Default papersum.DefaultStyle.
	Style papersum.Style
	// TracerProvider makes the spans of each run, stage and store write
	// (see SpanRun). Default: a no-op provider, tracing off.
	TracerProvider trace.TracerProvider
}

// NewRunner checks cfg and returns a Runner. Every stage's model must be
// priced at construction time, so no run is ever priced at $0 by mistake.
func NewRunner(cfg RunnerConfig) (*Runner, error) {
	if cfg.Prompts == nil {
		p, err := DefaultPrompts()
		if err != nil {
			return nil, err
		}
		cfg.Prompts = p
	}
	if cfg.Clock == nil {
		cfg.Clock = papersum.SystemClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.NewID == nil {
		cfg.NewID = NewRunID
	}
	if cfg.TracerProvider == nil {
		cfg.TracerProvider = noop.NewTracerProvider()
	}
	if cfg.MaxUnsaved == 0 {
		cfg.MaxUnsaved = DefaultMaxUnsaved
	}
	if cfg.Store == nil || cfg.Pricer == nil {
		return nil, papersum.Errorf(papersum.EINTERNAL, "pipeline: store and pricer are required")
	}
	cfg.Style = cfg.Style.OrDefault()
	if !cfg.Style.Valid() {
		return nil, papersum.Errorf(papersum.EINVALID, "pipeline: unknown summary style %q", cfg.Style)
	}
	for _, s := range papersum.Stages {
		m, ok := cfg.Stages[s]
		if !ok || m.Client == nil {
			return nil, papersum.Errorf(papersum.EINVALID, "pipeline: no model for stage %s", s)
		}
		if cfg.Prompts[s] == nil {
			return nil, papersum.Errorf(papersum.EINVALID, "pipeline: no prompt for stage %s", s)
		}
		if !cfg.Pricer.Known(m.Provider, m.Model, cfg.Clock.Now()) {
			return nil, papersum.Errorf(papersum.EINVALID,
				"stage %s: no price for %s model %q; add a row to the pricing file", s, m.Provider, m.Model)
		}
	}
	return &Runner{stages: cfg.Stages, prompts: cfg.Prompts, store: cfg.Store, pricer: cfg.Pricer,
		clock: cfg.Clock, logger: cfg.Logger, newID: cfg.NewID, hash: cfg.ConfigHash, noCache: cfg.NoCache,
		scorer: cfg.Scorer, unsaved: newUnsaved(max(cfg.MaxUnsaved, 0)), style: cfg.Style,
		tracer: cfg.TracerProvider.Tracer(tracerName)}, nil
}

// Options are per-run settings.
type Options struct {
	// TargetWords is the summary length; 0 means DefaultTargetWords.
	TargetWords int
	// Team and User are who the run is charged to.
	Team, User string
	// OnStage, when set, is called after each stage finishes (for progress
	// display). It must not block.
	OnStage func(papersum.StageResult)
	// Retryable, when set, picks the errors after which a run is left
	// running for the job queue to try again (a rate limit, a shutdown)
	// instead of being recorded as failed. Default: every error fails the
	// run.
	Retryable func(error) bool
}

// MaxWords is the hard limit that prompts state for a target length: 20%
// over target, because models and the local engine cut at sentence
// boundaries.
func MaxWords(target int) int { return target + target/5 }

// Run summarizes, critiques and revises paper. The run and each stage are
// recorded in the store as they finish; a failure ends the run as failed
// with its reason and class, and the error is returned with the run.
func (r *Runner) Run(ctx context.Context, paper *papersum.Paper, opts Options) (*papersum.Run, error) {
	if opts.TargetWords == 0 {
		opts.TargetWords = DefaultTargetWords
	}
	if err := CheckTargetWords(opts.TargetWords); err != nil {
		return nil, err
	}
	if err := r.store.PutPaper(ctx, paper); err != nil {
		return nil, fmt.Errorf("store paper: %w", err)
	}
	run := r.NewRun(paper, opts)
	if err := r.store.CreateRun(ctx, run); err != nil {
		return nil, fmt.Errorf("store run: %w", err)
	}
	return r.execute(ctx, run, paper, opts)
}

// CheckTargetWords returns EINVALID for a summary length out of range.
func CheckTargetWords(n int) error {
	if n < 10 || n > 5000 {
		return papersum.Errorf(papersum.EINVALID, "target length %d words is out of range (10-5000)", n)
	}
	return nil
}

// NewRun returns a new run of paper in state running, with this runner's
// configuration hash, not yet stored. The service sets it queued before
// storing it.
func (r *Runner) NewRun(paper *papersum.Paper, opts Options) *papersum.Run {
	if opts.TargetWords == 0 {
		opts.TargetWords = DefaultTargetWords
	}
	return &papersum.Run{
		ID: r.newID(), PaperID: paper.ID, Title: paper.Title, Source: paper.Source,
		Status: papersum.RunRunning, ConfigHash: r.hash, TargetWords: opts.TargetWords,
		Team: opts.Team, User: opts.User, CreatedAt: r.clock.Now().UTC(),
	}
}

// ConfigHash is the hash of the configuration this runner records on its
// runs.
func (r *Runner) ConfigHash() string { return r.hash }

// PromptVersions names the versions of the three stage prompts, in stage
// order, for cache keys: editing a prompt must not serve results of the
// old one.
func (r *Runner) PromptVersions() string {
	var b strings.Builder
	for _, s := range papersum.Stages {
		b.WriteString(string(s) + "=" + r.prompts[s].Version + ";")
	}
	return b.String()
}

// Resume carries a stored run of paper to its end: the stages whose usable
// result is already stored are not run again, so a job that is run a
// second time (after a crash, a snooze or a retry) pays only for what it
// had not finished. run must be in state running (see
// papersum.JobStore.StartRun) and carry its stages; its TargetWords, Team
// and User override opts'.
//
// A failure ends the run as failed, unless opts.Retryable says the error
// is worth another attempt: then the run stays running and the error is
// returned, for the job queue to try again.
func (r *Runner) Resume(ctx context.Context, run *papersum.Run, paper *papersum.Paper, opts Options) (*papersum.Run, error) {
	if run.Status != papersum.RunRunning {
		return run, papersum.Errorf(papersum.ECONFLICT, "run %s is %s, not running", run.ID, run.Status)
	}
	if run.PaperID != paper.ID {
		return run, papersum.Errorf(papersum.EINVALID, "run %s is of paper %s, not %s", run.ID, run.PaperID, paper.ID)
	}
	opts.TargetWords, opts.Team, opts.User = run.TargetWords, run.Team, run.User
	if err := CheckTargetWords(opts.TargetWords); err != nil {
		return run, err
	}
	return r.execute(ctx, run, paper, opts)
}

// execute runs the stages of run that have no usable stored result, in
// the run's span.
func (r *Runner) execute(ctx context.Context, run *papersum.Run, paper *papersum.Paper, opts Options) (*papersum.Run, error) {
	ctx, span := r.startRun(ctx, run)
	out, err := r.executeRun(ctx, run, paper, opts)
	endRun(span, out, err)
	return out, err
}

func (r *Runner) executeRun(ctx context.Context, run *papersum.Run, paper *papersum.Paper, opts Options) (*papersum.Run, error) {
	attemptStart := r.clock.Now()
	log := r.runLog(ctx, run)
	stored := &jobRun{paper: paper, run: run}
	failed := func(err error) (*papersum.Run, error) {
		if opts.Retryable != nil && opts.Retryable(err) {
			log.InfoContext(ctx, "run interrupted; it stays running for another attempt", "err", err,
				"stage", string(stageOf(err)), "model", r.modelOf(stageOf(err)))
			return run, err
		}
		return r.fail(ctx, run, err, log)
	}

	// Answers paid for on an earlier attempt whose write failed are
	// stored now instead of being asked for again.
	lost, err := r.restoreUnsaved(ctx, run)
	if err != nil {
		return failed(err)
	}
	repeat := func(stage papersum.Stage) {
		if lost[stage] {
			r.countRepeat(ctx, run, stage)
			delete(lost, stage)
		}
	}

	task := papersum.Task{Paper: paper, TargetWords: opts.TargetWords}
	doc := &papersum.Document{Text: paper.Text(), Cacheable: !r.noCache, CacheTTL: r.cacheTTL()}

	draftRes := stored.usable(papersum.StageSummarize)
	if draftRes == nil {
		var err error
		repeat(papersum.StageSummarize)
		draftRes, err = r.stage(ctx, run, papersum.StageSummarize, doc, task, opts)
		if papersum.ClassOf(err) == papersum.ClassContextTooLarge {
			// The paper does not fit the model: summarize its parts, then
			// critique and revise against the merged part summaries, which
			// stand in for the paper from here on.
			log.InfoContext(ctx, "paper too large for the model; summarizing by parts",
				"stage", string(papersum.StageSummarize), "model", r.stages[papersum.StageSummarize].Model)
			var merged *papersum.Paper
			draftRes, merged, err = r.mapReduce(ctx, run, paper, task, opts, 0)
			if err == nil {
				task.Paper = merged
				doc = &papersum.Document{Text: merged.Text(), Cacheable: !r.noCache, CacheTTL: r.cacheTTL()}
			}
		}
		if err != nil {
			return failed(err)
		}
	}
	task.Draft = draftRes.Output
	critRes := stored.usable(papersum.StageCritique)
	if critRes == nil {
		var err error
		repeat(papersum.StageCritique)
		if critRes, err = r.stage(ctx, run, papersum.StageCritique, doc, task, opts); err != nil {
			return failed(err)
		}
	}
	task.Critique = critRes.Critique
	revRes := stored.usable(papersum.StageRevise)
	if revRes == nil {
		var err error
		repeat(papersum.StageRevise)
		if revRes, err = r.stage(ctx, run, papersum.StageRevise, doc, task, opts); err != nil {
			return failed(err)
		}
	}

	run.Status = papersum.RunSucceeded
	run.Summary = revRes.Output
	scores := critRes.Critique.Scores
	run.Scores = &scores
	run.RevisedScores = r.scoreRevised(ctx, task, run.Summary, log)
	now := r.clock.Now().UTC()
	run.FinishedAt = &now
	cctx, cspan := r.startCommit(ctx, "finish_run")
	err = r.store.FinishRun(cctx, run)
	endSpan(cspan, err)
	if err != nil {
		// The store still has the run running, with all its stages: so
		// does the caller, whose next attempt finishes it without a call.
		run.Status, run.FinishedAt = papersum.RunRunning, nil
		return run, fmt.Errorf("store run %s: %w", run.ID, err)
	}
	r.logSucceeded(ctx, log, run, revRes, now.Sub(attemptStart))
	return run, nil
}

// stage runs one stage and records every call it makes (see recover for
// what happens when the output is unusable).
func (r *Runner) stage(ctx context.Context, run *papersum.Run, stage papersum.Stage,
	doc *papersum.Document, task papersum.Task, opts Options) (*papersum.StageResult, error) {
	ctx, span := r.startStage(ctx, run, stage)
	res, err := r.runStage(ctx, run, stage, doc, task, opts)
	if err == nil && span.IsRecording() {
		span.SetAttributes(semconv.GenAIResponseModel(res.Model))
		if res.Critique != nil {
			evaluationEvents(span, "", &res.Critique.Scores)
		}
	}
	endSpan(span, err)
	return res, err
}

func (r *Runner) runStage(ctx context.Context, run *papersum.Run, stage papersum.Stage,
	doc *papersum.Document, task papersum.Task, opts Options) (*papersum.StageResult, error) {
	req, err := r.prepare(stage, doc, task)
	if err != nil {
		return nil, err
	}
	m := r.stages[stage]
	res, outErr, err := r.call(ctx, run, m, req, "", opts)
	if err != nil {
		return nil, err
	}
	return r.recover(ctx, run, req, res, outErr, opts)
}

// prepare renders the request of stage for task.
func (r *Runner) prepare(stage papersum.Stage, doc *papersum.Document, task papersum.Task) (*papersum.Request, error) {
	m := r.stages[stage]
	task.Stage = stage
	if task.Style == "" {
		task.Style = r.style
	}
	system, user, err := r.prompts[stage].Render(PromptData{
		Title: task.Paper.Title, TargetWords: task.TargetWords, MaxWords: MaxWords(task.TargetWords), Style: string(task.Style.OrDefault()),
		Draft: task.Draft, Critique: task.Critique,
	})
	if err != nil {
		return nil, err
	}
	return &papersum.Request{
		Model: m.Model, System: system, Paper: doc, Prompt: user,
		MaxTokens: m.MaxTokens, Temperature: m.Temperature, Timeout: m.Timeout, Task: task,
	}, nil
}

// recover turns an unusable answer into a usable one when it can. A
// cut-off answer is asked again once with a larger output budget and, if
// it is cut off again, the model is shown where it stopped and asked for
// a complete, shorter answer; a
// malformed one is shown to the model once with a request to repair it;
// if the output is still unusable, the stage's Fallback model (typically
// the local engine) answers instead. Nothing unusable is ever kept as the
// stage's output: the error says why.
func (r *Runner) recover(ctx context.Context, run *papersum.Run, req *papersum.Request,
	res *papersum.StageResult, outErr error, opts Options) (*papersum.StageResult, error) {
	stage := req.Task.Stage
	m := r.stages[stage]
	var err error
	if papersum.ClassOf(outErr) == papersum.ClassTruncated {
		more := *req
		more.MaxTokens = continuationBudget(m)
		res, outErr, err = r.call(ctx, run, m, &more,
			fmt.Sprintf("continuation: the answer reached max_tokens (%d), asked again with %d", req.MaxTokens, more.MaxTokens), opts)
		if err != nil {
			return nil, err
		}
		if papersum.ClassOf(outErr) == papersum.ClassTruncated {
			// Cut off again: show the model where it stopped and ask for
			// the whole answer, shorter.
			finish := more
			finish.Turns = []papersum.Turn{
				{Role: papersum.RoleAssistant, Text: res.Raw},
				{Role: papersum.RoleUser, Text: finishPrompt(stage, req.Task.TargetWords)},
			}
			res, outErr, err = r.call(ctx, run, m, &finish, "finish: the answer was cut off twice; asked for a complete, shorter one", opts)
			if err != nil {
				return nil, err
			}
		}
	}
	if papersum.ClassOf(outErr) == papersum.ClassParse {
		repair := *req
		repair.Turns = []papersum.Turn{
			{Role: papersum.RoleAssistant, Text: res.Raw},
			{Role: papersum.RoleUser, Text: repairPrompt(stage, outErr)},
		}
		res, outErr, err = r.call(ctx, run, m, &repair, "repair: "+papersum.ErrorMessage(outErr), opts)
		if err != nil {
			return nil, err
		}
	}
	if outErr != nil && m.Fallback != nil {
		fb := *m.Fallback
		again := *req
		again.Model = fb.Model
		again.MaxTokens = fb.MaxTokens
		res, outErr, err = r.call(ctx, run, fb, &again,
			fmt.Sprintf("fallback: %s/%s output unusable (%s)", m.Provider, m.Model, papersum.ClassOf(outErr)), opts)
		if err != nil {
			return nil, err
		}
	}
	if outErr != nil {
		return nil, outErr
	}
	return res, nil
}

// call makes one live model call for a stage and records it (see record),
// with the calls that the retry layer abandoned on the way (see
// recordAbandoned), whether the call succeeded or not. err is a failure of
// the call itself; outErr says the output is unusable (class truncated or
// parse).
func (r *Runner) call(ctx context.Context, run *papersum.Run, m StageModel,
	req *papersum.Request, note string, opts Options) (res *papersum.StageResult, outErr, err error) {
	var ab abandonedTally
	start := r.clock.Now()
	resp, err := m.Client.Generate(ab.trace(ctx), req)
	latency := r.clock.Now().Sub(start)
	if aerr := r.recordAbandoned(ctx, run, req.Task.Stage, ab.counts()); aerr != nil {
		if err != nil {
			r.runLog(ctx, run).ErrorContext(ctx, "record abandoned calls", "err", aerr,
				"stage", string(req.Task.Stage), "model", req.Model)
		} else {
			return nil, nil, aerr
		}
	}
	if err != nil {
		return nil, nil, withStage(err, req.Task.Stage)
	}
	return r.record(ctx, run, m, req, resp, start, latency, note, m.Batch, opts)
}

// abandonedTally counts the abandoned calls of one stage call by
// provider and model, in the order first seen. The zero value is ready.
type abandonedTally struct {
	mu sync.Mutex
	by []papersum.AbandonedCalls
}

// trace returns ctx with a CallTrace that counts into t, and still tells
// a trace that ctx already carried.
func (t *abandonedTally) trace(ctx context.Context) context.Context {
	outer := papersum.ContextCallTrace(ctx)
	return papersum.WithCallTrace(ctx, &papersum.CallTrace{Abandoned: func(provider, model string) {
		t.mu.Lock()
		found := false
		for i := range t.by {
			if t.by[i].Provider == provider && t.by[i].Model == model {
				t.by[i].Calls++
				found = true
				break
			}
		}
		if !found {
			t.by = append(t.by, papersum.AbandonedCalls{Provider: provider, Model: model, Calls: 1})
		}
		t.mu.Unlock()
		if outer != nil && outer.Abandoned != nil {
			outer.Abandoned(provider, model)
		}
	}})
}

func (t *abandonedTally) counts() []papersum.AbandonedCalls {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.by)
}

// recordAbandoned adds the counts of abandoned calls of stage to the run,
// in the store and in memory. papersum records no tokens and no cost for
// such a call, because it never saw them; the count makes that visible
// (the run's cost is a lower bound), and it is written even when the
// caller's context has ended, since a cancel is what abandons calls.
func (r *Runner) recordAbandoned(ctx context.Context, run *papersum.Run, stage papersum.Stage, counts []papersum.AbandonedCalls) error {
	if len(counts) == 0 {
		return nil
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	for _, a := range counts {
		a.Stage = stage
		if err := r.store.AddAbandonedCalls(sctx, run.ID, a); err != nil {
			return fmt.Errorf("store abandoned %s calls: %w", stage, err)
		}
		run.AddAbandoned(a)
		r.runLog(ctx, run).WarnContext(ctx, "model calls abandoned: their tokens are unknown and not in the run's cost",
			"stage", string(stage), "provider", a.Provider, "model", a.Model, "calls", a.Calls)
	}
	return nil
}

// scoreRevised measures the revised summary with the runner's Scorer, as
// the critique stage measures the draft, and returns its scores; nil when
// there is no Scorer or it fails (logged: the run does not fail for a
// measurement).
func (r *Runner) scoreRevised(ctx context.Context, task papersum.Task, summary string, log *slog.Logger) *papersum.Scores {
	if r.scorer == nil || summary == "" {
		return nil
	}
	req, err := r.prepare(papersum.StageCritique, &papersum.Document{Text: task.Paper.Text()},
		papersum.Task{Paper: task.Paper, TargetWords: task.TargetWords, Draft: summary})
	if err != nil {
		log.WarnContext(ctx, "score the revised summary", "err", err, "stage", string(papersum.StageCritique), "model", "scorer")
		return nil
	}
	resp, err := r.scorer.Generate(ctx, req)
	if err != nil {
		log.WarnContext(ctx, "score the revised summary", "err", err, "stage", string(papersum.StageCritique), "model", "scorer")
		return nil
	}
	c, err := ExtractCritique(resp.Text)
	if err != nil {
		log.WarnContext(ctx, "score the revised summary", "err", err, "stage", string(papersum.StageCritique), "model", "scorer")
		return nil
	}
	StampJudge(&c.Scores, resp.Provider, resp.Model, r.prompts[papersum.StageCritique].Version)
	return &c.Scores
}

// record prices a response, parses its output and stores it as a stage
// result. The result is recorded even when its output is unusable: the raw
// output and the tokens paid for are what an operator needs to see.
func (r *Runner) record(ctx context.Context, run *papersum.Run, m StageModel, req *papersum.Request,
	resp *papersum.Response, start time.Time, latency time.Duration, note string, batch bool,
	opts Options) (res *papersum.StageResult, outErr, err error) {
	stage := req.Task.Stage
	reason := resp.FallbackReason
	if note != "" {
		reason = strings.TrimPrefix(reason+"; "+note, "; ")
	}
	res = &papersum.StageResult{
		Stage: stage, Provider: orDefault(resp.Provider, m.Provider), Model: orDefault(resp.Model, m.Model),
		PromptVersion: r.prompts[stage].Version, Raw: resp.Text, Usage: resp.Usage, Latency: latency,
		StopReason: resp.StopReason, FallbackReason: reason, StartedAt: start.UTC(),
	}
	res.CostUSD, err = r.pricer.Price(res.Provider, res.Model, res.Usage, batch, start)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", stage, err)
	}
	outErr = parseOutput(res, req.MaxTokens)
	r.runLog(ctx, run).DebugContext(ctx, "stage call recorded", "stage", string(stage), "model", res.Model,
		"provider", res.Provider, "latency", latency, "input_tokens", res.Usage.TotalInput(),
		"output_tokens", res.Usage.OutputTokens, "cost_usd", res.CostUSD, "stop_reason", string(res.StopReason))
	cctx, cspan := r.startCommit(ctx, "add_stage")
	err = r.store.AddStage(cctx, run.ID, res)
	endSpan(cspan, err)
	if err != nil {
		switch papersum.ErrorCode(err) {
		case papersum.ECONFLICT, papersum.ENOTFOUND, papersum.EINVALID:
			// The run was canceled or is gone: the answer has no use.
		default:
			// The store failed, not the answer: keep it for the next
			// attempt, which stores it instead of paying again.
			r.unsaved.keep(run.ID, *res)
		}
		return nil, nil, fmt.Errorf("store %s result: %w", stage, err)
	}
	run.Stages = append(run.Stages, *res)
	if opts.OnStage != nil {
		opts.OnStage(*res)
	}
	return res, outErr, nil
}

// parseOutput fills res.Output or res.Critique from res.Raw, or returns
// why the output cannot be used.
func parseOutput(res *papersum.StageResult, maxTokens int) error {
	if res.StopReason == papersum.StopMaxTokens {
		// A cut-off answer is never kept as if it were whole.
		return &papersum.ProviderError{Class: papersum.ClassTruncated, Stage: res.Stage,
			Provider: res.Provider, Model: res.Model, Raw: res.Raw,
			Message: fmt.Sprintf("output reached max_tokens (%d)", maxTokens)}
	}
	var err error
	switch res.Stage {
	case papersum.StageSummarize:
		res.Output, err = ExtractSummary(res.Stage, TagSummary, res.Raw)
	case papersum.StageCritique:
		res.Critique, err = ExtractCritique(res.Raw)
		if err == nil {
			StampJudge(&res.Critique.Scores, res.Provider, res.Model, res.PromptVersion)
		}
	case papersum.StageRevise:
		res.Output, err = ExtractSummary(res.Stage, TagRevisedSummary, res.Raw)
	}
	return err
}

// continuationBudget is the output budget of the one retry after a
// truncated answer: twice the stage's budget, within the model's limit.
func continuationBudget(m StageModel) int {
	n := 2 * m.MaxTokens
	if n == 0 {
		n = 4096
	}
	if m.MaxOutputTokens > 0 && n > m.MaxOutputTokens {
		n = m.MaxOutputTokens
	}
	return n
}

// finishPrompt asks a model whose answer was cut off for a complete one.
func finishPrompt(stage papersum.Stage, target int) string {
	return fmt.Sprintf("Your answer was cut off before the end. Write the complete answer again, shorter "+
		"(at most %d words of summary), in the required format, and nothing else.", target)
}

// repairPrompt asks a model to answer again in the stage's format, naming
// what was wrong with its previous answer.
func repairPrompt(stage papersum.Stage, outErr error) string {
	format := map[papersum.Stage]string{
		papersum.StageSummarize: "the summary inside <summary></summary> tags",
		papersum.StageCritique: "<critique><scores><accuracy>N</accuracy><completeness>N</completeness>" +
			"<clarity>N</clarity><coherence>N</coherence></scores><issues><issue>...</issue></issues></critique> with N from 0 to 10",
		papersum.StageRevise: "the revised summary inside <revised_summary></revised_summary> tags",
	}[stage]
	msg := "it did not follow the required format"
	var pe *papersum.ProviderError
	if errors.As(outErr, &pe) && pe.Message != "" {
		msg = pe.Message
	}
	return "Your previous answer could not be used: " + msg + ". Answer again with " + format + " and nothing else."
}

// cacheTTL is the cache lifetime of the paper block.
func (r *Runner) cacheTTL() string {
	if t := r.stages[papersum.StageSummarize].CacheTTL; t != "" {
		return t
	}
	return "5m"
}

// maxSplitDepth bounds how often a part that is still too large is split
// again: 2^4 = 16 parts at most.
const maxSplitDepth = 4

// mapReduce summarizes paper in two halves (split again while a half is
// still too large), merges the part summaries into a stand-in paper and
// summarizes that into the draft. It returns the draft's stage result and
// the stand-in paper.
func (r *Runner) mapReduce(ctx context.Context, run *papersum.Run, paper *papersum.Paper,
	task papersum.Task, opts Options, depth int) (*papersum.StageResult, *papersum.Paper, error) {
	merged := &papersum.Paper{ID: paper.ID, Title: paper.Title, Source: paper.Source, Format: paper.Format}
	for _, part := range splitPaper(paper) {
		pt := task
		pt.Paper = part
		doc := &papersum.Document{Text: part.Text(), Cacheable: !r.noCache, CacheTTL: r.cacheTTL()}
		res, err := r.stage(ctx, run, papersum.StageSummarize, doc, pt, opts)
		if papersum.ClassOf(err) == papersum.ClassContextTooLarge && depth < maxSplitDepth && len(part.Sentences()) > 1 {
			var sub *papersum.Paper
			res, sub, err = r.mapReduce(ctx, run, part, pt, opts, depth+1)
			if err == nil {
				merged.Sections = append(merged.Sections, sub.Sections...)
				continue
			}
		}
		if err != nil {
			return nil, nil, err
		}
		title := part.Title
		if len(part.Sections) > 0 {
			title = part.Sections[0].Title
		}
		merged.Sections = append(merged.Sections, papersum.Section{
			Title: title, Kind: papersum.KindOther, Sentences: sentences.Split(res.Output)})
	}
	if depth > 0 {
		return nil, merged, nil
	}
	task.Paper = merged
	doc := &papersum.Document{Text: merged.Text(), Cacheable: !r.noCache, CacheTTL: r.cacheTTL()}
	res, err := r.stage(ctx, run, papersum.StageSummarize, doc, task, opts)
	return res, merged, err
}

// splitPaper splits a paper into two parts of about equal length at a
// section boundary, or inside its only section at a sentence boundary.
func splitPaper(p *papersum.Paper) []*papersum.Paper {
	part := func(secs []papersum.Section, i int) *papersum.Paper {
		return &papersum.Paper{ID: p.ID, Title: fmt.Sprintf("%s (part %d of 2)", p.Title, i),
			Source: p.Source, Format: p.Format, Sections: secs}
	}
	if len(p.Sections) == 1 {
		s := p.Sections[0]
		h := len(s.Sentences) / 2
		a, b := s, s
		a.Sentences, b.Sentences = s.Sentences[:h], s.Sentences[h:]
		return []*papersum.Paper{part([]papersum.Section{a}, 1), part([]papersum.Section{b}, 2)}
	}
	total := p.WordCount()
	words, cut := 0, 1
	for i, s := range p.Sections[:len(p.Sections)-1] {
		for _, t := range s.Sentences {
			words += len(strings.Fields(t))
		}
		cut = i + 1
		if 2*words >= total {
			break
		}
	}
	return []*papersum.Paper{part(p.Sections[:cut], 1), part(p.Sections[cut:], 2)}
}

// fail records run as failed with err's reason and returns err.
func (r *Runner) fail(ctx context.Context, run *papersum.Run, err error, log *slog.Logger) (*papersum.Run, error) {
	run.Status = papersum.RunFailed
	run.Error = err.Error()
	run.ErrorClass = papersum.ClassOf(err)
	now := r.clock.Now().UTC()
	run.FinishedAt = &now
	// Record the failure even when ctx was cancelled: a run must never be
	// left "running" because its caller gave up.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if serr := r.store.FinishRun(sctx, run); serr != nil {
		log.ErrorContext(ctx, "record failed run", "err", serr, "stage", string(stageOf(err)), "model", r.modelOf(stageOf(err)))
		if papersum.ErrorCode(serr) == papersum.EUNAVAILABLE {
			// The store still has the run running: so does the caller,
			// whose next attempt meets the failure again and records it.
			run.Status, run.Error, run.ErrorClass, run.FinishedAt = papersum.RunRunning, "", "", nil
			return run, errors.Join(err, serr)
		}
	}
	log.WarnContext(ctx, "run failed", "err", err, "class", run.ErrorClass,
		"stage", string(stageOf(err)), "model", r.modelOf(stageOf(err)))
	return run, err
}

// withStage sets the stage on a provider error that lacks one.
func withStage(err error, stage papersum.Stage) error {
	var pe *papersum.ProviderError
	if errors.As(err, &pe) && pe.Stage == "" {
		cp := *pe
		cp.Stage = stage
		return &cp
	}
	return fmt.Errorf("%s: %w", stage, err)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// NewRunID returns a new run ID: "run_" plus a time prefix, so IDs sort by
// creation, and 8 random bytes, so concurrent workers never collide.
func NewRunID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("run_%x%s", time.Now().UTC().UnixMilli(), hex.EncodeToString(b[:]))
}
