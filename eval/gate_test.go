package eval

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

// gateBase is a baseline of 30 papers with rubric, ROUGE, cost and latency.
func gateBase() map[string][]float64 {
	const n = 30
	return map[string][]float64{
		"accuracy":       series(n, 8, 0.4),
		"overall":        series(n, 7.6, 0.3),
		"rouge2_f/human": series(n, 0.10, 0.02),
		"cost_usd":       series(n, 0.01, 0.001),
		"latency_ms":     series(n, 1200, 50),
	}
}

func with(m map[string][]float64, name string, v []float64) map[string][]float64 {
	out := make(map[string][]float64, len(m))
	for k, x := range m {
		out[k] = x
	}
	if v == nil {
		delete(out, name)
	} else {
		out[name] = v
	}
	return out
}

// noisy adds to x a mean shift by with alternating noise ±amp·(1, 1.5)
// that averages to zero over 30 papers but hides a small shift from the
// paired tests.
func noisy(x []float64, by, amp float64) []float64 {
	out := make([]float64, len(x))
	pattern := []float64{1, -1.5, 1.5, -1, 0, 0}
	for i, v := range x {
		out[i] = v + by + amp*pattern[i%6]
	}
	return out
}

func gateRow(t *testing.T, g GateResult, metric string) GateRow {
	t.Helper()
	for _, r := range g.Rows {
		if r.Metric == metric {
			return r
		}
	}
	t.Fatalf("no row %s in %+v", metric, g.Rows)
	return GateRow{}
}

func TestGate(t *testing.T) {
	base := gateBase()
	baseline := result("base", "sha256:aaaa", base)
	for _, tc := range []struct {
		name    string
		current Result
		opts    GateOptions
		passed  bool
		// verdicts expected for some metrics
		verdicts map[string]string
		reason   string // substring of a reason, when failing
	}{
		{name: "identical passes", current: result("cur", "sha256:aaaa", base), passed: true,
			verdicts: map[string]string{"accuracy": GateOK, "overall": GateOK, "rouge2_f/human": GateOK, MetricPassRate: GateOK}},
		{name: "improvement passes", current: result("cur", "sha256:aaaa", with(base, "overall", noisy(base["overall"], 0.5, 0.01))), passed: true,
			verdicts: map[string]string{"overall": GateImproved}},
		{name: "drop within tolerance, not significant", passed: true,
			current:  result("cur", "sha256:aaaa", with(base, "rouge2_f/human", noisy(base["rouge2_f/human"], -0.005, 0.03))),
			verdicts: map[string]string{"rouge2_f/human": GateWithin}},
		{name: "drop beyond tolerance, not significant", passed: false,
			current:  result("cur", "sha256:aaaa", with(base, "rouge2_f/human", noisy(base["rouge2_f/human"], -0.02, 0.1))),
			verdicts: map[string]string{"rouge2_f/human": GateBeyond, "overall": GateOK},
			reason:   "rouge2_f/human worsened by 0.0200"},
		{name: "custom tolerance lets the same drop pass", passed: true,
			current:  result("cur", "sha256:aaaa", with(base, "rouge2_f/human", noisy(base["rouge2_f/human"], -0.02, 0.1))),
			opts:     GateOptions{Tolerance: map[string]float64{"rouge2_f/human": 0.05}},
			verdicts: map[string]string{"rouge2_f/human": GateWithin}},
		{name: "small consistent drop is significant", passed: false,
			current:  result("cur", "sha256:aaaa", with(base, "overall", noisy(base["overall"], -0.05, 0.01))),
			verdicts: map[string]string{"overall": GateSignificant},
			reason:   "overall worsened significantly over 30 paired papers"},
		{name: "large consistent drop: both", passed: false,
			current:  result("cur", "sha256:aaaa", with(base, "accuracy", noisy(base["accuracy"], -0.5, 0.05))),
			verdicts: map[string]string{"accuracy": GateBeyondSig}},
		{name: "float noise is not a drop", passed: true,
			current:  result("cur", "sha256:aaaa", with(base, "overall", shift(base["overall"], -1e-12, 0))),
			verdicts: map[string]string{"overall": GateOK}},
		{name: "dataset changed", passed: false, current: result("cur", "sha256:bbbb", base),
			reason: "dataset changed: baseline jsonl:test.jsonl (aaaa), current jsonl:test.jsonl (bbbb)"},
		{name: "dataset change allowed", passed: true, current: result("cur", "sha256:bbbb", base),
			opts: GateOptions{AllowDatasetChange: true}},
		{name: "metric missing in current", passed: false,
			current:  result("cur", "sha256:aaaa", with(base, "rouge2_f/human", nil)),
			verdicts: map[string]string{"rouge2_f/human": GateMissingCurrent}, reason: "rouge2_f/human: missing in current"},
		{name: "explicit metric missing in baseline", passed: false, current: result("cur", "sha256:aaaa", base),
			opts:     GateOptions{Metrics: []string{"overall", "clarity"}},
			verdicts: map[string]string{"overall": GateOK, "clarity": GateMissingBase}},
		{name: "latency is not gated by default", passed: true,
			current: result("cur", "sha256:aaaa", with(base, "latency_ms", shift(base["latency_ms"], 5000, 0)))},
		{name: "latency gated explicitly: a rise fails", passed: false,
			current:  result("cur", "sha256:aaaa", with(base, "latency_ms", noisy(base["latency_ms"], 300, 1000))),
			opts:     GateOptions{Metrics: []string{"latency_ms"}, Tolerance: map[string]float64{"latency_ms": 200}},
			verdicts: map[string]string{"latency_ms": GateBeyond}},
		{name: "latency gated explicitly: a fall is an improvement", passed: true,
			current:  result("cur", "sha256:aaaa", with(base, "latency_ms", noisy(base["latency_ms"], -300, 1000))),
			opts:     GateOptions{Metrics: []string{"latency_ms"}},
			verdicts: map[string]string{"latency_ms": GateImproved}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := Gate(baseline, tc.current, tc.opts)
			if g.Passed != tc.passed {
				t.Errorf("passed = %v, want %v\n%s", g.Passed, tc.passed, g)
			}
			for m, v := range tc.verdicts {
				if r := gateRow(t, g, m); r.Verdict != v || r.Failed != strings.HasPrefix(v, "FAIL") {
					t.Errorf("%s: verdict %q failed %v, want %q\n%s", m, r.Verdict, r.Failed, v, g)
				}
			}
			if tc.reason != "" && !strings.Contains(strings.Join(g.Reasons, "\n"), tc.reason) {
				t.Errorf("reasons %q lack %q", g.Reasons, tc.reason)
			}
			if g.Passed != (len(g.Reasons) == 0) {
				t.Errorf("passed %v with reasons %q", g.Passed, g.Reasons)
			}
			if _, err := json.Marshal(g); err != nil {
				t.Errorf("GateResult does not encode: %v", err)
			}
		})
	}
}

func TestGateDefaults(t *testing.T) {
	base := gateBase()
	g := Gate(result("base", "h", base), result("cur", "h", base), GateOptions{})
	var names []string
	for _, r := range g.Rows {
		names = append(names, r.Metric)
	}
	if got := strings.Join(names, " "); got != "accuracy overall rouge2_f/human pass_rate" {
		t.Errorf("default metrics %q", got)
	}
	for _, tc := range []struct {
		metric string
		tol    float64
	}{{"accuracy", 0.1}, {"overall", 0.1}, {"rouge2_f/human", 0.01}, {MetricPassRate, 0.05}} {
		if r := gateRow(t, g, tc.metric); r.Tolerance != tc.tol {
			t.Errorf("%s tolerance %v, want %v", tc.metric, r.Tolerance, tc.tol)
		}
	}
	if g.Alpha != DefaultAlpha || g.Paired != 30 {
		t.Errorf("alpha %v paired %d", g.Alpha, g.Paired)
	}
}

func TestGatePassRate(t *testing.T) {
	mk := func(errors int) Result {
		var items []Item
		for i := range 20 {
			if i < errors {
				items = append(items, failed(string(rune('a'+i))))
				continue
			}
			items = append(items, item(string(rune('a'+i)), "accuracy", 9.0, "overall", 8.0))
		}
		r := Result{ID: "r", DatasetHash: "h", Thresholds: DefaultThresholds(), Items: items}
		r.Aggregate = Aggregate(items, newRand(1))
		return r
	}
	base := mk(0)
	// One failure in twenty is a drop of exactly the default 0.05: allowed.
	if g := Gate(base, mk(1), GateOptions{}); !g.Passed || gateRow(t, g, MetricPassRate).Verdict != GateWithin {
		t.Errorf("one more error:\n%s", g)
	}
	// Two are not, although the surviving papers' means are unchanged.
	g := Gate(base, mk(2), GateOptions{})
	if g.Passed || gateRow(t, g, MetricPassRate).Verdict != GateBeyond || gateRow(t, g, "overall").Verdict != GateOK {
		t.Errorf("two more errors:\n%s", g)
	}
	// The baseline's thresholds apply to both: raising the bar in the
	// current result does not change the comparison.
	cur := mk(0)
	cur.Thresholds = Thresholds{Accuracy: 9.5, Overall: 9}
	if g := Gate(base, cur, GateOptions{}); !g.Passed {
		t.Errorf("changed thresholds:\n%s", g)
	}
}

func TestGateWithoutPairs(t *testing.T) {
	// Same data hash but no common IDs (say, renamed papers): only the
	// tolerance applies; p is undefined.
	base := result("base", "h", map[string][]float64{"overall": series(10, 7, 0.5)})
	cur := result("cur", "h", map[string][]float64{"overall": series(10, 6.5, 0.5)})
	for i := range cur.Items {
		cur.Items[i].ID = "x" + cur.Items[i].ID
	}
	g := Gate(base, cur, GateOptions{})
	r := gateRow(t, g, "overall")
	if g.Paired != 0 || r.N != 0 || !math.IsNaN(r.P) || r.Verdict != GateBeyond || g.Passed {
		t.Errorf("unpaired:\n%s", g)
	}
}

func TestGateUnknownMetricHasZeroTolerance(t *testing.T) {
	base := result("base", "h", map[string][]float64{"words": series(10, 150, 10)})
	cur := result("cur", "h", map[string][]float64{"words": noisy(series(10, 150, 10), -1, 20)})
	g := Gate(base, cur, GateOptions{})
	if r := gateRow(t, g, "words"); r.Tolerance != 0 || r.Verdict != GateBeyond || g.Passed {
		t.Errorf("unknown metric:\n%s", g)
	}
	// A stored baseline without an aggregate still names its metrics.
	base.Aggregate = nil
	if g := Gate(base, base, GateOptions{}); !g.Passed || len(g.Rows) != 2 {
		t.Errorf("baseline without aggregate:\n%s", g)
	}
}

func TestGateNothingToCompare(t *testing.T) {
	g := Gate(Result{}, Result{}, GateOptions{})
	if g.Passed || len(g.Rows) != 0 || !strings.Contains(g.Reasons[0], "no metrics") {
		t.Errorf("empty baseline:\n%s", g)
	}
}

func TestGateString(t *testing.T) {
	base := gateBase()
	baseline := result("eval_base", "sha256:0123456789abcdef", base)
	baseline.ConfigHash = "sha256:cfg1"
	cur := result("eval_cur", "sha256:0123456789abcdef", with(base, "accuracy", noisy(base["accuracy"], -0.5, 0.05)))
	s := Gate(baseline, cur, GateOptions{}).String()
	for _, want := range []string{
		"Quality gate: FAILED",
		"baseline  eval_base  config eval_base (cfg1)  dataset jsonl:test.jsonl (0123456789ab)",
		"METRIC          BASELINE  CURRENT  DELTA    TOLERANCE  N   P (HOLM)  VERDICT",
		"accuracy        8.800     8.300    -0.500   0.100      30  <0.0001   FAIL: worse beyond tolerance, significant",
		"overall         8.200     8.200    +0.000   0.100      30  1.0000    ok",
		"Failed because:\n  - accuracy worsened by 0.500 (from 8.800 to 8.300), more than the tolerance 0.100",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("missing %q in:\n%s", want, s)
		}
	}
	if s := Gate(baseline, baseline, GateOptions{}).String(); !strings.HasPrefix(s, "Quality gate: PASSED\n") || strings.Contains(s, "Failed because") {
		t.Errorf("passing gate:\n%s", s)
	}
}
