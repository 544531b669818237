package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/llm/llmtest/fakeupstream"
	"github.com/papersum/papersum/sqlite"
)

// These tests drive the whole program against the fake upstream, the way
// a user points papersum at Claude.

func startFake(t *testing.T, cfg fakeupstream.Config) (*fakeupstream.Server, string) {
	t.Helper()
	srv := fakeupstream.New(cfg)
	url, stop := srv.Start()
	t.Cleanup(stop)
	return srv, url
}

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// cliEnv runs the program with extra environment variables.
func cliEnv(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	return runCLI(t, context.Background(), env, "", args...)
}

func cliCtx(t *testing.T, ctx context.Context, env map[string]string, args ...string) result {
	t.Helper()
	return runCLI(t, ctx, env, "", args...)
}

func TestSummarizeOnClaudeViaFakeUpstream(t *testing.T) {
	_, url := startFake(t, fakeupstream.Config{Seed: 1})
	cfg := writeConfig(t, fmt.Sprintf(`
providers:
  anthropic: {base_url: %q}
stages:
  summarize: {provider: anthropic, model: claude-sonnet-4-5}
  critique:  {provider: anthropic, model: claude-sonnet-4-5}
  revise:    {provider: anthropic, model: claude-sonnet-4-5}
`, url))
	db := filepath.Join(t.TempDir(), "p.db")
	r := cliEnv(t, map[string]string{"ANTHROPIC_API_KEY": "test-key"},
		"summarize", "--db", db, "--config", cfg, "--format", "json", examplePDF)
	if r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.stderr)
	}
	var got struct {
		Status string
		Stages []struct {
			Stage, Provider, Model string
			CostUSD                float64 `json:"cost_usd"`
			Usage                  struct {
				Input      int64 `json:"input_tokens"`
				CacheWrite int64 `json:"cache_creation_5m_tokens"`
				CacheRead  int64 `json:"cache_read_tokens"`
				Estimated  bool
			}
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatal(err)
	}
	if got.Status != "succeeded" || len(got.Stages) != 3 {
		t.Fatalf("%+v", got)
	}
	// The paper block is written to the cache by summarize and read by
	// critique and revise: the point of one cacheable block per run.
	if got.Stages[0].Usage.CacheWrite == 0 || got.Stages[1].Usage.CacheRead == 0 || got.Stages[2].Usage.CacheRead == 0 {
		t.Errorf("cache usage %+v", got.Stages)
	}
	for _, s := range got.Stages {
		if s.Provider != "anthropic" || s.CostUSD <= 0 || s.Usage.Estimated {
			t.Errorf("stage %+v", s)
		}
	}
}

func TestUnknownModelIsAConfigError(t *testing.T) {
	cfg := writeConfig(t, "stages:\n  critique: {provider: anthropic, model: claude-imaginary-9}\n")
	r := cliEnv(t, map[string]string{"ANTHROPIC_API_KEY": "k"}, "summarize", "--db", filepath.Join(t.TempDir(), "p.db"), "--config", cfg, examplePDF)
	if r.code != exitFailure || !strings.Contains(errorLine(r.err), "claude-imaginary-9") {
		t.Fatalf("exit %d: %v", r.code, r.err)
	}
}

func TestMissingAPIKey(t *testing.T) {
	cfg := writeConfig(t, "stages:\n  critique: {provider: anthropic, model: claude-sonnet-4-5}\n")
	r := cliEnv(t, nil, "summarize", "--db", filepath.Join(t.TempDir(), "p.db"), "--config", cfg, examplePDF)
	if r.code != exitFailure || !strings.Contains(errorLine(r.err), "ANTHROPIC_API_KEY") {
		t.Fatalf("exit %d: %v", r.code, r.err)
	}
}

// writePapers writes n distinct small papers as Markdown files.
func writePapers(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	base := fakeupstream.SamplePaper()
	for i := 0; i < n; i++ {
		text := fmt.Sprintf("# Paper %d\n\nPaper %d studies a variant of the method below.\n\n%s", i, i, base)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("p%03d.md", i)), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestBatchAPIResumes interrupts a --batch-api job right after its first
// batch is submitted, runs it again, and checks that the submitted batch
// was resumed, not submitted (and paid for) a second time.
func TestBatchAPIResumes(t *testing.T) {
	srv, url := startFake(t, fakeupstream.Config{Seed: 3, BatchProcessingDelay: 50 * time.Millisecond})
	cfg := writeConfig(t, fmt.Sprintf(`
providers:
  anthropic: {base_url: %q}
stages:
  summarize: {provider: anthropic, model: claude-sonnet-4-5}
  critique:  {provider: anthropic, model: claude-sonnet-4-5}
  revise:    {provider: anthropic, model: claude-sonnet-4-5}
`, url))
	dir := writePapers(t, 5)
	db := filepath.Join(t.TempDir(), "p.db")
	out := t.TempDir()
	env := map[string]string{"ANTHROPIC_API_KEY": "k"}
	args := []string{"batch", "--batch-api", "--batch-poll", "20ms", "--db", db, "--config", cfg, "--out", out, dir}

	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for srv.Stats().Requests[fakeupstream.EndpointBatchCreate] == 0 {
			time.Sleep(time.Millisecond)
		}
		cancel() // the process dies while the first batch is in flight
	}()
	first := cliCtx(t, ctx, env, args...)
	if first.err == nil {
		t.Fatal("interrupted job reported success")
	}
	second := cliEnv(t, env, args...)
	if second.err != nil {
		t.Fatalf("resumed job: %v\n%s", second.err, second.stderr)
	}
	if n := srv.Stats().Requests[fakeupstream.EndpointBatchCreate]; n != 3 {
		t.Errorf("%d batches created, want 3 (one per stage, the first one resumed)\n%s", n, second.stderr)
	}
	if !strings.Contains(second.stderr, "summarize batch") {
		t.Errorf("stderr does not show the resumed batch:\n%s", second.stderr)
	}
	store, err := sqlite.Open(context.Background(), db, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	runs, _ := store.ListRuns(context.Background(), papersumFilterAll())
	if len(runs) != 5 {
		t.Fatalf("%d runs recorded, want 5 (none lost, none twice)", len(runs))
	}
	for _, r := range runs {
		full, _ := store.GetRun(context.Background(), r.ID)
		if full.Status != "succeeded" {
			t.Errorf("run %s: %s %s", r.ID, full.Status, full.Error)
		}
		if len(full.Stages) != 3 {
			t.Errorf("run %s has %d stage results, want 3", r.ID, len(full.Stages))
		}
	}
	if data, err := os.ReadFile(filepath.Join(out, "summary.csv")); err != nil || strings.Count(string(data), ",succeeded,") != 5 {
		t.Errorf("summary.csv: %v\n%s", err, data)
	}
}

func papersumFilterAll() papersum.RunFilter { return papersum.RunFilter{Limit: 1000} }

func TestDoctorProbe(t *testing.T) {
	_, url := startFake(t, fakeupstream.Config{Seed: 1})
	cfg := writeConfig(t, fmt.Sprintf(`
providers:
  anthropic: {base_url: %q}
stages:
  summarize: {provider: anthropic, model: claude-sonnet-4-5, fallback: [{provider: local}]}
`, url))
	r := cliEnv(t, map[string]string{"ANTHROPIC_API_KEY": "k"}, "doctor", "--probe", "--format", "json",
		"--db", filepath.Join(t.TempDir(), "p.db"), "--config", cfg)
	if r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.stdout)
	}
	var rep doctorReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Breakers) != 1 || rep.Breakers[0].Model != "claude-sonnet-4-5" || rep.Breakers[0].State != "closed" {
		t.Errorf("breakers %+v", rep.Breakers)
	}
	var probes int
	for _, c := range rep.Checks {
		if strings.HasPrefix(c.Name, "probe ") {
			probes++
			if !c.OK {
				t.Errorf("%+v", c)
			}
		}
	}
	if probes != 3 {
		t.Errorf("%d probes", probes)
	}
	if strings.Contains(r.stdout, `"k"`) {
		t.Error("the API key appears in the doctor's output")
	}
}

// TestExampleConfigs keeps the shipped example configurations valid.
func TestExampleConfigs(t *testing.T) {
	for _, name := range []string{"config.yaml", "claude.yaml", "openai-compatible.yaml"} {
		r := cliEnv(t, map[string]string{"ANTHROPIC_API_KEY": "k"}, "doctor",
			"--db", filepath.Join(t.TempDir(), "p.db"), "--config", filepath.Join("..", "..", "examples", name))
		if r.err != nil {
			t.Errorf("%s: %v\n%s", name, r.err, r.stdout)
		}
	}
}
