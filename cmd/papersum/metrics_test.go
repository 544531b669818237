package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/config"
	"github.com/papersum/papersum/llm/llmtest/fakeupstream"
	"github.com/papersum/papersum/telemetry"
)

// series is one sample of a Prometheus text exposition.
type series struct {
	name   string
	labels map[string]string
	value  float64
}

// parseExposition reads the samples of a Prometheus text exposition. Label
// values here never hold quotes, commas or braces, which keeps this small
// reader exact for them.
func parseExposition(t *testing.T, body string) []series {
	t.Helper()
	var out []series
	for _, line := range strings.Split(body, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		sp := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[sp+1:], 64)
		if err != nil {
			t.Fatalf("exposition line %q: %v", line, err)
		}
		s := series{name: line[:sp], labels: map[string]string{}, value: v}
		if i := strings.IndexByte(s.name, '{'); i >= 0 {
			for _, kv := range strings.Split(strings.TrimSuffix(s.name[i+1:], "}"), ",") {
				k, val, _ := strings.Cut(kv, "=")
				s.labels[k] = strings.Trim(val, `"`)
			}
			s.name = s.name[:i]
		}
		out = append(out, s)
	}
	return out
}

// sum adds the samples of name whose labels include want.
func sum(ss []series, name string, want map[string]string) float64 {
	var total float64
	for _, s := range ss {
		if s.name != name {
			continue
		}
		ok := true
		for k, v := range want {
			ok = ok && s.labels[k] == v
		}
		if ok {
			total += s.value
		}
	}
	return total
}

// labelValues returns the values label takes in the samples of name.
func labelValues(ss []series, name, label string) map[string]bool {
	out := map[string]bool{}
	for _, s := range ss {
		if s.name == name {
			if v, ok := s.labels[label]; ok {
				out[v] = true
			}
		}
	}
	return out
}

// scrapeMetrics reads /metrics of a running serve with key.
func scrapeMetrics(t *testing.T, base, key string) []series {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %d %s", resp.StatusCode, body)
	}
	return parseExposition(t, string(body))
}

// runRecord is the part of the run JSON these tests read.
type runRecord struct {
	ID             string                    `json:"id"`
	Status         papersum.RunStatus        `json:"status"`
	Team           string                    `json:"team"`
	AbandonedCalls []papersum.AbandonedCalls `json:"abandoned_calls"`
	RevisedScores  *struct {
		Overall float64 `json:"overall"`
	} `json:"revised_scores"`
	Scores *struct {
		Overall float64 `json:"overall"`
	} `json:"scores"`
}

// TestServeMetricsUnderFaults drives a real `papersum serve` through the
// fake upstream with scripted faults and checks, through /metrics, the
// series that used to stay at zero or say "other": retries by class, the
// breaker that opened, calls abandoned on their deadline (equal to what
// the runs record), cost by real team names within the team cap, and the
// quality of the draft and of the revised summary.
//
// Runs are submitted one at a time, so the upstream sees its requests in
// a known order and the script decides each one: summarize and critique
// run on claude-sonnet-4-5 with the default (30s) timeout, revise on
// claude-haiku-4-5 with a 1s timeout, each falling back to the local
// engine; three attempts per call, and two failed calls in a row open a
// model's breaker (for an hour).
//
//	run 1  summarize  429, 529, 500  -> gives up (sonnet failure 1) -> local
//	       critique   500, 500, 500  -> gives up (failure 2: open)   -> local
//	       revise     hang           -> abandoned after 1s, retried  -> haiku
//	run 2, 3, 4  sonnet's circuit is open -> local; revise on haiku
//
// The hang comes last in the script, so that a call which outlived its
// 1s deadline on a slow machine (an extra abandoned call and timeout
// retry, which the checks allow) cannot shift a scripted fault onto
// another call.
func TestServeMetricsUnderFaults(t *testing.T) {
	_, url := startFake(t, fakeupstream.Config{Seed: 5, Faults: fakeupstream.Faults{HangMax: fakeupstream.NoHangMax},
		Script: []fakeupstream.Fault{
			fakeupstream.FaultRateLimit, fakeupstream.FaultOverloaded, fakeupstream.FaultServer,
			fakeupstream.FaultServer, fakeupstream.FaultServer, fakeupstream.FaultServer,
			fakeupstream.FaultHang,
		}})
	cfg := writeConfig(t, fmt.Sprintf(`
providers:
  anthropic: {base_url: %q}
retry: {max_attempts: 3, base_delay: 1ms, max_delay: 5ms, total_deadline: 2m}
breaker: {failures: 2, open_timeout: 1h}
stages:
  summarize: {provider: anthropic, model: claude-sonnet-4-5, fallback: [{provider: local, model: local}]}
  critique:  {provider: anthropic, model: claude-sonnet-4-5, fallback: [{provider: local, model: local}]}
  revise:    {provider: anthropic, model: claude-haiku-4-5, timeout: 1s, fallback: [{provider: local, model: local}]}
`, url))
	db := filepath.Join(t.TempDir(), "m.db")
	env := map[string]string{"PAPERSUM_DB": db, "PAPERSUM_CONFIG": cfg, "ANTHROPIC_API_KEY": "k"}
	alpha := createKey(t, env, "alpha", "write")
	srv := startServe(t, env, "--metrics-max-teams", "2")

	// Before any run: the series exist at zero.
	before := scrapeMetrics(t, srv.url, alpha)
	if v := sum(before, "pipeline_breaker_state", map[string]string{"provider": "anthropic", "model": "claude-sonnet-4-5"}); v != 0 {
		t.Errorf("breaker of sonnet at start: %v, want 0 (closed)", v)
	}
	if models := labelValues(before, "pipeline_breaker_state", "model"); len(models) != 2 || !models["claude-haiku-4-5"] {
		t.Errorf("breaker series for %v; want sonnet and haiku (the fallback model too), and no local engine", models)
	}

	// Teams: alpha had a key at start-up; gamma gets one while the
	// server runs and is admitted on its first run; delta would be a
	// third team past --metrics-max-teams 2, so it counts as other.
	gamma := createKey(t, env, "gamma", "write")
	delta := createKey(t, env, "delta", "write")
	var runs []runRecord
	for i, key := range []string{alpha, alpha, gamma, delta} {
		var r runRecord
		code, _ := api(t, "POST", srv.url+"/api/v1/summaries?wait=60s", key, map[string]string{"text": paperText(100 + i)}, &r)
		if code != http.StatusOK || r.Status != papersum.RunSucceeded {
			t.Fatalf("run %d: %d %+v\n%s", i+1, code, r, srv.stderr.String())
		}
		runs = append(runs, r)
	}
	// The first paper again: a cache hit, which reports (and counts) the
	// scores of the run it repeats, the revised summary's included.
	var hit struct {
		runRecord
		Cached bool `json:"cached"`
	}
	if code, _ := api(t, "POST", srv.url+"/api/v1/summaries?wait=60s", alpha, map[string]string{"text": paperText(100)}, &hit); code != http.StatusOK ||
		!hit.Cached || hit.RevisedScores == nil || hit.Scores == nil {
		t.Fatalf("repeat of run 1: %d cached %v, scores %v, revised %v; want a cache hit with both scores", code, hit.Cached, hit.Scores, hit.RevisedScores)
	}
	finished := len(runs) + 1
	m := scrapeMetrics(t, srv.url, alpha)

	// Retries, by the class each retried attempt failed with.
	for class, want := range map[string]float64{"rate_limit": 1, "overloaded": 1, "server": 2} {
		if v := sum(m, "pipeline_retries_total", map[string]string{"class": class}); v != want {
			t.Errorf("pipeline_retries_total{class=%q} = %v, want %v", class, v, want)
		}
	}
	if v := sum(m, "pipeline_retries_total", map[string]string{"class": "timeout"}); v < 1 {
		t.Errorf("pipeline_retries_total{class=\"timeout\"} = %v, want at least 1 (the hang)", v)
	}
	// The breaker that opened, and the one that did not.
	if v := sum(m, "pipeline_breaker_state", map[string]string{"provider": "anthropic", "model": "claude-sonnet-4-5"}); v != 2 {
		t.Errorf("pipeline_breaker_state of sonnet = %v, want 2 (open)", v)
	}
	if v := sum(m, "pipeline_breaker_state", map[string]string{"provider": "anthropic", "model": "claude-haiku-4-5"}); v != 0 {
		t.Errorf("pipeline_breaker_state of haiku = %v, want 0 (closed)", v)
	}

	// Abandoned calls: at least the hang, and the metric says exactly
	// what the run records say.
	recorded := 0
	for _, r := range runs {
		var got runRecord
		if code, _ := api(t, "GET", srv.url+"/api/v1/summaries/"+r.ID, alphaOr(r, alpha, gamma, delta), nil, &got); code != 200 {
			t.Fatalf("GET run %s: %d", r.ID, code)
		}
		for _, a := range got.AbandonedCalls {
			if a.Stage != papersum.StageRevise || a.Model != "claude-haiku-4-5" {
				t.Errorf("run %s: abandoned %+v; only revise on haiku has a deadline that can pass", r.ID, a)
			}
			recorded += a.Calls
		}
	}
	metric := sum(m, "pipeline_calls_abandoned_total", nil)
	if recorded < 1 || metric != float64(recorded) {
		t.Errorf("abandoned calls: runs record %d, pipeline_calls_abandoned_total %v; want equal and at least 1", recorded, metric)
	}
	if v := sum(m, "pipeline_calls_abandoned_total", map[string]string{"provider": "anthropic", "model": "claude-haiku-4-5", "stage": "revise"}); v != metric {
		t.Errorf("abandoned calls of haiku/revise %v of %v", v, metric)
	}

	// Cost by team: real names within the cap, the rest as other.
	teams := labelValues(m, "pipeline_cost_usd_total", "team")
	if !teams["alpha"] || !teams["gamma"] || !teams["other"] || teams["delta"] || len(teams) != 3 {
		t.Errorf("cost series by team %v; want alpha (key at start), gamma (admitted on sight), other (delta, past the cap of 2)", teams)
	}

	// Quality: the draft's and the revised summary's scores, one each per
	// finished run, under the stage that wrote the scored summary.
	for _, stage := range []string{"summarize", "revise"} {
		if v := sum(m, "pipeline_quality_score_count", map[string]string{"stage": stage, "dimension": "overall"}); v != float64(finished) {
			t.Errorf("pipeline_quality_score_count{stage=%q,dimension=\"overall\"} = %v, want %d", stage, v, finished)
		}
	}
	for _, r := range runs {
		if r.Scores == nil || r.RevisedScores == nil {
			t.Errorf("run %s: scores %v, revised scores %v; want both", r.ID, r.Scores, r.RevisedScores)
		}
	}
}

// alphaOr returns the key of the team that owns r (the API shows a run to
// its own team only).
func alphaOr(r runRecord, alpha, gamma, delta string) string {
	switch r.Team {
	case "gamma":
		return gamma
	case "delta":
		return delta
	}
	return alpha
}

// TestMetricsHandlerShowsHalfOpen: /metrics reports a breaker as
// half-open once its open timeout has passed, even when no call came to
// move it (gobreaker moves it only when asked). The open timeout is wall
// time (gobreaker takes no clock), so the test waits for the condition,
// with a deadline, rather than for a fixed time.
func TestMetricsHandlerShowsHalfOpen(t *testing.T) {
	cfg, err := config.Load(strings.NewReader(`
providers:
  anthropic: {base_url: "http://127.0.0.1:1"}
retry: {max_attempts: 1}
breaker: {failures: 1, open_timeout: 50ms}
stages:
  summarize: {provider: anthropic, model: claude-sonnet-4-5}
`), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	e := &env{getenv: func(k string) string { return map[string]string{"ANTHROPIC_API_KEY": "k"}[k] }, stderr: io.Discard}
	deps, err := newPipelineDeps(cfg, e, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	m, err := telemetry.NewMetrics(reg, telemetry.Config{Models: deps.models, Breakers: deps.breakerModels})
	if err != nil {
		t.Fatal(err)
	}
	deps.observer.use(m)
	srv := httptest.NewServer(metricsHandler(deps.breakers, reg))
	defer srv.Close()
	state := func() float64 {
		resp, err := http.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return sum(parseExposition(t, string(body)), "pipeline_breaker_state", map[string]string{"model": "claude-sonnet-4-5"})
	}

	// One failed call (nothing listens on port 1) opens the circuit.
	task := papersum.Task{Stage: papersum.StageSummarize, Paper: &papersum.Paper{Title: "t"}}
	if _, err := deps.stages[papersum.StageSummarize].Client.Generate(context.Background(),
		&papersum.Request{Model: "claude-sonnet-4-5", Prompt: "p", MaxTokens: 10, Timeout: 10 * time.Second, Task: task}); err == nil {
		t.Fatal("a call to a closed port succeeded")
	}
	if s := state(); s != float64(telemetry.BreakerOpen) && s != float64(telemetry.BreakerHalfOpen) {
		t.Fatalf("breaker state %v after a failure with failures: 1, want open (2)", s)
	}
	deadline := time.Now().Add(30 * time.Second)
	for state() != float64(telemetry.BreakerHalfOpen) {
		if time.Now().After(deadline) {
			t.Fatal("/metrics still shows the breaker open 30s after its 50ms open timeout")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
