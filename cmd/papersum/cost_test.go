package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/llm/llmtest/fakeupstream"
	"github.com/papersum/papersum/llm/pricing"
	"github.com/papersum/papersum/sqlite"
)

// TestCostModes measures what prompt caching and the Message Batches API
// save, on real papers: the first ScisummNet papers run through the three
// stages on claude-sonnet-4-5 (served by the fake upstream, which reports
// usage with Anthropic's cache semantics) in three modes: naive (no cache,
// no batch), cache, and cache+batch. Costs come from the usage the API
// returned and the pricing table.
//
//	PAPERSUM_DATA=../shared/data go test ./cmd/papersum -run CostModes -v
//
// PAPERSUM_COST_PAPERS sets the sample size (default 50).
func TestCostModes(t *testing.T) {
	data := os.Getenv("PAPERSUM_DATA")
	if data == "" {
		t.Skip("PAPERSUM_DATA not set")
	}
	n := 50
	if v := os.Getenv("PAPERSUM_COST_PAPERS"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	files, _ := filepath.Glob(filepath.Join(data, "scisummnet", "*", "Reference_XML", "*.xml"))
	sort.Strings(files)
	if len(files) < n {
		t.Fatalf("%d papers under %s", len(files), data)
	}
	dir := t.TempDir()
	for _, f := range files[:n] {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o644)
	}
	pricer, err := pricing.Default()
	if err != nil {
		t.Fatal(err)
	}
	type stageCost struct{ input, output float64 }
	modes := []struct {
		name  string
		cache bool
		batch bool
	}{{"naive", false, false}, {"cache", true, false}, {"cache+batch", true, true}}
	results := map[string]map[papersum.Stage]*stageCost{}
	for _, m := range modes {
		_, url := startFake(t, fakeupstream.Config{Seed: 7, BatchProcessingDelay: 20 * time.Millisecond})
		cfg := writeConfig(t, fmt.Sprintf(`
cache_paper: %v
providers:
  anthropic: {base_url: %q}
stages:
  summarize: {provider: anthropic, model: claude-sonnet-4-5}
  critique:  {provider: anthropic, model: claude-sonnet-4-5}
  revise:    {provider: anthropic, model: claude-sonnet-4-5}
`, m.cache, url))
		db := filepath.Join(t.TempDir(), "cost.db")
		args := []string{"batch", "--concurrency", "8", "--db", db, "--config", cfg, dir}
		if m.batch {
			args = append(args, "--batch-api", "--batch-poll", "10ms")
		}
		r := cliEnv(t, map[string]string{"ANTHROPIC_API_KEY": "k"}, args...)
		if r.err != nil {
			t.Fatalf("%s: %v\n%s", m.name, r.err, r.stderr)
		}
		store, err := sqlite.Open(context.Background(), db, sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		runs, _ := store.ListRuns(context.Background(), papersum.RunFilter{Limit: 1000})
		costs := map[papersum.Stage]*stageCost{}
		for _, s := range papersum.Stages {
			costs[s] = &stageCost{}
		}
		for _, lr := range runs {
			run, _ := store.GetRun(context.Background(), lr.ID)
			if run.Status != papersum.RunSucceeded {
				t.Errorf("%s: run %s %s", m.name, run.ID, run.Error)
			}
			for _, s := range run.Stages {
				in := s.Usage
				in.OutputTokens = 0
				inCost, err := pricer.Price(s.Provider, s.Model, in, m.batch, s.StartedAt)
				if err != nil {
					t.Fatal(err)
				}
				costs[s.Stage].input += inCost
				costs[s.Stage].output += s.CostUSD - inCost
			}
		}
		store.Close()
		results[m.name] = costs
	}
	total := func(c map[papersum.Stage]*stageCost) float64 {
		var v float64
		for _, s := range c {
			v += s.input + s.output
		}
		return v
	}
	in23 := func(c map[papersum.Stage]*stageCost) float64 {
		return c[papersum.StageCritique].input + c[papersum.StageRevise].input
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n%d ScisummNet papers, claude-sonnet-4-5 on all stages, per paper (USD):\n", n)
	fmt.Fprintf(&b, "| mode | summarize in | summarize out | critique in | critique out | revise in | revise out | stage 2+3 input | whole run | vs naive |\n|---|---|---|---|---|---|---|---|---|---|\n")
	naive := total(results["naive"])
	for _, m := range modes {
		c := results[m.name]
		fmt.Fprintf(&b, "| %s | %.5f | %.5f | %.5f | %.5f | %.5f | %.5f | %.5f (%.1f%%) | %.5f | %.1f%% |\n", m.name,
			c[papersum.StageSummarize].input/float64(n), c[papersum.StageSummarize].output/float64(n),
			c[papersum.StageCritique].input/float64(n), c[papersum.StageCritique].output/float64(n),
			c[papersum.StageRevise].input/float64(n), c[papersum.StageRevise].output/float64(n),
			in23(c)/float64(n), 100*in23(c)/in23(results["naive"]), total(c)/float64(n), 100*total(c)/naive)
	}
	t.Log(b.String())
	if r := in23(results["cache"]) / in23(results["naive"]); r > 0.45 {
		t.Errorf("cache costs %.1f%% of naive on stage 2+3 input, want <= 45%%", 100*r)
	}
	if r := total(results["cache+batch"]) / naive; r > 0.30 {
		t.Errorf("cache+batch costs %.1f%% of naive for the whole run, want <= 30%%", 100*r)
	}
}
