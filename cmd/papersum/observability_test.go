package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/deploy/observability"
	"github.com/papersum/papersum/llm/llmtest/fakeupstream"
)

// observedServe starts `papersum serve` on the fake upstream with a
// breaker-guarded model (so that breaker and abandoned-call series
// exist), the quality threshold threshold, and a metrics listener; the
// first call to the upstream is refused (auth), which fails the first
// run with class auth.
func observedServe(t *testing.T, threshold float64, args ...string) (srv *testServer, key, metricsURL string) {
	t.Helper()
	_, up := startFake(t, fakeupstream.Config{Seed: 3, Script: []fakeupstream.Fault{fakeupstream.FaultAuth}})
	cfg := writeConfig(t, fmt.Sprintf(`
providers:
  anthropic: {base_url: %q}
retry: {max_attempts: 2, base_delay: 1ms, max_delay: 5ms}
stages:
  summarize: {provider: anthropic, model: claude-sonnet-4-5}
  critique:  {provider: anthropic, model: claude-sonnet-4-5, fallback: [{provider: local, model: local}]}
  revise:    {provider: local, model: local}
thresholds: {accuracy: 8, overall: %v}
`, up, threshold))
	env := map[string]string{"PAPERSUM_DB": filepath.Join(t.TempDir(), "o.db"), "PAPERSUM_CONFIG": cfg, "ANTHROPIC_API_KEY": "k"}
	key = createKey(t, env, "alpha", "write")
	// A budget, so that pipeline_budget_used_ratio has a series once a run
	// of team alpha finishes.
	if r := runCLI(t, context.Background(), env, "", "budgets", "set", "--team", "alpha", "--period", "month", "--limit-usd", "100"); r.code != 0 {
		t.Fatalf("budgets set: %v\n%s", r.err, r.stderr)
	}
	srv = startServe(t, env, append([]string{"--metrics-addr", "127.0.0.1:0"}, args...)...)
	m := metricsLine.FindStringSubmatch(srv.stderr.String())
	if m == nil {
		t.Fatalf("no metrics address in the log:\n%s", srv.stderr.String())
	}
	return srv, key, m[1]
}

// submit runs one paper through the API and returns the finished run.
func submit(t *testing.T, srv *testServer, key string, seed int) runRecord {
	t.Helper()
	var r runRecord
	code, _ := api(t, "POST", srv.url+"/api/v1/summaries?wait=60s", key, map[string]string{"text": paperText(seed)}, &r)
	if code != http.StatusOK || !r.Status.Finished() {
		t.Fatalf("submit: %d %+v\n%s", code, r, srv.stderr.String())
	}
	return r
}

func getBody(t *testing.T, u string) string {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", u, resp.StatusCode, body)
	}
	return string(body)
}

// TestDashboardsAndRulesUseExportedMetrics scrapes a running `papersum
// serve` that has run papers (one failed, one succeeded, one cache hit)
// and checks every metric name, label name and matched label value of
// every dashboard panel, dashboard variable and rule against what it
// exports, so that code and dashboards cannot drift apart. It also checks
// the SLO counters through /metrics: failed runs by class, and runs
// meeting the quality threshold taken from the config.
func TestDashboardsAndRulesUseExportedMetrics(t *testing.T) {
	// The local engine scores the revised summary between 7.5 and 10 for
	// this paper; with the config's threshold at 10 it fails, where the
	// default (7.5) would pass it, so a "fail" count shows that the
	// config's threshold reached the metrics.
	srv, key, metricsURL := observedServe(t, 10)
	failed := submit(t, srv, key, 1)
	if failed.Status != papersum.RunFailed {
		t.Fatalf("first run %+v; want failed (the upstream refuses the key)", failed)
	}
	ok := submit(t, srv, key, 2)
	if ok.Status != papersum.RunSucceeded || ok.RevisedScores == nil || ok.RevisedScores.Overall >= 10 || ok.RevisedScores.Overall < 7.5 {
		t.Fatalf("second run %+v, revised %v; want succeeded with a revised overall in [7.5, 10)", ok, ok.RevisedScores)
	}
	var hit struct {
		Cached bool `json:"cached"`
	}
	if code, _ := api(t, "POST", srv.url+"/api/v1/summaries?wait=60s", key, map[string]string{"text": paperText(2)}, &hit); code != http.StatusOK || !hit.Cached {
		t.Fatalf("repeat of the second paper: %d, cached %v; want a cache hit", code, hit.Cached)
	}
	// Probe routes, so that their HTTP series exist too.
	for _, p := range []string{"/readyz", "/startupz", "/api/v1/health"} {
		probeStatus(srv.url + p)
	}

	body := getBody(t, metricsURL)
	have, err := observability.ParseExposition(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	ss := parseExposition(t, body)
	if v := sum(ss, "pipeline_run_failures_total", map[string]string{"class": "auth"}); v != 1 {
		t.Errorf("pipeline_run_failures_total{class=\"auth\"} = %v, want 1 (the refused run)", v)
	}
	if v := sum(ss, "pipeline_run_failures_total", nil); v != 1 {
		t.Errorf("pipeline_run_failures_total = %v in all, want 1", v)
	}
	// The succeeded run and its cache hit both deliver a summary that
	// scores under 10: two fails, no pass (the default threshold, 7.5, would pass them).
	if pass, fail := sum(ss, "pipeline_quality_runs_total", map[string]string{"result": "pass"}),
		sum(ss, "pipeline_quality_runs_total", map[string]string{"result": "fail"}); pass != 0 || fail != 2 {
		t.Errorf("pipeline_quality_runs_total pass %v fail %v; want 0 and 2 against thresholds.overall 10", pass, fail)
	}

	qs, err := observability.Queries()
	if err != nil {
		t.Fatal(err)
	}
	exempt := []observability.Exemption{{Metric: "http_request_duration_seconds_count", Label: "status_class", Value: "5xx",
		Why: "a healthy server answers no 5xx; the label and its other values are checked"}}
	for _, p := range observability.Check(qs, have, exempt) {
		t.Error(p)
	}
}

// TestQualityRunsPassWithTheConfigThreshold: the same run passes when
// the config's threshold is low.
func TestQualityRunsPassWithTheConfigThreshold(t *testing.T) {
	srv, key, metricsURL := observedServe(t, 0.5)
	submit(t, srv, key, 1) // refused
	submit(t, srv, key, 2)
	ss := parseExposition(t, getBody(t, metricsURL))
	if pass, fail := sum(ss, "pipeline_quality_runs_total", map[string]string{"result": "pass"}),
		sum(ss, "pipeline_quality_runs_total", map[string]string{"result": "fail"}); pass != 1 || fail != 0 {
		t.Errorf("pipeline_quality_runs_total pass %v fail %v; want 1 and 0 against thresholds.overall 0.5", pass, fail)
	}
}

// TestSLORulesCommand: `papersum slo rules` prints exactly the shipped
// rules for the shipped spec, writes them with --out, and fails clearly
// on bad input and bad usage.
func TestSLORulesCommand(t *testing.T) {
	spec := filepath.Join("..", "..", "deploy", "observability", "slos.yaml")
	shipped, err := os.ReadFile(filepath.Join("..", "..", "deploy", "observability", "rules", "slos.rules.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, context.Background(), nil, "", "slo", "rules", spec)
	if r.code != 0 || r.stdout != string(shipped) {
		t.Fatalf("slo rules: exit %d, %v; output equals the shipped file: %v", r.code, r.err, r.stdout == string(shipped))
	}
	out := filepath.Join(t.TempDir(), "rules.yaml")
	if r := runCLI(t, context.Background(), nil, "", "slo", "rules", "--out", out, spec); r.code != 0 || r.stdout != "" {
		t.Fatalf("slo rules --out: exit %d %v, stdout %q", r.code, r.err, r.stdout)
	}
	if got, _ := os.ReadFile(out); !bytes.Equal(got, shipped) {
		t.Error("--out wrote other bytes than the shipped rules")
	}

	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("version: prometheus/v1\nservice: s\nslos:\n  - name: x\n    objective: 99\n    sli: {events: {error_query: a, total_query: b}}\n    alerting: {name: A}\n"), 0o644)
	if r := runCLI(t, context.Background(), nil, "", "slo", "rules", bad); r.code != exitFailure || !strings.Contains(errorLine(r.err), "{{.window}}") {
		t.Errorf("spec without {{.window}}: exit %d, %v; want 1 naming {{.window}}", r.code, r.err)
	}
	if r := runCLI(t, context.Background(), nil, "", "slo", "rules", filepath.Join(t.TempDir(), "missing.yaml")); r.code != exitFailure {
		t.Errorf("missing spec: exit %d, %v; want 1", r.code, r.err)
	}
	for _, args := range [][]string{{"slo", "rules"}, {"slo", "rules", spec, spec}, {"slo", "rules", "--outt", "x", spec}} {
		if r := runCLI(t, context.Background(), nil, "", args...); r.code != exitUsage {
			t.Errorf("%v: exit %d, %v; want 2", args, r.code, r.err)
		}
	}
}

// TestPrometheusScrapesServeWithShippedRules starts Debian's prometheus
// against a running `papersum serve` with the shipped rules loaded, runs
// a paper once it scrapes, and reads the rules' results through its HTTP
// API. It takes some seconds, so it runs when PAPERSUM_PROMETHEUS_TESTS is
// set (.ci/run sets it).
func TestPrometheusScrapesServeWithShippedRules(t *testing.T) {
	if os.Getenv("PAPERSUM_PROMETHEUS_TESTS") == "" {
		t.Skip("set PAPERSUM_PROMETHEUS_TESTS=1 to run Prometheus against papersum serve (.ci/run does)")
	}
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		t.Fatal("PAPERSUM_PROMETHEUS_TESTS is set but prometheus is not installed (apt-get install prometheus)")
	}
	srv, key, metricsURL := observedServe(t, 7.5)
	target, err := url.Parse(metricsURL)
	if err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	ruleDir, _ := filepath.Abs(filepath.Join("..", "..", "deploy", "observability", "rules"))
	config := fmt.Sprintf(`global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - %s/*.yaml
scrape_configs:
  - job_name: papersum
    static_configs:
      - targets: [%q]
`, ruleDir, target.Host)
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	var logs syncBuffer
	cmd := exec.Command(bin, "--config.file="+filepath.Join(dir, "prometheus.yml"), "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr, "--log.level=warn")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	prom := "http://" + addr

	// query returns the samples of expr, failing on an API error.
	query := func(expr string) []struct {
		Metric map[string]string `json:"metric"`
		Value  [2]any            `json:"value"`
	} {
		t.Helper()
		resp, err := http.Get(prom + "/api/v1/query?query=" + url.QueryEscape(expr))
		if err != nil {
			return nil // not up yet
		}
		defer resp.Body.Close()
		if resp.StatusCode == http.StatusServiceUnavailable {
			// Prometheus answers "Service Unavailable" in plain text
			// until its storage and rules are loaded.
			return nil
		}
		var out struct {
			Status string `json:"status"`
			Error  string `json:"error"`
			Data   struct {
				Result []struct {
					Metric map[string]string `json:"metric"`
					Value  [2]any            `json:"value"`
				} `json:"result"`
			} `json:"data"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.Status != "success" {
			t.Fatalf("query %s: %v %s %s", expr, err, out.Status, out.Error)
		}
		return out.Data.Result
	}
	waitFor := func(what, expr string) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for len(query(expr)) == 0 {
			if time.Now().After(deadline) {
				t.Fatalf("Prometheus: no %s (%s) within 60s\n%s", what, expr, logs.String())
			}
			time.Sleep(200 * time.Millisecond)
		}
	}

	waitFor("scrape of papersum", `up{job="papersum"} == 1`)
	waitFor("second scrape", `count_over_time(pipeline_requests_total{status="succeeded"}[1m]) >= 2`)
	submit(t, srv, key, 1) // refused: a failed run
	submit(t, srv, key, 2)
	waitFor("the runs", `increase(pipeline_requests_total{status="succeeded"}[1m]) > 0`)
	// HTTP series start on their first request: one more submission (a
	// cache hit) after Prometheus has seen the route gives it a rate.
	waitFor("the submission route", `http_request_duration_seconds_count{route="POST /api/v1/summaries"}`)
	submit(t, srv, key, 2)

	// Recording rules of both files, computed from papersum's series.
	waitFor("run failures by class", `papersum:pipeline_run_failures:ratio_rate10m{class="auth"} > 0`)
	waitFor("cost by team and model", `papersum:pipeline_cost_usd:rate1h{team="alpha"}`)
	waitFor("stage latency", `papersum:pipeline_latency_seconds:p95_5m{stage="revise"} >= 0`)
	waitFor("the quality SLI", `slo:sli_error:ratio_rate5m{sloth_slo="summaries-quality"} >= 0`)
	waitFor("the latency SLI", `slo:sli_error:ratio_rate5m{sloth_slo="runs-latency"} >= 0`)
	waitFor("the availability SLI", `slo:sli_error:ratio_rate5m{sloth_slo="requests-availability"} >= 0`)
	if r := query(`slo:objective:ratio{sloth_slo="summaries-quality"}`); len(r) != 1 || r[0].Value[1] != "0.95" {
		t.Errorf("quality objective %+v, want 0.95", r)
	}

	// Every rule group loaded and evaluates without error.
	resp, err := http.Get(prom + "/api/v1/rules")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var rules struct {
		Data struct {
			Groups []struct {
				Name  string `json:"name"`
				Rules []struct {
					Name      string `json:"name"`
					Health    string `json:"health"`
					LastError string `json:"lastError"`
				} `json:"rules"`
			} `json:"groups"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&rules); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, g := range rules.Data.Groups {
		for _, r := range g.Rules {
			n++
			if r.Health == "err" || r.LastError != "" {
				t.Errorf("rule %s/%s: health %s: %s", g.Name, r.Name, r.Health, r.LastError)
			}
		}
	}
	if len(rules.Data.Groups) != 11 || n < 60 {
		t.Errorf("Prometheus loaded %d groups with %d rules; want the 2 of papersum.rules.yaml and the 9 of slos.rules.yaml", len(rules.Data.Groups), n)
	}
	// papersum's series are there, so the absent-metrics alert is quiet.
	if r := query(`ALERTS{alertname="PapersumMetricsAbsent"}`); len(r) != 0 {
		t.Errorf("PapersumMetricsAbsent is %v while papersum is scraped", r)
	}
}

// freeAddr returns a loopback address with a port free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
