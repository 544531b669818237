package service

import (
	"context"
	"encoding/json"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/httpapi"
	"github.com/papersum/papersum/llm"
	"github.com/papersum/papersum/llm/anthropic"
	"github.com/papersum/papersum/llm/llmtest/fakeupstream"
	"github.com/papersum/papersum/pipeline"
	"github.com/papersum/papersum/telemetry"
)

// switchedUpstream is the fake upstream behind a switch: while down,
// every request has its connection reset, as a killed server's are.
type switchedUpstream struct {
	fake *fakeupstream.Server
	down atomic.Bool
}

func (u *switchedUpstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !u.down.Load() {
		u.fake.ServeHTTP(w, r)
		return
	}
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// testClock is a clock the test moves by hand.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// providerHarness is the service on SQLite with every stage on the
// Anthropic adapter, through the retry layer (two quick attempts) and,
// when breakerFailures > 0, a circuit breaker that opens after that many
// failures, against a fake upstream that the test takes down and brings
// back. The service's clock is the test's; waits between attempts are a
// few milliseconds.
func newProviderHarness(t *testing.T, breakerFailures uint32) (*harness, *switchedUpstream, *testClock) {
	t.Helper()
	return newProviderHarnessWith(t, providerOptions{breakerFailures: breakerFailures})
}

// providerOptions vary newProviderHarness.
type providerOptions struct {
	breakerFailures uint32
	// wrapStore, when set, wraps the store that the service and the
	// runner use (not the queue's).
	wrapStore func(Store) Store
	// maxUnsaved is the runner's MaxUnsaved.
	maxUnsaved int
	metrics    *telemetry.Metrics
}

func newProviderHarnessWith(t *testing.T, o providerOptions) (*harness, *switchedUpstream, *testClock) {
	t.Helper()
	breakerFailures := o.breakerFailures
	up := &switchedUpstream{fake: fakeupstream.New(fakeupstream.Config{})}
	srv := httptest.NewServer(up)
	t.Cleanup(srv.Close)
	t.Cleanup(up.fake.Close)
	clock := &testClock{now: time.Now()}
	h := newHarnessWith(t, func(c *Config) {
		if o.wrapStore != nil {
			c.Store = o.wrapStore(c.Store)
		}
		c.Metrics = o.metrics
		adapter, err := anthropic.New(anthropic.Config{APIKey: "test", BaseURL: srv.URL})
		if err != nil {
			t.Fatal(err)
		}
		retrier, err := llm.NewRetrier(adapter, llm.RetryConfig{Provider: "anthropic", MaxAttempts: 2,
			BaseDelay: time.Millisecond, MaxDelay: time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		var client papersum.Model = retrier
		if breakerFailures > 0 {
			b, err := llm.NewBreakers(llm.BreakerConfig{ConsecutiveFailures: breakerFailures, OpenTimeout: 20 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			client = b.Wrap("anthropic", "claude-sonnet-4-5", retrier)
		}
		stages := map[papersum.Stage]pipeline.StageModel{}
		for _, s := range papersum.Stages {
			stages[s] = pipeline.StageModel{Provider: "anthropic", Model: "claude-sonnet-4-5", Client: client, MaxTokens: 1024}
		}
		runner, err := pipeline.NewRunner(pipeline.RunnerConfig{Stages: stages, Store: c.Store, Pricer: freePricer{},
			ConfigHash: "cfg", MaxUnsaved: o.maxUnsaved})
		if err != nil {
			t.Fatal(err)
		}
		c.Runners = map[string]*pipeline.Runner{"": runner}
		c.Clock = clock
		c.RunDeadline = time.Hour
		c.FirstWait, c.MaxWait = 5*time.Millisecond, 20*time.Millisecond
	})
	return h, up, clock
}

// getRun reads a run through the HTTP API, as a client polls it.
func (a *api) getRun(t *testing.T, id string) httpapi.RunJSON {
	t.Helper()
	status, body := a.call(t, http.MethodGet, "/api/v1/summaries/"+id, "t", "", nil)
	if status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", id, status, body)
	}
	var r httpapi.RunJSON
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// waitUntil polls the run through the API until ok accepts it, or fails
// the test after a generous deadline.
func (a *api) waitUntil(t *testing.T, id, what string, ok func(httpapi.RunJSON) bool) httpapi.RunJSON {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		r := a.getRun(t, id)
		if ok(r) {
			return r
		}
		if papersum.RunStatus(r.Status).Finished() || time.Now().After(deadline) {
			t.Fatalf("run %s never %s; last seen %s (waiting %+v, error %q)", id, what, r.Status, r.Waiting, r.Error)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A model API that is down for longer than the in-call retries, then
// back, loses no run: the run waits in the queue (shown as queued with
// why and until when, not running) and ends succeeded with exactly one
// result per stage and one paid answer per stage, whether the circuit
// breaker had opened (overloaded) or not (connection).
func TestProviderOutageThenRecoveryLosesNoRun(t *testing.T) {
	for _, tc := range []struct {
		name     string
		breaker  uint32
		wantWait []papersum.Class
	}{
		{"no breaker", 0, []papersum.Class{papersum.ClassConnection}},
		{"breaker opens", 1, []papersum.Class{papersum.ClassConnection, papersum.ClassOverloaded}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, up, _ := newProviderHarness(t, tc.breaker)
			a := newAPI(t, h)
			up.down.Store(true)
			res, err := h.svc.Submit(context.Background(), papersum.SubmitRequest{Text: fakeupstream.SamplePaper(), Team: "t"})
			if err != nil {
				t.Fatal(err)
			}
			// Down for longer than the in-call retries: the run waits, and
			// says so.
			waiting := a.waitUntil(t, res.RunID, "waited", func(r httpapi.RunJSON) bool { return r.Waiting != nil })
			if waiting.Status != string(papersum.RunQueued) {
				t.Errorf("a waiting run shows as %s, want queued", waiting.Status)
			}
			w := waiting.Waiting
			if !containsClass(tc.wantWait, w.Class) || w.Reason == "" || w.NextAttemptAt.IsZero() ||
				w.Deadline.Before(w.NextAttemptAt) || waiting.Waits < 1 || waiting.StartedAt == nil {
				t.Errorf("waiting %+v, waits %d, started %v; want class in %v, a reason, next attempt before the deadline",
					w, waiting.Waits, waiting.StartedAt, tc.wantWait)
			}
			if !w.Deadline.Equal(waiting.StartedAt.Add(time.Hour)) {
				t.Errorf("deadline %v, want an hour after the first start %v", w.Deadline, waiting.StartedAt)
			}
			up.down.Store(false)
			run := h.wait(t, res.RunID)
			if run.Status != papersum.RunSucceeded || run.Error != "" {
				t.Fatalf("run %s (%s), want succeeded", run.Status, run.Error)
			}
			perStage := map[papersum.Stage]int{}
			for _, s := range run.Stages {
				perStage[s.Stage]++
			}
			for _, s := range papersum.Stages {
				if perStage[s] != 1 {
					t.Errorf("%d results of stage %s, want exactly 1 (%v)", perStage[s], s, perStage)
				}
			}
			if n := len(up.fake.Answers()); n != 3 {
				t.Errorf("the provider answered (and billed) %d calls, want 3", n)
			}
			if run.Waiting != nil || run.Waits < 1 || run.RepeatedCalls != 0 {
				t.Errorf("finished run: waiting %+v, waits %d, repeated %d", run.Waiting, run.Waits, run.RepeatedCalls)
			}
		})
	}
}

// A model API that stays down past the run's deadline fails the run, with
// the class and the deadline in its error; until then the run waits.
func TestProviderOutagePastDeadlineFailsRun(t *testing.T) {
	h, up, clock := newProviderHarness(t, 0)
	a := newAPI(t, h)
	up.down.Store(true)
	res, err := h.svc.Submit(context.Background(), papersum.SubmitRequest{Text: fakeupstream.SamplePaper(), Team: "t"})
	if err != nil {
		t.Fatal(err)
	}
	// Several waits on the test's clock, which has not moved: the run is
	// still queued, not failed.
	a.waitUntil(t, res.RunID, "waited three times", func(r httpapi.RunJSON) bool { return r.Waits >= 3 })
	if r := a.getRun(t, res.RunID); r.Status == string(papersum.RunFailed) {
		t.Fatalf("the run failed before its deadline: %s", r.Error)
	}
	clock.Advance(time.Hour + time.Second)
	run := h.wait(t, res.RunID)
	if run.Status != papersum.RunFailed || run.ErrorClass != papersum.ClassConnection {
		t.Fatalf("run %s class %q (%s), want failed with class connection", run.Status, run.ErrorClass, run.Error)
	}
	if !strings.Contains(run.Error, "connection") || !strings.Contains(run.Error, "deadline") || !strings.Contains(run.Error, "1h0m0s") {
		t.Errorf("error %q does not name the class and the deadline", run.Error)
	}
	if run.Waiting != nil {
		t.Errorf("a failed run shows waiting %+v", run.Waiting)
	}
}

func containsClass(cs []papersum.Class, c papersum.Class) bool {
	for _, x := range cs {
		if x == c {
			return true
		}
	}
	return false
}

// outageStore is a store whose run writes fail as a database that is
// restarting fails them, for a while: the first AddStage of a summarize
// result starts the outage, which lasts for failures more write calls
// (StartRun, AddStage, WaitRun, FinishRun), then ends. No clock is
// involved: the outage is counted in calls.
type outageStore struct {
	Store
	mu       sync.Mutex
	started  bool
	failures int
	failed   int
}

var errStoreDown = &papersum.Error{Code: papersum.EUNAVAILABLE, Message: "postgres: lost the connection to test"}

// write reports whether a run write may go through now.
func (s *outageStore) write(startsOutage bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if startsOutage && !s.started {
		s.started = true
	}
	if s.started && s.failures > 0 {
		s.failures--
		s.failed++
		return errStoreDown
	}
	return nil
}

func (s *outageStore) StartRun(ctx context.Context, id string) (*papersum.Run, error) {
	if err := s.write(false); err != nil {
		return nil, err
	}
	return s.Store.StartRun(ctx, id)
}

func (s *outageStore) AddStage(ctx context.Context, runID string, res *papersum.StageResult) error {
	if err := s.write(res.Stage == papersum.StageSummarize); err != nil {
		return err
	}
	return s.Store.AddStage(ctx, runID, res)
}

func (s *outageStore) FinishRun(ctx context.Context, run *papersum.Run) error {
	if err := s.write(false); err != nil {
		return err
	}
	return s.Store.FinishRun(ctx, run)
}

func (s *outageStore) WaitRun(ctx context.Context, id string, w papersum.RunWait) error {
	if err := s.write(false); err != nil {
		return err
	}
	return s.Store.WaitRun(ctx, id, w)
}

// A store outage just after a stage's model call was answered does not
// pay for that call again: the answer is kept and stored when the store
// is back, and the run ends succeeded with one result and one paid
// answer per stage. When the answer cannot be kept (MaxUnsaved < 0), the
// call is made again and counted, in the run and in
// pipeline_calls_repeated_total.
func TestStoreOutageDoesNotRepeatPaidCalls(t *testing.T) {
	for _, tc := range []struct {
		name         string
		maxUnsaved   int
		wantAnswers  int
		wantRepeated int
	}{
		{"answer kept", 0, 3, 0},
		{"answer lost", -1, 4, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := &outageStore{failures: 4}
			reg := prometheus.NewRegistry()
			m, err := telemetry.NewMetrics(reg, telemetry.Config{})
			if err != nil {
				t.Fatal(err)
			}
			h, up, _ := newProviderHarnessWith(t, providerOptions{maxUnsaved: tc.maxUnsaved, metrics: m,
				wrapStore: func(s Store) Store { store.Store = s; return store }})
			res, err := h.svc.Submit(context.Background(), papersum.SubmitRequest{Text: fakeupstream.SamplePaper(), Team: "t"})
			if err != nil {
				t.Fatal(err)
			}
			run := h.wait(t, res.RunID)
			if run.Status != papersum.RunSucceeded {
				t.Fatalf("run %s (%s), want succeeded", run.Status, run.Error)
			}
			store.mu.Lock()
			failed := store.failed
			store.mu.Unlock()
			if failed != 4 {
				t.Fatalf("the outage failed %d writes, want 4", failed)
			}
			perStage := map[papersum.Stage]int{}
			for _, s := range run.Stages {
				perStage[s.Stage]++
			}
			for _, s := range papersum.Stages {
				if perStage[s] != 1 {
					t.Errorf("%d results of stage %s, want exactly 1 (%v)", perStage[s], s, perStage)
				}
			}
			if n := len(up.fake.Answers()); n != tc.wantAnswers {
				t.Errorf("the provider answered (and billed) %d calls, want %d", n, tc.wantAnswers)
			}
			if run.RepeatedCalls != tc.wantRepeated {
				t.Errorf("RepeatedCalls %d, want %d", run.RepeatedCalls, tc.wantRepeated)
			}
			if v := repeatedMetric(t, reg); int(v) != tc.wantRepeated {
				t.Errorf("pipeline_calls_repeated_total %v, want %d", v, tc.wantRepeated)
			}
		})
	}
}

// repeatedMetric reads pipeline_calls_repeated_total from reg.
func repeatedMetric(t *testing.T, reg *prometheus.Registry) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "pipeline_calls_repeated_total" {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	t.Fatal("no pipeline_calls_repeated_total in the registry")
	return 0
}

func TestNextWait(t *testing.T) {
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	far := now.Add(24 * time.Hour)
	for _, tc := range []struct {
		name     string
		waits    int
		hint     float64
		deadline time.Time
		want     time.Duration
	}{
		{"first", 0, 0, far, 5 * time.Second},
		{"doubles", 3, 0, far, 40 * time.Second},
		{"capped", 10, 0, far, 5 * time.Minute},
		{"many waits do not overflow", 1 << 30, 0, far, 5 * time.Minute},
		{"hint", 3, 0.25, far, 250 * time.Millisecond},
		{"long hint capped", 0, 1e9, far, time.Hour},
		{"negative hint", 1, -3, far, 10 * time.Second},
		{"NaN hint", 1, math.NaN(), far, 10 * time.Second},
		{"infinite hint", 1, math.Inf(1), far, 10 * time.Second},
		{"deadline first", 3, 0, now.Add(7 * time.Second), 7 * time.Second},
		{"deadline passed", 0, 0, now.Add(-time.Second), 0},
	} {
		if got := nextWait(tc.waits, 5*time.Second, 5*time.Minute, tc.hint, now, tc.deadline); got != tc.want {
			t.Errorf("%s: nextWait = %s, want %s", tc.name, got, tc.want)
		}
	}
}
