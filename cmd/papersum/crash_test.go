package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/internal/pgtest"
	"github.com/papersum/papersum/llm/llmtest/fakeupstream"
	"github.com/papersum/papersum/postgres"
	"github.com/papersum/papersum/sqlite"
)

// subprocessArgs names the environment variable that makes the test
// binary run papersum itself: the crash test needs a server in another
// process, to kill it with SIGKILL.
const subprocessArgs = "PAPERSUM_TEST_SUBPROCESS_ARGS"

func TestMain(m *testing.M) {
	if v := os.Getenv(subprocessArgs); v != "" {
		var args []string
		if err := json.Unmarshal([]byte(v), &args); err != nil {
			fmt.Fprintln(os.Stderr, "bad "+subprocessArgs+":", err)
			os.Exit(exitUsage)
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err := run(ctx, append([]string{"papersum"}, args...), os.Getenv, os.Stdin, os.Stdout, os.Stderr)
		stop()
		if err != nil {
			fmt.Fprintln(os.Stderr, "papersum: "+errorLine(err))
		}
		os.Exit(exitCode(err))
	}
	os.Exit(m.Run())
}

// childServer is `papersum serve` in a child process.
type childServer struct {
	cmd    *exec.Cmd
	url    string
	stderr *syncBuffer
	// exited is closed when the process has ended, and err is then what
	// Wait returned.
	exited chan struct{}
	err    error
}

func startChild(t *testing.T, env map[string]string, args ...string) *childServer {
	t.Helper()
	argv, _ := json.Marshal(append([]string{"serve", "--addr", "127.0.0.1:0"}, args...))
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = []string{subprocessArgs + "=" + string(argv), "HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &childServer{cmd: cmd, stderr: &syncBuffer{}, exited: make(chan struct{})}
	copied := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pipe)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			fmt.Fprintln(c.stderr, sc.Text())
		}
		_, _ = io.Copy(io.Discard, pipe)
		close(copied)
	}()
	go func() {
		<-copied
		c.err = cmd.Wait()
		close(c.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-c.exited:
		default:
			_ = cmd.Process.Kill()
			<-c.exited
		}
	})
	c.url = waitListening(t, c.stderr, c.exited)
	return c
}

// Kill -9 in the middle of a batch of 200 papers, then a restart: every
// paper is summarized exactly once, none lost and none recorded twice. The
// models are Claude on the fake upstream, so each stage takes a real HTTP
// round trip and the kill lands mid-flight.
func TestServeCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test: starts and kills servers (about a minute)")
	}
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			var storeArgs []string
			switch backend {
			case "sqlite":
				storeArgs = []string{"--db", filepath.Join(t.TempDir(), "crash.db")}
			case "postgres":
				url := os.Getenv("TEST_DATABASE_URL")
				if url == "" {
					t.Skip("TEST_DATABASE_URL is not set")
				}
				storeArgs = []string{"--database-url", url, "--database-schema", pgTestSchema(t, url)}
			}
			crashAndRecover(t, storeArgs)
		})
	}
}

func crashAndRecover(t *testing.T, storeArgs []string) {
	const papers = 200
	_, upstream := startFake(t, fakeupstream.Config{Seed: 5, Latency: 30 * time.Millisecond})
	cfg := writeConfig(t, fmt.Sprintf(`
providers:
  anthropic: {base_url: %q}
stages:
  summarize: {provider: anthropic, model: claude-haiku-4-5}
  critique:  {provider: anthropic, model: claude-haiku-4-5}
  revise:    {provider: anthropic, model: claude-haiku-4-5}
`, upstream))
	env := map[string]string{"ANTHROPIC_API_KEY": "test-key"}
	key := createKey(t, env, "crash", "write", storeArgs...)
	args := append([]string{"--config", cfg, "--workers", "10", "--job-timeout", "4s", "--rescue-after", "5s",
		"--rate-limit-rpm", "0"}, storeArgs...)

	first := startChild(t, env, args...)
	items := make([]map[string]string, papers)
	for i := range items {
		items[i] = map[string]string{"text": paperText(1000 + i)}
	}
	var batch struct {
		ID        string `json:"id"`
		Status    string `json:"status"`
		Total     int    `json:"total"`
		Succeeded int    `json:"succeeded"`
		Failed    int    `json:"failed"`
	}
	if code, _ := api(t, "POST", first.url+"/api/v1/batches", key, map[string]any{"items": items}, &batch); code != 202 {
		t.Fatalf("create batch: %d\n%s", code, first.stderr.String())
	}
	for batch.Succeeded < 30 {
		time.Sleep(20 * time.Millisecond)
		api(t, "GET", first.url+"/api/v1/batches/"+batch.ID, key, nil, &batch)
	}
	if err := first.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-first.exited
	atKill := batch.Succeeded
	if atKill >= papers {
		t.Fatalf("the batch finished before the kill; nothing was tested")
	}

	start := time.Now()
	second := startChild(t, env, args...)
	deadline := time.Now().Add(3 * time.Minute)
	for batch.Status != "finished" && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		api(t, "GET", second.url+"/api/v1/batches/"+batch.ID, key, nil, &batch)
	}
	t.Logf("killed with %d/%d done; the restarted server finished the rest in %s", atKill, papers, time.Since(start).Round(time.Second))
	if batch.Status != "finished" || batch.Succeeded != papers || batch.Failed != 0 {
		t.Fatalf("after restart: %+v\n%s", batch, second.stderr.String())
	}
	if err := second.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if <-second.exited; second.err != nil {
		t.Errorf("graceful stop: %v", second.err)
	}

	// The store holds exactly one run per paper, each with exactly one
	// result per stage.
	store := openTestStore(t, storeArgs)
	runs, err := store.ListRuns(context.Background(), papersum.RunFilter{Team: "crash", Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != papers {
		t.Fatalf("%d runs stored for %d papers", len(runs), papers)
	}
	seen := map[string]bool{}
	for _, r := range runs {
		if seen[r.PaperID] {
			t.Errorf("paper %s has two runs", r.PaperID)
		}
		seen[r.PaperID] = true
		full, err := store.GetRun(context.Background(), r.ID)
		if err != nil {
			t.Fatal(err)
		}
		count := map[papersum.Stage]int{}
		for _, s := range full.Stages {
			count[s.Stage]++
		}
		if full.Status != papersum.RunSucceeded || len(full.Stages) != 3 || count[papersum.StageSummarize] != 1 ||
			count[papersum.StageCritique] != 1 || count[papersum.StageRevise] != 1 {
			t.Errorf("run %s: %s with stages %v", r.ID, full.Status, count)
		}
	}
}

// openTestStore opens the store the flags name, closed when the test ends.
func openTestStore(t *testing.T, storeArgs []string) papersum.Store {
	t.Helper()
	var (
		store papersum.Store
		err   error
	)
	if storeArgs[0] == "--db" {
		store, err = sqlite.Open(context.Background(), storeArgs[1], sqlite.Options{})
	} else {
		store, err = postgres.Open(context.Background(), storeArgs[1], postgres.Options{Schema: storeArgs[3]})
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return store
}

// pgTestSchema names a fresh schema and drops it when the test ends.
func pgTestSchema(t *testing.T, url string) string { return pgtest.Schema(t, url) }
