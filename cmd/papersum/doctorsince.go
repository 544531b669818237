package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	dto "github.com/prometheus/client_model/go"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/econ"
	"github.com/papersum/papersum/queue"
)

// Diagnostic levels, from best to worst.
const (
	levelOK   = "ok"
	levelWarn = "warn"
	levelFail = "fail"
)

// exitWarn is doctor's exit code when the worst diagnostic is a warning:
// not 1 (a failure) and not 3 (exitInternal), so that a script can tell
// "look at it" from "broken".
const exitWarn = 4

// runbookDoc is where the diagnostics' "what to do" links point.
const runbookDoc = "docs/runbook.md"

// diagnostic is one health check of doctor --since / --url: what was
// measured, how bad it is and what to do about it.
type diagnostic struct {
	Name   string `json:"name"`
	Level  string `json:"level"`
	Detail string `json:"detail"`
	// Action says what to do when Level is not ok; Runbook is the
	// section of docs/runbook.md that explains it.
	Action  string `json:"action,omitempty"`
	Runbook string `json:"runbook,omitempty"`
}

// doctorThresholds are the limits the diagnostics judge by. They are
// documented in doctor --help and the README.
var doctorThresholds = struct {
	errWarn, errFail       float64 // share of finished runs that failed
	latWarn, latFail       float64 // p95 now / p95 a day earlier
	tokFail                float64 // mean tokens / usual p95
	qualDropWarn           float64 // drop of the mean overall score
	qualDropFail           float64
	passWarn, passFail     float64 // share of scored runs at the threshold
	oldestWarn, oldestFail time.Duration
	minSamples             int // fewer samples than this judge nothing
	maxRuns                int // runs read per window at most
}{
	errWarn: 0.05, errFail: 0.20,
	latWarn: 1.5, latFail: 3,
	tokFail:      2,
	qualDropWarn: 0.5, qualDropFail: 1.5,
	passWarn: 0.8, passFail: 0.5,
	oldestWarn: 5 * time.Minute, oldestFail: 30 * time.Minute,
	minSamples: 5,
	maxRuns:    20000,
}

// classRunbook maps a failure class to its runbook section.
var classRunbook = map[papersum.Class]string{
	papersum.ClassRateLimit:       "rate-limits",
	papersum.ClassOverloaded:      "overload",
	papersum.ClassServer:          "server-errors",
	papersum.ClassTimeout:         "timeouts",
	papersum.ClassConnection:      "connection-failures",
	papersum.ClassAuth:            "authentication-failures",
	papersum.ClassInvalidRequest:  "invalid-requests",
	papersum.ClassContextTooLarge: "context-too-large",
	papersum.ClassTruncated:       "truncation",
	papersum.ClassParse:           "parse-failures",
}

// doctorRunbookAnchors lists every anchor the diagnostics can link, for
// the test that checks they exist in docs/runbook.md.
func doctorRunbookAnchors() []string {
	out := []string{"papersumrunerrorratehigh", "papersumstagelatencyhigh", "papersumcostburnhigh",
		"papersumqualitybelowthreshold", "queue-backlog", "papersumoldestjobtooold", "papersumcircuitopen",
		"papersumredisdegraded", "database-down", "papersummetricsabsent"}
	for _, a := range classRunbook {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// diagOptions are the flags of the diagnostics.
type diagOptions struct {
	since  time.Duration
	url    string
	apiKey string
	now    time.Time
	// threshold is the overall score a run must reach to pass.
	threshold float64
}

// worstLevel is the worst level of ds ("ok" when empty).
func worstLevel(ds []diagnostic) string {
	w := levelOK
	for _, d := range ds {
		if d.Level == levelFail {
			return levelFail
		}
		if d.Level == levelWarn {
			w = levelWarn
		}
	}
	return w
}

func diagRunbook(anchor string) string { return runbookDoc + "#" + anchor }

// runDiagnostics runs the store checks when o.since > 0 and the /metrics
// checks when o.url is set.
func runDiagnostics(ctx context.Context, e *env, g *globalFlags, o diagOptions) []diagnostic {
	var out []diagnostic
	var fams map[string]*dto.MetricFamily
	if o.url != "" {
		var err error
		fams, err = scrapeServerMetrics(ctx, o.url, o.apiKey)
		if err != nil {
			out = append(out, diagnostic{Name: "metrics", Level: levelFail, Detail: errorLine(err),
				Action: "check --url, the API key (read scope) or serve's --metrics-addr", Runbook: diagRunbook("papersummetricsabsent")})
			fams = nil
		} else {
			out = append(out, diagnostic{Name: "metrics", Level: levelOK, Detail: fmt.Sprintf("%d metric families from %s", len(fams), o.url)})
		}
	}
	if o.since > 0 {
		store, driver, err := openServiceStore(ctx, g, e.getenv)
		if err != nil {
			return append(out, diagnostic{Name: "store", Level: levelFail, Detail: errorLine(err),
				Action: "check --db / --database-url", Runbook: diagRunbook("database-down")})
		}
		defer store.Close()
		out = append(out, storeDiagnostics(ctx, store, o)...)
		if fams == nil {
			out = append(out, queueFromStore(ctx, driver, o.now))
		}
	}
	if fams != nil {
		out = append(out, queueFromMetrics(fams))
		out = append(out, breakerDiagnostic(fams))
		out = append(out, cacheDiagnostic(fams))
	}
	return out
}

// scrapeServerMetrics reads a running server's /metrics (url is the server's
// base address or the full /metrics address).
func scrapeServerMetrics(ctx context.Context, url, apiKey string) (map[string]*dto.MetricFamily, error) {
	u := strings.TrimRight(url, "/")
	if !strings.HasSuffix(u, "/metrics") {
		u += "/metrics"
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, papersum.Errorf(papersum.EINVALID, "--url: %v", err)
	}
	if apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+apiKey)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, papersum.Errorf(papersum.EUNAVAILABLE, "GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		return nil, papersum.Errorf(papersum.EUNAVAILABLE, "GET %s: %s %s", u, resp.Status, strings.TrimSpace(string(b)))
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		return nil, papersum.Errorf(papersum.EUNAVAILABLE, "GET %s: not Prometheus text: %v", u, err)
	}
	return fams, nil
}

// storeDiagnostics are the checks over the runs of the window.
func storeDiagnostics(ctx context.Context, store papersum.Store, o diagOptions) []diagnostic {
	start := o.now.Add(-o.since)
	cur := papersum.ReportWindow{Since: start, Until: o.now}
	prev := papersum.ReportWindow{Since: start.Add(-24 * time.Hour), Until: o.now.Add(-24 * time.Hour)}
	runs, err := runsIn(ctx, store, start, o.now)
	if err != nil {
		return []diagnostic{{Name: "store", Level: levelFail, Detail: errorLine(err), Action: "check the database", Runbook: diagRunbook("database-down")}}
	}
	prevRuns, err := runsIn(ctx, store, prev.Since, prev.Until)
	if err != nil {
		return []diagnostic{{Name: "store", Level: levelFail, Detail: errorLine(err), Action: "check the database", Runbook: diagRunbook("database-down")}}
	}
	out := errorDiagnostics(runs, o.since)
	out = append(out, qualityDiagnostic(runs, prevRuns, o.threshold))
	rs, ok := store.(papersum.ReportStore)
	if !ok {
		return out
	}
	out = append(out, latencyDiagnostics(ctx, rs, cur, prev)...)
	out = append(out, tokenDiagnostics(ctx, rs, cur, papersum.ReportWindow{Since: start.AddDate(0, 0, -7), Until: start})...)
	return out
}

// runsIn lists the runs created in [since, until), newest first, at most
// doctorThresholds.maxRuns of them (ListRuns has no time filter: it pages
// from the newest).
func runsIn(ctx context.Context, store papersum.Store, since, until time.Time) ([]papersum.Run, error) {
	var out []papersum.Run
	before := ""
	for {
		page, err := store.ListRuns(ctx, papersum.RunFilter{Limit: 1000, Before: before})
		if err != nil {
			return nil, err
		}
		for _, r := range page {
			if r.CreatedAt.Before(since) {
				return out, nil
			}
			if r.CreatedAt.Before(until) {
				out = append(out, *r)
				if len(out) >= doctorThresholds.maxRuns {
					return out, nil
				}
			}
		}
		if len(page) < 1000 {
			return out, nil
		}
		before = page[len(page)-1].ID
	}
}

func errorDiagnostics(runs []papersum.Run, since time.Duration) []diagnostic {
	var finished, failed int
	byClass := map[papersum.Class]int{}
	for _, r := range runs {
		switch r.Status {
		case papersum.RunSucceeded:
			finished++
		case papersum.RunFailed:
			finished++
			failed++
			byClass[r.ErrorClass]++
		}
	}
	d := diagnostic{Name: "error rate", Level: levelOK}
	if finished == 0 {
		d.Detail = fmt.Sprintf("no finished runs in the last %s", shortDuration(since))
		return []diagnostic{d}
	}
	rate := float64(failed) / float64(finished)
	d.Detail = fmt.Sprintf("%d of %d finished runs failed (%.1f%%)", failed, finished, 100*rate)
	d.Level = rateLevel(rate, doctorThresholds.errWarn, doctorThresholds.errFail)
	if finished < doctorThresholds.minSamples && d.Level != levelOK {
		d.Level = levelWarn
	}
	out := []diagnostic{d}
	if d.Level == levelOK {
		return out
	}
	out[0].Action = "find the failing class below and follow its section"
	out[0].Runbook = diagRunbook("papersumrunerrorratehigh")
	classes := make([]papersum.Class, 0, len(byClass))
	for c := range byClass {
		classes = append(classes, c)
	}
	sort.Slice(classes, func(i, j int) bool {
		if byClass[classes[i]] != byClass[classes[j]] {
			return byClass[classes[i]] > byClass[classes[j]]
		}
		return classes[i] < classes[j]
	})
	for _, c := range classes {
		name := string(c)
		if name == "" {
			name = "unclassified"
		}
		r := float64(byClass[c]) / float64(finished)
		cd := diagnostic{Name: "errors " + name, Level: rateLevel(r, doctorThresholds.errWarn, doctorThresholds.errFail),
			Detail: fmt.Sprintf("%d failed runs (%.1f%% of finished)", byClass[c], 100*r)}
		if a, ok := classRunbook[c]; ok {
			cd.Runbook = diagRunbook(a)
			cd.Action = "see the runbook section for " + string(c)
		} else {
			cd.Runbook = diagRunbook("papersumrunerrorratehigh")
			cd.Action = "read the failed runs' errors: papersum runs list --status failed"
		}
		if cd.Level == levelOK {
			cd.Level = levelWarn // a class that pushed the total over is worth a look
		}
		out = append(out, cd)
	}
	return out
}

func rateLevel(v, warn, fail float64) string {
	switch {
	case v >= fail:
		return levelFail
	case v >= warn:
		return levelWarn
	}
	return levelOK
}

// latencyDiagnostics compares each stage's p95 latency in cur with the
// same window a day earlier.
func latencyDiagnostics(ctx context.Context, rs papersum.ReportStore, cur, prev papersum.ReportWindow) []diagnostic {
	now, err := rs.PerfSamples(ctx, cur)
	if err != nil {
		return []diagnostic{{Name: "latency", Level: levelFail, Detail: errorLine(err), Runbook: diagRunbook("database-down"), Action: "check the database"}}
	}
	before, err := rs.PerfSamples(ctx, prev)
	if err != nil {
		return []diagnostic{{Name: "latency", Level: levelFail, Detail: errorLine(err), Runbook: diagRunbook("database-down"), Action: "check the database"}}
	}
	base := map[string]econ.Quantiles{}
	for _, q := range econ.Perf(before, 0).ByStage {
		base[q.Group] = q
	}
	var out []diagnostic
	for _, q := range econ.Perf(now, 0).ByStage {
		d := diagnostic{Name: "latency " + q.Group, Level: levelOK}
		r := func(v time.Duration) string { return v.Round(time.Millisecond).String() }
		d.Detail = fmt.Sprintf("p50 %s, p95 %s (n=%d)", r(q.P50), r(q.P95), q.N)
		b, ok := base[q.Group]
		if !ok || b.N < doctorThresholds.minSamples || q.N < doctorThresholds.minSamples || b.P95 <= 0 {
			d.Detail += "; too few samples a day earlier to compare"
		} else {
			ratio := float64(q.P95) / float64(b.P95)
			d.Detail += fmt.Sprintf("; a day earlier p50 %s, p95 %s (%.2f×)", r(b.P50), r(b.P95), ratio)
			d.Level = rateLevel(ratio, doctorThresholds.latWarn, doctorThresholds.latFail)
		}
		if d.Level != levelOK {
			d.Action = "find the slow model (papersum report perf --since ...) and its provider's status"
			d.Runbook = diagRunbook("papersumstagelatencyhigh")
		}
		out = append(out, d)
	}
	if len(out) == 0 {
		out = append(out, diagnostic{Name: "latency", Level: levelOK, Detail: "no finished runs with stage timings in the window"})
	}
	return out
}

// tokenDiagnostics compares each stage's mean tokens per call in cur
// with the range (p5–p95, nearest rank) of its daily means in base.
func tokenDiagnostics(ctx context.Context, rs papersum.ReportStore, cur, base papersum.ReportWindow) []diagnostic {
	mean := func(w papersum.ReportWindow) (map[string]float64, map[string][]float64, error) {
		rows, err := rs.UsageByDay(ctx, papersum.ByStage, w)
		if err != nil {
			return nil, nil, err
		}
		type acc struct{ tokens, n int64 }
		total := map[string]*acc{}
		daily := map[string]map[time.Time]*acc{}
		for _, r := range rows {
			t := r.Usage.InputTokens + r.Usage.OutputTokens + r.Usage.CacheReadTokens + r.Usage.CacheCreation5mTokens + r.Usage.CacheCreation1hTokens
			if total[r.Group] == nil {
				total[r.Group] = &acc{}
				daily[r.Group] = map[time.Time]*acc{}
			}
			total[r.Group].tokens += t
			total[r.Group].n += r.Stages
			if daily[r.Group][r.Day] == nil {
				daily[r.Group][r.Day] = &acc{}
			}
			daily[r.Group][r.Day].tokens += t
			daily[r.Group][r.Day].n += r.Stages
		}
		m := map[string]float64{}
		ds := map[string][]float64{}
		for g, a := range total {
			if a.n > 0 {
				m[g] = float64(a.tokens) / float64(a.n)
			}
			for _, d := range daily[g] {
				if d.n > 0 {
					ds[g] = append(ds[g], float64(d.tokens)/float64(d.n))
				}
			}
		}
		return m, ds, nil
	}
	now, _, err := mean(cur)
	if err != nil {
		return []diagnostic{{Name: "tokens", Level: levelFail, Detail: errorLine(err), Runbook: diagRunbook("database-down"), Action: "check the database"}}
	}
	_, days, err := mean(base)
	if err != nil {
		return []diagnostic{{Name: "tokens", Level: levelFail, Detail: errorLine(err), Runbook: diagRunbook("database-down"), Action: "check the database"}}
	}
	stages := make([]string, 0, len(now))
	for s := range now {
		stages = append(stages, s)
	}
	sort.Strings(stages)
	var out []diagnostic
	for _, s := range stages {
		d := diagnostic{Name: "tokens " + s, Level: levelOK, Detail: fmt.Sprintf("%.0f tokens per call", now[s])}
		ds := days[s]
		if len(ds) < 2 {
			d.Detail += "; fewer than 2 days of the previous 7 to compare"
			out = append(out, d)
			continue
		}
		sort.Float64s(ds)
		lo, hi := nearestRank(ds, 0.05), nearestRank(ds, 0.95)
		d.Detail += fmt.Sprintf("; usual %.0f–%.0f (daily means, previous 7 days)", lo, hi)
		switch {
		case now[s] > doctorThresholds.tokFail*hi:
			d.Level = levelFail
		case now[s] > hi || now[s] < lo:
			d.Level = levelWarn
		}
		if d.Level != levelOK {
			d.Action = "compare papersum report cost --by stage for today and last week; look for longer papers or a prompt change"
			d.Runbook = diagRunbook("papersumcostburnhigh")
		}
		out = append(out, d)
	}
	return out
}

// nearestRank is the nearest-rank p-quantile of sorted xs.
func nearestRank(xs []float64, p float64) float64 {
	i := int(math.Ceil(p*float64(len(xs)))) - 1
	if i < 0 {
		i = 0
	}
	return xs[i]
}

// qualityDiagnostic compares the mean overall score and the pass rate of
// the window's scored runs with the same window a day earlier.
func qualityDiagnostic(runs, prev []papersum.Run, threshold float64) diagnostic {
	stats := func(rs []papersum.Run) (mean, pass float64, n int) {
		for _, r := range rs {
			if r.Status != papersum.RunSucceeded || r.Scores == nil {
				continue
			}
			o := r.Scores.Overall()
			mean += o
			if o >= threshold {
				pass++
			}
			n++
		}
		if n > 0 {
			mean /= float64(n)
			pass /= float64(n)
		}
		return mean, pass, n
	}
	m, p, n := stats(runs)
	d := diagnostic{Name: "quality", Level: levelOK}
	if n == 0 {
		d.Detail = "no scored runs in the window"
		return d
	}
	d.Detail = fmt.Sprintf("mean overall %.2f, %.0f%% of %d scored runs at or above %.1f", m, 100*p, n, threshold)
	switch {
	case p < doctorThresholds.passFail:
		d.Level = levelFail
	case p < doctorThresholds.passWarn:
		d.Level = levelWarn
	}
	if pm, _, pn := stats(prev); pn >= doctorThresholds.minSamples {
		drop := pm - m
		d.Detail += fmt.Sprintf("; a day earlier %.2f (%+.2f)", pm, -drop)
		switch {
		case drop >= doctorThresholds.qualDropFail:
			d.Level = levelFail
		case drop >= doctorThresholds.qualDropWarn && d.Level == levelOK:
			d.Level = levelWarn
		}
	} else {
		d.Detail += "; too few scored runs a day earlier to compare"
	}
	if n < doctorThresholds.minSamples && d.Level == levelFail {
		d.Level = levelWarn
	}
	if d.Level != levelOK {
		d.Action = "read the low-scoring runs (papersum runs list) and check for a model or prompt change"
		d.Runbook = diagRunbook("papersumqualitybelowthreshold")
	}
	return d
}

// queueFromStore reads the queue tables of the store's database.
func queueFromStore(ctx context.Context, driver queue.Driver, now time.Time) diagnostic {
	d := diagnostic{Name: "queue", Level: levelOK}
	q, err := queue.New(ctx, queue.Config{Driver: driver})
	if err != nil {
		d.Detail = "no job queue: " + errorLine(err)
		return d
	}
	counts, err := q.Counts(ctx)
	if err != nil {
		// A database that was only used by the CLI has no queue tables.
		d.Detail = "no job queue in this database (serve has not run on it)"
		return d
	}
	since, ok, err := q.OldestAvailableSince(ctx)
	if err != nil {
		d.Level, d.Detail = levelFail, errorLine(err)
		d.Runbook, d.Action = diagRunbook("database-down"), "check the database"
		return d
	}
	var age time.Duration
	if ok {
		age = now.Sub(since)
	}
	return queueLevel(float64(counts["available"]), age)
}

// queueFromMetrics reads pipeline_queue_depth and
// pipeline_queue_oldest_job_age_seconds.
func queueFromMetrics(fams map[string]*dto.MetricFamily) diagnostic {
	depth, okDepth := gaugeWhere(fams, "pipeline_queue_depth", "state", "available")
	age, okAge := gaugeWhere(fams, "pipeline_queue_oldest_job_age_seconds", "", "")
	if !okDepth && !okAge {
		return diagnostic{Name: "queue", Level: levelOK, Detail: "the server exports no queue metrics (no queue)"}
	}
	return queueLevel(depth, time.Duration(age*float64(time.Second)))
}

func queueLevel(available float64, age time.Duration) diagnostic {
	d := diagnostic{Name: "queue", Level: levelOK,
		Detail: fmt.Sprintf("%.0f jobs waiting, oldest waiting %s", available, age.Round(time.Second))}
	switch {
	case age >= doctorThresholds.oldestFail:
		d.Level = levelFail
	case age >= doctorThresholds.oldestWarn:
		d.Level = levelWarn
	}
	if d.Level != levelOK {
		d.Action = "check that workers run and keep up (add workers or replicas)"
		d.Runbook = diagRunbook("papersumoldestjobtooold")
	}
	return d
}

// gaugeWhere sums the gauge (or untyped) samples of name whose label
// equals value (every sample when label is "").
func gaugeWhere(fams map[string]*dto.MetricFamily, name, label, value string) (float64, bool) {
	f, ok := fams[name]
	if !ok {
		return 0, false
	}
	var sum float64
	found := false
	for _, m := range f.GetMetric() {
		if label != "" && labelValue(m, label) != value {
			continue
		}
		found = true
		sum += sampleValue(m)
	}
	return sum, found
}

func labelValue(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

func sampleValue(m *dto.Metric) float64 {
	switch {
	case m.Gauge != nil:
		return m.GetGauge().GetValue()
	case m.Counter != nil:
		return m.GetCounter().GetValue()
	case m.Untyped != nil:
		return m.GetUntyped().GetValue()
	}
	return 0
}

// breakerDiagnostic reads pipeline_breaker_state (0 closed, 1 half-open,
// 2 open).
func breakerDiagnostic(fams map[string]*dto.MetricFamily) diagnostic {
	d := diagnostic{Name: "circuit breakers", Level: levelOK}
	f, ok := fams["pipeline_breaker_state"]
	if !ok {
		d.Detail = "no breaker metrics"
		return d
	}
	var open, half []string
	for _, m := range f.GetMetric() {
		name := labelValue(m, "provider") + "/" + labelValue(m, "model")
		switch v := sampleValue(m); {
		case v >= 2:
			open = append(open, name)
		case v >= 1:
			half = append(half, name)
		}
	}
	sort.Strings(open)
	sort.Strings(half)
	d.Detail = fmt.Sprintf("%d breakers, all closed", len(f.GetMetric()))
	switch {
	case len(open) > 0:
		d.Level = levelFail
		d.Detail = "open: " + strings.Join(open, ", ")
		if len(half) > 0 {
			d.Detail += "; half-open: " + strings.Join(half, ", ")
		}
	case len(half) > 0:
		d.Level = levelWarn
		d.Detail = "half-open: " + strings.Join(half, ", ")
	}
	if d.Level != levelOK {
		d.Action = "the provider is failing: check its status page and the errors by class; runs go to the fallbacks meanwhile"
		d.Runbook = diagRunbook("papersumcircuitopen")
	}
	return d
}

// cacheDiagnostic reports the result cache's hit rate since the server
// started, and warns when Redis calls were answered by a fallback policy.
func cacheDiagnostic(fams map[string]*dto.MetricFamily) diagnostic {
	d := diagnostic{Name: "result cache", Level: levelOK}
	hits, _ := gaugeWhere(fams, "pipeline_cache_hits_total", "", "")
	misses, _ := gaugeWhere(fams, "pipeline_cache_misses_total", "", "")
	if hits+misses == 0 {
		d.Detail = "no cache lookups since the server started"
	} else {
		d.Detail = fmt.Sprintf("hit rate %.1f%% (%.0f hits, %.0f misses since the server started)", 100*hits/(hits+misses), hits, misses)
	}
	if deg, ok := gaugeWhere(fams, "pipeline_degraded_decisions_total", "component", "cache"); ok && deg > 0 {
		d.Level = levelWarn
		d.Detail += fmt.Sprintf("; %.0f cache calls to Redis failed and were answered by the fallback policy", deg)
		d.Action = "check Redis (papersum serve logs, redis-cli ping)"
		d.Runbook = diagRunbook("papersumredisdegraded")
	}
	return d
}

// writeDiagnostics writes the diagnostics as text.
func writeDiagnostics(w io.Writer, ds []diagnostic, since time.Duration) {
	if len(ds) == 0 {
		return
	}
	title := "\ndiagnostics"
	if since > 0 {
		title += " (last " + shortDuration(since) + ")"
	}
	fmt.Fprintf(w, "%s:\n", title)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, d := range ds {
		mark := map[string]string{levelOK: "ok", levelWarn: "WARN", levelFail: "FAIL"}[d.Level]
		fmt.Fprintf(tw, "%s\t%s\t%s\n", mark, d.Name, d.Detail)
		if d.Action != "" {
			fmt.Fprintf(tw, "\t\t-> %s (%s)\n", d.Action, d.Runbook)
		}
	}
	tw.Flush()
}

// diagnosticExit is the error of a doctor whose worst diagnostic is a
// warning or a failure; its exit code is exitWarn or exitFailure.
type diagnosticExit struct {
	code int
	msg  string
}

func (d *diagnosticExit) Error() string { return d.msg }

// diagnosticsOutcome is nil when every diagnostic is ok, else the
// diagnosticExit of the worst.
func diagnosticsOutcome(ds []diagnostic) error {
	worst := worstLevel(ds)
	if worst == levelOK {
		return nil
	}
	var names []string
	for _, d := range ds {
		if d.Level == worst {
			names = append(names, d.Name)
		}
	}
	if worst == levelFail {
		return &diagnosticExit{code: exitFailure, msg: "doctor: failed: " + strings.Join(names, ", ")}
	}
	return &diagnosticExit{code: exitWarn, msg: "doctor: warnings: " + strings.Join(names, ", ")}
}
