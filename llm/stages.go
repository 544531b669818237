package llm

import (
	"log/slog"
	"math/rand/v2"

	"github.com/papersum/papersum"
)

// ChainLink names one model of a stage's chain: the first choice, then
// its fallbacks in order.
type ChainLink struct {
	Provider string
	Model    string
	// Local marks the offline engine: it needs no retry and no breaker,
	// and as the last of several links it also answers for a model whose
	// output stays unusable (see StageChain.Fallback).
	Local bool
}

// StagesConfig configures BuildStages. Zero values take the documented
// defaults; BuildStages refuses a config without a required field.
type StagesConfig struct {
	// Stages are the links of each stage's chain, at least one each, for
	// the stages of papersum.Stages that are set. Required.
	Stages map[papersum.Stage][]ChainLink
	// Check, when set, is called for each link before its client is
	// built, in stage order; its error stops the build (the CLI refuses
	// a model without a price here). Default: none.
	Check func(stage papersum.Stage, l ChainLink) error
	// Adapter returns the client of a provider by its name, the local
	// engine's included; it is called once per provider. Required.
	Adapter func(provider string) (papersum.Model, error)
	// Retry is the retry policy of every remote link; Provider is set
	// from the link, and Rand from Seed, one generator per link. Its
	// zero values take RetryConfig's defaults.
	Retry RetryConfig
	// Seed seeds the jitter of the links. Default 0.
	Seed uint64
	// Breakers puts each remote link behind its provider/model circuit
	// breaker. Required.
	Breakers *Breakers
	// Logger receives the chains' fallback lines and the retriers'
	// lines. Default: discard.
	Logger *slog.Logger
	// Instrument, when set, wraps the adapter of each link, inside its
	// Retrier: each attempt goes through it (the CLI puts the GenAI
	// span and metrics decorator, telemetry.NewGenAIModel, here).
	// Stages.Adapters keep the bare adapters. Default nil: none.
	Instrument func(l ChainLink, m papersum.Model) papersum.Model
}

// StageChain is what a stage calls.
type StageChain struct {
	// Client is the stage's model: its single link, or a Chain over its
	// links; each remote link is its adapter inside a Retrier inside its
	// breaker.
	Client papersum.Model
	// Fallback is the local engine's link and Local its client when the
	// chain has several links and ends with the local engine: it produces
	// the output contract when a model's output stays unusable after one
	// repair. Zero otherwise.
	Fallback *ChainLink
	Local    papersum.Model
}

// Stages are the built chains of every stage.
type Stages struct {
	// Chains are by stage.
	Chains map[papersum.Stage]StageChain
	// Adapters are the clients built, by provider: the caller finds the
	// providers that take Message Batches (papersum.MessageBatcher) here.
	Adapters map[string]papersum.Model
}

// BuildStages builds the model of each stage: the model-chain policy that
// every command shares (summarize, batch, serve, eval). Each remote model
// is called through a Retrier inside its provider/model circuit breaker,
// and a stage with fallbacks through a Chain; the local engine needs no
// retry or breaker.
//
// Errors: EINVALID for a config without a required field or a stage
// without links; those of Check and Adapter; those of NewRetrier and
// NewChain.
func BuildStages(cfg StagesConfig) (*Stages, error) {
	if cfg.Adapter == nil || cfg.Breakers == nil || len(cfg.Stages) == 0 {
		return nil, papersum.Errorf(papersum.EINVALID, "llm: BuildStages needs stages, an Adapter and Breakers")
	}
	out := &Stages{Chains: map[papersum.Stage]StageChain{}, Adapters: map[string]papersum.Model{}}
	for _, s := range papersum.Stages {
		refs, ok := cfg.Stages[s]
		if !ok {
			continue
		}
		if len(refs) == 0 {
			return nil, papersum.Errorf(papersum.EINVALID, "llm: stage %s has no model", s)
		}
		var links []Link
		for _, ref := range refs {
			if cfg.Check != nil {
				if err := cfg.Check(s, ref); err != nil {
					return nil, err
				}
			}
			client, err := out.adapter(cfg, ref.Provider)
			if err != nil {
				return nil, err
			}
			if cfg.Instrument != nil {
				client = cfg.Instrument(ref, client)
			}
			if !ref.Local {
				rc := cfg.Retry
				rc.Provider = ref.Provider
				rc.Rand = rand.New(rand.NewPCG(cfg.Seed, uint64(len(links))))
				if rc.Logger == nil {
					rc.Logger = cfg.Logger
				}
				r, err := NewRetrier(client, rc)
				if err != nil {
					return nil, err
				}
				client = cfg.Breakers.Wrap(ref.Provider, ref.Model, r)
			}
			links = append(links, Link{Provider: ref.Provider, Model: ref.Model, Client: client})
		}
		var sc StageChain
		if len(links) == 1 {
			sc.Client = links[0].Client
		} else {
			chain, err := NewChain(cfg.Logger, links...)
			if err != nil {
				return nil, err
			}
			sc.Client = chain
		}
		if last := refs[len(refs)-1]; len(refs) > 1 && last.Local {
			sc.Fallback, sc.Local = &last, links[len(links)-1].Client
		}
		out.Chains[s] = sc
	}
	return out, nil
}

// adapter returns the client of provider, building it on first use.
func (st *Stages) adapter(cfg StagesConfig, provider string) (papersum.Model, error) {
	if a, ok := st.Adapters[provider]; ok {
		return a, nil
	}
	a, err := cfg.Adapter(provider)
	if err != nil {
		return nil, err
	}
	st.Adapters[provider] = a
	return a, nil
}
