package report

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/papersum/papersum/eval"
)

// evalView is what the evaluation renderers print: the result's facts,
// already formatted, in report order. Markdown and HTML share it so that
// both say the same thing.
type evalView struct {
	ID, Dataset, DatasetHash, Config, ConfigHash string
	Repeat                                       int
	Created                                      string
	Papers, Failed                               int
	PassRate, Thresholds                         string
	Rows                                         []aggRow
	Errors                                       []itemError
	// Columns and Items form the per-paper table.
	Columns []string
	Items   []itemRow
}

type aggRow struct {
	Metric, N, Mean, CI, Median, SD, Min, Max string
}

type itemError struct{ ID, Error string }

type itemRow struct {
	ID     string
	Values []string
	Error  string
}

func newEvalView(r eval.Result) evalView {
	v := evalView{
		ID: r.ID, Dataset: r.Dataset, DatasetHash: ShortHash(r.DatasetHash), Config: r.Config,
		ConfigHash: ShortHash(r.ConfigHash), Repeat: r.Repeat, Papers: len(r.Items),
		Thresholds: fmt.Sprintf("accuracy ≥ %.1f, overall ≥ %.1f", r.Thresholds.Accuracy, r.Thresholds.Overall),
	}
	if !r.CreatedAt.IsZero() {
		v.Created = r.CreatedAt.UTC().Format(time.RFC3339)
	}
	p := r.PassRate
	if p.N > 0 {
		v.PassRate = fmt.Sprintf("%s (%d of %d), 95%% CI %s–%s", pct(p.Value), p.K, p.N, pct(p.CI[0]), pct(p.CI[1]))
	} else {
		v.PassRate = "– (no papers)"
	}
	for _, m := range eval.SortMetrics(mapKeys(r.Aggregate)) {
		s := r.Aggregate[m]
		v.Rows = append(v.Rows, aggRow{Metric: m, N: fmt.Sprint(s.N), Mean: metricValue(m, s.Mean),
			CI: interval(metricValue(m, s.CI[0]), metricValue(m, s.CI[1])), Median: metricValue(m, s.Median),
			SD: metricValue(m, s.StdDev), Min: metricValue(m, s.Min), Max: metricValue(m, s.Max)})
	}
	// The per-paper table keeps to the rubric, cost and latency: ROUGE
	// gives up to a dozen columns per paper, which the JSON result holds.
	present := make(map[string]bool)
	for _, it := range r.Items {
		for m := range it.Metrics {
			present[m] = true
		}
	}
	for _, m := range append(slices.Clone(eval.RubricMetrics), eval.MetricCost, eval.MetricLatency) {
		if present[m] {
			v.Columns = append(v.Columns, m)
		}
	}
	for _, it := range r.Items {
		row := itemRow{ID: it.ID, Error: it.Error}
		if it.Error != "" {
			v.Failed++
			v.Errors = append(v.Errors, itemError{it.ID, it.Error})
		}
		for _, m := range v.Columns {
			x, ok := it.Metrics[m]
			if !ok {
				x = math.NaN()
			}
			row.Values = append(row.Values, metricValue(m, x))
		}
		v.Items = append(v.Items, row)
	}
	return v
}

// metricValue formats a value of a metric for reports: rubric scores with
// 2 decimals, ROUGE with 4, cost as money, latency as a duration.
func metricValue(metric string, x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "–"
	}
	switch eval.MetricKind(metric) {
	case eval.KindRubric:
		return fmt.Sprintf("%.2f", x)
	case eval.KindROUGE:
		return fmt.Sprintf("%.4f", x)
	case eval.KindCost:
		return Money(x)
	case eval.KindLatency:
		return Millis(x)
	}
	return fmt.Sprintf("%.4g", x)
}

// interval prints "lo – hi", or one dash when both bounds are undefined.
func interval(lo, hi string) string {
	if lo == "–" && hi == "–" {
		return "–"
	}
	return lo + " – " + hi
}

func pct(x float64) string { return fmt.Sprintf("%.1f%%", 100*x) }

func mapKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// WriteEvalMarkdown renders an evaluation result as Markdown: what was
// evaluated, the pass rate with its Wilson interval, every aggregate
// metric with its bootstrap interval, the failed papers and a per-paper
// table of rubric scores, cost and latency. The output depends on r only.
func WriteEvalMarkdown(w io.Writer, r eval.Result) error {
	v := newEvalView(r)
	var b strings.Builder
	fmt.Fprintf(&b, "# Evaluation `%s`\n\n", v.ID)
	b.WriteString("| | |\n|---|---|\n")
	fmt.Fprintf(&b, "| dataset | %s |\n", mdNamed(v.Dataset, v.DatasetHash))
	fmt.Fprintf(&b, "| configuration | %s |\n", mdNamed(v.Config, v.ConfigHash))
	fmt.Fprintf(&b, "| repeats per paper | %d |\n", v.Repeat)
	if v.Created != "" {
		fmt.Fprintf(&b, "| created | %s |\n", v.Created)
	}
	fmt.Fprintf(&b, "| papers | %d (%d failed) |\n", v.Papers, v.Failed)
	fmt.Fprintf(&b, "| pass rate | %s |\n", v.PassRate)
	fmt.Fprintf(&b, "| thresholds | %s |\n\n", v.Thresholds)

	b.WriteString("## Scores\n\n")
	if len(v.Rows) == 0 {
		b.WriteString("No scores.\n\n")
	} else {
		b.WriteString("| metric | n | mean | 95% CI | median | sd | min | max |\n")
		b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|\n")
		for _, r := range v.Rows {
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", mdEscape(r.Metric), r.N, r.Mean, r.CI, r.Median, r.SD, r.Min, r.Max)
		}
		fmt.Fprintf(&b, "\nIntervals are 95%% percentile-bootstrap intervals of the mean (%d resamples); failed papers are not in the scores.\n\n",
			eval.BootstrapResamples)
	}

	if len(v.Errors) > 0 {
		b.WriteString("## Failed papers\n\n")
		for _, e := range v.Errors {
			fmt.Fprintf(&b, "- `%s`: %s\n", mdCode(e.ID), mdEscape(e.Error))
		}
		b.WriteString("\n")
	}

	if len(v.Items) > 0 {
		b.WriteString("## Per paper\n\n| paper |")
		for _, c := range v.Columns {
			fmt.Fprintf(&b, " %s |", c)
		}
		b.WriteString("\n|---|" + strings.Repeat("---:|", len(v.Columns)) + "\n")
		for _, it := range v.Items {
			status := ""
			if it.Error != "" {
				status = " (failed)"
			}
			fmt.Fprintf(&b, "| `%s`%s |", mdCode(it.ID), status)
			for _, x := range it.Values {
				fmt.Fprintf(&b, " %s |", x)
			}
			b.WriteString("\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mdNamed prints "name (`hash`)", leaving out what is empty.
func mdNamed(name, hash string) string {
	name = mdEscape(name)
	switch {
	case name == "" && hash == "":
		return "–"
	case hash == "":
		return name
	case name == "":
		return "`" + hash + "`"
	}
	return name + " (`" + hash + "`)"
}

// mdCode keeps text inside a Markdown code span: a backtick would end the
// span and a pipe the table cell.
func mdCode(s string) string {
	return strings.NewReplacer("`", "'", "|", `\|`, "\n", " ").Replace(s)
}

// WriteABMarkdown renders an A/B comparison as Markdown: the two results,
// how many papers were paired and dropped, and per metric the means, the
// difference with its interval, the p-values, the effect size and the
// verdict after Holm's correction.
func WriteABMarkdown(w io.Writer, rep eval.ABReport) error {
	var b strings.Builder
	b.WriteString("# A/B comparison\n\n")
	b.WriteString("| | A | B |\n|---|---|---|\n")
	fmt.Fprintf(&b, "| evaluation | `%s` | `%s` |\n", mdCode(rep.A.ID), mdCode(rep.B.ID))
	fmt.Fprintf(&b, "| configuration | %s | %s |\n", mdNamed(rep.A.Config, ShortHash(rep.A.ConfigHash)),
		mdNamed(rep.B.Config, ShortHash(rep.B.ConfigHash)))
	fmt.Fprintf(&b, "| dataset | %s | %s |\n", mdNamed(rep.A.Dataset, ShortHash(rep.A.DatasetHash)),
		mdNamed(rep.B.Dataset, ShortHash(rep.B.DatasetHash)))
	fmt.Fprintf(&b, "| papers | %d | %d |\n", rep.A.Items, rep.B.Items)
	fmt.Fprintf(&b, "| repeats per paper | %d | %d |\n\n", rep.A.Repeat, rep.B.Repeat)
	if rep.DatasetMismatch {
		b.WriteString("**Warning:** A and B were computed on different data (the dataset hashes differ); only papers with the same ID are compared, and their texts may differ.\n\n")
	}
	fmt.Fprintf(&b, "%d papers paired by ID", rep.Paired)
	if rep.Dropped > 0 {
		fmt.Fprintf(&b, "; %d dropped (%d only in A, %d only in B, %d failed in A or B)", rep.Dropped, rep.OnlyA, rep.OnlyB, rep.Failed)
	}
	b.WriteString(".\n\n")
	if len(rep.Metrics) == 0 {
		b.WriteString("No metrics to compare.\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	b.WriteString("| metric | n | A | B | B − A | 95% CI | p (t-test) | p (Wilcoxon) | p (Holm) | Cohen's d | verdict |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n")
	for _, m := range rep.Metrics {
		verdict := m.Verdict
		if verdict != eval.VerdictNone {
			verdict = "**" + verdict + "**"
		}
		fmt.Fprintf(&b, "| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", mdEscape(m.Metric), m.N,
			metricValue(m.Metric, m.MeanA), metricValue(m.Metric, m.MeanB), signedValue(m.Metric, m.Diff),
			interval(signedValue(m.Metric, m.CI[0]), signedValue(m.Metric, m.CI[1])),
			eval.FormatP(m.PT), eval.FormatP(m.PWilcoxon), eval.FormatP(m.PHolm), effect(m.CohensD), verdict)
	}
	fmt.Fprintf(&b, "\nB − A is the mean paired difference; its interval is a 95%% paired percentile bootstrap (%d resamples). "+
		"A verdict needs both tests: the larger of the t-test and Wilcoxon p-values is adjusted with Holm over the %d metrics and compared with α = %g. "+
		"For cost and latency lower is better. Cohen's d is the mean paired difference over its standard deviation.\n",
		eval.BootstrapResamples, len(rep.Metrics), rep.Alpha)
	_, err := io.WriteString(w, b.String())
	return err
}

// signedValue is metricValue with an explicit sign, for differences.
func signedValue(metric string, x float64) string {
	s := metricValue(metric, x)
	switch {
	case s == "–":
		return s
	case strings.HasPrefix(s, "-"):
		return "−" + s[1:]
	case strings.HasPrefix(s, "$-"):
		return "−$" + s[2:]
	}
	return "+" + s
}

// effect formats Cohen's d; zero-variance differences give ±∞.
func effect(d float64) string {
	switch {
	case math.IsNaN(d):
		return "–"
	case math.IsInf(d, 1):
		return "+∞"
	case math.IsInf(d, -1):
		return "−∞"
	}
	return strings.Replace(fmt.Sprintf("%+.2f", d), "-", "−", 1)
}
