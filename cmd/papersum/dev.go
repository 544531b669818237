package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/llm/llmtest/fakeupstream"
)

func newDevCmd(e *env, g *globalFlags) *cobra.Command {
	c := &cobra.Command{
		Use:   "dev",
		Short: "Tools for developing and load-testing papersum",
	}
	c.AddCommand(newFakeUpstreamCmd(e), newSeedRunsCmd(e, g))
	return c
}

func newFakeUpstreamCmd(e *env) *cobra.Command {
	var addr, apiKey string
	var cfg fakeupstream.Config
	var latency, retryAfter, hangMax, batchDelay time.Duration
	c := &cobra.Command{
		Use:   "fake-upstream",
		Short: "Serve a fake Anthropic and OpenAI-compatible API on loopback",
		Long: `fake-upstream serves the wire formats of the Anthropic Messages and Message
Batches APIs (/v1/messages, /v1/messages/batches) and of OpenAI Chat
Completions (/v1/chat/completions), with real prompt-cache semantics and
replies that follow each stage's output contract (built with the local
engine). Faults are injected at the given rates, deterministically for a
seed, or forced per request with the X-Fake-Fault header.

Point a configuration at it with providers.anthropic.base_url (and any
api key), for tests and load tests without the real API.`,
		Example: `  papersum dev fake-upstream --addr 127.0.0.1:8099
  papersum dev fake-upstream --latency 200ms --rate-429 0.1 --rate-529 0.05`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			cfg.Latency, cfg.Faults.RetryAfter, cfg.Faults.HangMax, cfg.BatchProcessingDelay = latency, retryAfter, hangMax, batchDelay
			cfg.APIKey = apiKey
			if err := cfg.Validate(); err != nil {
				return &usageError{msg: err.Error()}
			}
			srv := fakeupstream.New(cfg)
			err := srv.ListenAndServe(c.Context(), addr, func(baseURL string) {
				fmt.Fprintf(e.stdout, "fake upstream listening on %s\n", baseURL)
			})
			if err != nil && c.Context().Err() == nil {
				return papersum.Errorf(papersum.EUNAVAILABLE, "fake upstream: %v", err)
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&addr, "addr", "127.0.0.1:0", "listen address (port 0 picks a free port; loopback only is advised)")
	f.StringVar(&apiKey, "api-key", "", "require this API key (default: accept any)")
	f.Int64Var(&cfg.Seed, "seed", 1, "seed of the fault draws")
	f.DurationVar(&latency, "latency", 0, "added latency per request")
	f.DurationVar(&retryAfter, "retry-after", 2*time.Second, "retry-after sent with 429 and 529")
	f.DurationVar(&hangMax, "hang-max", 30*time.Second, "how long a hung request hangs at most before it is answered 504 (negative: until the client gives up, never answered)")
	f.DurationVar(&batchDelay, "batch-delay", 2*time.Second, "how long a message batch stays in progress")
	f.Float64Var(&cfg.Faults.RateLimit429, "rate-429", 0, "share of requests answered 429")
	f.Float64Var(&cfg.Faults.Overloaded529, "rate-529", 0, "share answered 529 (503 on the OpenAI route)")
	f.Float64Var(&cfg.Faults.Server500, "rate-500", 0, "share answered 500")
	f.Float64Var(&cfg.Faults.Unavailable503, "rate-503", 0, "share answered 503")
	f.Float64Var(&cfg.Faults.Hang, "rate-hang", 0, "share that hang until the client gives up")
	f.Float64Var(&cfg.Faults.ConnectionReset, "rate-reset", 0, "share whose connection is reset")
	f.Float64Var(&cfg.Faults.MalformedXML, "rate-malformed", 0, "share answered with output that breaks the stage's XML contract")
	f.Float64Var(&cfg.Faults.Truncate, "rate-truncate", 0, "share cut off at max_tokens")
	return c
}
