package report

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/papersum/papersum/eval"
)

// evalHTML is evalView plus the charts.
type evalHTML struct {
	evalView
	Schema string
	// Histograms has one chart per rubric dimension and per ROUGE F
	// metric; Means the per-dimension means with intervals; PerPaper the
	// cost and latency of each paper.
	Histograms []svgChart
	Means      []svgChart
	PerPaper   []svgChart
}

// WriteEvalHTML renders an evaluation result as one self-contained HTML
// page: no scripts, style sheets, fonts or images are fetched; the charts
// are inline SVG. It shows what WriteEvalMarkdown shows plus a histogram
// of each rubric dimension and ROUGE F metric, the per-dimension means
// with their 95% intervals, and cost and latency per paper sorted from
// the highest. All text from the result is escaped by html/template. The
// output depends on r only.
func WriteEvalHTML(w io.Writer, r eval.Result) error {
	page := evalHTML{evalView: newEvalView(r), Schema: r.Schema}
	values := metricValues(r.Items)
	names := eval.SortMetrics(mapKeys(values))

	for _, m := range names {
		format := func(x float64) string { return metricValue(m, x) }
		switch eval.MetricKind(m) {
		case eval.KindRubric:
			// Half-point bins: judges score in halves and tenths.
			page.Histograms = append(page.Histograms, histogram(m, values[m], 0, 10, 20, trim1, format))
		case eval.KindROUGE:
			if p, _ := eval.ParseROUGEMetric(m); p.Part == eval.PartF {
				// ROUGE F rarely nears 1 (ROUGE-2 sits around 0.1): the axis
				// ends at the next tenth above the largest value.
				hi := math.Min(1, math.Max(0.1, math.Ceil(slices.Max(values[m])*10)/10))
				page.Histograms = append(page.Histograms, histogram(m, values[m], 0, hi, 20, trim2, format))
			}
		}
	}

	var rubric, rouge []meanRow
	roughMax := 0.0
	for _, m := range eval.SortMetrics(mapKeys(r.Aggregate)) {
		s := r.Aggregate[m]
		row := meanRow{Label: m, Mean: s.Mean, Lo: s.CI[0], Hi: s.CI[1], N: s.N, MeanS: metricValue(m, s.Mean),
			CIS: metricValue(m, s.CI[0]) + "–" + metricValue(m, s.CI[1])}
		switch eval.MetricKind(m) {
		case eval.KindRubric:
			rubric = append(rubric, row)
		case eval.KindROUGE:
			if p, _ := eval.ParseROUGEMetric(m); p.Part == eval.PartF {
				rouge = append(rouge, row)
				roughMax = math.Max(roughMax, s.CI[1])
			}
		}
	}
	if len(rubric) > 0 {
		page.Means = append(page.Means, meansChart("Rubric scores: mean and 95% CI", rubric, 10, trim1))
	}
	if len(rouge) > 0 {
		// Round the axis up to the next tenth: ROUGE F means sit well below 1.
		xMax := math.Min(1, math.Max(0.1, math.Ceil(roughMax*10)/10))
		page.Means = append(page.Means, meansChart("ROUGE F: mean and 95% CI", rouge, xMax, func(x float64) string { return fmt.Sprintf("%.2f", x) }))
	}

	for _, pm := range []struct {
		metric, title string
	}{{eval.MetricCost, "Cost per paper"}, {eval.MetricLatency, "Latency per paper"}} {
		var vals []paperValue
		for _, it := range r.Items {
			if x, ok := it.Metrics[pm.metric]; ok && it.Error == "" && !math.IsNaN(x) && !math.IsInf(x, 0) {
				vals = append(vals, paperValue{it.ID, x})
			}
		}
		if len(vals) > 0 {
			m := pm.metric
			page.PerPaper = append(page.PerPaper, sortedBars(pm.title, vals, func(x float64) string { return metricValue(m, x) }))
		}
	}
	return evalPage.Execute(w, page)
}

// metricValues gathers each metric's finite values over the papers that
// did not fail, as eval.Aggregate does.
func metricValues(items []eval.Item) map[string][]float64 {
	out := make(map[string][]float64)
	for _, it := range items {
		if it.Error != "" {
			continue
		}
		for m, x := range it.Metrics {
			if !math.IsNaN(x) && !math.IsInf(x, 0) {
				out[m] = append(out[m], x)
			}
		}
	}
	return out
}

// trim2 formats a 0–1 axis value: "0.05", "0.5", "1".
func trim2(x float64) string {
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.2f", x), "0"), ".")
}

// trim1 formats a 0–10 axis value: "7.5", "10".
func trim1(x float64) string {
	if x == math.Trunc(x) {
		return fmt.Sprintf("%.0f", x)
	}
	return fmt.Sprintf("%.1f", x)
}

var evalPage = template.Must(template.New("eval").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Evaluation {{.ID}}</title>
<style>
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2430; margin: 2rem auto; max-width: 1100px; padding: 0 1rem; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin-top: 2rem; border-bottom: 1px solid #d8dde6; padding-bottom: .2rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
th, td { padding: .25rem .6rem; border-bottom: 1px solid #e6e9ef; text-align: right; }
th:first-child, td:first-child, table.meta td { text-align: left; }
th { background: #f3f5f8; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; }
.failed { color: #a4262c; }
.charts { display: flex; flex-wrap: wrap; gap: 1rem; }
figure { margin: 0; } figcaption { font-weight: 600; font-size: 13px; }
svg { background: #fbfcfd; border: 1px solid #e6e9ef; }
svg .bar { fill: #4c78a8; } svg .bar:hover { fill: #f58518; }
svg .axis { stroke: #6b7280; stroke-width: 1; }
svg .mean { stroke: #e45756; stroke-width: 1.5; stroke-dasharray: 4 3; }
svg .whisker { stroke: #1d2430; stroke-width: 1.5; }
svg text { font: 11px system-ui, sans-serif; fill: #1d2430; }
svg .tick, svg .note { fill: #4b5563; font-size: 10px; }
footer { margin-top: 2rem; color: #6b7280; font-size: 12px; }
</style>
</head>
<body>
<h1>Evaluation <code>{{.ID}}</code></h1>
<table class="meta">
<tr><td>dataset</td><td>{{or .Dataset "–"}}{{if .DatasetHash}} (<code>{{.DatasetHash}}</code>){{end}}</td></tr>
<tr><td>configuration</td><td>{{or .Config "–"}}{{if .ConfigHash}} (<code>{{.ConfigHash}}</code>){{end}}</td></tr>
<tr><td>repeats per paper</td><td>{{.Repeat}}</td></tr>
{{- if .Created}}
<tr><td>created</td><td>{{.Created}}</td></tr>
{{- end}}
<tr><td>papers</td><td>{{.Papers}} ({{.Failed}} failed)</td></tr>
<tr><td>pass rate</td><td>{{.PassRate}}</td></tr>
<tr><td>thresholds</td><td>{{.Thresholds}}</td></tr>
</table>

<h2>Scores</h2>
{{- if .Rows}}
<table>
<tr><th>metric</th><th>n</th><th>mean</th><th>95% CI</th><th>median</th><th>sd</th><th>min</th><th>max</th></tr>
{{- range .Rows}}
<tr><td>{{.Metric}}</td><td>{{.N}}</td><td>{{.Mean}}</td><td>{{.CI}}</td><td>{{.Median}}</td><td>{{.SD}}</td><td>{{.Min}}</td><td>{{.Max}}</td></tr>
{{- end}}
</table>
<p>Intervals are 95% percentile-bootstrap intervals of the mean; failed papers are not in the scores.</p>
{{- else}}
<p>No scores.</p>
{{- end}}
{{- if .Histograms}}

<h2>Score distributions</h2>
<div class="charts">
{{- range .Histograms}}
{{template "chart" .}}
{{- end}}
</div>
{{- end}}
{{- if .Means}}

<h2>Means with 95% confidence intervals</h2>
<div class="charts">
{{- range .Means}}
{{template "chart" .}}
{{- end}}
</div>
{{- end}}
{{- if .PerPaper}}

<h2>Cost and latency per paper</h2>
<div class="charts">
{{- range .PerPaper}}
{{template "chart" .}}
{{- end}}
</div>
{{- end}}
{{- if .Errors}}

<h2>Failed papers</h2>
<ul>
{{- range .Errors}}
<li><code>{{.ID}}</code>: <span class="failed">{{.Error}}</span></li>
{{- end}}
</ul>
{{- end}}
{{- if .Items}}

<h2>Per paper</h2>
<table>
<tr><th>paper</th>{{range .Columns}}<th>{{.}}</th>{{end}}</tr>
{{- range .Items}}
<tr><td><code>{{.ID}}</code>{{if .Error}} <span class="failed">(failed)</span>{{end}}</td>{{range .Values}}<td>{{.}}</td>{{end}}</tr>
{{- end}}
</table>
{{- end}}
<footer>{{.Schema}} · evaluation {{.ID}}</footer>
</body>
</html>
{{define "chart"}}<figure>
<svg viewBox="0 0 {{.W}} {{.H}}" width="{{.W}}" height="{{.H}}" role="img" aria-label="{{.Title}}">
{{- range .Rects}}
<rect x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}" class="{{.Class}}"><title>{{.Tip}}</title></rect>
{{- end}}
{{- range .Lines}}
<line x1="{{.X1}}" y1="{{.Y1}}" x2="{{.X2}}" y2="{{.Y2}}" class="{{.Class}}"/>
{{- end}}
{{- range .Texts}}
<text x="{{.X}}" y="{{.Y}}" text-anchor="{{.Anchor}}" class="{{.Class}}">{{.Text}}</text>
{{- end}}
</svg>
<figcaption>{{.Title}}</figcaption>
</figure>{{end}}`))
