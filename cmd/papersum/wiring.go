package main

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/config"
	"github.com/papersum/papersum/llm/local"
	"github.com/papersum/papersum/llm/pricing"
	"github.com/papersum/papersum/pipeline"
	"github.com/papersum/papersum/sqlite"
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
	return config.Load(f, path)
}

func newLogger(e *env, g *globalFlags) *slog.Logger {
	if !g.verbose {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func openStore(ctx context.Context, g *globalFlags, getenv func(string) string) (papersum.Store, error) {
	path, err := dbPath(g, getenv)
	if err != nil {
		return nil, err
	}
	return sqlite.Open(ctx, path, sqlite.Options{})
}

// pipelineDeps are the parts of a pipeline that do not need the store:
// built first, so that configuration errors surface before anything is
// stored.
type pipelineDeps struct {
	pricer  papersum.Pricer
	prompts pipeline.Prompts
	stages  map[papersum.Stage]pipeline.StageModel
}

func newPipelineDeps(cfg *config.Config) (*pipelineDeps, error) {
	pricer, err := loadPricer(cfg)
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
	engine := local.New(local.Config{})
	stages := map[papersum.Stage]pipeline.StageModel{}
	for _, s := range papersum.Stages {
		sc := cfg.Stages.Get(s)
		var client papersum.Model
		switch sc.Provider {
		case config.ProviderLocal:
			client = engine
		default:
			return nil, papersum.Errorf(papersum.EINVALID,
				"stages.%s.provider %s is not available in this build yet (use local)", s, sc.Provider)
		}
		stages[s] = pipeline.StageModel{
			Provider: sc.Provider, Model: sc.Model, Client: client, MaxTokens: sc.MaxTokens,
			Temperature: sc.Temperature, Timeout: timeDuration(sc.Timeout),
		}
	}
	return &pipelineDeps{pricer: pricer, prompts: prompts, stages: stages}, nil
}

func (d *pipelineDeps) runner(store papersum.Store, logger *slog.Logger, cfg *config.Config) (*pipeline.Runner, error) {
	return pipeline.NewRunner(pipeline.RunnerConfig{
		Stages: d.stages, Prompts: d.prompts, Store: store, Pricer: d.pricer,
		Logger: logger, ConfigHash: cfg.Hash(),
	})
}

func loadPricer(cfg *config.Config) (papersum.Pricer, error) {
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

func timeDuration(d config.Duration) time.Duration { return time.Duration(d) }
