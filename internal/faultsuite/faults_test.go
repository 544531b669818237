package faultsuite_test

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/internal/faultsuite"
	"github.com/papersum/papersum/postgres"
	"github.com/papersum/papersum/sqlite"
)

// The suite's switches. It starts a PostgreSQL cluster, Redis servers, the
// fake model API and papersum as processes and takes minutes, so plain
// `go test ./...` skips it; .ci/run sets suiteEnv.
const (
	suiteEnv = "PAPERSUM_FAULT_SUITE" // "1" runs the suite
	scaleEnv = "PAPERSUM_FAULT_SCALE" // "full": issue 11's sizes
	seedEnv  = "PAPERSUM_FAULT_SEED"  // replays the fault moments of a run
	// reportEnv names a file the results table is written to (Markdown),
	// for BENCHMARKS.md.
	reportEnv = "PAPERSUM_FAULT_REPORT"
	// logsEnv names a directory where each scenario leaves serve's log
	// and the model API's answers (one line per answer: paper, stage),
	// to trace a repeated call to its run.
	logsEnv = "PAPERSUM_FAULT_LOGS"
)

// papersumBin is papersum built from this repository by TestMain.
var papersumBin string

func TestMain(m *testing.M) {
	// This binary is also the fake model API's child process.
	faultsuite.RunUpstreamChild()
	if os.Getenv(suiteEnv) != "1" {
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "papersum-faults-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	papersumBin = filepath.Join(dir, "papersum")
	build := exec.Command("go", "build", "-o", papersumBin, "github.com/papersum/papersum/cmd/papersum")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build papersum:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// scale is the size of a run of the suite.
type scale struct {
	papers int
	// fault is how long each fault lasts.
	fault time.Duration
	// settle bounds the time from the restore to the batch's end; a batch
	// still running then has lost papers.
	settle time.Duration
}

var (
	// ciScale keeps the suite within a few minutes on a loaded 2-core
	// machine: each scenario's batch takes about 10 s of model calls, and
	// the fault outlasts what is left of it when it strikes.
	ciScale = scale{papers: 24, fault: 6 * time.Second, settle: 2 * time.Minute}
	// fullScale is issue 11's run: 60 papers, 20 s faults.
	fullScale = scale{papers: 60, fault: 20 * time.Second, settle: 4 * time.Minute}
)

// upstreamLatency is the fake model API's time per call, as in issue 11.
const upstreamLatency = 200 * time.Millisecond

// A fault is one dependency made unavailable and then restored.
type fault struct {
	name string
	down func(*rig) error
	up   func(*rig) error
}

var (
	redisKill = fault{name: "Redis kill -9",
		down: func(r *rig) error { r.redis.Kill(); return nil },
		up:   func(r *rig) error { return r.redis.Start() }}
	postgresCrash = fault{name: "Postgres crash (pg_ctl stop -m immediate)",
		down: func(r *rig) error { return r.pg.Crash() },
		up:   func(r *rig) error { return r.pg.Start() }}
	apiKill = fault{name: "model API kill -9",
		down: func(r *rig) error { return r.upstream.Signal(syscall.SIGKILL) },
		up:   func(r *rig) error { return r.upstream.Start() }}
	apiTerm = fault{name: "model API SIGTERM",
		down: func(r *rig) error { return r.upstream.Signal(syscall.SIGTERM) },
		up:   func(r *rig) error { return r.upstream.Start() }}
)

// A scenario is one or more faults at once during a batch, or, with
// atStart, Postgres down when serve starts.
type scenario struct {
	name    string
	store   string // "postgres" or "sqlite"
	faults  []fault
	atStart bool
}

// scenarios are issue 11's faults, on both stores where they apply (the
// SQLite store is a file: it has no outage of its own), and one with two
// dependencies down together.
var scenarios = []scenario{
	{name: "redis-kill9", store: "postgres", faults: []fault{redisKill}},
	{name: "postgres-crash", store: "postgres", faults: []fault{postgresCrash}},
	{name: "api-kill9", store: "postgres", faults: []fault{apiKill}},
	{name: "api-sigterm", store: "postgres", faults: []fault{apiTerm}},
	{name: "postgres-down-at-start", store: "postgres", atStart: true},
	{name: "api-kill9-with-redis-kill9", store: "postgres", faults: []fault{apiKill, redisKill}},
	{name: "redis-kill9", store: "sqlite", faults: []fault{redisKill}},
	{name: "api-kill9", store: "sqlite", faults: []fault{apiKill}},
	{name: "api-sigterm", store: "sqlite", faults: []fault{apiTerm}},
}

// TestDependencyFaults is issue 11's fault suite: `papersum serve` (built
// from this repository, in a child process) on its own PostgreSQL cluster
// or SQLite, its own Redis and the fake model API at 200 ms per call,
// --workers 2, runs a batch; at a random moment of the batch one
// dependency (or two at once) goes down for scale.fault and comes back.
// Then every paper must have finished exactly once, with its three stage
// results, nothing stored twice, and serve must still run. Each scenario
// logs what happened, the time from the restore to the last paper done
// and the model calls answered but not stored (paid twice) or abandoned,
// as one row of the table in BENCHMARKS.md.
//
//	PAPERSUM_FAULT_SUITE=1 go test ./internal/faultsuite -run DependencyFaults -v -timeout 30m
//	PAPERSUM_FAULT_SUITE=1 PAPERSUM_FAULT_SCALE=full PAPERSUM_FAULT_REPORT=/tmp/faults.md go test ./internal/faultsuite -run DependencyFaults -v -timeout 60m
//
// -run selects scenarios: TestDependencyFaults/postgres/redis-kill9.
func TestDependencyFaults(t *testing.T) {
	if os.Getenv(suiteEnv) != "1" {
		t.Skip("the dependency-fault suite takes minutes and starts its own PostgreSQL, Redis and model API: set " + suiteEnv + "=1 to run it (.ci/run does)")
	}
	sc := ciScale
	if os.Getenv(scaleEnv) == "full" {
		sc = fullScale
	}
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv(seedEnv); v != "" {
		var err error
		if seed, err = strconv.ParseUint(v, 10, 64); err != nil {
			t.Fatalf("%s=%q: %v", seedEnv, v, err)
		}
	}
	t.Logf("%d papers, faults of %s, seed %d (%s=%d replays the fault moments)", sc.papers, sc.fault, seed, seedEnv, seed)

	// One PostgreSQL cluster for the suite, started only when a selected
	// scenario needs it; each scenario has a schema of its own.
	var (
		pg     *faultsuite.Postgres
		pgDir  string
		pgOnce sync.Once
		pgErr  error
	)
	cluster := func(t *testing.T) *faultsuite.Postgres {
		pgOnce.Do(func() {
			// Not t.TempDir: the postgres user must reach it (0755).
			if pgDir, pgErr = os.MkdirTemp("", "papersum-faults-pg-"); pgErr != nil {
				return
			}
			if pg, pgErr = faultsuite.InitPostgres(pgDir); pgErr == nil {
				pgErr = pg.Start()
			}
		})
		if pgErr != nil {
			t.Fatal(pgErr)
		}
		return pg
	}
	t.Cleanup(func() {
		if pg != nil {
			if err := pg.Stop(); err != nil {
				t.Error(err)
			}
		}
		if pgDir != "" {
			os.RemoveAll(pgDir)
		}
	})

	var (
		mu      sync.Mutex
		results []result
	)
	for i, s := range scenarios {
		t.Run(s.store+"/"+s.name, func(t *testing.T) {
			r := &rig{t: t, sc: sc, s: s, rng: rand.New(rand.NewPCG(seed, uint64(i)))}
			if s.store == "postgres" {
				r.pg = cluster(t)
			}
			res := r.run()
			mu.Lock()
			results = append(results, res)
			mu.Unlock()
			res.check(t)
		})
	}
	table := renderTable(results)
	t.Logf("results (%d papers, faults of %s, seed %d):\n%s", sc.papers, sc.fault, seed, table)
	if p := os.Getenv(reportEnv); p != "" {
		if err := os.WriteFile(p, []byte(table), 0o644); err != nil {
			t.Error(err)
		}
	}
}

// rig is one scenario's processes and what it observed.
type rig struct {
	t        *testing.T
	sc       scale
	s        scenario
	rng      *rand.Rand
	dir      string
	pg       *faultsuite.Postgres
	redis    *faultsuite.Redis
	upstream *faultsuite.Upstream
	schema   string
	serve    *faultsuite.Process
	url      string
	key      string
	// readyAfter is, with Postgres down at start, the time from its
	// restore to serve's /readyz 200.
	readyAfter time.Duration
}

// result is what one scenario measured.
type result struct {
	name, store, fault string
	papers             int
	// done counts papers with a succeeded run of three stage results;
	// failed, pending and missing count the lost ones: a failed run, a run
	// not finished by the deadline, no run at all (not even submitted).
	done, failed, pending, missing int
	// dupRuns counts papers with more than one run, dupStages runs with a
	// stage stored more than once.
	dupRuns, dupStages int
	// answered counts calls the model API answered, stored the stage
	// results stored: the difference was paid for and thrown away.
	// abandoned counts calls papersum stopped waiting for, repeated the
	// calls it made again after a paid answer was lost (run records:
	// abandoned_calls, repeated_calls). answered - stored must equal
	// repeated + abandoned: every call paid for and not stored shows.
	answered, stored, abandoned, repeated int
	// recovered is true when every paper was done; recovery is then the
	// time from the restore to the last paper done (0 when the batch
	// finished during the fault), or with Postgres down at start to
	// serve's readiness.
	recovered bool
	recovery  time.Duration
	// happened describes the scenario as it went: serve's answers and the
	// failures runs recorded.
	happened []string
	// problems are the scenario's failures: what was lost, what broke.
	problems []string
}

func (r *rig) logf(format string, args ...any) {
	r.t.Helper()
	r.t.Logf(format, args...)
}

// run runs the scenario and measures it; it fails the test only for a
// broken rig, so that a scenario's losses are measured and reported.
func (r *rig) run() result {
	t := r.t
	res := result{name: r.s.name, store: r.s.store, papers: r.sc.papers}
	var names []string
	for _, f := range r.s.faults {
		names = append(names, f.name)
	}
	res.fault = strings.Join(names, " + ")
	if r.s.atStart {
		res.fault = "Postgres down when serve starts"
	}
	res.fault += fmt.Sprintf(" for %s", r.sc.fault.Round(time.Second))

	r.dir = t.TempDir()
	var err error
	if r.redis, err = faultsuite.StartRedis(r.dir); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.redis.Kill)
	if r.upstream, err = faultsuite.StartUpstream(os.Args[0], r.dir, upstreamLatency); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.upstream.Signal(syscall.SIGKILL) })
	if r.pg != nil && !r.pg.Running() {
		// A scenario before this one failed with the cluster down.
		if err := r.pg.Start(); err != nil {
			t.Fatal(err)
		}
	}
	if r.s.store == "postgres" {
		r.schema = "faults_" + randomHex(6)
	}
	config := filepath.Join(r.dir, "config.yaml")
	body := fmt.Sprintf(`providers:
  anthropic: {base_url: %q}
stages:
  summarize: {provider: anthropic, model: claude-haiku-4-5}
  critique:  {provider: anthropic, model: claude-haiku-4-5}
  revise:    {provider: anthropic, model: claude-haiku-4-5}
`, r.upstream.URL())
	if err := os.WriteFile(config, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	r.key = r.createKey()

	serveArgs := append([]string{"serve", "--addr", "127.0.0.1:0", "--config", config, "--workers", "2",
		"--redis-url", r.redis.URL()}, r.storeArgs()...)
	var restored time.Time
	if r.s.atStart {
		var ok bool
		if restored, ok = r.startWithPostgresDown(serveArgs, &res); !ok {
			return res
		}
	} else {
		r.startServe(serveArgs)
	}
	batchID, submitted := r.submit()
	if batchID == "" {
		res.problems = append(res.problems, "the batch could not be submitted")
		return res
	}
	if !r.s.atStart {
		restored = r.inject(batchID, &res)
	}
	// The batch's end, or the deadline: a batch still running then has
	// lost its unfinished papers.
	b, polls := r.pollUntil(batchID, time.Now().Add(r.sc.settle), false, func(b batch) bool { return b.Status == "finished" })
	if b.Status != "finished" {
		res.problems = append(res.problems, fmt.Sprintf("the batch had not finished %s after the restore (%d queued, %d running; GET batch: %s)",
			r.sc.settle, b.Queued, b.Running, polls))
	}
	select {
	case <-r.serve.Exited():
		res.problems = append(res.problems, fmt.Sprintf("serve ended during the scenario (%v):\n%s", r.serve.Err(), lastLines(r.serve.Output(), 5)))
	default:
		if err := r.serve.Signal(syscall.SIGTERM, 90*time.Second); err != nil {
			res.problems = append(res.problems, fmt.Sprintf("serve did not stop on SIGTERM: %v", err))
			r.serve.Kill()
		}
	}
	r.measure(&res, submitted, restored)
	r.keepLogs()
	if r.s.atStart && res.recovered {
		// Recovered means ready: the batch was submitted only then.
		res.recovery = r.readyAfter
	}
	return res
}

// startWithPostgresDown stops the cluster, starts serve, starts the
// cluster again after scale.fault and waits for serve to be ready. It
// reports the restore time and whether serve came up.
func (r *rig) startWithPostgresDown(args []string, res *result) (time.Time, bool) {
	t := r.t
	if err := r.pg.Stop(); err != nil {
		t.Fatal(err)
	}
	started := time.Now()
	serve, err := faultsuite.Start(papersumBin, r.serveEnv(), args...)
	if err != nil {
		t.Fatal(err)
	}
	r.serve = serve
	t.Cleanup(serve.Kill)
	// The outage is scale.fault long whatever serve does meanwhile.
	select {
	case <-serve.Exited():
		res.happened = append(res.happened, fmt.Sprintf("serve exited after %s with rc %d: %q",
			time.Since(started).Round(100*time.Millisecond), serve.ExitCode(), lastLines(serve.Output(), 1)))
	case <-time.After(r.sc.fault):
	}
	// Wait out the rest of the outage when serve exited early.
	time.Sleep(time.Until(started.Add(r.sc.fault)))
	if err := r.pg.Start(); err != nil {
		t.Fatal(err)
	}
	restored := time.Now()
	select {
	case <-serve.Exited():
		res.problems = append(res.problems, fmt.Sprintf("serve did not wait for Postgres: it exited with rc %d before the database came back; no paper could be submitted (it needs an outside restart):\n%s",
			serve.ExitCode(), lastLines(serve.Output(), 3)))
		res.missing = r.sc.papers
		return restored, false
	default:
	}
	url, err := serve.WaitOutput(r.sc.settle, listeningURL)
	if err != nil {
		res.problems = append(res.problems, fmt.Sprintf("serve did not listen after Postgres came back: %v", err))
		res.missing = r.sc.papers
		return restored, false
	}
	r.url = url
	// Ready once /readyz says so; the recovery time then also counts the
	// batch, which is submitted only now.
	deadline := time.Now().Add(r.sc.settle)
	for {
		rep, err := r.do("GET", "/readyz", nil, nil)
		if err == nil && rep.code == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			res.problems = append(res.problems, fmt.Sprintf("/readyz not 200 %s after Postgres came back (last %d %s, %v)", r.sc.settle, rep.code, rep.body, err))
			res.missing = r.sc.papers
			return restored, false
		}
		time.Sleep(100 * time.Millisecond)
	}
	r.readyAfter = time.Since(restored)
	waited := "serve waited"
	for _, line := range strings.Split(serve.Output(), "\n") {
		if !strings.Contains(line, "waiting") {
			continue
		}
		var entry struct{ Msg, Cause string }
		if json.Unmarshal([]byte(line), &entry) == nil && entry.Msg != "" {
			line = entry.Msg + ", cause: " + entry.Cause
		}
		waited += fmt.Sprintf(" (it logged %q)", shorten(line, 160))
		break
	}
	res.happened = append(res.happened, fmt.Sprintf("%s; /readyz 200 %s after Postgres came back, then the batch was submitted",
		waited, r.readyAfter.Round(100*time.Millisecond)))
	return restored, true
}

// inject waits for a random moment of the batch (after 1 to half of the
// papers are done, plus up to 600 ms so that the fault lands inside a
// model call), takes the scenario's dependencies down for scale.fault
// while polling the batch, and restores them. It returns the restore
// time.
func (r *rig) inject(batchID string, res *result) time.Time {
	t := r.t
	after := 1 + r.rng.IntN(r.sc.papers/2)
	jitter := time.Duration(r.rng.IntN(600)) * time.Millisecond
	b, _ := r.pollUntil(batchID, time.Now().Add(r.sc.settle), false, func(b batch) bool { return b.Succeeded+b.Failed >= after })
	time.Sleep(jitter)
	if b.Status == "finished" {
		t.Fatalf("the batch finished before the fault; nothing was tested")
	}
	for _, f := range r.s.faults {
		if err := f.down(r); err != nil {
			t.Fatalf("%s: %v", f.name, err)
		}
	}
	down := time.Now()
	b, polls := r.pollUntil(batchID, down.Add(r.sc.fault), true, func(batch) bool { return false })
	res.happened = append(res.happened, fmt.Sprintf("down after %d of %d papers done; during the fault GET batch and /readyz answered %s", after, r.sc.papers, polls))
	for _, f := range r.s.faults {
		if err := f.up(r); err != nil {
			t.Fatalf("restore %s: %v", f.name, err)
		}
	}
	r.logf("fault %s from %d done for %s; at the restore %d succeeded, %d failed, %d running, %d queued",
		res.fault, after, time.Since(down).Round(100*time.Millisecond), b.Succeeded, b.Failed, b.Running, b.Queued)
	return time.Now()
}

// measure reads the store: one run per paper, its stages, its failure,
// the calls it abandoned, and the model API's count of answers.
func (r *rig) measure(res *result, submitted map[string]bool, restored time.Time) {
	t := r.t
	ctx := context.Background()
	var store papersum.Store
	var err error
	if r.s.store == "postgres" {
		store, err = postgres.Open(ctx, r.pg.URL("postgres"), postgres.Options{Schema: r.schema})
	} else {
		store, err = sqlite.Open(ctx, filepath.Join(r.dir, "faults.db"), sqlite.Options{})
	}
	if err != nil {
		t.Fatalf("open the store: %v", err)
	}
	defer store.Close()
	runs, err := store.ListRuns(ctx, papersum.RunFilter{Team: "faults", Limit: 10000})
	if err != nil {
		t.Fatalf("list runs: %v", err)
	}
	perPaper := map[string]int{}
	failures := map[string]int{}
	// lastDone is when the last paper was done, lastFinished when the
	// last run ended either way.
	var lastDone, lastFinished time.Time
	stored := map[string]bool{}
	for _, lr := range runs {
		perPaper[lr.PaperID]++
		stored[lr.ID] = true
		run, err := store.GetRun(ctx, lr.ID)
		if err != nil {
			t.Fatalf("get run %s: %v", lr.ID, err)
		}
		if run.FinishedAt != nil && run.FinishedAt.After(lastFinished) {
			lastFinished = *run.FinishedAt
		}
		res.stored += len(run.Stages)
		res.abandoned += run.AbandonedTotal()
		res.repeated += run.RepeatedCalls
		count := map[papersum.Stage]int{}
		for _, s := range run.Stages {
			count[s.Stage]++
		}
		for _, n := range count {
			if n > 1 {
				res.dupStages++
				break
			}
		}
		switch {
		case run.Status == papersum.RunSucceeded && len(count) == 3:
			res.done++
			if run.FinishedAt != nil && run.FinishedAt.After(lastDone) {
				lastDone = *run.FinishedAt
			}
		case run.Status == papersum.RunFailed:
			res.failed++
			stage, _, _ := strings.Cut(run.Error, ":")
			failures[fmt.Sprintf("%s in %s", run.ErrorClass, stage)]++
			if res.failed == 1 {
				r.logf("first failed run %s: %s: %s", run.ID, run.ErrorClass, run.Error)
			}
		default:
			res.pending++
		}
	}
	for _, n := range perPaper {
		if n > 1 {
			res.dupRuns++
			res.done -= n - 1 // a paper is done once, however many runs it has
		}
	}
	for id := range submitted {
		if !stored[id] {
			res.missing++
		}
	}
	if res.answered, err = r.upstream.Answers(); err != nil {
		t.Fatal(err)
	}
	switch {
	case lastFinished.IsZero():
	case lastFinished.Before(restored):
		res.happened = append(res.happened, "batch ended during the fault")
	default:
		res.happened = append(res.happened, fmt.Sprintf("batch ended %s after the restore", lastFinished.Sub(restored).Round(100*time.Millisecond)))
	}
	if len(failures) > 0 {
		var lines []string
		for f, n := range failures {
			lines = append(lines, fmt.Sprintf("%d× %s", n, f))
		}
		sort.Strings(lines)
		res.happened = append(res.happened, fmt.Sprintf("%d runs failed (%s)", res.failed, strings.Join(lines, ", ")))
	}
	res.recovered = res.done == res.papers && res.failed+res.pending+res.missing == 0
	if res.recovered && lastDone.After(restored) {
		res.recovery = lastDone.Sub(restored)
	}
}

// check fails t with what the scenario lost.
func (res result) check(t *testing.T) {
	t.Helper()
	t.Logf("%s: %s; %d/%d done, %d failed, %d unfinished, %d missing; %d papers with two runs, %d runs with a stage twice; "+
		"%d calls answered, %d stored, %d repeated, %d abandoned (run records); recovery %s",
		res.fault, strings.Join(res.happened, "; "), res.done, res.papers, res.failed, res.pending, res.missing,
		res.dupRuns, res.dupStages, res.answered, res.stored, res.repeated, res.abandoned, res.recovery.Round(100*time.Millisecond))
	for _, p := range res.problems {
		t.Error(p)
	}
	if lost := res.papers - res.done; lost > 0 {
		t.Errorf("%d of %d papers lost: %d runs failed, %d not finished, %d never created", lost, res.papers, res.failed, res.pending, res.missing)
	}
	if unseen := res.answered - res.stored - res.repeated - res.abandoned; unseen != 0 {
		t.Errorf("paid calls not visible: the model API answered %d calls, %d stage results were stored, and the runs record %d repeated and %d abandoned calls (%+d unaccounted for)",
			res.answered, res.stored, res.repeated, res.abandoned, unseen)
	}
	if res.dupRuns > 0 || res.dupStages > 0 {
		t.Errorf("stored twice: %d papers with more than one run, %d runs with a stage result twice", res.dupRuns, res.dupStages)
	}
}

// keepLogs copies serve's log and the answer log to logsEnv's directory,
// when it is set, as <store>-<scenario>.serve.log and .answers.log.
func (r *rig) keepLogs() {
	dir := os.Getenv(logsEnv)
	if dir == "" {
		return
	}
	base := filepath.Join(dir, r.s.store+"-"+r.s.name)
	answers, err := os.ReadFile(filepath.Join(r.dir, "answers.log"))
	if err == nil {
		err = os.WriteFile(base+".answers.log", answers, 0o644)
	}
	if err == nil {
		err = os.WriteFile(base+".serve.log", []byte(r.serve.Output()), 0o644)
	}
	if err != nil {
		r.t.Errorf("keep the logs: %v", err)
	}
}

func (r *rig) storeArgs() []string {
	if r.s.store == "postgres" {
		return []string{"--database-url", r.pg.URL("postgres"), "--database-schema", r.schema}
	}
	return []string{"--db", filepath.Join(r.dir, "faults.db")}
}

func (r *rig) serveEnv() []string {
	return []string{"ANTHROPIC_API_KEY=test-key", "HOME=" + r.dir}
}

// createKey makes a write key of team "faults" with `papersum keys
// create`, which also creates the store.
func (r *rig) createKey() string {
	args := append([]string{"keys", "create", "--team", "faults", "--user", "operator", "--scope", "write"}, r.storeArgs()...)
	cmd := exec.Command(papersumBin, args...)
	cmd.Env = []string{"HOME=" + r.dir, "PATH=" + os.Getenv("PATH")}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		r.t.Fatalf("keys create: %v\n%s", err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}

var listening = regexp.MustCompile(`papersum: listening on (http://\S+)`)

func listeningURL(out string) string {
	if m := listening.FindStringSubmatch(out); m != nil {
		return m[1]
	}
	return ""
}

// startServe starts `papersum serve` and waits until it listens.
func (r *rig) startServe(args []string) {
	t := r.t
	serve, err := faultsuite.Start(papersumBin, r.serveEnv(), args...)
	if err != nil {
		t.Fatal(err)
	}
	r.serve = serve
	t.Cleanup(serve.Kill)
	if r.url, err = serve.WaitOutput(time.Minute, listeningURL); err != nil {
		t.Fatal(err)
	}
}

// submit posts the batch, one text item per paper, and returns its ID and
// its runs' IDs.
func (r *rig) submit() (string, map[string]bool) {
	items := make([]map[string]string, r.sc.papers)
	for i := range items {
		items[i] = map[string]string{"text": paperText(1000 + i)}
	}
	var b batch
	rep, err := r.do("POST", "/api/v1/batches", map[string]any{"items": items}, &b)
	if err != nil || rep.code != http.StatusAccepted {
		r.t.Errorf("create batch: %d %v %s", rep.code, err, rep.body)
		return "", nil
	}
	runs := map[string]bool{}
	for _, id := range b.RunIDs {
		runs[id] = true
	}
	if len(runs) != r.sc.papers {
		r.t.Errorf("the batch has %d runs, want %d", len(runs), r.sc.papers)
	}
	return b.ID, runs
}

// batch is GET /api/v1/batches/{id}.
type batch struct {
	ID        string   `json:"id"`
	Status    string   `json:"status"`
	Queued    int      `json:"queued"`
	Running   int      `json:"running"`
	Succeeded int      `json:"succeeded"`
	Failed    int      `json:"failed"`
	RunIDs    []string `json:"run_ids"`
}

// pollUntil polls the batch every 250 ms (under the default rate limit
// of 600 requests a minute) until done holds or deadline passes, and
// returns the last batch it read and a summary of the answers ("200×12,
// 503 with Retry-After×4, connection error×1"). With probe it also asks
// /readyz each time and adds its answers ("readyz 503 not_ready×4").
func (r *rig) pollUntil(id string, deadline time.Time, probe bool, done func(batch) bool) (batch, string) {
	var last batch
	answers := map[string]int{}
	for {
		var b batch
		rep, err := r.do("GET", "/api/v1/batches/"+id, nil, &b)
		switch {
		case err != nil:
			answers["connection error"]++
		case rep.code == http.StatusServiceUnavailable && rep.header.Get("Retry-After") != "":
			answers["503 with Retry-After"]++
		default:
			answers[strconv.Itoa(rep.code)]++
			if rep.code == http.StatusOK {
				last = b
			}
		}
		if probe {
			var ready struct{ Status string }
			if rep, err := r.do("GET", "/readyz", nil, &ready); err != nil {
				answers["readyz connection error"]++
			} else {
				answers[fmt.Sprintf("readyz %d %s", rep.code, ready.Status)]++
			}
		}
		if (rep.code == http.StatusOK && done(last)) || time.Now().After(deadline) {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	var parts []string
	for k, n := range answers {
		parts = append(parts, fmt.Sprintf("%s×%d", k, n))
	}
	sort.Strings(parts)
	return last, strings.Join(parts, ", ")
}

var client = &http.Client{Timeout: 5 * time.Second}

// reply is an API answer: status, body (shortened) and headers.
type reply struct {
	code   int
	body   string
	header http.Header
}

// do makes one API request with the scenario's key, decoding a JSON
// answer into out (an error answer's JSON too; its fields may not fit).
func (r *rig) do(method, path string, in, out any) (reply, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return reply{}, err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, r.url+path, body)
	if err != nil {
		return reply{}, err
	}
	req.Header.Set("Authorization", "Bearer "+r.key)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := client.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	rep := reply{code: resp.StatusCode, body: shorten(string(data), 300), header: resp.Header}
	if err != nil {
		return rep, err
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil && resp.StatusCode/100 == 2 {
			return rep, err
		}
	}
	return rep, nil
}

// paperText is a synthetic paper, different for every seed, long enough
// for the local engine that writes the fake's answers.
func paperText(seed int) string {
	rng := rand.New(rand.NewPCG(uint64(seed), 11))
	nouns := []string{"parser", "corpus", "model", "treebank", "tagger", "lexicon", "grammar", "decoder",
		"alignment", "classifier", "feature", "annotation", "baseline", "evaluation", "dependency"}
	verbs := []string{"improves", "reduces", "extends", "predicts", "outperforms", "combines", "learns", "measures"}
	sentence := func() string {
		n := func() string { return nouns[rng.IntN(len(nouns))] }
		return fmt.Sprintf("The %s %s the %s of the %s by %d percent on the %s.", n(), verbs[rng.IntN(len(verbs))], n(), n(), 1+rng.IntN(40), n())
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Fault paper %d on %s methods\n\nAbstract\n\n", seed, nouns[seed%len(nouns)])
	for range 4 {
		b.WriteString(sentence() + " ")
	}
	for _, sec := range []string{"1 Introduction", "2 Method", "3 Experiments", "4 Conclusion"} {
		fmt.Fprintf(&b, "\n\n%s\n\n", sec)
		for range 6 {
			b.WriteString(sentence() + " ")
		}
	}
	return b.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = crand.Read(b)
	return hex.EncodeToString(b)
}

func shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
