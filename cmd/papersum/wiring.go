package main

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/config"
	"github.com/papersum/papersum/llm"
	"github.com/papersum/papersum/llm/anthropic"
	"github.com/papersum/papersum/llm/local"
	"github.com/papersum/papersum/llm/openai"
	"github.com/papersum/papersum/llm/pricing"
	"github.com/papersum/papersum/pipeline"
	"github.com/papersum/papersum/postgres"
	"github.com/papersum/papersum/sqlite"
	"github.com/papersum/papersum/telemetry"
	"github.com/papersum/papersum/telemetry/tracing"
)

// loadConfig reads the file named by --config or $PAPERSUM_CONFIG, or
// returns the defaults (all stages local) when neither is set.
func loadConfig(g *globalFlags, getenv func(string) string) (*config.Config, error) {
	path := g.config
	if path == "" {
		path = getenv("PAPERSUM_CONFIG")
	}
	if path == "" {
		return config.Default(), nil
	}
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, papersum.Errorf(papersum.EINVALID, "config %s: no such file", path)
		}
		return nil, papersum.Errorf(papersum.EINVALID, "config %s: %v", path, err)
	}
	defer f.Close()
	cfg, err := config.Load(f, path)
	if err != nil {
		return nil, err
	}
	// Paths in a configuration file are relative to the file, so that a
	// configuration works from any working directory.
	for _, p := range []*string{&cfg.PricingFile, &cfg.Prompts} {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(filepath.Dir(path), *p)
		}
	}
	return cfg, nil
}

func newLogger(e *env, g *globalFlags) *slog.Logger {
	if !g.verbose {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(telemetry.TraceHandler(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelDebug})))
}

// openStore opens the store the flags name: PostgreSQL when a database URL
// is given, else the SQLite file.
func openStore(ctx context.Context, g *globalFlags, getenv func(string) string) (papersum.Store, error) {
	if u := firstNonEmpty(g.databaseURL, getenv("PAPERSUM_DATABASE_URL")); u != "" {
		return postgres.Open(ctx, u, postgres.Options{Schema: firstNonEmpty(g.pgSchema, getenv("PAPERSUM_DATABASE_SCHEMA")), SkipMigrations: g.skipMigrations})
	}
	path, err := dbPath(g, getenv)
	if err != nil {
		return nil, err
	}
	return sqlite.Open(ctx, path, sqlite.Options{SkipMigrations: g.skipMigrations})
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// pipelineDeps are the parts of a pipeline that do not need the store:
// built first, so that configuration errors surface before anything is
// stored.
type pipelineDeps struct {
	pricer   *pricing.Table
	prompts  pipeline.Prompts
	stages   map[papersum.Stage]pipeline.StageModel
	breakers *llm.Breakers
	// batchers are the providers that can take a batch (by provider name).
	batchers map[string]papersum.MessageBatcher
	// models are every model of the stages' chains, in order, without
	// repeats; breakerModels those of them behind a breaker (all but the
	// local engine).
	models, breakerModels []telemetry.ModelRef
	// observer takes the retry layer's and the breakers' events to the
	// metrics of a command that has them (serve).
	observer *callObserver
	// scorer measures each run's revised summary (the local engine).
	scorer papersum.Model
	// tracing is the tracer provider (tracing.go); genai takes the model
	// calls to the GenAI metrics.
	tracing *tracing.Provider
	genai   *genaiObserver
}

// callObserver forwards the events of the retry layer (attempts) and of
// the breakers (state changes) to a command's metrics. The pipeline is
// built before the metrics (which need its list of models), so the
// metrics are attached afterwards with use; until then, and in commands
// without metrics, events are dropped.
type callObserver struct {
	metrics atomic.Pointer[telemetry.Metrics]
}

// use sends later events to m.
func (o *callObserver) use(m *telemetry.Metrics) { o.metrics.Store(m) }

// attempt is llm.RetryConfig.OnAttempt: an attempt followed by a retry
// counts in pipeline_retries_total by the class it failed with, and an
// abandoned one in pipeline_calls_abandoned_total.
func (o *callObserver) attempt(a llm.Attempt) {
	m := o.metrics.Load()
	if m == nil {
		return
	}
	if a.Err != nil && !a.Final {
		m.Retry(a.Class)
	}
	if a.Abandoned {
		m.CallAbandoned(a.Provider, a.Model, a.Stage)
	}
}

// stateChange is llm.BreakerConfig.OnStateChange: the breaker's gauge
// follows every change.
func (o *callObserver) stateChange(provider, model string, _, to llm.CircuitState) {
	m := o.metrics.Load()
	if m == nil {
		return
	}
	s := telemetry.BreakerClosed
	switch to {
	case llm.CircuitOpen:
		s = telemetry.BreakerOpen
	case llm.CircuitHalfOpen:
		s = telemetry.BreakerHalfOpen
	}
	m.SetBreakerState(provider, model, s)
}

// newPipelineDeps builds each stage's model from the configuration with
// the model-chain policy of llm.BuildStages (retry inside a breaker for
// every remote model, a fallback chain per stage, the local engine as the
// last resort), which every command shares. Models without a price are
// refused here.
func newPipelineDeps(cfg *config.Config, e *env, logger *slog.Logger) (*pipelineDeps, error) {
	table, err := loadPricer(cfg)
	if err != nil {
		return nil, err
	}
	var prompts pipeline.Prompts
	if cfg.Prompts != "" {
		prompts, err = pipeline.LoadPrompts(cfg.Prompts)
	} else {
		prompts, err = pipeline.DefaultPrompts()
	}
	if err != nil {
		return nil, err
	}
	observer := &callObserver{}
	breakers, err := llm.NewBreakers(llm.BreakerConfig{
		ConsecutiveFailures: uint32(cfg.Breaker.Failures), OpenTimeout: time.Duration(cfg.Breaker.OpenTimeout), Logger: logger,
		OnStateChange: observer.stateChange,
	})
	if err != nil {
		return nil, err
	}
	engine := local.New(local.Config{})
	d := &pipelineDeps{pricer: table, prompts: prompts, breakers: breakers, observer: observer, scorer: engine,
		stages: map[papersum.Stage]pipeline.StageModel{}, batchers: map[string]papersum.MessageBatcher{}, genai: &genaiObserver{}}
	if d.tracing, err = newTracing(cfg, e); err != nil {
		return nil, err
	}
	now := time.Now()
	links := map[papersum.Stage][]llm.ChainLink{}
	seen := map[telemetry.ModelRef]bool{}
	for _, s := range papersum.Stages {
		sc := cfg.Stages.Get(s)
		for _, ref := range append([]config.ModelRef{{Provider: sc.Provider, Model: sc.Model}}, sc.Fallback...) {
			pc, _ := cfg.Provider(ref.Provider)
			isLocal := pc.Type == config.ProviderLocal
			links[s] = append(links[s], llm.ChainLink{Provider: ref.Provider, Model: ref.Model, Local: isLocal})
			if mr := (telemetry.ModelRef{Provider: ref.Provider, Model: ref.Model}); !seen[mr] {
				seen[mr] = true
				d.models = append(d.models, mr)
				if !isLocal {
					d.breakerModels = append(d.breakerModels, mr)
				}
			}
		}
	}
	built, err := llm.BuildStages(llm.StagesConfig{
		Stages: links,
		Check: func(s papersum.Stage, l llm.ChainLink) error {
			if !table.Known(l.Provider, l.Model, now) {
				return papersum.Errorf(papersum.EINVALID,
					"stage %s: no price for %s model %q; add a row to the pricing file (pricing_file in the config)", s, l.Provider, l.Model)
			}
			return nil
		},
		Adapter: func(provider string) (papersum.Model, error) {
			if provider == config.ProviderLocal {
				return engine, nil
			}
			pc, _ := cfg.Provider(provider)
			return newAdapter(provider, pc, table, e.getenv)
		},
		Retry: llm.RetryConfig{MaxAttempts: cfg.Retry.MaxAttempts,
			BaseDelay: time.Duration(cfg.Retry.BaseDelay), MaxDelay: time.Duration(cfg.Retry.MaxDelay),
			TotalDeadline: time.Duration(cfg.Retry.TotalDeadline), OnAttempt: observer.attempt},
		Seed:       uint64(now.UnixNano()),
		Breakers:   breakers,
		Logger:     logger,
		Instrument: d.instrument(cfg, e),
	})
	if err != nil {
		return nil, err
	}
	for provider, a := range built.Adapters {
		if b, ok := a.(papersum.MessageBatcher); ok {
			d.batchers[provider] = b
		}
	}
	for _, s := range papersum.Stages {
		sc, chain := cfg.Stages.Get(s), built.Chains[s]
		stage := pipeline.StageModel{
			Provider: sc.Provider, Model: sc.Model, MaxTokens: sc.MaxTokens, Client: chain.Client,
			Temperature: sc.Temperature, Timeout: time.Duration(sc.Timeout), CacheTTL: sc.CacheTTL,
		}
		if row, ok := table.Lookup(sc.Provider, sc.Model, now); ok {
			stage.MaxOutputTokens = row.MaxOutput
		}
		if f := chain.Fallback; f != nil {
			stage.Fallback = &pipeline.StageModel{Provider: f.Provider, Model: f.Model, Client: chain.Local, MaxTokens: sc.MaxTokens}
		}
		d.stages[s] = stage
	}
	return d, nil
}

// newAdapter builds the client of a provider from its configuration.
func newAdapter(name string, pc config.ProviderConfig, table *pricing.Table, getenv func(string) string) (papersum.Model, error) {
	key, err := apiKey(pc, getenv)
	if err != nil {
		return nil, papersum.Errorf(papersum.EINVALID, "provider %s: %s", name, papersum.ErrorMessage(err))
	}
	accepts := func(model string) (bool, bool) {
		row, ok := table.Lookup(name, model, time.Now())
		return row.AcceptsTemperature, ok
	}
	switch pc.Type {
	case config.ProviderAnthropic:
		return anthropic.New(anthropic.Config{APIKey: key, BaseURL: pc.BaseURL, Capabilities: accepts})
	case config.ProviderOpenAI:
		return openai.New(openai.Config{APIKey: key, BaseURL: pc.BaseURL, ProviderName: name,
			AcceptsTemperature: func(model string) bool { ok, known := accepts(model); return ok || !known }})
	}
	return nil, papersum.Errorf(papersum.EINVALID, "provider %s: unknown type %q", name, pc.Type)
}

func (d *pipelineDeps) runner(store papersum.Store, logger *slog.Logger, cfg *config.Config) (*pipeline.Runner, error) {
	return pipeline.NewRunner(pipeline.RunnerConfig{
		Stages: d.stages, Prompts: d.prompts, Store: store, Pricer: d.pricer,
		Logger: logger, ConfigHash: cfg.Hash(), NoCache: !*cfg.CachePaper, Scorer: d.scorer, Style: cfg.Style,
		TracerProvider: d.tracerProvider(),
	})
}

// loadPricer loads the pricing table of cfg (the built-in one by default):
// prices, and each model's capabilities.
func loadPricer(cfg *config.Config) (*pricing.Table, error) {
	if cfg.PricingFile == "" {
		return pricing.Default()
	}
	f, err := os.Open(cfg.PricingFile)
	if err != nil {
		return nil, papersum.Errorf(papersum.EINVALID, "pricing file %s: %v", cfg.PricingFile, err)
	}
	defer f.Close()
	return pricing.Load(f)
}
