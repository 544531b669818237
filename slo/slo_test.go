package slo

import (
	"bytes"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/papersum/papersum"
)

const validSpec = `version: "prometheus/v1"
service: "svc"
labels: {team: a}
slos:
  - name: "avail"
    objective: 99.9
    sli:
      events:
        error_query: sum(rate(req_total{code=~"5.."}[{{.window}}]))
        total_query: sum(rate(req_total[{{.window}}]))
    alerting:
      name: SvcAvailability
      annotations: {runbook_url: "r#avail"}
      page_alert: {labels: {severity: page}}
      ticket_alert: {disable: true}
  - name: "raw"
    objective: 95
    sli:
      raw:
        error_ratio_query: avg_over_time(bad_ratio[{{.window}}])
    alerting:
      name: SvcRaw
`

func generate(t *testing.T, spec string) RuleFile {
	t.Helper()
	s, err := Parse(strings.NewReader(spec))
	if err != nil {
		t.Fatal(err)
	}
	out, err := Rules(s)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(out, []byte(Header)) {
		t.Errorf("output does not start with the generated-code header")
	}
	var f RuleFile
	if err := yaml.Unmarshal(out, &f); err != nil {
		t.Fatalf("output is not YAML: %v\n%s", err, out)
	}
	return f
}

// The burn factors follow from the budget shares and windows; they must
// be the workbook's table for a 30-day SLO.
func TestWorkbookFactors(t *testing.T) {
	var got []float64
	for _, w := range append(PageWindows, TicketWindows...) {
		got = append(got, w.Factor())
	}
	want := []float64{14.4, 6, 1}
	if len(got) != len(want) {
		t.Fatalf("factors %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("factor %d = %v, want %v (exactly: it is written into the alert)", i, got[i], want[i])
		}
	}
	if w := windows(); promDuration(w[0]) != "5m" || promDuration(w[len(w)-1]) != "3d" || len(w) != 5 {
		t.Errorf("recorded windows %v, want 5m 30m 1h 6h 3d", w)
	}
}

func TestRulesShape(t *testing.T) {
	f := generate(t, validSpec)
	if len(f.Groups) != 6 {
		t.Fatalf("%d groups, want 3 per SLO (ratios, metadata, alerts)", len(f.Groups))
	}
	sli := f.Groups[0]
	if sli.Name != "sloth-slo-sli-recordings-svc-avail" || len(sli.Rules) != 6 {
		t.Fatalf("sli group %q with %d rules, want 6 (5 windows and 30d)", sli.Name, len(sli.Rules))
	}
	r := sli.Rules[0]
	wantExpr := "(sum(rate(req_total{code=~\"5..\"}[5m])))\n/\n(sum(rate(req_total[5m])))\n"
	if r.Record != "slo:sli_error:ratio_rate5m" || r.Expr != wantExpr {
		t.Errorf("first recording %s = %q, want slo:sli_error:ratio_rate5m = %q", r.Record, r.Expr, wantExpr)
	}
	for k, v := range map[string]string{"team": "a", "sloth_id": "svc-avail", "sloth_service": "svc", "sloth_slo": "avail", "sloth_window": "5m"} {
		if r.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, r.Labels[k], v)
		}
	}
	meta := f.Groups[1]
	for _, m := range meta.Rules {
		if m.Record == "slo:error_budget:ratio" && m.Expr != "vector(0.001)" {
			t.Errorf("budget of 99.9%%: %s, want vector(0.001) without float noise", m.Expr)
		}
	}
	alerts := f.Groups[2]
	if len(alerts.Rules) != 1 {
		t.Fatalf("%d alerts for avail, want the page alert only (ticket disabled)", len(alerts.Rules))
	}
	page := alerts.Rules[0]
	if page.Alert != "SvcAvailability" || page.Labels["sloth_severity"] != "page" || page.Labels["severity"] != "page" ||
		page.Annotations["runbook_url"] != "r#avail" || page.Annotations["title"] == "" {
		t.Errorf("page alert %+v", page)
	}
	for _, frag := range []string{"ratio_rate5m{", "ratio_rate1h{", "ratio_rate30m{", "ratio_rate6h{", "> (14.4 * 0.001)", "> (6 * 0.001)", "without (sloth_window)"} {
		if !strings.Contains(page.Expr, frag) {
			t.Errorf("page expr lacks %q:\n%s", frag, page.Expr)
		}
	}
	raw := f.Groups[3].Rules[2]
	if raw.Record != "slo:sli_error:ratio_rate1h" || raw.Expr != "(avg_over_time(bad_ratio[1h]))\n" {
		t.Errorf("raw SLI over 1h: %s = %q", raw.Record, raw.Expr)
	}
	rawAlerts := f.Groups[5].Rules
	if len(rawAlerts) != 2 || rawAlerts[1].Labels["sloth_severity"] != "ticket" || !strings.Contains(rawAlerts[1].Expr, "> (1 * 0.05)") {
		t.Errorf("raw SLO alerts %+v, want page and a ticket at 1x of a 5%% budget", rawAlerts)
	}
}

func TestRulesAreDeterministic(t *testing.T) {
	s, err := Parse(strings.NewReader(validSpec))
	if err != nil {
		t.Fatal(err)
	}
	first, _ := Rules(s)
	for range 20 {
		again, _ := Rules(s)
		if !bytes.Equal(first, again) {
			t.Fatal("two generations of one spec differ (map order?)")
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, tt := range []struct{ name, edit, old, want string }{
		{"version", `version: "prometheus/v2"`, `version: "prometheus/v1"`, `version "prometheus/v2"`},
		{"typo", "error_querry:", "error_query:", "error_querry"},
		{"plugin", "raw:\n        plugin: {id: x}\n        error_ratio_query:", "raw:\n        error_ratio_query:", `"plugin" (Sloth plugins) is not supported`},
		{"no window", "sum(rate(req_total[5m]))\n", "sum(rate(req_total[{{.window}}]))\n", "total_query must use {{.window}}"},
		{"objective", "objective: 100", "objective: 99.9", "objective 100"},
		{"duplicate", `name: "avail"`, `name: "raw"`, `"avail" is used twice`},
		{"service", `service: "s v c"`, `service: "svc"`, "service"},
		{"alert name", "name: Svc-Raw", "name: SvcRaw", "alerting.name"},
		{"label", "labels: {sloth_id: x}", "labels: {team: a}", "sloth_ labels are set by the generator"},
		{"both", "raw:\n        error_ratio_query: x[{{.window}}]\n      events:", "events:", "exactly one of events and raw"},
		{"empty", "", "", "empty"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			spec := strings.Replace(validSpec, tt.old, tt.edit, 1)
			if tt.name == "empty" {
				spec = ""
			}
			if spec == validSpec && tt.name != "empty" {
				t.Fatalf("edit %q did not apply", tt.old)
			}
			_, err := Parse(strings.NewReader(spec))
			if err == nil || papersum.ErrorCode(err) != papersum.EINVALID || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err %v, want EINVALID mentioning %q", err, tt.want)
			}
		})
	}
}
