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
	"strings"
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

// recoveryBound is the promise: after kill -9 and a restart with
// default flags, every paper is on its way again within this time, and
// finishes after its own work.
const recoveryBound = 60 * time.Second

// Kill -9 in the middle of a batch of 200 papers, then a restart with
// default flags: every paper is summarized exactly once, none lost and
// none recorded twice, and every paper not done at the kill starts its
// last attempt within recoveryBound of the restart (so it finishes within
// recoveryBound plus its own work). The models are Claude on the fake
// upstream, so each stage takes a real HTTP round trip and the kill lands
// mid-flight.
//
// "same host" restarts on this machine: the dead server's jobs are taken
// back as the new one starts. "other host" rewrites the dead server's
// lease as another machine's, as a replica elsewhere would see it: the
// jobs wait for the lease to expire (30s by default), so it runs where
// the service tests run (TEST_DATABASE_URL set, as in CI).
func TestServeCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test: starts and kills servers")
	}
	for _, backend := range []string{"sqlite", "postgres"} {
		for _, host := range []string{"same host", "other host"} {
			t.Run(backend+"/"+host, func(t *testing.T) {
				url := os.Getenv("TEST_DATABASE_URL")
				if url == "" && (backend == "postgres" || host == "other host") {
					t.Skip("TEST_DATABASE_URL is not set (the other-host variant waits ~35s for a lease to expire; CI runs it)")
				}
				t.Parallel()
				var storeArgs []string
				switch backend {
				case "sqlite":
					storeArgs = []string{"--db", filepath.Join(t.TempDir(), "crash.db")}
				case "postgres":
					storeArgs = []string{"--database-url", url, "--database-schema", pgTestSchema(t, url)}
				}
				crashAndRecover(t, storeArgs, host == "other host")
			})
		}
	}
}

// jobTimes are the summarize jobs of a store's queue: the start of each
// one's last attempt, and its attempt number.
type jobTimes struct {
	attemptedAt map[int64]time.Time
	attempt     map[int64]int
	running     []int64
}

// readJobs reads River's job rows of the store behind storeArgs.
func readJobs(t *testing.T, store papersum.Store) jobTimes {
	t.Helper()
	ctx := context.Background()
	// attempted_at as milliseconds since the epoch on both databases.
	const sqliteQ = `SELECT id, state, attempt, CAST((julianday(attempted_at) - 2440587.5) * 86400000 AS INTEGER) FROM river_job WHERE kind = 'summarize' AND attempted_at IS NOT NULL`
	const postgresQ = `SELECT id, state::text, attempt, (extract(epoch FROM attempted_at) * 1000)::bigint FROM river_job WHERE kind = 'summarize' AND attempted_at IS NOT NULL`
	out := jobTimes{attemptedAt: map[int64]time.Time{}, attempt: map[int64]int{}}
	add := func(id int64, state string, attempt int, ms int64) {
		out.attemptedAt[id] = time.UnixMilli(ms)
		out.attempt[id] = attempt
		if state == "running" {
			out.running = append(out.running, id)
		}
	}
	switch db := store.(type) {
	case *sqlite.DB:
		rows, err := db.SQL().QueryContext(ctx, sqliteQ)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var (
				id, ms  int64
				state   string
				attempt int
			)
			if err := rows.Scan(&id, &state, &attempt, &ms); err != nil {
				t.Fatal(err)
			}
			add(id, state, attempt, ms)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	case *postgres.DB:
		rows, err := db.Pool().Query(ctx, postgresQ)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var (
				id, ms  int64
				state   string
				attempt int
			)
			if err := rows.Scan(&id, &state, &attempt, &ms); err != nil {
				t.Fatal(err)
			}
			add(id, state, attempt, ms)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	default:
		t.Fatalf("no job table for store %T", store)
	}
	return out
}

// moveLeasesToAnotherHost rewrites every worker lease as held by a process
// of another machine, whose death this host cannot see.
func moveLeasesToAnotherHost(t *testing.T, store papersum.Store) {
	t.Helper()
	const q = `UPDATE papersum_worker_lease SET host = 'another-machine/pid:[1]'`
	var err error
	switch db := store.(type) {
	case *sqlite.DB:
		_, err = db.SQL().ExecContext(context.Background(), q)
	case *postgres.DB:
		_, err = db.Pool().Exec(context.Background(), q)
	}
	if err != nil {
		t.Fatal(err)
	}
}

func crashAndRecover(t *testing.T, storeArgs []string, otherHost bool) {
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
	// Default timings: no --job-timeout, no --rescue-after.
	args := append([]string{"--config", cfg, "--workers", "10", "--rate-limit-rpm", "0"}, storeArgs...)

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
	killed := time.Now()
	atKill := batch.Succeeded
	if atKill >= papers {
		t.Fatalf("the batch finished before the kill; nothing was tested")
	}
	store := openTestStore(t, storeArgs)
	stuck := readJobs(t, store).running
	if len(stuck) == 0 {
		t.Fatalf("no job was running at the kill; nothing was tested")
	}
	if otherHost {
		moveLeasesToAnotherHost(t, store)
	}

	restart := time.Now()
	second := startChild(t, env, args...)
	deadline := time.Now().Add(3 * time.Minute)
	for batch.Status != "finished" && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		api(t, "GET", second.url+"/api/v1/batches/"+batch.ID, key, nil, &batch)
	}
	finished := time.Since(restart)
	if batch.Status != "finished" || batch.Succeeded != papers || batch.Failed != 0 {
		t.Fatalf("after restart: %+v\n%s", batch, second.stderr.String())
	}
	if err := second.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if <-second.exited; second.err != nil {
		t.Errorf("graceful stop: %v", second.err)
	}

	// Every job not done at the kill started its last attempt within
	// recoveryBound of the restart; the ones running at the kill were
	// taken back, on a new attempt. (Database and test share this
	// machine's clock; the database keeps milliseconds.)
	jobs := readJobs(t, store)
	var rescue, latest time.Duration
	for _, id := range stuck {
		at := jobs.attemptedAt[id]
		if jobs.attempt[id] < 2 || at.Before(restart.Add(-time.Millisecond)) {
			t.Errorf("job %d, running at the kill, was not run again after the restart (attempt %d at %s)", id, jobs.attempt[id], at)
		}
		rescue = max(rescue, at.Sub(restart))
	}
	for id, at := range jobs.attemptedAt {
		if at.Before(killed) {
			continue // done before the kill
		}
		if d := at.Sub(restart); d > recoveryBound {
			t.Errorf("job %d started its last attempt %s after the restart, over %s", id, d.Round(time.Millisecond), recoveryBound)
		}
		latest = max(latest, at.Sub(restart))
	}
	t.Logf("%s: killed with %d/%d done and %d running; after the restart the running ones ran again within %s, every paper had started within %s, and the batch finished in %s",
		t.Name(), atKill, papers, len(stuck), rescue.Round(time.Millisecond), latest.Round(time.Millisecond), finished.Round(100*time.Millisecond))

	// The store holds exactly one run per paper, each with exactly one
	// result per stage.
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

// serve names the flags of a bad duration, not the queue's fields, and
// exits 2 before it opens anything.
func TestServeDurationFlags(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--rescue-after", "30s"}, "--rescue-after 30s must exceed --job-timeout 15m0s"},
		{[]string{"--job-timeout", "1m", "--rescue-after", "1m"}, "--rescue-after 1m0s must exceed --job-timeout 1m0s"},
		{[]string{"--rescue-after", "-1s"}, "--rescue-after -1s: must be from 1s to"},
		{[]string{"--job-timeout", "0s"}, "--job-timeout 0s: must be from 1s to 24h"},
		{[]string{"--job-timeout", "-5m"}, "--job-timeout -5m: must be from 1s to 24h"},
		{[]string{"--shutdown-timeout", "-1s"}, "--shutdown-timeout -1s: must be from 0s to 1h"},
		{[]string{"--rescue-after", "soon"}, "--rescue-after"},
		{[]string{"--run-deadline", "0s"}, "--run-deadline 0s: must be from 1s to 720h"},
		{[]string{"--run-deadline", "-1h"}, "--run-deadline -1h: must be from 1s to 720h"},
		{[]string{"--run-deadline", "forever"}, "--run-deadline"},
	} {
		// A server that wrongly starts is stopped after a while, so that
		// the test fails instead of hanging.
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		r := runCLI(t, ctx, nil, "", append([]string{"serve", "--addr", "127.0.0.1:0", "--db", db}, tc.args...)...)
		cancel()
		if r.code != exitUsage || r.err == nil || !strings.Contains(r.err.Error(), tc.want) {
			t.Errorf("%v: exit %d (%v), want %d and %q", tc.args, r.code, r.err, exitUsage, tc.want)
		}
		if r.err != nil && strings.Contains(r.err.Error(), "RescueStuckJobsAfter") {
			t.Errorf("%v: %v names the queue's field, not the flag", tc.args, r.err)
		}
	}
	if _, err := os.Stat(db); err == nil {
		t.Error("serve opened the database before refusing its flags")
	}
	// A valid pair starts.
	s := startServe(t, nil, "--db", db, "--job-timeout", "10s", "--rescue-after", "30s")
	if err := s.stop(); err != nil {
		t.Fatalf("serve --job-timeout 10s --rescue-after 30s: %v\n%s", err, s.stderr.String())
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
