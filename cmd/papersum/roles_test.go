package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/papersum/papersum/llm/llmtest/fakeupstream"
)

// papersum migrate applies the store's and the queue's migrations once,
// reports how many, changes nothing the second time, and serve
// --migrate=false refuses a SQLite file it has not migrated, naming the
// command that does.
func TestMigrateCommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "m.db")
	var res migrateResult
	r := cli(t, db, "", "migrate", "--format", "json")
	if r.code != 0 {
		t.Fatalf("migrate: exit %d: %v\n%s", r.code, r.err, r.stderr)
	}
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatalf("migrate --format json: %v\n%s", err, r.stdout)
	}
	if res.Store != "sqlite" || res.Applied < 1 || res.Queue != "migrated" {
		t.Fatalf("first migrate: %+v", res)
	}
	r = cli(t, db, "", "migrate")
	if r.code != 0 || !strings.Contains(r.stdout, "store (sqlite): 0 migrations applied") {
		t.Fatalf("second migrate: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// The migrated file serves with migrations off.
	srv := startServe(t, nil, "--db", db, "--migrate=false")
	if code := probeStatus(srv.url + "/readyz"); code != http.StatusOK {
		t.Fatalf("readyz of a migrated file with --migrate=false: %d\n%s", code, srv.stderr.String())
	}

	fresh := filepath.Join(t.TempDir(), "fresh.db")
	r = cli(t, fresh, "", "serve", "--addr", "127.0.0.1:0", "--migrate=false")
	if r.code != exitFailure || r.err == nil || !strings.Contains(errorLine(r.err), "papersum migrate") {
		t.Fatalf("serve --migrate=false on a fresh file: exit %d (%v), want %d naming 'papersum migrate'", r.code, r.err, exitFailure)
	}
	for _, args := range [][]string{{"migrate", "--format", "yaml"}, {"migrate", "extra"}, {"serve", "--role", "cook"}} {
		if r := cli(t, fresh, "", args...); r.code != exitUsage {
			t.Errorf("%v: exit %d, want %d\n%s", args, r.code, exitUsage, r.stderr)
		}
	}
}

// On PostgreSQL, serve --migrate=false on a schema that lacks the
// migrations listens, says "schema behind" on /startupz, and starts once
// papersum migrate has run; migrate exits 69 when the database never
// answers.
func TestServeWaitsForMigrate(t *testing.T) {
	url := os.Getenv("TEST_DATABASE_URL")
	if url == "" {
		t.Skip("TEST_DATABASE_URL is not set")
	}
	schema := pgTestSchema(t, url)
	storeArgs := []string{"--database-url", url, "--database-schema", schema}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stderr := &syncBuffer{}
	exited := make(chan error, 1)
	go func() {
		argv := append([]string{"papersum", "serve", "--addr", "127.0.0.1:0", "--migrate=false", "--role", "api"}, storeArgs...)
		exited <- run(ctx, argv, func(k string) string { return map[string]string{"HOME": t.TempDir()}[k] }, strings.NewReader(""), io.Discard, stderr)
	}()
	var base string
	deadline := time.Now().Add(30 * time.Second)
	for base == "" || !strings.Contains(get(base+"/startupz"), "schema behind") {
		if time.Now().After(deadline) {
			t.Fatalf("no \"schema behind\" on /startupz:\n%s", stderr.String())
		}
		if m := listenLine.FindStringSubmatch(stderr.String()); m != nil {
			base = m[1]
		}
		time.Sleep(20 * time.Millisecond)
	}
	if r := cliEnv(t, nil, append([]string{"migrate"}, storeArgs...)...); r.code != 0 {
		t.Fatalf("migrate: exit %d\n%s", r.code, r.stderr)
	}
	for probeStatus(base+"/startupz") != http.StatusOK {
		if time.Now().After(deadline.Add(30 * time.Second)) {
			t.Fatalf("serve did not start after migrate:\n%s", stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The API role has no workers check.
	if body := get(base + "/readyz"); strings.Contains(body, `"workers"`) || !strings.Contains(body, `"migrations"`) {
		t.Errorf("readyz of --role api: %s", body)
	}
	cancel()
	if err := <-exited; err != nil {
		t.Fatalf("serve: %v", err)
	}

	r := cliEnv(t, nil, "migrate", "--timeout", "1s", "--database-url", "postgres://postgres@127.0.0.1:1/none?connect_timeout=1")
	if r.code != exitUnavailable {
		t.Fatalf("migrate against nothing: exit %d, want %d\n%s", r.code, exitUnavailable, r.stderr)
	}
}

// get returns the body of GET url, "" when it cannot be had.
func get(url string) string {
	resp, err := http.Get(url)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// An API replica (--role api) and a worker replica (--role worker) after
// papersum migrate, both started with --migrate=false: the API takes a
// batch and runs none of its jobs; the worker serves only the probes and
// /metrics; SIGTERM to the worker in the middle of the batch lets its
// running jobs finish (exit 0, no job left running, none run twice), and
// a second worker finishes the batch with every paper summarized once.
func TestServeRolesDrainBatch(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and stops servers")
	}
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			var storeArgs []string
			switch backend {
			case "sqlite":
				storeArgs = []string{"--db", filepath.Join(t.TempDir(), "roles.db")}
			case "postgres":
				url := os.Getenv("TEST_DATABASE_URL")
				if url == "" {
					t.Skip("TEST_DATABASE_URL is not set")
				}
				storeArgs = []string{"--database-url", url, "--database-schema", pgTestSchema(t, url)}
			}
			drainBatch(t, storeArgs)
		})
	}
}

func drainBatch(t *testing.T, storeArgs []string) {
	const papers = 60
	_, upstream := startFake(t, fakeupstream.Config{Seed: 7, Latency: 30 * time.Millisecond})
	cfg := writeConfig(t, fmt.Sprintf(`
providers:
  anthropic: {base_url: %q}
stages:
  summarize: {provider: anthropic, model: claude-haiku-4-5}
  critique:  {provider: anthropic, model: claude-haiku-4-5}
  revise:    {provider: anthropic, model: claude-haiku-4-5}
`, upstream))
	env := map[string]string{"ANTHROPIC_API_KEY": "test-key"}
	if r := cliEnv(t, env, append([]string{"migrate"}, storeArgs...)...); r.code != 0 {
		t.Fatalf("migrate: exit %d\n%s", r.code, r.stderr)
	}
	key := createKey(t, env, "roles", "write", storeArgs...)
	common := append([]string{"--config", cfg, "--rate-limit-rpm", "0", "--migrate=false"}, storeArgs...)

	apiSrv := startChild(t, env, append([]string{"--role", "api"}, common...)...)
	items := make([]map[string]string, papers)
	for i := range items {
		items[i] = map[string]string{"text": paperText(3000 + i)}
	}
	var batch struct {
		ID        string `json:"id"`
		Status    string `json:"status"`
		Succeeded int    `json:"succeeded"`
		Failed    int    `json:"failed"`
	}
	if code, _ := api(t, "POST", apiSrv.url+"/api/v1/batches", key, map[string]any{"items": items}, &batch); code != 202 {
		t.Fatalf("create batch: %d\n%s", code, apiSrv.stderr.String())
	}
	// A summary waited on for 2s stays queued: nothing works jobs.
	var run struct {
		Status string `json:"status"`
	}
	if code, _ := api(t, "POST", apiSrv.url+"/api/v1/summaries?wait=2s", key, map[string]string{"text": paperText(99)}, &run); code != 202 || run.Status != "queued" {
		t.Fatalf("summary on the API role alone: %d %+v, want 202 queued", code, run)
	}
	store := openTestStore(t, storeArgs)
	if n := len(readJobs(t, store).attempt); n != 0 {
		t.Fatalf("the API role ran %d jobs", n)
	}

	worker := startChild(t, env, append([]string{"--role", "worker", "--workers", "10"}, common...)...)
	if code := probeStatus(worker.url + "/readyz"); code != http.StatusOK {
		t.Errorf("worker readyz: %d", code)
	}
	if code := probeStatus(worker.url + "/api/v1/summaries"); code != http.StatusNotFound {
		t.Errorf("worker serves the API: GET /api/v1/summaries %d, want 404", code)
	}
	if body := get(worker.url + "/metrics"); !strings.Contains(body, "pipeline_queue_depth") {
		t.Errorf("worker /metrics without papersum's metrics:\n%.300s", body)
	}
	for batch.Succeeded < 10 {
		time.Sleep(20 * time.Millisecond)
		api(t, "GET", apiSrv.url+"/api/v1/batches/"+batch.ID, key, nil, &batch)
	}
	running := len(readJobs(t, store).running)
	signalled := time.Now()
	if err := worker.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-worker.exited
	drain := time.Since(signalled)
	if worker.err != nil {
		t.Fatalf("worker after SIGTERM: %v\n%s", worker.err, worker.stderr.String())
	}
	jobs := readJobs(t, store)
	if len(jobs.running) != 0 {
		t.Fatalf("jobs %v still running after the worker drained", jobs.running)
	}
	done := len(jobs.attempt)
	if done >= papers+1 {
		t.Fatalf("the batch finished before SIGTERM; nothing was tested")
	}
	t.Logf("%s: SIGTERM with %d jobs running and %d/%d attempted; drained in %s", t.Name(), running, done, papers+1, drain.Round(time.Millisecond))

	startChild(t, env, append([]string{"--role", "worker", "--workers", "10"}, common...)...)
	deadline := time.Now().Add(2 * time.Minute)
	for batch.Status != "finished" && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		api(t, "GET", apiSrv.url+"/api/v1/batches/"+batch.ID, key, nil, &batch)
	}
	if batch.Status != "finished" || batch.Succeeded != papers || batch.Failed != 0 {
		t.Fatalf("batch after the second worker: %+v", batch)
	}
	for id, a := range readJobs(t, store).attempt {
		if a != 1 {
			t.Errorf("job %d ran %d times: the drain lost its first run", id, a)
		}
	}
}
