package observability

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"

	"github.com/papersum/papersum/slo"
)

// TestDashboardsValidate loads each dashboard into the Grafana Foundation
// SDK's dashboard model strictly (an unknown or mistyped field is an
// error) and validates it, then checks papersum's own rules: a Prometheus
// datasource variable used by every panel and query, and no instance
// named anywhere.
func TestDashboardsValidate(t *testing.T) {
	plugins.RegisterDefaultPlugins()
	names, _ := fs.Glob(Files, "dashboards/*.json")
	if len(names) != 2 {
		t.Fatalf("dashboards %v, want the overview and the executive view", names)
	}
	for _, name := range names {
		data, _ := Files.ReadFile(name)
		//lint:ignore SA1019 the shipped dashboards are the classic JSON model that Grafana imports; dashboardv2 is a different schema
		var d dashboard.Dashboard
		// The SDK's UnmarshalJSONStrict returns a non-nil error value
		// holding no errors on success (v0.0.22): only a non-empty one is
		// a failure.
		if err := d.UnmarshalJSONStrict(data); err != nil && err.Error() != "" {
			t.Errorf("%s: strict load: %v", name, err)
			continue
		}
		if err := d.Validate(); err != nil {
			t.Errorf("%s: validate: %v", name, err)
		}

		var own Dashboard
		if err := json.Unmarshal(data, &own); err != nil {
			t.Fatal(err)
		}
		if own.UID == "" || own.Title == "" {
			t.Errorf("%s: uid %q title %q", name, own.UID, own.Title)
		}
		hasDS := slices.ContainsFunc(own.Templating.List, func(v Variable) bool { return v.Type == "datasource" && v.Name == "datasource" })
		if !hasDS {
			t.Errorf("%s: no datasource variable named datasource", name)
		}
		ids := map[int]bool{}
		for _, p := range own.AllPanels() {
			if ids[p.ID] {
				t.Errorf("%s: panel id %d used twice", name, p.ID)
			}
			ids[p.ID] = true
			if p.Type == "row" {
				continue
			}
			if p.Datasource == nil || p.Datasource.UID != "${datasource}" {
				t.Errorf("%s: panel %q datasource %+v, want the ${datasource} variable", name, p.Title, p.Datasource)
			}
			if len(p.Targets) == 0 {
				t.Errorf("%s: panel %q has no query", name, p.Title)
			}
			for _, tg := range p.Targets {
				if tg.Datasource == nil || tg.Datasource.UID != "${datasource}" {
					t.Errorf("%s: panel %q target %s datasource %+v", name, p.Title, tg.RefID, tg.Datasource)
				}
				if strings.Contains(tg.Expr, `instance="`) || strings.Contains(tg.Expr, `job="`) {
					t.Errorf("%s: panel %q names an instance or job: %s", name, p.Title, tg.Expr)
				}
			}
		}
	}
}

// TestDashboardValidationCatchesErrors: the strict load is not a no-op.
func TestDashboardValidationCatchesErrors(t *testing.T) {
	plugins.RegisterDefaultPlugins()
	data, _ := Files.ReadFile("dashboards/papersum-overview.json")
	for _, bad := range []struct{ from, to string }{
		{`"gridPos": {`, `"gridPoz": {`},
		{`"schemaVersion": 39`, `"schemaVersion": "39"`},
	} {
		broken := bytes.Replace(data, []byte(bad.from), []byte(bad.to), 1)
		//lint:ignore SA1019 the shipped dashboards are the classic JSON model that Grafana imports; dashboardv2 is a different schema
		var d dashboard.Dashboard
		err := d.UnmarshalJSONStrict(broken)
		if err == nil || err.Error() == "" {
			t.Errorf("%s -> %s: loaded without error", bad.from, bad.to)
		}
	}
}

// TestQueriesParse: every dashboard and rule expression is PromQL, and
// each stage latency quantile is taken over per-bucket rates summed by le.
func TestQueriesParse(t *testing.T) {
	qs, err := Queries()
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) < 40 {
		t.Fatalf("only %d queries found", len(qs))
	}
	quantile := regexp.MustCompile(`histogram_quantile\(([^,]+),\s*(.*)`)
	for _, q := range qs {
		if _, err := parse(q.Expr); err != nil {
			t.Errorf("%s: %v\n%s", q.Source, err, q.Expr)
		}
		for _, m := range quantile.FindAllStringSubmatch(q.Expr, -1) {
			if !regexp.MustCompile(`^sum by \(le(, \w+)*\) \(rate\(\w+_bucket`).MatchString(m[2]) {
				t.Errorf("%s: histogram_quantile over %q, want sum by (le, ...) (rate(..._bucket[...]))", q.Source, m[2])
			}
		}
	}
}

// TestCheckReportsDrift: Check finds an unknown metric, an unknown label,
// an unseen label value and a bad grouping, and passes what exists.
func TestCheckReportsDrift(t *testing.T) {
	have, err := ParseExposition(strings.NewReader(`# TYPE pipeline_requests_total counter
pipeline_requests_total{status="succeeded"} 3
pipeline_requests_total{status="failed"} 1
# TYPE pipeline_latency_seconds histogram
pipeline_latency_seconds_bucket{stage="revise",le="1"} 1
pipeline_latency_seconds_bucket{stage="revise",le="+Inf"} 1
pipeline_latency_seconds_sum{stage="revise"} 0.5
pipeline_latency_seconds_count{stage="revise"} 1
`))
	if err != nil {
		t.Fatal(err)
	}
	good := []Query{
		{Source: "rec", Record: "x:p95", Expr: `histogram_quantile(0.95, sum by (le, stage) (rate(pipeline_latency_seconds_bucket[5m])))`},
		{Source: "ok", Expr: `sum by (status) (rate(pipeline_requests_total{status="failed",instance=~".*"}[5m])) / ignoring (status) group_left sum(rate(pipeline_requests_total[5m]))`},
		{Source: "uses record", Expr: `max by (stage) (x:p95{stage="anything"}) > 30`},
		{Source: "regex", Expr: `rate(pipeline_latency_seconds_bucket{le=~"1(\\.0)?",stage!="nothing"}[5m])`},
	}
	if p := Check(good, have, nil); len(p) != 0 {
		t.Errorf("problems in valid queries: %v", p)
	}
	for _, tt := range []struct{ expr, want string }{
		{`rate(pipeline_request_total[5m])`, `metric "pipeline_request_total" is neither exported`},
		{`pipeline_requests_total{state="failed"}`, `has no label "state"`},
		{`pipeline_requests_total{status="Failed"}`, `no such value (it has failed, succeeded)`},
		{`sum by (model) (pipeline_requests_total)`, `by/without label "model"`},
		{`histogram_quantile(0.9, sum by (le) (rate(pipeline_latency_seconds_bucket{le="2"}[5m])))`, `le="2"`},
		{`sum(rate(pipeline_requests_total[5m])`, `does not parse`},
		{`rate(pipeline_latency_seconds_bucket{le=~"120(\\.0)?"}[5m])`, `le=~"120(\\.0)?"}: the scrape shows no such value`},
		{`sum by (stage) (x:p95) > on (model) sum(pipeline_requests_total)`, `on/ignoring label "model"`},
	} {
		p := Check(append(good[:1:1], Query{Source: "bad", Expr: tt.expr}), have, nil)
		if len(p) != 1 || !strings.Contains(p[0], tt.want) {
			t.Errorf("%s: problems %q, want one mentioning %q", tt.expr, p, tt.want)
		}
	}
	exempt := []Exemption{{Metric: "pipeline_requests_total", Label: "status", Value: "canceled", Why: "test"}}
	if p := Check([]Query{{Source: "x", Expr: `pipeline_requests_total{status="canceled"}`}}, have, exempt); len(p) != 0 {
		t.Errorf("exempt value reported: %v", p)
	}
}

// TestRunbookAnchors: every alert has a runbook_url that points at a
// heading of docs/runbook.md, and the runbook has a section for every
// alert name.
func TestRunbookAnchors(t *testing.T) {
	data, err := os.ReadFile("../../docs/runbook.md")
	if err != nil {
		t.Fatal(err)
	}
	anchors := Anchors(string(data))
	files, err := RuleFiles()
	if err != nil {
		t.Fatal(err)
	}
	alerts := 0
	for name, f := range files {
		for _, g := range f.Groups {
			for _, r := range g.Rules {
				if r.Alert == "" {
					continue
				}
				alerts++
				url := r.Annotations["runbook_url"]
				anchor, ok := RunbookAnchor(url)
				if !ok {
					t.Errorf("%s: alert %s: runbook_url %q does not point into docs/runbook.md", name, r.Alert, url)
					continue
				}
				if !anchors[anchor] {
					t.Errorf("%s: alert %s: runbook_url %q: no heading with anchor #%s in docs/runbook.md", name, r.Alert, url, anchor)
				}
				if anchor != strings.ToLower(r.Alert) {
					t.Errorf("%s: alert %s links #%s, want its own section #%s", name, r.Alert, anchor, strings.ToLower(r.Alert))
				}
				if r.Annotations["summary"] == "" {
					t.Errorf("%s: alert %s has no summary", name, r.Alert)
				}
			}
		}
	}
	if alerts < 13 {
		t.Errorf("%d alerts, want at least 13", alerts)
	}
	// The failure classes and outages named in the runbook's brief.
	for _, h := range []string{"rate-limits", "overload", "parse-failures", "truncation", "timeouts", "queue-backlog",
		"database-down", "redis-down", "kafka-lag", "budget-exhausted", "incident-template", "post-mortem-template"} {
		if !anchors[h] {
			t.Errorf("docs/runbook.md has no section #%s", h)
		}
	}
}

func TestAnchor(t *testing.T) {
	for in, want := range map[string]string{
		" PapersumCircuitOpen":          "papersumcircuitopen",
		"Rate limits":                   "rate-limits",
		"Post-mortem template":          "post-mortem-template",
		"Timeouts (`timeout`)":          "timeouts-timeout",
		"Budget exhausted: what to do?": "budget-exhausted-what-to-do",
	} {
		if got := Anchor(in); got != want {
			t.Errorf("Anchor(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestSLORulesUpToDate: the shipped SLO rules are exactly what the spec
// generates.
func TestSLORulesUpToDate(t *testing.T) {
	spec, _ := Files.ReadFile("slos.yaml")
	s, err := slo.Parse(bytes.NewReader(spec))
	if err != nil {
		t.Fatal(err)
	}
	got, err := slo.Rules(s)
	if err != nil {
		t.Fatal(err)
	}
	shipped, _ := Files.ReadFile("rules/slos.rules.yaml")
	if !bytes.Equal(got, shipped) {
		t.Errorf("rules/slos.rules.yaml is stale: run\n  go run ./cmd/papersum slo rules --out deploy/observability/rules/slos.rules.yaml deploy/observability/slos.yaml")
	}
	// The latency SLO's bucket must be a boundary of the run duration
	// histogram, or its le="120" series would not exist (the scrape test
	// checks this against a live server too).
	if !bytes.Contains(spec, []byte(`le=~"120(\\.0)?"`)) {
		t.Error(`the latency SLO no longer reads le=~"120(\\.0)?"; update this test and the runbook`)
	}
}

// promtool runs Debian's promtool, skipping when it is not installed
// (.ci/run installs it, so CI never skips).
func promtool(t *testing.T, args ...string) string {
	t.Helper()
	bin, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool not installed (apt-get install prometheus); .ci/run installs it")
	}
	cmd := exec.Command(bin, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("promtool %s: exit %d\n%s", strings.Join(args, " "), ee.ExitCode(), out.String())
		}
		t.Fatalf("promtool %s: %v", strings.Join(args, " "), err)
	}
	return out.String()
}

func TestPromtoolCheckRules(t *testing.T) {
	files, _ := filepath.Glob("rules/*.yaml")
	if len(files) != 2 {
		t.Fatalf("rule files %v", files)
	}
	out := promtool(t, append([]string{"check", "rules"}, files...)...)
	if strings.Count(out, "SUCCESS") != len(files) {
		t.Errorf("promtool check rules:\n%s", out)
	}
}

// TestPromtoolTestRules runs the rule unit tests: each alert fires on
// series that should fire it and stays quiet otherwise.
func TestPromtoolTestRules(t *testing.T) {
	files, _ := filepath.Glob("tests/*.test.yaml")
	if len(files) < 3 {
		t.Fatalf("rule tests %v", files)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			out := promtool(t, "test", "rules", f)
			if !strings.Contains(out, "SUCCESS") {
				t.Errorf("promtool test rules %s:\n%s", f, out)
			}
		})
	}
}

// TestEveryAlertIsUnitTested: each alert of the rule files is asserted
// to fire somewhere in tests/ (an exp_alerts entry that is not empty) and
// to stay quiet somewhere (exp_alerts: []).
func TestEveryAlertIsUnitTested(t *testing.T) {
	type alertTest struct {
		AlertName string           `yaml:"alertname"`
		ExpAlerts []map[string]any `yaml:"exp_alerts"`
	}
	fires, quiet := map[string]bool{}, map[string]bool{}
	files, _ := filepath.Glob("tests/*.test.yaml")
	for _, f := range files {
		data, _ := os.ReadFile(f)
		var doc struct {
			Tests []struct {
				AlertRuleTest []alertTest `yaml:"alert_rule_test"`
			} `yaml:"tests"`
		}
		if err := yamlUnmarshal(data, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, tc := range doc.Tests {
			for _, a := range tc.AlertRuleTest {
				if len(a.ExpAlerts) > 0 {
					fires[a.AlertName] = true
				} else {
					quiet[a.AlertName] = true
				}
			}
		}
	}
	rules, _ := RuleFiles()
	for name, f := range rules {
		for _, g := range f.Groups {
			for _, r := range g.Rules {
				if r.Alert == "" {
					continue
				}
				if !fires[r.Alert] || !quiet[r.Alert] {
					t.Errorf("%s: alert %s: tested firing %v, tested quiet %v; want both", name, r.Alert, fires[r.Alert], quiet[r.Alert])
				}
			}
		}
	}
}
