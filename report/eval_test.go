package report

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/papersum/papersum/eval"
)

// sampleEval is a fixed evaluation of twelve papers plus two special
// ones: rubric scores, ROUGE against two reference types, cost and
// latency; one paper failed, one has no ROUGE, and one has an ID that
// needs escaping. better shifts each paper's accuracy, completeness and
// ROUGE up by a varying amount, makes it cheaper and slower.
func sampleEval(id string, better bool) eval.Result {
	r := eval.Result{
		Schema: eval.SchemaResult, ID: id, Dataset: "clscisumm:testdata/cl-scisumm-2018",
		DatasetHash: "sha256:5e2b1c0d9a8f7e6d5c4b3a291807f6e5", Config: "default", ConfigHash: "sha256:c0ffee00c0ffee00c0ffee",
		Repeat: 1, CreatedAt: time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC), Thresholds: eval.DefaultThresholds(),
	}
	ids := []string{"C00-2123", "C04-1089", "D10-1083", "E06-1031", "H05-1115", "J96-3004", "N06-2049", "P98-1081",
		"P01-1017", "W04-3252", "N01-1011", "A00-2018"}
	for i, pid := range ids {
		f := float64(i)
		var shift, cost, slow float64
		if better {
			shift = 0.3 + 0.15*float64((i*7)%5)
			cost, slow = -0.0002-0.0001*float64(i%3), 40+25*float64((i*3)%4)
		}
		acc := 7.5 + 0.3*float64(i%4) + shift
		comp := 6.5 + 0.4*float64(i%3) + shift
		cla, coh := 8.0+0.25*float64(i%2), 7.0+0.5*float64(i%3)
		it := eval.Item{ID: pid, RunIDs: []string{fmt.Sprintf("run_%s_%d", id, i)}, Metrics: map[string]float64{
			"accuracy": acc, "completeness": comp, "clarity": cla, "coherence": coh,
			"overall":  0.4*acc + 0.3*comp + 0.2*cla + 0.1*coh,
			"cost_usd": 0.0021 + 0.0004*f + cost, "latency_ms": 850 + 137*float64((i*5)%8) + slow,
		}}
		if i != 3 {
			for j, ref := range []string{"abstract", "human"} {
				base := 0.08 + 0.015*float64((i+j)%5) + shift/50
				it.Metrics[eval.MetricName("rouge2", "f", ref)] = base
				it.Metrics[eval.MetricName("rouge2", "r", ref)] = base + 0.02
				it.Metrics[eval.MetricName("rouge2", "p", ref)] = base - 0.01
				it.Metrics[eval.MetricName("rougeSUstar", "f", ref)] = base/2 + 0.01
			}
		}
		r.Items = append(r.Items, it)
	}
	r.Items = append(r.Items,
		eval.Item{ID: "W11-0815", Error: "summarize: overloaded from anthropic/claude-sonnet-4-5: 529"},
		eval.Item{ID: "<b>X|`1`</b>", Metrics: map[string]float64{"accuracy": 9, "completeness": 8, "clarity": 9, "coherence": 9, "overall": 8.7}})
	r.Aggregate = eval.Aggregate(r.Items, rand.New(rand.NewPCG(1, 2)))
	r.PassRate = eval.PassRate(r.Items, r.Thresholds)
	return r
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./report -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s:\n%s", golden, got)
	}
}

func TestEvalReportsGolden(t *testing.T) {
	a := sampleEval("eval_a", false)
	b := sampleEval("eval_b", true)
	empty := eval.Result{Schema: eval.SchemaResult, ID: "eval_empty", Dataset: "jsonl:empty.jsonl", Repeat: 1,
		Thresholds: eval.DefaultThresholds(), Aggregate: map[string]eval.Summary{}, PassRate: eval.PassRate(nil, eval.DefaultThresholds())}
	for _, tc := range []struct {
		name  string
		write func(*bytes.Buffer) error
	}{
		{"eval_result.md", func(w *bytes.Buffer) error { return WriteEvalMarkdown(w, a) }},
		{"eval_result.html", func(w *bytes.Buffer) error { return WriteEvalHTML(w, a) }},
		{"eval_empty.md", func(w *bytes.Buffer) error { return WriteEvalMarkdown(w, empty) }},
		{"eval_empty.html", func(w *bytes.Buffer) error { return WriteEvalHTML(w, empty) }},
		{"eval_ab.md", func(w *bytes.Buffer) error {
			return WriteABMarkdown(w, eval.CompareAB(a, b, nil, rand.New(rand.NewPCG(3, 4)), 0.05))
		}},
		{"eval_ab_explicit.md", func(w *bytes.Buffer) error {
			b2 := b
			b2.DatasetHash = "sha256:0000"
			b2.Items = b.Items[2:]
			rep := eval.CompareAB(a, b2, []string{"overall", "cost_usd", "latency_ms", "rouge2_f/human", "words"}, rand.New(rand.NewPCG(3, 4)), 0.01)
			return WriteABMarkdown(w, rep)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := tc.write(&buf); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, tc.name, buf.Bytes())
		})
	}
}

// TestEvalHTMLSelfContained: the page must open offline and must not let
// result text inject markup.
func TestEvalHTMLSelfContained(t *testing.T) {
	r := sampleEval("eval_<script>alert(1)</script>", false)
	r.Dataset = `jsonl:"quoted"&<odd>.jsonl`
	r.Items[len(r.Items)-2].Error = `<img src=x onerror=alert(1)>`
	var buf bytes.Buffer
	if err := WriteEvalHTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	for _, bad := range []string{"<script", "<img", "<b>X", "<link", "@import", "url(", "http://", "https://"} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
	for _, want := range []string{"&lt;script&gt;", "&lt;b&gt;X|`1`&lt;/b&gt;", "&lt;img src=x onerror=alert(1)&gt;", "&#34;quoted&#34;&amp;&lt;odd&gt;"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks escaped %q", want)
		}
	}
	// The charts the issue asks for: a histogram per rubric dimension and
	// ROUGE F metric, the means with whiskers, cost and latency per paper.
	for _, want := range []string{
		`aria-label="accuracy"`, `aria-label="coherence"`, `aria-label="overall"`, `aria-label="rouge2_f/human"`,
		`aria-label="rougeSUstar_f/abstract"`, `aria-label="Rubric scores: mean and 95% CI"`, `aria-label="ROUGE F: mean and 95% CI"`,
		`aria-label="Cost per paper"`, `aria-label="Latency per paper"`, `class="whisker"`,
		"<title>C04-1089: $0.002500</title>",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, `aria-label="rouge2_r/human"`) {
		t.Error("histogram for a ROUGE recall metric; only F is charted")
	}
	// 5 rubric and 4 ROUGE F histograms, 2 means charts, cost and latency.
	if n := strings.Count(page, "<svg "); n != 5+4+2+2 {
		t.Errorf("%d charts, want 13", n)
	}
}

func TestMetricValueAndSigns(t *testing.T) {
	for _, tc := range []struct {
		metric string
		v      float64
		want   string
		signed string
	}{
		{"overall", 7.456, "7.46", "+7.46"},
		{"rouge2_f/human", -0.01234, "-0.0123", "−0.0123"},
		{"cost_usd", -0.004, "$-0.004000", "−$0.004000"},
		{"latency_ms", 12345, "12.3s", "+12.3s"},
		{"words", 151, "151", "+151"},
		{"overall", math.NaN(), "–", "–"},
	} {
		if got := metricValue(tc.metric, tc.v); got != tc.want {
			t.Errorf("metricValue(%s, %v) = %q, want %q", tc.metric, tc.v, got, tc.want)
		}
		if got := signedValue(tc.metric, tc.v); got != tc.signed {
			t.Errorf("signedValue(%s, %v) = %q, want %q", tc.metric, tc.v, got, tc.signed)
		}
	}
	for d, want := range map[float64]string{math.Inf(1): "+∞", math.Inf(-1): "−∞", 0.5: "+0.50", -1.25: "−1.25"} {
		if got := effect(d); got != want {
			t.Errorf("effect(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestHistogramBins(t *testing.T) {
	// 0 and 10 fall in the first and last bin; out-of-range values are
	// clamped; every value is counted once.
	c := histogram("x", []float64{0, 0.99, 1, 9.99, 10, 12, -1}, 0, 10, 10, trim1, trim1)
	if len(c.Rects) != 10 {
		t.Fatalf("%d bars", len(c.Rects))
	}
	for i, want := range map[int]string{0: "[0, 1): 3 papers", 1: "[1, 2): 1 paper", 9: "[9, 10]: 3 papers", 5: "[5, 6): 0 papers"} {
		if got := c.Rects[i].Tip; got != want {
			t.Errorf("bin %d: %q, want %q", i, got, want)
		}
	}
	// No values: bars of height 0, no mean line, no division by zero.
	e := histogram("empty", nil, 0, 1, 20, trim2, trim2)
	for _, r := range e.Rects {
		if r.H != "0.0" {
			t.Errorf("empty histogram bar %+v", r)
		}
	}
	for _, l := range e.Lines {
		if l.Class == "mean" {
			t.Error("mean line without values")
		}
	}
}
