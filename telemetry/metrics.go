package telemetry

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/papersum/papersum"
)

// Label values that stand for everything outside a closed set.
const (
	// Other replaces a value that is not in its label's closed set.
	Other = "other"
	// None is the team of a run charged to nobody (Run.Team == "").
	None = "none"
)

// Token kinds, the values of the kind label of pipeline_tokens_total.
// They mirror the priced fields of papersum.Usage.
const (
	KindInput        = "input"
	KindOutput       = "output"
	KindCacheWrite5m = "cache_write_5m"
	KindCacheWrite1h = "cache_write_1h"
	KindCacheRead    = "cache_read"
)

// Quality dimensions, the values of the dimension label of
// pipeline_quality_score: the four rubric scores and their weighted
// overall.
const (
	DimAccuracy     = "accuracy"
	DimCompleteness = "completeness"
	DimClarity      = "clarity"
	DimCoherence    = "coherence"
	DimOverall      = "overall"
)

// DefaultMaxTeams is the default of Config.MaxTeams.
const DefaultMaxTeams = 50

// QualityStages are the values of the stage label of
// pipeline_quality_score: the stage whose output was scored. summarize is
// the first draft, scored by the critique stage (Run.Scores); revise is
// the revised summary, scored by the local engine's measured critique
// (Run.RevisedScores).
var QualityStages = []string{string(papersum.StageSummarize), string(papersum.StageRevise)}

// QueueStates are the job states reported by pipeline_queue_depth (River's
// job states).
var QueueStates = []string{"available", "pending", "scheduled", "running", "retryable", "completed", "cancelled", "discarded"}

// RateLimitScopes are the values of the scope label of
// pipeline_rate_limit_rejections_total: which limit rejected the request.
var RateLimitScopes = []string{"global", "team", "user", "ip", "key"}

// DegradedPolicies are the (component, policy) label pairs of
// pipeline_degraded_decisions_total: what answered a call that Redis could
// not. The cache answers a read as a miss and skips a write; the rate
// limiter answers by its --ratelimit-fallback policy.
var DegradedPolicies = [][2]string{
	{"cache", "miss"}, {"cache", "skip"},
	{"ratelimit", "local"}, {"ratelimit", "open"}, {"ratelimit", "closed"},
}

// BreakerState is a circuit breaker's state as a gauge value.
type BreakerState int

// The breaker states. The numbers order by severity so that alert rules
// can say "> 0".
const (
	BreakerClosed   BreakerState = 0
	BreakerHalfOpen BreakerState = 1
	BreakerOpen     BreakerState = 2
)

// ModelRef names a configured model.
type ModelRef struct {
	Provider string
	Model    string
}

// Default buckets.
var (
	// DefaultStageBuckets (seconds) span a fast local engine (tens of
	// milliseconds) to a long model call near llm.TimeoutMax (3 minutes)
	// plus retries.
	DefaultStageBuckets = []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600}
	// DefaultHTTPBuckets (seconds) are Prometheus's defaults, fit for API
	// calls that enqueue work rather than do it.
	DefaultHTTPBuckets = prometheus.DefBuckets
)

// Config holds the closed label sets. Zero values take the documented
// defaults.
type Config struct {
	// Teams are team label values admitted from the start, in order (see
	// MaxTeams). A run without a team counts as "none". Default none.
	Teams []string
	// MaxTeams caps the number of distinct team label values: teams are
	// admitted in order (Teams, then AdmitTeams, then KnownTeam) until
	// MaxTeams are, and every later team counts as "other". An admitted
	// team stays for the life of the Metrics, so a series never changes
	// its meaning. Default DefaultMaxTeams (50).
	MaxTeams int
	// KnownTeam, when set, is asked about a team that is not admitted
	// while there is room: a true answer admits it. It runs in
	// ObserveRun, so it should be quick, and it decides which strings may
	// become label values (typically: teams that have an API key). Default
	// nil: only Teams and AdmitTeams admit.
	KnownTeam func(team string) bool
	// Models are the configured models. Their names are the model label
	// values of pipeline_cost_usd_total and pipeline_calls_abandoned_total
	// (others count as "other"). Default none.
	Models []ModelRef
	// Breakers are the models behind a circuit breaker: the only series
	// of pipeline_breaker_state. Default Models.
	Breakers []ModelRef
	// Routes are the HTTP route patterns as registered on the mux (for
	// example "GET /v1/runs/{id}"); requests matching no listed pattern
	// count as "other". Default none.
	Routes []string
	// StageBuckets are the histogram buckets of stage latency and run
	// duration, in seconds. Default DefaultStageBuckets.
	StageBuckets []float64
	// HTTPBuckets are the histogram buckets of HTTP request duration, in
	// seconds. Default DefaultHTTPBuckets.
	HTTPBuckets []float64
	// Clock times HTTP requests in Middleware. Default
	// papersum.SystemClock.
	Clock papersum.Clock
	// QualityThreshold is the overall score (0-10) that a finished run's
	// summary must reach to count as result="pass" in
	// pipeline_quality_runs_total, the quality SLO's indicator. Default
	// DefaultQualityThreshold (7.5, the default of the config file's
	// thresholds.overall).
	QualityThreshold float64
}

// Metrics are papersum's Prometheus metrics. Its methods are safe for
// concurrent use and never panic on odd input (NaN, negative values,
// unknown names): bad numbers are dropped and unknown names collapse to
// "other".
type Metrics struct {
	requests     *prometheus.CounterVec
	stageLatency *prometheus.HistogramVec
	runDuration  *prometheus.HistogramVec
	tokens       *prometheus.CounterVec
	cost         *prometheus.CounterVec
	quality      *prometheus.HistogramVec
	queueDepth   *prometheus.GaugeVec
	queueOldest  prometheus.Gauge
	modelLatency *prometheus.HistogramVec
	cacheHits    prometheus.Counter
	cacheMisses  prometheus.Counter
	rateLimited  *prometheus.CounterVec
	degraded     *prometheus.CounterVec
	retries      *prometheus.CounterVec
	abandoned    *prometheus.CounterVec
	repeated     prometheus.Counter
	breaker      *prometheus.GaugeVec
	httpDuration *prometheus.HistogramVec
	commitSize   *prometheus.HistogramVec
	commitTime   *prometheus.HistogramVec
	outcomes     outcomes

	teamsMu   sync.RWMutex
	teams     map[string]bool
	maxTeams  int
	knownTeam func(string) bool

	models    map[string]bool
	providers map[string]bool
	pairs     map[ModelRef]bool // models with a breaker
	routes    map[string]bool
	clock     papersum.Clock
}

// NewMetrics builds the metrics and registers them on reg. On error
// nothing stays registered.
//
// Errors: EINVALID for a bad Config; EINTERNAL when reg refuses a metric
// (most often because NewMetrics already ran on it).
func NewMetrics(reg prometheus.Registerer, cfg Config) (*Metrics, error) {
	if reg == nil {
		return nil, papersum.Errorf(papersum.EINVALID, "telemetry: nil registerer")
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.StageBuckets == nil {
		cfg.StageBuckets = DefaultStageBuckets
	}
	if cfg.HTTPBuckets == nil {
		cfg.HTTPBuckets = DefaultHTTPBuckets
	}
	if cfg.Clock == nil {
		cfg.Clock = papersum.SystemClock{}
	}
	if cfg.MaxTeams == 0 {
		cfg.MaxTeams = DefaultMaxTeams
	}
	if cfg.Breakers == nil {
		cfg.Breakers = cfg.Models
	}
	if cfg.QualityThreshold == 0 {
		cfg.QualityThreshold = DefaultQualityThreshold
	}
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pipeline_requests_total",
			Help: "Finished pipeline runs by outcome.",
		}, []string{"status"}),
		stageLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "pipeline_latency_seconds",
			Help:    "Wall time of one pipeline stage, retries and fallbacks included.",
			Buckets: cfg.StageBuckets,
		}, []string{"stage"}),
		runDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "pipeline_run_duration_seconds",
			Help:    "Wall time of a whole run, from creation to finish.",
			Buckets: cfg.StageBuckets,
		}, []string{"status"}),
		tokens: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pipeline_tokens_total",
			Help: "Model tokens by stage and kind (input, output, cache writes, cache reads).",
		}, []string{"stage", "kind"}),
		cost: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pipeline_cost_usd_total",
			Help: "Model cost in US dollars by team and model.",
		}, []string{"team", "model"}),
		quality: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "pipeline_quality_score",
			Help: "Rubric scores (0-10) of finished runs' summaries by rubric dimension and by the stage that wrote " +
				"the scored summary: summarize (the first draft, scored by the critique stage) or revise (the " +
				"revised summary, scored by the local engine's measured critique).",
			Buckets: prometheus.LinearBuckets(0, 1, 11),
		}, []string{"stage", "dimension"}),
		queueDepth: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "pipeline_queue_depth",
			Help: "Jobs in the queue by state.",
		}, []string{"state"}),
		queueOldest: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "pipeline_queue_oldest_job_age_seconds",
			Help: "Seconds the oldest available job has waited for a worker (0 when none waits).",
		}),
		modelLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "pipeline_model_latency_seconds",
			Help: "Wall time of one pipeline stage by the provider and model that answered it (configured models; " +
				"others count as \"other\"), retries included.",
			Buckets: cfg.StageBuckets,
		}, []string{"provider", "model", "stage"}),
		cacheHits: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "pipeline_cache_hits_total",
			Help: "Requests answered from the result cache.",
		}),
		cacheMisses: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "pipeline_cache_misses_total",
			Help: "Requests the result cache could not answer.",
		}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pipeline_rate_limit_rejections_total",
			Help: "Requests rejected by a rate limit, by the limit's scope.",
		}, []string{"scope"}),
		degraded: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pipeline_degraded_decisions_total",
			Help: "Calls to Redis that failed and were answered by a fallback policy, by component (cache, ratelimit) and policy.",
		}, []string{"component", "policy"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pipeline_retries_total",
			Help: "Model call retries by failure class.",
		}, []string{"class"}),
		abandoned: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pipeline_calls_abandoned_total",
			Help: "Model calls papersum stopped waiting for before an answer arrived (deadline or cancel): " +
				"the provider may have billed them, their tokens are unknown and not in pipeline_tokens_total " +
				"or pipeline_cost_usd_total.",
		}, []string{"provider", "model", "stage"}),
		repeated: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "pipeline_calls_repeated_total",
			Help: "Model calls made again because an earlier, paid answer for the same stage was lost before it " +
				"could be stored (a store outage the worker could not ride out): the provider billed both, " +
				"pipeline_cost_usd_total counts only the second. Counted when the run finishes.",
		}),
		breaker: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "pipeline_breaker_state",
			Help: "Circuit breaker state per configured model: 0 closed, 1 half-open, 2 open.",
		}, []string{"provider", "model"}),
		httpDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "http_request_duration_seconds",
			Help:    "HTTP request duration by route pattern, method and status class.",
			Buckets: cfg.HTTPBuckets,
		}, []string{"route", "method", "status_class"}),
		commitSize: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "store_commit_requests",
			Help:    "Requests written per store transaction (group commit), by what they wrote and outcome.",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64},
		}, []string{"kind", "outcome"}),
		commitTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "store_commit_duration_seconds",
			Help:    "Duration of store transactions of group-committed requests, by what they wrote.",
			Buckets: []float64{.0005, .001, .002, .004, .008, .016, .032, .064, .128, .256, 1},
		}, []string{"kind"}),
		teams:     map[string]bool{},
		maxTeams:  cfg.MaxTeams,
		knownTeam: cfg.KnownTeam,
		models:    map[string]bool{},
		providers: map[string]bool{},
		pairs:     map[ModelRef]bool{},
		routes:    set(cfg.Routes),
		clock:     cfg.Clock,
		outcomes:  newOutcomes(cfg.QualityThreshold),
	}
	m.AdmitTeams(cfg.Teams...)
	for _, r := range cfg.Models {
		m.models[r.Model] = true
		m.providers[r.Provider] = true
	}
	for _, r := range cfg.Breakers {
		m.pairs[r] = true
	}
	m.initSeries()

	cs := []prometheus.Collector{m.requests, m.stageLatency, m.runDuration, m.tokens, m.cost, m.quality,
		m.queueDepth, m.queueOldest, m.modelLatency, m.cacheHits, m.cacheMisses, m.rateLimited, m.degraded, m.retries, m.abandoned, m.repeated, m.breaker, m.httpDuration,
		m.commitSize, m.commitTime, m.outcomes.quality, m.outcomes.failures}
	for i, c := range cs {
		if err := reg.Register(c); err != nil {
			for _, done := range cs[:i] {
				reg.Unregister(done)
			}
			return nil, &papersum.Error{Code: papersum.EINTERNAL, Message: "telemetry: cannot register metrics", Op: "telemetry.NewMetrics", Err: err}
		}
	}
	return m, nil
}

// initSeries creates the series of the small closed sets at zero, so that
// dashboards and rate() see them before the first event rather than a
// gap. Cost (teams x models) and HTTP (routes x methods x classes) are
// left to appear on use: their products can be large.
func (m *Metrics) initSeries() {
	for _, s := range []string{string(papersum.RunSucceeded), string(papersum.RunFailed)} {
		m.requests.WithLabelValues(s)
		m.runDuration.WithLabelValues(s)
	}
	for _, st := range papersum.Stages {
		m.stageLatency.WithLabelValues(string(st))
		for _, k := range []string{KindInput, KindOutput, KindCacheWrite5m, KindCacheWrite1h, KindCacheRead} {
			m.tokens.WithLabelValues(string(st), k)
		}
	}
	for _, st := range QualityStages {
		for _, d := range []string{DimAccuracy, DimCompleteness, DimClarity, DimCoherence, DimOverall} {
			m.quality.WithLabelValues(st, d)
		}
	}
	for _, s := range QueueStates {
		m.queueDepth.WithLabelValues(s)
	}
	for _, k := range CommitKinds {
		for _, o := range []string{"ok", "error"} {
			m.commitSize.WithLabelValues(k, o)
		}
		m.commitTime.WithLabelValues(k)
	}
	for _, s := range RateLimitScopes {
		m.rateLimited.WithLabelValues(s)
	}
	for _, p := range DegradedPolicies {
		m.degraded.WithLabelValues(p[0], p[1])
	}
	for _, c := range papersum.Classes {
		m.retries.WithLabelValues(string(c))
	}
	m.outcomes.initSeries()
	for p := range m.pairs {
		m.breaker.WithLabelValues(p.Provider, p.Model).Set(float64(BreakerClosed))
		// Only a call through the retry layer can be abandoned, and every
		// such model has a breaker.
		for _, st := range papersum.Stages {
			m.abandoned.WithLabelValues(p.Provider, p.Model, string(st))
		}
	}
}

func (c Config) validate() error {
	check := func(what string, vals []string) error {
		for _, v := range vals {
			switch {
			case v == "" || strings.TrimSpace(v) != v:
				return papersum.Errorf(papersum.EINVALID, "telemetry: %s %q is empty or has surrounding blanks", what, v)
			case !utf8.ValidString(v):
				return papersum.Errorf(papersum.EINVALID, "telemetry: %s %q is not valid UTF-8", what, v)
			case v == Other || v == None:
				return papersum.Errorf(papersum.EINVALID, "telemetry: %s %q is reserved", what, v)
			}
		}
		return nil
	}
	if err := check("team", c.Teams); err != nil {
		return err
	}
	if err := check("route", c.Routes); err != nil {
		return err
	}
	for _, r := range append(slices.Clone(c.Models), c.Breakers...) {
		if err := check("model", []string{r.Provider, r.Model}); err != nil {
			return err
		}
	}
	if t := c.QualityThreshold; math.IsNaN(t) || t < 0 || t > 10 {
		return papersum.Errorf(papersum.EINVALID, "telemetry: quality threshold %v must be between 0 and 10", t)
	}
	if c.MaxTeams < 0 {
		return papersum.Errorf(papersum.EINVALID, "telemetry: max teams %d must not be negative", c.MaxTeams)
	}
	for name, b := range map[string][]float64{"stage": c.StageBuckets, "HTTP": c.HTTPBuckets} {
		if b == nil {
			continue
		}
		if len(b) == 0 {
			return papersum.Errorf(papersum.EINVALID, "telemetry: %s buckets are empty", name)
		}
		for i, v := range b {
			if math.IsNaN(v) || (i > 0 && v <= b[i-1]) {
				return papersum.Errorf(papersum.EINVALID, "telemetry: %s buckets must increase strictly: %v", name, b)
			}
		}
	}
	return nil
}

func set(vals []string) map[string]bool {
	m := make(map[string]bool, len(vals))
	for _, v := range vals {
		m[v] = true
	}
	return m
}

// ObserveRun records a finished run: one request by status, each stage's
// latency and tokens, cost by team and model, the run's duration and its
// quality scores. Call it once per run, when the run ends; a nil run is
// ignored.
func (m *Metrics) ObserveRun(run *papersum.Run) {
	if run == nil {
		return
	}
	status := m.status(run.Status)
	m.requests.WithLabelValues(status).Inc()
	if run.FinishedAt != nil && !run.CreatedAt.IsZero() {
		observe(m.runDuration.WithLabelValues(status), run.FinishedAt.Sub(run.CreatedAt).Seconds())
	}
	team := m.Team(run.Team)
	for i := range run.Stages {
		st := &run.Stages[i]
		stage := Stage(st.Stage)
		if st.Latency > 0 {
			m.stageLatency.WithLabelValues(stage).Observe(st.Latency.Seconds())
			provider := st.Provider
			if !m.providers[provider] {
				provider = Other
			}
			m.modelLatency.WithLabelValues(provider, m.Model(st.Model), stage).Observe(st.Latency.Seconds())
		}
		u := st.Usage
		for _, kv := range []struct {
			kind string
			n    int64
		}{
			{KindInput, u.InputTokens}, {KindOutput, u.OutputTokens},
			{KindCacheWrite5m, u.CacheCreation5mTokens}, {KindCacheWrite1h, u.CacheCreation1hTokens},
			{KindCacheRead, u.CacheReadTokens},
		} {
			if kv.n > 0 {
				m.tokens.WithLabelValues(stage, kv.kind).Add(float64(kv.n))
			}
		}
		// A counter panics on a negative add, and NaN would poison the
		// sum forever; a pricing bug must not take the process down. A
		// zero cost is added, so that free runs show as a $0 series.
		if c := st.CostUSD; c >= 0 && !math.IsInf(c, 0) {
			m.cost.WithLabelValues(team, m.Model(st.Model)).Add(c)
		}
	}
	m.observeScores(string(papersum.StageSummarize), run.Scores)
	m.observeScores(string(papersum.StageRevise), run.RevisedScores)
	if run.RepeatedCalls > 0 {
		m.repeated.Add(float64(run.RepeatedCalls))
	}
	m.outcomes.observe(run)
}

// observeScores records the rubric scores of the summary written by
// stage (one of QualityStages); nil records nothing.
func (m *Metrics) observeScores(stage string, s *papersum.Scores) {
	if s == nil {
		return
	}
	for _, kv := range []struct {
		dim string
		v   float64
	}{
		{DimAccuracy, s.Accuracy}, {DimCompleteness, s.Completeness}, {DimClarity, s.Clarity},
		{DimCoherence, s.Coherence}, {DimOverall, s.Overall()},
	} {
		observe(m.quality.WithLabelValues(stage, kv.dim), kv.v)
	}
}

// observe drops NaN, infinite and negative values, which no duration or
// score can be.
func observe(o prometheus.Observer, v float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return
	}
	o.Observe(v)
}

// CommitKinds are the values of store_commit_requests' kind label.
var CommitKinds = []string{CommitSubmit, CommitCacheHit}

// Kinds of group-committed writes.
const (
	CommitSubmit   = "submit"
	CommitCacheHit = "cache_hit"
)

// ObserveCommit records a store transaction that wrote n requests of kind
// (one of CommitKinds; anything else is dropped) in d.
func (m *Metrics) ObserveCommit(kind string, n int, d time.Duration, err error) {
	if !slices.Contains(CommitKinds, kind) {
		return
	}
	outcome := "ok"
	if err != nil {
		outcome = "error"
	}
	m.commitSize.WithLabelValues(kind, outcome).Observe(float64(n))
	m.commitTime.WithLabelValues(kind).Observe(d.Seconds())
}

// CacheHit counts a request answered from the result cache.
func (m *Metrics) CacheHit() { m.cacheHits.Inc() }

// CacheMiss counts a request the result cache could not answer.
func (m *Metrics) CacheMiss() { m.cacheMisses.Inc() }

// RateLimitRejected counts a request rejected by the limit of scope (one
// of RateLimitScopes; anything else counts as "other").
func (m *Metrics) RateLimitRejected(scope string) {
	if !slices.Contains(RateLimitScopes, scope) {
		scope = Other
	}
	m.rateLimited.WithLabelValues(scope).Inc()
}

// DegradedDecision counts a call to Redis that failed and was answered by
// policy instead; a pair outside DegradedPolicies counts as ("other",
// "other").
func (m *Metrics) DegradedDecision(component, policy string) {
	if !slices.Contains(DegradedPolicies, [2]string{component, policy}) {
		component, policy = Other, Other
	}
	m.degraded.WithLabelValues(component, policy).Inc()
}

// Retry counts a model call retried after a failure of class c; classes
// outside papersum.Classes count as "other".
func (m *Metrics) Retry(c papersum.Class) {
	cl := string(c)
	if !slices.Contains(papersum.Classes, c) {
		cl = Other
	}
	m.retries.WithLabelValues(cl).Inc()
}

// CallAbandoned counts a model call to provider/model for stage that was
// abandoned: the retry layer stopped waiting before an answer arrived.
// Models outside Config.Models count as "other", providers of none of
// them as "other", stages outside the three as "other".
func (m *Metrics) CallAbandoned(provider, model string, stage papersum.Stage) {
	if !m.providers[provider] {
		provider = Other
	}
	m.abandoned.WithLabelValues(provider, m.Model(model), Stage(stage)).Inc()
}

// SetQueueDepth reports n jobs in state (one of QueueStates). Unknown
// states are ignored rather than folded into "other": a gauge shared by
// several states would show whichever was set last, which is wrong.
func (m *Metrics) SetQueueDepth(state string, n int) {
	if !slices.Contains(QueueStates, state) || n < 0 {
		return
	}
	m.queueDepth.WithLabelValues(state).Set(float64(n))
}

// SetOldestJobAge reports how long the oldest available job has waited
// for a worker (0 when none waits); a negative age is ignored.
func (m *Metrics) SetOldestJobAge(d time.Duration) {
	if d < 0 {
		return
	}
	m.queueOldest.Set(d.Seconds())
}

// SetBreakerState reports the breaker of a configured model. Models not
// in Config.Models are ignored, for the same reason as in SetQueueDepth.
func (m *Metrics) SetBreakerState(provider, model string, s BreakerState) {
	if !m.pairs[ModelRef{Provider: provider, Model: model}] {
		return
	}
	m.breaker.WithLabelValues(provider, model).Set(float64(s))
}

// Stage maps a stage to its label value: the three pipeline stages, or
// "other".
func Stage(s papersum.Stage) string {
	if slices.Contains(papersum.Stages, s) {
		return string(s)
	}
	return Other
}

func (m *Metrics) status(s papersum.RunStatus) string {
	if s == papersum.RunSucceeded || s == papersum.RunFailed {
		return string(s)
	}
	return Other
}

// Team maps a team to its label value: an admitted team, "none" for no
// team, or "other". A team not yet admitted is admitted when there is
// room and Config.KnownTeam says it is known.
func (m *Metrics) Team(team string) string {
	if team == "" {
		return None
	}
	m.teamsMu.RLock()
	ok, full := m.teams[team], len(m.teams) >= m.maxTeams
	m.teamsMu.RUnlock()
	switch {
	case ok:
		return team
	case full || m.knownTeam == nil || !validLabel(team) || !m.knownTeam(team):
		return Other
	}
	m.AdmitTeams(team)
	return m.teamLabel(team)
}

// teamLabel is Team without admission.
func (m *Metrics) teamLabel(team string) string {
	m.teamsMu.RLock()
	defer m.teamsMu.RUnlock()
	if m.teams[team] {
		return team
	}
	return Other
}

// AdmitTeams admits teams as label values, in order, while fewer than
// Config.MaxTeams are; teams already admitted, and names that cannot be
// label values (empty, blank-padded, not UTF-8, "other", "none"), are
// skipped. It returns how many teams are admitted in all.
func (m *Metrics) AdmitTeams(teams ...string) int {
	m.teamsMu.Lock()
	defer m.teamsMu.Unlock()
	for _, t := range teams {
		if len(m.teams) >= m.maxTeams {
			break
		}
		if validLabel(t) {
			m.teams[t] = true
		}
	}
	return len(m.teams)
}

// validLabel reports whether v may be a team label value.
func validLabel(v string) bool {
	return v != "" && strings.TrimSpace(v) == v && utf8.ValidString(v) && v != Other && v != None
}

// Model maps a model name to its label value: a configured model or
// "other".
func (m *Metrics) Model(model string) string {
	if m.models[model] {
		return model
	}
	return Other
}

// Route maps a route pattern to its label value: a configured pattern or
// "other".
func (m *Metrics) Route(pattern string) string {
	if m.routes[pattern] {
		return pattern
	}
	return Other
}

// String implements fmt.Stringer for logs.
func (s BreakerState) String() string {
	switch s {
	case BreakerClosed:
		return "closed"
	case BreakerHalfOpen:
		return "half_open"
	case BreakerOpen:
		return "open"
	}
	return fmt.Sprintf("BreakerState(%d)", int(s))
}
