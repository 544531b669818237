package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/deploy/observability"
	"github.com/papersum/papersum/queue"
	"github.com/papersum/papersum/sqlite"
)

// seedRun is one run a doctor test stores.
type seedRun struct {
	ago     time.Duration // created this long before now
	failed  papersum.Class
	overall float64 // all four dimensions; 0: no scores
	latency time.Duration
	tokens  int64 // input tokens per stage
}

// seedDoctorRuns stores runs through the store's interface.
func seedDoctorRuns(t *testing.T, db string, now time.Time, runs []seedRun) {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, db, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	p := &papersum.Paper{ID: "sha256:doctor", Title: "Doctor", Format: "text",
		Sections: []papersum.Section{{Title: "Body", Kind: papersum.KindOther, Sentences: []string{"A paper."}}}}
	if err := store.PutPaper(ctx, p); err != nil {
		t.Fatal(err)
	}
	for i, s := range runs {
		created := now.Add(-s.ago)
		r := &papersum.Run{ID: fmt.Sprintf("doc_%05d", i), PaperID: p.ID, Title: "Doctor", ConfigHash: "sha256:d",
			TargetWords: 150, CreatedAt: created}
		at := created.Add(time.Second)
		for _, st := range papersum.Stages {
			r.Stages = append(r.Stages, papersum.StageResult{Stage: st, Provider: "local", Model: "local", PromptVersion: "sha256:d",
				Raw: "r", Output: "o", Usage: papersum.Usage{InputTokens: s.tokens, OutputTokens: 100}, Latency: s.latency,
				StopReason: papersum.StopEnd, StartedAt: at})
			at = at.Add(s.latency)
		}
		if err := store.CreateRun(ctx, r); err != nil {
			t.Fatal(err)
		}
		r.Status, r.Summary = papersum.RunSucceeded, "summary"
		if s.failed != "" {
			r.Status, r.Summary, r.Error, r.ErrorClass = papersum.RunFailed, "", "provider said no", s.failed
		} else if s.overall > 0 {
			v := s.overall
			r.Scores = &papersum.Scores{Accuracy: v, Completeness: v, Clarity: v, Coherence: v, Judge: "local"}
		}
		r.FinishedAt = &at
		if err := store.FinishRun(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
}

// healthyHistory is a day-earlier window and 7 days of usual runs.
func healthyHistory() []seedRun {
	var runs []seedRun
	for i := 0; i < 10; i++ { // the same hour a day earlier
		runs = append(runs, seedRun{ago: 24*time.Hour + time.Duration(i+1)*4*time.Minute, overall: 8.5, latency: 2 * time.Second, tokens: 1000})
	}
	for d := 2; d <= 7; d++ { // the usual range of tokens
		for i := 0; i < 3; i++ {
			runs = append(runs, seedRun{ago: time.Duration(d)*24*time.Hour + time.Duration(i)*time.Hour, overall: 8.5,
				latency: 2 * time.Second, tokens: 900 + int64(d)*40})
		}
	}
	return runs
}

// current is n runs of the last hour.
func current(n int, s seedRun) []seedRun {
	var runs []seedRun
	for i := 0; i < n; i++ {
		s.ago = time.Duration(i+1) * 4 * time.Minute
		runs = append(runs, s)
	}
	return runs
}

func doctorJSON(t *testing.T, r result) doctorReport {
	t.Helper()
	var rep doctorReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("%v\n%s\n%s", err, r.stdout, r.stderr)
	}
	return rep
}

func levels(rep doctorReport) map[string]diagnostic {
	out := map[string]diagnostic{}
	for _, d := range rep.Diagnostics {
		out[d.Name] = d
	}
	return out
}

func wantLevel(t *testing.T, ds map[string]diagnostic, name, level, runbook string) {
	t.Helper()
	d, ok := ds[name]
	if !ok {
		t.Errorf("no diagnostic %q in %v", name, ds)
		return
	}
	if d.Level != level {
		t.Errorf("%s: level %s (%s), want %s", name, d.Level, d.Detail, level)
	}
	if runbook != "" && d.Runbook != "docs/runbook.md#"+runbook {
		t.Errorf("%s: runbook %q, want #%s", name, d.Runbook, runbook)
	}
	if level != levelOK && d.Action == "" {
		t.Errorf("%s: %s without an action", name, level)
	}
}

// TestDoctorSinceHealthy: runs like the previous day's are all ok and
// doctor exits 0.
func TestDoctorSinceHealthy(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	now := time.Now()
	seedDoctorRuns(t, db, now, append(healthyHistory(), current(10, seedRun{overall: 8.4, latency: 2100 * time.Millisecond, tokens: 1100})...))
	r := cli(t, db, "", "doctor", "--since", "1h", "--format", "json")
	if r.code != exitOK {
		t.Fatalf("exit %d (%v)\n%s", r.code, r.err, r.stdout)
	}
	rep := doctorJSON(t, r)
	ds := levels(rep)
	if rep.Worst != levelOK {
		t.Errorf("worst %q", rep.Worst)
	}
	for _, name := range []string{"error rate", "quality", "latency summarize", "latency critique", "latency revise",
		"tokens summarize", "tokens critique", "tokens revise", "queue"} {
		wantLevel(t, ds, name, levelOK, "")
	}
	if d := ds["latency summarize"]; !strings.Contains(d.Detail, "a day earlier") {
		t.Errorf("latency not compared with the day before: %s", d.Detail)
	}
	if d := ds["tokens summarize"]; !strings.Contains(d.Detail, "usual") {
		t.Errorf("tokens not compared with their usual range: %s", d.Detail)
	}
	// Text says the same.
	r = cli(t, db, "", "doctor", "--since", "1h")
	if r.code != exitOK || !strings.Contains(r.stdout, "diagnostics (last 1h):") || !strings.Contains(r.stdout, "ok  error rate") {
		t.Errorf("exit %d\n%s", r.code, r.stdout)
	}
}

// TestDoctorSinceFailures: a high error rate, slow stages, token blow-up
// and a quality drop each fail, with their runbook section, and doctor
// exits 1.
func TestDoctorSinceFailures(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	now := time.Now()
	runs := healthyHistory()
	runs = append(runs, current(6, seedRun{overall: 5, latency: 10 * time.Second, tokens: 5000})...)
	for i := 0; i < 4; i++ {
		runs = append(runs, seedRun{ago: time.Duration(i+1) * 5 * time.Minute, failed: papersum.ClassRateLimit, latency: 10 * time.Second, tokens: 5000})
	}
	seedDoctorRuns(t, db, now, runs)
	r := cli(t, db, "", "doctor", "--since", "1h", "--format", "json")
	if r.code != exitFailure {
		t.Fatalf("exit %d (%v), want 1\n%s", r.code, r.err, r.stdout)
	}
	ds := levels(doctorJSON(t, r))
	wantLevel(t, ds, "error rate", levelFail, "papersumrunerrorratehigh")
	wantLevel(t, ds, "errors rate_limit", levelFail, "rate-limits")
	wantLevel(t, ds, "latency summarize", levelFail, "papersumstagelatencyhigh")
	wantLevel(t, ds, "tokens revise", levelFail, "papersumcostburnhigh")
	wantLevel(t, ds, "quality", levelFail, "papersumqualitybelowthreshold")
	if !strings.Contains(errorLine(r.err), "error rate") {
		t.Errorf("message %q", errorLine(r.err))
	}
}

// TestDoctorSinceWarns: one failure in ten and a stage 2x slower than a
// day earlier are warnings: doctor exits 4.
func TestDoctorSinceWarns(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	now := time.Now()
	runs := append(healthyHistory(), current(9, seedRun{overall: 8.5, latency: 4 * time.Second, tokens: 1100})...)
	runs = append(runs, seedRun{ago: 50 * time.Minute, failed: papersum.ClassParse, latency: 4 * time.Second, tokens: 1100})
	seedDoctorRuns(t, db, now, runs)
	r := cli(t, db, "", "doctor", "--since", "1h", "--format", "json")
	if r.code != exitWarn {
		t.Fatalf("exit %d (%v), want %d\n%s", r.code, r.err, exitWarn, r.stdout)
	}
	rep := doctorJSON(t, r)
	ds := levels(rep)
	if rep.Worst != levelWarn {
		t.Errorf("worst %q", rep.Worst)
	}
	wantLevel(t, ds, "error rate", levelWarn, "papersumrunerrorratehigh")
	wantLevel(t, ds, "errors parse", levelWarn, "parse-failures")
	wantLevel(t, ds, "latency critique", levelWarn, "papersumstagelatencyhigh")
	wantLevel(t, ds, "quality", levelOK, "")
}

const fakeMetrics = `# TYPE pipeline_breaker_state gauge
pipeline_breaker_state{model="claude-sonnet-4-5",provider="anthropic"} %s
pipeline_breaker_state{model="local",provider="local"} 0
# TYPE pipeline_queue_depth gauge
pipeline_queue_depth{state="available"} 12
pipeline_queue_depth{state="running"} 4
# TYPE pipeline_queue_oldest_job_age_seconds gauge
pipeline_queue_oldest_job_age_seconds %s
# TYPE pipeline_cache_hits_total counter
pipeline_cache_hits_total 30
# TYPE pipeline_cache_misses_total counter
pipeline_cache_misses_total 70
# TYPE pipeline_degraded_decisions_total counter
pipeline_degraded_decisions_total{component="cache",policy="miss"} %s
`

// TestDoctorURL: doctor --url reads breakers, the queue and the cache
// from a server's /metrics, with the API key, and judges them.
func TestDoctorURL(t *testing.T) {
	var body string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/metrics" {
			http.NotFound(w, r)
			return
		}
		if r.Header.Get("Authorization") != "Bearer sk-read" {
			http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		fmt.Fprint(w, body)
	}))
	defer srv.Close()
	db := filepath.Join(t.TempDir(), "p.db")
	env := map[string]string{"PAPERSUM_API_KEY": "sk-read"}
	for _, tc := range []struct {
		name                string
		breaker, age, degr  string
		code                int
		breakers, queue, rc string
	}{
		{"healthy", "0", "3", "0", exitOK, levelOK, levelOK, levelOK},
		{"half-open and waiting", "1", "600", "0", exitWarn, levelWarn, levelWarn, levelOK},
		{"redis degraded", "0", "0", "5", exitWarn, levelOK, levelOK, levelWarn},
		{"open and stalled", "2", "3600", "0", exitFailure, levelFail, levelFail, levelOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body = fmt.Sprintf(fakeMetrics, tc.breaker, tc.age, tc.degr)
			r := runCLI(t, context.Background(), env, "", "doctor", "--db", db, "--url", srv.URL, "--format", "json")
			if r.code != tc.code {
				t.Fatalf("exit %d (%v), want %d\n%s", r.code, r.err, tc.code, r.stdout)
			}
			ds := levels(doctorJSON(t, r))
			wantLevel(t, ds, "metrics", levelOK, "")
			wantLevel(t, ds, "circuit breakers", tc.breakers, map[bool]string{true: "papersumcircuitopen"}[tc.breakers != levelOK])
			wantLevel(t, ds, "queue", tc.queue, map[bool]string{true: "papersumoldestjobtooold"}[tc.queue != levelOK])
			wantLevel(t, ds, "result cache", tc.rc, map[bool]string{true: "papersumredisdegraded"}[tc.rc != levelOK])
			if !strings.Contains(ds["result cache"].Detail, "hit rate 30.0%") || !strings.Contains(ds["queue"].Detail, "12 jobs waiting") {
				t.Errorf("details: %s / %s", ds["result cache"].Detail, ds["queue"].Detail)
			}
			if tc.breakers == levelFail && !strings.Contains(ds["circuit breakers"].Detail, "open: anthropic/claude-sonnet-4-5") {
				t.Errorf("breakers: %s", ds["circuit breakers"].Detail)
			}
		})
	}
	// The --api-key flag wins; a wrong key is a failed metrics check.
	r := runCLI(t, context.Background(), env, "", "doctor", "--db", db, "--url", srv.URL, "--api-key", "wrong")
	if r.code != exitFailure || !strings.Contains(r.stdout, "FAIL  metrics") || !strings.Contains(r.stdout, "401") {
		t.Errorf("exit %d\n%s", r.code, r.stdout)
	}
}

// TestDoctorSinceUsage: --since is checked like every duration flag.
func TestDoctorSinceUsage(t *testing.T) {
	r := cli(t, filepath.Join(t.TempDir(), "p.db"), "", "doctor", "--since", "soon")
	if r.code != exitUsage || !strings.Contains(errorLine(r.err), "--since") {
		t.Errorf("exit %d: %v", r.code, r.err)
	}
}

// TestDoctorRunbookAnchors: every runbook section a diagnostic can link
// exists in docs/runbook.md.
func TestDoctorRunbookAnchors(t *testing.T) {
	data, err := os.ReadFile("../../docs/runbook.md")
	if err != nil {
		t.Fatal(err)
	}
	anchors := observability.Anchors(string(data))
	for _, a := range doctorRunbookAnchors() {
		if !anchors[a] {
			t.Errorf("doctor links docs/runbook.md#%s, which has no such heading", a)
		}
	}
}

// TestDoctorSinceQueueFromStore: without --url the queue is read from the
// store's queue tables: a waiting job is counted.
func TestDoctorSinceQueueFromStore(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "p.db")
	store, err := sqlite.Open(ctx, db, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	q, err := queue.New(ctx, queue.Config{Driver: queue.SQLite(store.SQL())})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"run_a", "run_b"} {
		if _, err := q.Enqueue(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	store.Close()
	r := cli(t, db, "", "doctor", "--since", "1h", "--format", "json")
	if r.code != exitOK {
		t.Fatalf("exit %d (%v)\n%s", r.code, r.err, r.stdout)
	}
	ds := levels(doctorJSON(t, r))
	wantLevel(t, ds, "queue", levelOK, "")
	if !strings.HasPrefix(ds["queue"].Detail, "2 jobs waiting") {
		t.Errorf("queue: %s", ds["queue"].Detail)
	}
}

// TestQueueLevel: the oldest job's wait decides the queue's level.
func TestQueueLevel(t *testing.T) {
	for age, want := range map[time.Duration]string{
		0: levelOK, 4 * time.Minute: levelOK, 5 * time.Minute: levelWarn, 29 * time.Minute: levelWarn, 30 * time.Minute: levelFail,
	} {
		if got := queueLevel(3, age).Level; got != want {
			t.Errorf("age %s: %s, want %s", age, got, want)
		}
	}
}
