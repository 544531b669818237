package pipeline

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"time"

	"github.com/papersum/papersum"
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
	if cfg.Store == nil || cfg.Pricer == nil {
		return nil, papersum.Errorf(papersum.EINTERNAL, "pipeline: store and pricer are required")
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
		clock: cfg.Clock, logger: cfg.Logger, newID: cfg.NewID, hash: cfg.ConfigHash}, nil
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
	if opts.TargetWords < 10 || opts.TargetWords > 5000 {
		return nil, papersum.Errorf(papersum.EINVALID, "target length %d words is out of range (10-5000)", opts.TargetWords)
	}
	if err := r.store.PutPaper(ctx, paper); err != nil {
		return nil, fmt.Errorf("store paper: %w", err)
	}
	run := &papersum.Run{
		ID: r.newID(), PaperID: paper.ID, Title: paper.Title, Source: paper.Source,
		Status: papersum.RunRunning, ConfigHash: r.hash, TargetWords: opts.TargetWords,
		Team: opts.Team, User: opts.User, CreatedAt: r.clock.Now().UTC(),
	}
	if err := r.store.CreateRun(ctx, run); err != nil {
		return nil, fmt.Errorf("store run: %w", err)
	}
	log := r.logger.With("run", run.ID, "paper", paper.ID)

	task := papersum.Task{Paper: paper, TargetWords: opts.TargetWords}
	doc := &papersum.Document{Text: paper.Text(), Cacheable: true, CacheTTL: "5m"}

	draftRes, err := r.stage(ctx, run, papersum.StageSummarize, doc, task, opts)
	if err != nil {
		return r.fail(ctx, run, err, log)
	}
	task.Draft = draftRes.Output
	critRes, err := r.stage(ctx, run, papersum.StageCritique, doc, task, opts)
	if err != nil {
		return r.fail(ctx, run, err, log)
	}
	task.Critique = critRes.Critique
	revRes, err := r.stage(ctx, run, papersum.StageRevise, doc, task, opts)
	if err != nil {
		return r.fail(ctx, run, err, log)
	}

	run.Status = papersum.RunSucceeded
	run.Summary = revRes.Output
	scores := critRes.Critique.Scores
	run.Scores = &scores
	now := r.clock.Now().UTC()
	run.FinishedAt = &now
	if err := r.store.FinishRun(ctx, run); err != nil {
		return run, fmt.Errorf("store run %s: %w", run.ID, err)
	}
	log.Info("run succeeded", "cost_usd", run.TotalCost())
	return run, nil
}

// stage runs one stage and records its result in the store and in run.
func (r *Runner) stage(ctx context.Context, run *papersum.Run, stage papersum.Stage,
	doc *papersum.Document, task papersum.Task, opts Options) (*papersum.StageResult, error) {
	m := r.stages[stage]
	tmpl := r.prompts[stage]
	task.Stage = stage
	system, user, err := tmpl.Render(PromptData{
		Title: task.Paper.Title, TargetWords: task.TargetWords, MaxWords: MaxWords(task.TargetWords),
		Draft: task.Draft, Critique: task.Critique,
	})
	if err != nil {
		return nil, err
	}
	req := &papersum.Request{
		Model: m.Model, System: system, Paper: doc, Prompt: user,
		MaxTokens: m.MaxTokens, Temperature: m.Temperature, Timeout: m.Timeout, Task: task,
	}
	start := r.clock.Now()
	resp, err := m.Client.Generate(ctx, req)
	latency := r.clock.Now().Sub(start)
	if err != nil {
		return nil, withStage(err, stage)
	}
	res := &papersum.StageResult{
		Stage: stage, Provider: orDefault(resp.Provider, m.Provider), Model: orDefault(resp.Model, m.Model),
		PromptVersion: tmpl.Version, Raw: resp.Text, Usage: resp.Usage, Latency: latency,
		StopReason: resp.StopReason, FallbackReason: resp.FallbackReason, StartedAt: start.UTC(),
	}
	res.CostUSD, err = r.pricer.Price(res.Provider, res.Model, res.Usage, m.Batch, start)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", stage, err)
	}
	var parseErr error
	if resp.StopReason == papersum.StopMaxTokens {
		// A cut-off answer is never kept as if it were whole.
		parseErr = &papersum.ProviderError{Class: papersum.ClassTruncated, Stage: stage,
			Provider: res.Provider, Model: res.Model, Raw: resp.Text,
			Message: fmt.Sprintf("output reached max_tokens (%d)", m.MaxTokens)}
	} else {
		switch stage {
		case papersum.StageSummarize:
			res.Output, parseErr = ExtractSummary(stage, TagSummary, resp.Text)
		case papersum.StageCritique:
			res.Critique, parseErr = ExtractCritique(resp.Text)
		case papersum.StageRevise:
			res.Output, parseErr = ExtractSummary(stage, TagRevisedSummary, resp.Text)
		}
	}
	// The stage is recorded even when its output is unusable: the raw
	// output and the tokens paid for are what an operator needs to see.
	if err := r.store.AddStage(ctx, run.ID, res); err != nil {
		return nil, fmt.Errorf("store %s result: %w", stage, err)
	}
	run.Stages = append(run.Stages, *res)
	if opts.OnStage != nil {
		opts.OnStage(*res)
	}
	if parseErr != nil {
		return nil, parseErr
	}
	return res, nil
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
		log.Error("record failed run", "err", serr)
	}
	log.Warn("run failed", "err", err, "class", run.ErrorClass)
	return run, err
}

// withStage sets the stage on a provider error that lacks one.
func withStage(err error, stage papersum.Stage) error {
	if pe, ok := err.(*papersum.ProviderError); ok && pe.Stage == "" {
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
