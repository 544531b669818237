package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/llm/llmtest/fakeupstream"
	"github.com/papersum/papersum/llm/pricing"
	"github.com/papersum/papersum/sqlite"
)

// TestSoak runs papers through the three stages on the fake upstream with
// faults injected at the rates of the acceptance test: 10% 429, 5% 529, 3%
// 500, 2% hangs (timeouts), 5% malformed XML and 3% truncation. It checks
// that at least 99.5% of runs succeed, that every failure has a class and
// a reason, that no run is lost or recorded twice, and that every token
// the upstream served is recorded and priced.
//
//	PAPERSUM_SOAK_PAPERS=1000 go test ./cmd/papersum -run Soak -v
//
// The default is 150 papers, to keep `go test ./...` quick.
func TestSoak(t *testing.T) {
	n := 150
	if v := os.Getenv("PAPERSUM_SOAK_PAPERS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			t.Fatalf("PAPERSUM_SOAK_PAPERS=%q", v)
		}
	}
	if testing.Short() {
		n = 30
	}
	srv, url := startFake(t, fakeupstream.Config{Seed: 42, Faults: fakeupstream.Faults{
		RateLimit429: 0.10, Overloaded529: 0.05, Server500: 0.03, Hang: 0.02,
		MalformedXML: 0.05, Truncate: 0.03,
		RetryAfter: 20 * time.Millisecond, HangMax: 5 * time.Second,
	}})
	// Production-shaped configuration, with delays scaled down so that the
	// soak takes seconds: sonnet falls back to haiku; no local engine in
	// the chain, so every success is the providers' path.
	cfg := writeConfig(t, fmt.Sprintf(`
providers:
  anthropic: {base_url: %q}
retry: {max_attempts: 4, base_delay: 5ms, max_delay: 50ms, total_deadline: 20s}
breaker: {failures: 50, open_timeout: 1s}
stages:
  summarize: {provider: anthropic, model: claude-sonnet-4-5, timeout: 400ms, fallback: [{provider: anthropic, model: claude-haiku-4-5}]}
  critique:  {provider: anthropic, model: claude-sonnet-4-5, timeout: 400ms, fallback: [{provider: anthropic, model: claude-haiku-4-5}]}
  revise:    {provider: anthropic, model: claude-sonnet-4-5, timeout: 400ms, fallback: [{provider: anthropic, model: claude-haiku-4-5}]}
`, url))
	dir := writePapers(t, n)
	db := filepath.Join(t.TempDir(), "soak.db")
	start := time.Now()
	r := cliEnv(t, map[string]string{"ANTHROPIC_API_KEY": "k"}, "batch", "--concurrency", "16", "--db", db, "--config", cfg, dir)
	elapsed := time.Since(start)
	if r.err != nil && r.code != exitFailure {
		t.Fatalf("batch: %v\n%s", r.err, r.stderr)
	}

	ctx := context.Background()
	store, err := sqlite.Open(ctx, db, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	pricer, err := pricing.Default()
	if err != nil {
		t.Fatal(err)
	}
	runs, err := store.ListRuns(ctx, papersum.RunFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if n > 1000 {
		t.Skip("the checks below list at most 1000 runs")
	}
	perPaper := map[string]int{}
	var succeeded, failed int
	var calls int
	var recorded papersum.Usage
	var cost float64
	classes := map[papersum.Class]int{}
	for _, lr := range runs {
		perPaper[lr.PaperID]++
		run, err := store.GetRun(ctx, lr.ID)
		if err != nil {
			t.Fatal(err)
		}
		switch run.Status {
		case papersum.RunSucceeded:
			succeeded++
		case papersum.RunFailed:
			failed++
			classes[run.ErrorClass]++
			if run.ErrorClass == "" || run.Error == "" {
				t.Errorf("run %s failed without a class or reason: %q %q", run.ID, run.ErrorClass, run.Error)
			}
		default:
			t.Errorf("run %s left %s", run.ID, run.Status)
		}
		for _, s := range run.Stages {
			calls++
			recorded = recorded.Add(s.Usage)
			want, err := pricer.Price(s.Provider, s.Model, s.Usage, false, s.StartedAt)
			if err != nil || want != s.CostUSD || (s.CostUSD == 0 && s.Usage.TotalInput()+s.Usage.OutputTokens > 0) {
				t.Errorf("run %s %s: cost %v, priced %v (%v)", run.ID, s.Stage, s.CostUSD, want, err)
			}
			cost += s.CostUSD
		}
	}
	if len(runs) != n || len(perPaper) != n {
		t.Errorf("%d runs for %d papers, want %d each (none lost, none twice)", len(runs), len(perPaper), n)
	}
	for p, k := range perPaper {
		if k != 1 {
			t.Errorf("paper %s has %d runs", p, k)
		}
	}
	st := srv.Stats()
	served := st.InputTokens + st.CacheWriteTokens + st.CacheReadTokens + st.OutputTokens
	got := recorded.TotalInput() + recorded.OutputTokens
	if served != got {
		t.Errorf("the upstream served %d tokens, the store recorded %d", served, got)
	}
	rate := float64(succeeded) / float64(n)
	t.Logf("soak: %d papers in %s (%.1f papers/s), %d succeeded (%.2f%%), %d failed %v; %d recorded calls; %d HTTP requests %v; faults %v; tokens served %d = recorded %d; cost $%.4f",
		n, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds(), succeeded, 100*rate, failed, classes, calls,
		st.Requests[fakeupstream.EndpointMessages], st.Statuses, st.Faults, served, got, cost)
	if rate < 0.995 {
		t.Errorf("success rate %.4f below 0.995", rate)
	}
}
