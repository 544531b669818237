package telemetry

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"

	"github.com/papersum/papersum"
)

var testConfig = Config{
	Teams:  []string{"ml", "nlp"},
	Models: []ModelRef{{"anthropic", "claude-sonnet-4-5"}, {"local", "local"}},
	Routes: []string{"GET /v1/runs/{id}", "POST /v1/runs"},
}

func newMetrics(t *testing.T, cfg Config) (*Metrics, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	m, err := NewMetrics(reg, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m, reg
}

const paperID = "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

func testRun() *papersum.Run {
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	fin := created.Add(42 * time.Second)
	return &papersum.Run{
		ID: "run-7f3a", PaperID: paperID, Status: papersum.RunSucceeded, Team: "ml",
		Scores:        &papersum.Scores{Accuracy: 8, Completeness: 7, Clarity: 9, Coherence: 6},
		RevisedScores: &papersum.Scores{Accuracy: 9, Completeness: 8, Clarity: 9, Coherence: 7},
		CreatedAt:     created, FinishedAt: &fin,
		Stages: []papersum.StageResult{
			{Stage: papersum.StageSummarize, Provider: "anthropic", Model: "claude-sonnet-4-5", CostUSD: 0.03,
				Latency: 12 * time.Second, Usage: papersum.Usage{InputTokens: 1000, OutputTokens: 300, CacheCreation5mTokens: 5000}},
			{Stage: papersum.StageCritique, Provider: "anthropic", Model: "claude-sonnet-4-5", CostUSD: 0.01,
				Latency: 5 * time.Second, Usage: papersum.Usage{InputTokens: 400, OutputTokens: 200, CacheReadTokens: 5000}},
			{Stage: papersum.StageRevise, Provider: "local", Model: "local", CostUSD: 0,
				Latency: 80 * time.Millisecond, Usage: papersum.Usage{InputTokens: 50, OutputTokens: 40, CacheCreation1hTokens: 7}},
		},
	}
}

// histogram returns the sample count and sum of the series of name with
// the given label values.
func histogram(t *testing.T, g prometheus.Gatherer, name string, labels map[string]string) (uint64, float64) {
	t.Helper()
	for _, mf := range gather(t, g) {
		if mf.GetName() != name {
			continue
		}
		for _, met := range mf.GetMetric() {
			if matches(met, labels) {
				return met.GetHistogram().GetSampleCount(), met.GetHistogram().GetSampleSum()
			}
		}
	}
	return 0, 0
}

func matches(met *dto.Metric, labels map[string]string) bool {
	if len(met.GetLabel()) != len(labels) {
		return false
	}
	for _, lp := range met.GetLabel() {
		if labels[lp.GetName()] != lp.GetValue() {
			return false
		}
	}
	return true
}

func gather(t *testing.T, g prometheus.Gatherer) []*dto.MetricFamily {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	return mfs
}

// labelValues returns every value of label across the series of name.
func labelValues(t *testing.T, g prometheus.Gatherer, name, label string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for _, mf := range gather(t, g) {
		if mf.GetName() != name {
			continue
		}
		for _, met := range mf.GetMetric() {
			for _, lp := range met.GetLabel() {
				if lp.GetName() == label {
					out[lp.GetValue()] = true
				}
			}
		}
	}
	return out
}

func TestObserveRun(t *testing.T) {
	m, reg := newMetrics(t, testConfig)
	run := testRun()
	m.ObserveRun(run)
	m.ObserveRun(run)

	if v := testutil.ToFloat64(m.requests.WithLabelValues("succeeded")); v != 2 {
		t.Errorf("requests{succeeded} = %v, want 2", v)
	}
	if v := testutil.ToFloat64(m.requests.WithLabelValues("failed")); v != 0 {
		t.Errorf("requests{failed} = %v, want 0", v)
	}
	tokens := []struct {
		stage, kind string
		want        float64
	}{
		{"summarize", KindInput, 2000}, {"summarize", KindOutput, 600}, {"summarize", KindCacheWrite5m, 10000},
		{"critique", KindCacheRead, 10000}, {"critique", KindCacheWrite5m, 0},
		{"revise", KindCacheWrite1h, 14}, {"revise", KindOutput, 80},
	}
	for _, tt := range tokens {
		if v := testutil.ToFloat64(m.tokens.WithLabelValues(tt.stage, tt.kind)); v != tt.want {
			t.Errorf("tokens{%s,%s} = %v, want %v", tt.stage, tt.kind, v, tt.want)
		}
	}
	if v := testutil.ToFloat64(m.cost.WithLabelValues("ml", "claude-sonnet-4-5")); math.Abs(v-0.08) > 1e-12 {
		t.Errorf("cost{ml,claude-sonnet-4-5} = %v, want 0.08", v)
	}
	// A zero cost (the local engine, a cache hit) still shows its
	// series, at $0, so that free runs are visible per team and model.
	if n := testutil.CollectAndCount(m.cost); n != 2 {
		t.Errorf("cost has %d series, want 2", n)
	}
	if n, sum := histogram(t, reg, "pipeline_latency_seconds", map[string]string{"stage": "summarize"}); n != 2 || sum != 24 {
		t.Errorf("latency{summarize} count %d sum %v, want 2 and 24", n, sum)
	}
	if n, sum := histogram(t, reg, "pipeline_latency_seconds", map[string]string{"stage": "revise"}); n != 2 || math.Abs(sum-0.16) > 1e-9 {
		t.Errorf("latency{revise} count %d sum %v, want 2 and 0.16", n, sum)
	}
	if n, sum := histogram(t, reg, "pipeline_run_duration_seconds", map[string]string{"status": "succeeded"}); n != 2 || sum != 84 {
		t.Errorf("run duration count %d sum %v, want 2 and 84", n, sum)
	}
	// The draft's scores go under the stage that wrote it (summarize),
	// the revised summary's under revise.
	for _, tt := range []struct {
		stage, dim string
		want       float64
	}{
		{"summarize", DimAccuracy, 16}, {"summarize", DimCoherence, 12}, {"summarize", DimOverall, 2 * run.Scores.Overall()},
		{"revise", DimAccuracy, 18}, {"revise", DimCoherence, 14}, {"revise", DimOverall, 2 * run.RevisedScores.Overall()},
	} {
		if n, sum := histogram(t, reg, "pipeline_quality_score", map[string]string{"stage": tt.stage, "dimension": tt.dim}); n != 2 || math.Abs(sum-tt.want) > 1e-9 {
			t.Errorf("quality{%s,%s} count %d sum %v, want 2 and %v", tt.stage, tt.dim, n, sum, tt.want)
		}
	}
	// A run without revised scores (an older run, a failed measurement)
	// adds to the draft's series only.
	run.RevisedScores = nil
	m.ObserveRun(run)
	if n, _ := histogram(t, reg, "pipeline_quality_score", map[string]string{"stage": "revise", "dimension": DimOverall}); n != 2 {
		t.Errorf("quality{revise,overall} count %d after a run without revised scores, want 2", n)
	}
	if n, _ := histogram(t, reg, "pipeline_quality_score", map[string]string{"stage": "summarize", "dimension": DimOverall}); n != 3 {
		t.Errorf("quality{summarize,overall} count %d, want 3", n)
	}
	if problems, err := testutil.GatherAndLint(reg); err != nil || len(problems) > 0 {
		t.Errorf("lint problems %v, err %v", problems, err)
	}
}

func TestObserveRunOddInput(t *testing.T) {
	m, reg := newMetrics(t, testConfig)
	m.ObserveRun(nil)
	fin := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC) // before CreatedAt
	m.ObserveRun(&papersum.Run{
		ID: "r", Status: papersum.RunRunning, Team: "", CreatedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), FinishedAt: &fin,
		Scores: &papersum.Scores{Accuracy: math.NaN(), Clarity: math.Inf(1), Completeness: -1},
		Stages: []papersum.StageResult{
			{Stage: "translate", Model: "gpt-unknown", CostUSD: math.NaN(), Latency: -time.Second, Usage: papersum.Usage{InputTokens: -5, OutputTokens: 3}},
			{Stage: papersum.StageSummarize, Model: "local", CostUSD: -0.5},
			{Stage: papersum.StageSummarize, Model: "local", CostUSD: math.Inf(1)},
			{Stage: papersum.StageCritique, Model: "gpt-unknown", CostUSD: 0.02},
		},
	})
	if v := testutil.ToFloat64(m.requests.WithLabelValues(Other)); v != 1 {
		t.Errorf("requests{other} = %v, want 1 for a run still running", v)
	}
	if v := testutil.ToFloat64(m.tokens.WithLabelValues(Other, KindOutput)); v != 3 {
		t.Errorf("tokens{other,output} = %v, want 3", v)
	}
	if v := testutil.ToFloat64(m.tokens.WithLabelValues(Other, KindInput)); v != 0 {
		t.Errorf("negative token count was added: %v", v)
	}
	if v := testutil.ToFloat64(m.cost.WithLabelValues(None, Other)); v != 0.02 {
		t.Errorf("cost{none,other} = %v, want 0.02 (bad costs dropped)", v)
	}
	if n := testutil.CollectAndCount(m.cost); n != 1 {
		t.Errorf("cost has %d series, want 1", n)
	}
	if n, _ := histogram(t, reg, "pipeline_run_duration_seconds", map[string]string{"status": Other}); n != 0 {
		t.Errorf("negative run duration observed")
	}
	for _, dim := range []string{DimAccuracy, DimClarity, DimCompleteness} {
		if n, _ := histogram(t, reg, "pipeline_quality_score", map[string]string{"stage": "summarize", "dimension": dim}); n != 0 {
			t.Errorf("quality{%s}: NaN, Inf or negative score observed", dim)
		}
	}
}

func TestLabelCardinalityIsBounded(t *testing.T) {
	m, reg := newMetrics(t, testConfig)
	rng := rand.New(rand.NewPCG(1, 2))
	word := func() string { return fmt.Sprintf("x%08x", rng.Uint32()) }
	for range 1000 {
		run := testRun()
		run.ID = "run-" + word()
		run.PaperID = "sha256:" + word()
		run.Team = word()
		run.Status = papersum.RunStatus(word())
		for i := range run.Stages {
			run.Stages[i].Model = word()
			run.Stages[i].Stage = papersum.Stage(word())
		}
		m.ObserveRun(run)
		m.RateLimitRejected(word())
		m.DegradedDecision(word(), "local")
		m.Retry(papersum.Class(word()))
		m.SetQueueDepth(word(), 3)
		m.SetBreakerState(word(), word(), BreakerOpen)
		m.CallAbandoned(word(), word(), papersum.Stage(word()))
		m.ObserveHTTP("GET /v1/runs/"+word(), word(), 200+rng.IntN(400), time.Millisecond)
	}
	m.ObserveRun(testRun()) // one known team and model

	bounds := map[string]map[string]bool{
		"team":         {"ml": true, "nlp": true, Other: true, None: true},
		"model":        {"claude-sonnet-4-5": true, "local": true, Other: true},
		"stage":        {"summarize": true, "critique": true, "revise": true, Other: true},
		"provider":     {"anthropic": true, "local": true, Other: true},
		"status":       {"succeeded": true, "failed": true, Other: true},
		"route":        {"GET /v1/runs/{id}": true, "POST /v1/runs": true, Other: true},
		"status_class": {"1xx": true, "2xx": true, "3xx": true, "4xx": true, "5xx": true, Other: true},
		"component":    {"cache": true, "ratelimit": true, Other: true},
	}
	for _, mf := range gather(t, reg) {
		for _, met := range mf.GetMetric() {
			for _, lp := range met.GetLabel() {
				if allowed, ok := bounds[lp.GetName()]; ok && !allowed[lp.GetValue()] {
					t.Errorf("%s{%s=%q} is outside the closed set", mf.GetName(), lp.GetName(), lp.GetValue())
				}
			}
		}
	}
	teams := labelValues(t, reg, "pipeline_cost_usd_total", "team")
	if len(teams) > len(testConfig.Teams)+1 {
		t.Errorf("1000 random teams made %d team values: %v", len(teams), teams)
	}
	if !teams[Other] || !teams["ml"] {
		t.Errorf("team values %v, want ml and other", teams)
	}
	if n := testutil.CollectAndCount(reg); n > 200 {
		t.Errorf("registry holds %d series after 1000 random runs", n)
	}
	if v := labelValues(t, reg, "pipeline_breaker_state", "model"); len(v) != 2 {
		t.Errorf("breaker models %v, want only the two configured", v)
	}
	if v := labelValues(t, reg, "pipeline_queue_depth", "state"); len(v) != len(QueueStates) {
		t.Errorf("queue states %v, want only QueueStates", v)
	}
}

func TestNoIDsInLabels(t *testing.T) {
	m, reg := newMetrics(t, testConfig)
	run := testRun()
	run.Team = "team-" + run.ID
	m.ObserveRun(run)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/runs/{id}", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNotFound) })
	h := m.Middleware(mux)
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/v1/runs/"+run.ID, nil))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/v1/papers/"+paperID, nil))

	body := scrape(t, reg)
	for _, id := range []string{run.ID, paperID, "9f86d081"} {
		if strings.Contains(body, id) {
			t.Errorf("exposition contains the identifier %q", id)
		}
	}
	if v := testutil.ToFloat64(m.cost.WithLabelValues(Other, "claude-sonnet-4-5")); v == 0 {
		t.Errorf("a team name carrying a run ID was not folded into other")
	}
	if n, _ := histogram(t, reg, "http_request_duration_seconds", map[string]string{"route": "GET /v1/runs/{id}", "method": "GET", "status_class": "4xx"}); n != 1 {
		t.Errorf("request to a known route not recorded under its pattern")
	}
	if n, _ := histogram(t, reg, "http_request_duration_seconds", map[string]string{"route": Other, "method": "GET", "status_class": "4xx"}); n != 1 {
		t.Errorf("unmatched request (mux 404) not recorded under other")
	}
}

func scrape(t *testing.T, g prometheus.Gatherer) string {
	t.Helper()
	srv := httptest.NewServer(Handler(g))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s", resp.Status)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestExpositionHasRequiredMetrics(t *testing.T) {
	m, reg := newMetrics(t, testConfig)
	before := scrape(t, reg)
	run := testRun()
	run.RepeatedCalls = 2
	m.ObserveRun(run)
	m.CacheHit()
	m.CacheMiss()
	m.RateLimitRejected("team")
	m.DegradedDecision("ratelimit", "closed")
	m.DegradedDecision("cache", "miss")
	m.SetQueueDepth("available", 4)
	m.Retry(papersum.ClassRateLimit)
	m.SetBreakerState("anthropic", "claude-sonnet-4-5", BreakerOpen)
	m.CallAbandoned("anthropic", "claude-sonnet-4-5", papersum.StageRevise)
	m.ObserveHTTP("POST /v1/runs", "POST", 202, 30*time.Millisecond)
	after := scrape(t, reg)

	// These exist from start-up, before any event.
	early := []string{
		`pipeline_requests_total{status="failed"} 0`,
		`pipeline_latency_seconds_bucket{stage="critique",le="+Inf"} 0`,
		`pipeline_tokens_total{kind="cache_write_1h",stage="revise"} 0`,
		`pipeline_quality_score_count{dimension="overall",stage="summarize"} 0`,
		`pipeline_quality_score_count{dimension="overall",stage="revise"} 0`,
		`pipeline_calls_abandoned_total{model="claude-sonnet-4-5",provider="anthropic",stage="critique"} 0`,
		`pipeline_queue_depth{state="running"} 0`,
		"pipeline_cache_hits_total 0",
		"pipeline_cache_misses_total 0",
		`pipeline_rate_limit_rejections_total{scope="ip"} 0`,
		`pipeline_degraded_decisions_total{component="ratelimit",policy="local"} 0`,
		`pipeline_retries_total{class="overloaded"} 0`,
		`pipeline_breaker_state{model="local",provider="local"} 0`,
		"pipeline_calls_repeated_total 0",
	}
	for _, s := range early {
		if !strings.Contains(before, s) {
			t.Errorf("fresh exposition lacks %s", s)
		}
	}
	required := []string{
		`pipeline_requests_total{status="succeeded"} 1`,
		`pipeline_latency_seconds_bucket{stage="summarize",le="20"} 1`,
		`pipeline_tokens_total{kind="cache_read",stage="critique"} 5000`,
		`pipeline_cost_usd_total{model="claude-sonnet-4-5",team="ml"} 0.04`,
		`pipeline_quality_score_bucket{dimension="accuracy",stage="summarize",le="8"} 1`,
		`pipeline_quality_score_bucket{dimension="accuracy",stage="revise",le="8"} 0`,
		`pipeline_quality_score_bucket{dimension="accuracy",stage="revise",le="9"} 1`,
		`pipeline_calls_abandoned_total{model="claude-sonnet-4-5",provider="anthropic",stage="revise"} 1`,
		`pipeline_queue_depth{state="available"} 4`,
		"pipeline_cache_hits_total 1",
		"pipeline_cache_misses_total 1",
		`pipeline_rate_limit_rejections_total{scope="team"} 1`,
		`pipeline_degraded_decisions_total{component="ratelimit",policy="closed"} 1`,
		`pipeline_degraded_decisions_total{component="cache",policy="miss"} 1`,
		`pipeline_retries_total{class="rate_limit"} 1`,
		`pipeline_breaker_state{model="claude-sonnet-4-5",provider="anthropic"} 2`,
		`http_request_duration_seconds_count{method="POST",route="POST /v1/runs",status_class="2xx"} 1`,
		`pipeline_run_duration_seconds_count{status="succeeded"} 1`,
		"pipeline_calls_repeated_total 2",
	}
	for _, s := range required {
		if !strings.Contains(after, s) {
			t.Errorf("exposition lacks %s", s)
		}
	}
	for _, name := range []string{"pipeline_requests_total", "pipeline_latency_seconds", "pipeline_tokens_total",
		"pipeline_cost_usd_total", "pipeline_quality_score", "pipeline_queue_depth", "pipeline_cache_hits_total",
		"pipeline_cache_misses_total", "pipeline_rate_limit_rejections_total", "pipeline_calls_abandoned_total",
		"pipeline_retries_total", "pipeline_breaker_state"} {
		if !strings.Contains(after, "# TYPE "+name+" ") {
			t.Errorf("exposition lacks metric %s", name)
		}
	}
}

func TestNewMetricsErrors(t *testing.T) {
	reg := prometheus.NewRegistry()
	if _, err := NewMetrics(reg, testConfig); err != nil {
		t.Fatal(err)
	}
	if _, err := NewMetrics(reg, testConfig); papersum.ErrorCode(err) != papersum.EINTERNAL {
		t.Errorf("second registration: err = %v, want EINTERNAL", err)
	}
	// A failed registration leaves nothing behind.
	reg2 := prometheus.NewRegistry()
	clash := prometheus.NewCounter(prometheus.CounterOpts{Name: "http_request_duration_seconds", Help: "clash"})
	reg2.MustRegister(clash)
	if _, err := NewMetrics(reg2, testConfig); err == nil {
		t.Fatal("registration over a clashing metric succeeded")
	}
	if n := len(gather(t, reg2)); n != 1 {
		t.Errorf("failed NewMetrics left %d families registered, want only the clash", n)
	}
	if _, err := NewMetrics(nil, Config{}); papersum.ErrorCode(err) != papersum.EINVALID {
		t.Errorf("nil registerer: err = %v, want EINVALID", err)
	}
	for name, cfg := range map[string]Config{
		"empty team":        {Teams: []string{""}},
		"reserved team":     {Teams: []string{"other"}},
		"blank route":       {Routes: []string{" GET /"}},
		"empty model":       {Models: []ModelRef{{"anthropic", ""}}},
		"unsorted buckets":  {StageBuckets: []float64{1, 0.5}},
		"empty buckets":     {HTTPBuckets: []float64{}},
		"NaN bucket":        {HTTPBuckets: []float64{math.NaN()}},
		"invalid utf8 team": {Teams: []string{"\xff"}},
		"negative max":      {MaxTeams: -1},
		"blank breaker":     {Breakers: []ModelRef{{"anthropic", " m"}}},
	} {
		if _, err := NewMetrics(prometheus.NewRegistry(), cfg); papersum.ErrorCode(err) != papersum.EINVALID {
			t.Errorf("%s: err = %v, want EINVALID", name, err)
		}
	}
}

func TestSanitizers(t *testing.T) {
	m, _ := newMetrics(t, testConfig)
	for in, want := range map[string]string{"ml": "ml", "": None, "ML": Other, "other": Other} {
		if got := m.Team(in); got != want {
			t.Errorf("Team(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"local": "local", "gpt-5": Other, "": Other} {
		if got := m.Model(in); got != want {
			t.Errorf("Model(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[papersum.Stage]string{"critique": "critique", "Critique": Other, "": Other} {
		if got := Stage(in); got != want {
			t.Errorf("Stage(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[int]string{100: "1xx", 204: "2xx", 399: "3xx", 404: "4xx", 599: "5xx", 600: Other, 0: Other, -1: Other} {
		if got := statusClass(in); got != want {
			t.Errorf("statusClass(%d) = %q, want %q", in, got, want)
		}
	}
	if BreakerHalfOpen.String() != "half_open" || BreakerState(9).String() != "BreakerState(9)" {
		t.Error("BreakerState.String")
	}
}

// fakeClock advances by step on each reading.
type fakeClock struct {
	now  time.Time
	step time.Duration
}

func (c *fakeClock) Now() time.Time { c.now = c.now.Add(c.step); return c.now }

func TestMiddlewareStatusAndDuration(t *testing.T) {
	cfg := testConfig
	cfg.Clock = &fakeClock{now: time.Unix(0, 0), step: 250 * time.Millisecond}
	m, reg := newMetrics(t, cfg)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/runs", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
		w.WriteHeader(http.StatusInternalServerError) // ignored by net/http too
		http.NewResponseController(w).Flush()
	})
	mux.HandleFunc("GET /v1/runs/{id}", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	h := m.Middleware(mux)
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/v1/runs", bytes.NewReader(nil)))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/v1/runs/abc", nil))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("PROPFIND", "/v1/runs/abc", nil))

	if n, sum := histogram(t, reg, "http_request_duration_seconds", map[string]string{"route": "POST /v1/runs", "method": "POST", "status_class": "2xx"}); n != 1 || sum != 0.25 {
		t.Errorf("POST /v1/runs: count %d sum %v, want 1 and 0.25", n, sum)
	}
	if n, _ := histogram(t, reg, "http_request_duration_seconds", map[string]string{"route": "GET /v1/runs/{id}", "method": "GET", "status_class": "2xx"}); n != 1 {
		t.Errorf("GET /v1/runs/{id} with an implicit 200 not recorded")
	}
	if n, _ := histogram(t, reg, "http_request_duration_seconds", map[string]string{"route": Other, "method": Other, "status_class": "4xx"}); n != 1 {
		t.Errorf("PROPFIND not recorded as method other")
	}
}

// TestTeamLabels checks the cardinality rule of the team label: teams are
// admitted in order (configured, then AdmitTeams, then known on first
// sight) up to MaxTeams and stay; every other team is "other", and only
// what KnownTeam vouches for is ever asked about.
func TestTeamLabels(t *testing.T) {
	var asked []string
	cfg := testConfig
	cfg.Teams = []string{"ml"}
	cfg.MaxTeams = 3
	cfg.KnownTeam = func(team string) bool {
		asked = append(asked, team)
		return strings.HasPrefix(team, "team-")
	}
	m, reg := newMetrics(t, cfg)
	if n := m.AdmitTeams("nlp", "ml", "", " padded", Other); n != 2 {
		t.Fatalf("AdmitTeams admitted %d teams in all, want 2 (ml, nlp)", n)
	}
	for _, tt := range []struct{ team, want string }{
		{"ml", "ml"}, {"", None}, {"kafka-junk", Other}, {"team-a", "team-a"}, {"team-b", Other}, {"nlp", "nlp"}, {"team-a", "team-a"},
	} {
		run := testRun()
		run.Team = tt.team
		m.ObserveRun(run)
		if got := m.Team(tt.team); got != tt.want {
			t.Errorf("Team(%q) = %q, want %q", tt.team, got, tt.want)
		}
	}
	// Once full, no team is looked up any more: a flood of unknown teams
	// costs no store queries.
	slices.Sort(asked)
	if want := []string{"kafka-junk", "team-a"}; !slices.Equal(slices.Compact(asked), want) {
		t.Errorf("KnownTeam asked about %v; want kafka-junk and team-a only: not admitted teams, nothing once full", asked)
	}
	if m.AdmitTeams("team-z") != 3 || m.Team("team-z") != Other {
		t.Error("a full set admitted another team")
	}
	teams := labelValues(t, reg, "pipeline_cost_usd_total", "team")
	for _, want := range []string{"ml", "nlp", "team-a", None, Other} {
		if !teams[want] {
			t.Errorf("cost series lack team %q: %v", want, teams)
		}
	}
	if len(teams) != 5 {
		t.Errorf("team values %v, want MaxTeams (3) plus none and other", teams)
	}
}

// TestBreakerSeries: the breaker gauge has a series per model behind a
// breaker (Config.Breakers, default Models), and no other.
func TestBreakerSeries(t *testing.T) {
	cfg := testConfig
	cfg.Breakers = []ModelRef{{"anthropic", "claude-sonnet-4-5"}}
	m, reg := newMetrics(t, cfg)
	m.SetBreakerState("local", "local", BreakerOpen)
	m.SetBreakerState("anthropic", "claude-sonnet-4-5", BreakerHalfOpen)
	if v := labelValues(t, reg, "pipeline_breaker_state", "model"); len(v) != 1 || !v["claude-sonnet-4-5"] {
		t.Errorf("breaker series for models %v, want claude-sonnet-4-5 only", v)
	}
	if v := testutil.ToFloat64(m.breaker.WithLabelValues("anthropic", "claude-sonnet-4-5")); v != float64(BreakerHalfOpen) {
		t.Errorf("breaker state %v, want half-open (1)", v)
	}
}
