package main

import (
	"context"
	"fmt"
	"html"
	"io"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/drift"
	"github.com/papersum/papersum/drift/signals"
	"github.com/papersum/papersum/report"
)

// formatHTML is drift report's HTML page with SVG charts.
const formatHTML = "html"

// driftWindow is a span of UTC days, [From, To).
type driftWindow struct {
	From, To time.Time
}

func (w driftWindow) String() string {
	return w.From.Format(time.DateOnly) + ".." + w.To.AddDate(0, 0, -1).Format(time.DateOnly)
}

var (
	windowRangeRE = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$`)
	windowDaysRE  = regexp.MustCompile(`^(\d+)d$`)
)

// parseWindow reads "YYYY-MM-DD..YYYY-MM-DD" (both days included) or "Nd"
// (the N days that end with end, a UTC midnight, excluded).
func parseWindow(s string, end time.Time) (driftWindow, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	if m := windowRangeRE.FindStringSubmatch(s); m != nil {
		from, err1 := time.Parse(time.DateOnly, m[1])
		to, err2 := time.Parse(time.DateOnly, m[2])
		if err1 != nil || err2 != nil {
			return driftWindow{}, fmt.Errorf("not a date range; write YYYY-MM-DD..YYYY-MM-DD")
		}
		if to.Before(from) {
			return driftWindow{}, fmt.Errorf("the range ends before it starts")
		}
		return driftWindow{From: from, To: to.AddDate(0, 0, 1)}, nil
	}
	if m := windowDaysRE.FindStringSubmatch(s); m != nil {
		n, err := strconv.Atoi(m[1])
		if err != nil || n < 1 || n > 3650 {
			return driftWindow{}, fmt.Errorf("must be from 1d to 3650d")
		}
		return driftWindow{From: end.AddDate(0, 0, -n), To: end}, nil
	}
	return driftWindow{}, fmt.Errorf("write YYYY-MM-DD..YYYY-MM-DD or a number of days such as 7d")
}

// windowFlag accepts what parseWindow reads.
func windowFlag(name string) flagRule {
	return flagRule{name: name, typ: "window",
		check: func(s string) (string, error) {
			if _, err := parseWindow(s, time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
				return "", err
			}
			return strings.TrimSpace(strings.ToLower(s)), nil
		}}
}

// driftOptions are the flags of drift report and drift check.
type driftOptions struct {
	reference, current, format string
	alpha, minEffect           float64
	groups                     []string
}

func newDriftCmd(e *env, g *globalFlags) *cobra.Command {
	c := &cobra.Command{
		Use:   "drift",
		Short: "Drift of the runs' signals: batch comparison of two windows",
		Long: `Compare the signals of the finished runs of a current window with those of a
reference window: inputs (paper length, sections, readability, stopword share
and language, format, section mix, terms, share outside the abstract), outputs
(summary length, compression, novel bigrams, number and name faithfulness),
quality (each critique dimension, overall, pass/fail) and operations (cost,
tokens and latency per stage, errors and their class).

Each signal gets the test Evidently would choose: KS (numeric) or chi-square
(binary, categorical) for a reference of at most 1000 values, Wasserstein or
Jensen–Shannon above. A signal drifts when its Holm-adjusted p-value (across
the signals) is below --alpha and its effect size is at least --min-effect,
so that a large sample does not turn a negligible shift into an alarm.
Signals with fewer than 5 values in a window are skipped. Cached runs (no
model call) count for the input signals only.

serve also runs streaming detectors over every finished run (see the README,
"Drift detection"); this command is the batch view.`,
	}
	c.AddCommand(newDriftReportCmd(e, g), newDriftCheckCmd(e, g))
	return c
}

func (o *driftOptions) register(c *cobra.Command, formats ...string) {
	fl := c.Flags()
	fl.StringVar(&o.reference, "reference", "", "reference window: YYYY-MM-DD..YYYY-MM-DD (days included) or Nd (default: the 30 days before --current)")
	fl.StringVar(&o.current, "current", "7d", "current window: YYYY-MM-DD..YYYY-MM-DD or Nd, the N UTC days up to today (included)")
	fl.Float64Var(&o.alpha, "alpha", 0.05, "level of the Holm-adjusted p-values")
	fl.Float64Var(&o.minEffect, "min-effect", 0.1, "smallest effect size that counts as drift (KS D, Cohen's w, PSI, Jensen–Shannon distance, normed Wasserstein)")
	fl.StringSliceVar(&o.groups, "group", nil, "only these signal groups: input, output, quality, ops (default: all)")
	fl.StringVarP(&o.format, "format", "f", "text", "output format")
	limitFlags(fl, windowFlag("reference"), windowFlag("current"), formatFlag(formats...),
		floatIn("alpha", 0, 1), floatIn("min-effect", 0, 10))
}

func newDriftReportCmd(e *env, g *globalFlags) *cobra.Command {
	o := &driftOptions{}
	c := &cobra.Command{
		Use:   "report",
		Short: "Per signal: test, statistic, p-value, effect and decision; charts in HTML",
		Long: `Per signal: the test, its statistic, p-value (Holm-adjusted beside it), effect
size and decision. --format html adds, per signal, SVG charts of the two
distributions and of the stream of values in time order, with the points
where a streaming detector (ADWIN for numeric signals, HDDM_A for binary ones,
river's defaults) detects a drift when replayed over both windows.`,
		Example: `  papersum drift report --reference 2026-11-01..2026-11-30 --current 7d
  papersum drift report --current 2026-12-01..2026-12-07 --format html > drift.html
  papersum drift report --group quality,ops --format json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			rep, err := runDriftCompare(c.Context(), e, g, o, time.Now())
			if err != nil {
				return err
			}
			return writeDriftReport(e.stdout, rep, o.format)
		},
	}
	o.register(c, report.FormatText, report.FormatJSON, formatHTML)
	return c
}

func newDriftCheckCmd(e *env, g *globalFlags) *cobra.Command {
	o := &driftOptions{}
	c := &cobra.Command{
		Use:   "check",
		Short: "Exit 1 when a signal drifted (for CI and cron)",
		Long: `Compare the windows as drift report does and exit 1 when at least one signal
drifted, 0 when none did, 2 on a usage error. The drifted signals are
printed (text) or the whole comparison (json).`,
		Example: `  papersum drift check --current 1d --reference 30d
  papersum drift check --group input --format json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			rep, err := runDriftCompare(c.Context(), e, g, o, time.Now())
			if err != nil {
				return err
			}
			if o.format == report.FormatJSON {
				if err := writeJSON(e.stdout, rep); err != nil {
					return err
				}
			} else {
				for _, s := range rep.Signals {
					if s.Result != nil && s.Result.Drift {
						fmt.Fprintf(e.stdout, "drift\t%s\t%s\teffect %.4g\tp %s\n", s.Def.Name, s.Result.Test, s.Result.Effect, fmtP(s.Result.AdjustedP))
					}
				}
			}
			if rep.Drifted > 0 {
				return papersum.Errorf(papersum.EINVALID, "drift in %d of %d signals tested (current %s against reference %s)",
					rep.Drifted, rep.Tested, rep.Current, rep.Reference)
			}
			fmt.Fprintf(e.stderr, "papersum: no drift in %d signals tested (current %s against reference %s)\n", rep.Tested, rep.Current, rep.Reference)
			return nil
		},
	}
	o.register(c, report.FormatText, report.FormatJSON)
	return c
}

// driftReport is the comparison of two windows.
type driftReport struct {
	Reference string               `json:"reference"`
	Current   string               `json:"current"`
	RefRuns   int                  `json:"reference_runs"`
	CurRuns   int                  `json:"current_runs"`
	Policy    drift.Policy         `json:"policy"`
	Tested    int                  `json:"tested"`
	Drifted   int                  `json:"drifted"`
	Signals   []signals.Comparison `json:"signals"`
}

// runDriftCompare reads the finished runs of both windows, with their
// papers, and compares their signals.
func runDriftCompare(ctx context.Context, e *env, g *globalFlags, o *driftOptions, now time.Time) (*driftReport, error) {
	today := now.UTC().Truncate(24*time.Hour).AddDate(0, 0, 1) // windows in days end after today
	cur, _ := parseWindow(o.current, today)                    // checked by its flag rule
	ref := driftWindow{From: cur.From.AddDate(0, 0, -30), To: cur.From}
	if o.reference != "" {
		ref, _ = parseWindow(o.reference, cur.From)
	}
	for _, gr := range o.groups {
		switch signals.Group(gr) {
		case signals.GroupInput, signals.GroupOutput, signals.GroupQuality, signals.GroupOps:
		default:
			return nil, &usageError{msg: fmt.Sprintf("--group: %q is not a group (input, output, quality, ops)", gr)}
		}
	}
	store, err := openStore(ctx, g, e.getenv)
	if err != nil {
		return nil, err
	}
	defer store.Close()
	cfg, err := loadConfig(g, e.getenv)
	if err != nil {
		return nil, err
	}
	refS, curS, err := driftSamples(ctx, store, ref, cur, driftExtractOptions(cfg.Thresholds.Overall))
	if err != nil {
		return nil, err
	}
	p := drift.DefaultPolicy()
	p.Alpha = o.alpha
	for t := range p.MinEffect {
		p.MinEffect[t] = o.minEffect
	}
	keep := func(d signals.Def) bool { return len(o.groups) == 0 || containsString(o.groups, string(d.Group)) }
	comps, _, err := signals.Compare(refS, curS, p, keep)
	if err != nil {
		return nil, err
	}
	rep := &driftReport{Reference: ref.String(), Current: cur.String(), RefRuns: len(refS), CurRuns: len(curS), Policy: p}
	for _, c := range comps {
		rep.Signals = append(rep.Signals, c)
		if c.Result != nil {
			rep.Tested++
			if c.Result.Drift {
				rep.Drifted++
			}
		}
	}
	return rep, nil
}

func containsString(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// driftSamples reads every run (ListRuns, page by page) and extracts the
// signals of the finished ones (succeeded or failed) whose finish falls in
// ref or cur, in order of finish.
func driftSamples(ctx context.Context, store papersum.Store, ref, cur driftWindow, opts signals.Options) (refS, curS []signals.Sample, err error) {
	papers := map[string]*papersum.Paper{}
	before := ""
	for {
		page, err := store.ListRuns(ctx, papersum.RunFilter{Limit: listPage, Before: before})
		if err != nil {
			return nil, nil, fmt.Errorf("drift: read runs: %w", err)
		}
		for _, r := range page {
			if r.FinishedAt == nil || (r.Status != papersum.RunSucceeded && r.Status != papersum.RunFailed) {
				continue
			}
			at := r.FinishedAt.UTC()
			in := func(w driftWindow) bool { return !at.Before(w.From) && at.Before(w.To) }
			inRef, inCur := in(ref), in(cur)
			if !inRef && !inCur {
				continue
			}
			p, ok := papers[r.PaperID]
			if !ok {
				p, err = store.GetPaper(ctx, r.PaperID)
				if err != nil && papersum.ErrorCode(err) != papersum.ENOTFOUND {
					return nil, nil, fmt.Errorf("drift: read paper of run %s: %w", r.ID, err)
				}
				papers[r.PaperID] = p
			}
			s := signals.Sample{RunID: r.ID, At: at, Values: signals.Extract(p, r, opts)}
			if inRef {
				refS = append(refS, s)
			}
			if inCur {
				curS = append(curS, s)
			}
		}
		if len(page) < listPage {
			break
		}
		before = page[len(page)-1].ID
	}
	byTime := func(ss []signals.Sample) {
		sort.SliceStable(ss, func(i, j int) bool { return ss[i].At.Before(ss[j].At) })
	}
	byTime(refS)
	byTime(curS)
	return refS, curS, nil
}

func fmtP(p float64) string {
	if math.IsNaN(p) {
		return "–"
	}
	return strconv.FormatFloat(p, 'g', 4, 64)
}

func writeDriftReport(w io.Writer, rep *driftReport, format string) error {
	switch format {
	case report.FormatJSON:
		return writeJSON(w, rep)
	case formatHTML:
		return writeDriftHTML(w, rep)
	}
	fmt.Fprintf(w, "reference %s (%d runs), current %s (%d runs): %d of %d signals drifted\n\n",
		rep.Reference, rep.RefRuns, rep.Current, rep.CurRuns, rep.Drifted, rep.Tested)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "signal\ttest\tstatistic\tp-value\tadjusted p\teffect\tdecision")
	for _, s := range rep.Signals {
		if s.Result == nil {
			fmt.Fprintf(tw, "%s\t–\t–\t–\t–\t–\tskipped: %s\n", s.Def.Name, s.Skipped)
			continue
		}
		r := s.Result
		dec := "no drift"
		if r.Drift {
			dec = "DRIFT"
		}
		fmt.Fprintf(tw, "%s\t%s\t%.4g\t%s\t%s\t%.4g\t%s\n", s.Def.Name, r.Test, r.Statistic, fmtP(r.PValue), fmtP(r.AdjustedP), r.Effect, dec)
	}
	return tw.Flush()
}

// writeDriftHTML writes a self-contained page: the table, then per signal
// the two distributions and the stream with its replayed detections, as
// inline SVG (no script, no external asset).
func writeDriftHTML(w io.Writer, rep *driftReport) error {
	var b strings.Builder
	b.WriteString(`<!doctype html><html><head><meta charset="utf-8"><title>papersum drift report</title><style>
body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{padding:2px 8px;border-bottom:1px solid #ddd;text-align:right}
td:first-child,th:first-child{text-align:left}.drift{color:#b00;font-weight:bold}figure{display:inline-block;margin:0 1em 1em 0}
</style></head><body>`)
	fmt.Fprintf(&b, "<h1>Drift report</h1><p>Reference %s (%d runs), current %s (%d runs): <b>%d of %d signals drifted</b> (Holm-adjusted α %g, minimum effect %g).</p>",
		html.EscapeString(rep.Reference), rep.RefRuns, html.EscapeString(rep.Current), rep.CurRuns, rep.Drifted, rep.Tested,
		rep.Policy.Alpha, rep.Policy.MinEffect[drift.TestKS])
	b.WriteString("<table><tr><th>signal</th><th>test</th><th>statistic</th><th>p-value</th><th>adjusted p</th><th>effect</th><th>decision</th></tr>")
	for _, s := range rep.Signals {
		if s.Result == nil {
			fmt.Fprintf(&b, "<tr><td>%s</td><td colspan=6>skipped: %s</td></tr>", html.EscapeString(s.Def.Name), html.EscapeString(s.Skipped))
			continue
		}
		r := s.Result
		dec := "no drift"
		if r.Drift {
			dec = `<span class="drift">DRIFT</span>`
		}
		fmt.Fprintf(&b, `<tr><td><a href="#%s">%s</a></td><td>%s</td><td>%.4g</td><td>%s</td><td>%s</td><td>%.4g</td><td>%s</td></tr>`,
			html.EscapeString(s.Def.Name), html.EscapeString(s.Def.Name), r.Test, r.Statistic, fmtP(r.PValue), fmtP(r.AdjustedP), r.Effect, dec)
	}
	b.WriteString("</table>")
	for _, s := range rep.Signals {
		if s.Result == nil {
			continue
		}
		fmt.Fprintf(&b, `<h2 id="%s">%s</h2><p>%s</p>`, html.EscapeString(s.Def.Name), html.EscapeString(s.Def.Name), html.EscapeString(s.Def.Help))
		if s.Def.Kind == signals.Categorical {
			b.WriteString("<figure>" + svgBars(s.RefCounts, s.CurCounts) + "<figcaption>label shares: reference (grey), current (blue)</figcaption></figure>")
			continue
		}
		b.WriteString("<figure>" + svgHistograms(s.Ref, s.Cur) + "<figcaption>distribution: reference (grey), current (blue)</figcaption></figure>")
		stream := append(append([]float64{}, s.Ref...), s.Cur...)
		b.WriteString("<figure>" + svgStream(stream, len(s.Ref), replayDetections(s.Def.Kind, stream)) +
			"<figcaption>values in order of finish; the line marks the start of the current window, red marks a detection</figcaption></figure>")
	}
	b.WriteString("</body></html>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// replayDetections runs a fresh default detector over xs and returns the
// indices where it detects a drift.
func replayDetections(k signals.Kind, xs []float64) []int {
	det, err := drift.New(k.DefaultDetector(), nil)
	if err != nil {
		return nil
	}
	var out []int
	for i, x := range xs {
		if sig, err := det.Update(x); err == nil && sig.Drift {
			out = append(out, i)
		}
	}
	return out
}

const svgW, svgH = 420.0, 160.0

func svgHistograms(ref, cur []float64) string {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, x := range append(append([]float64{}, ref...), cur...) {
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	const bins = 20
	if hi == lo {
		hi = lo + 1
	}
	hist := func(xs []float64) []float64 {
		h := make([]float64, bins)
		for _, x := range xs {
			i := min(int((x-lo)/(hi-lo)*bins), bins-1)
			h[i] += 1 / float64(len(xs))
		}
		return h
	}
	hr, hc := hist(ref), hist(cur)
	top := 0.0
	for i := range bins {
		top = math.Max(top, math.Max(hr[i], hc[i]))
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%g" height="%g" viewBox="0 0 %g %g">`, svgW, svgH+16, svgW, svgH+16)
	bw := svgW / bins
	for i := range bins {
		for j, h := range []float64{hr[i], hc[i]} {
			color := []string{"#999", "#36c"}[j]
			ht := h / top * (svgH - 4)
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s" fill-opacity="0.6"/>`,
				float64(i)*bw+float64(j)*bw/2, svgH-ht, bw/2, ht, color)
		}
	}
	fmt.Fprintf(&b, `<text x="0" y="%g" font-size="11">%.4g</text><text x="%g" y="%g" font-size="11" text-anchor="end">%.4g</text></svg>`,
		svgH+13, lo, svgW, svgH+13, hi)
	return b.String()
}

func svgBars(ref, cur map[string]int) string {
	labels := signals.TopLabels(ref, cur, 12)
	total := func(m map[string]int) float64 {
		t := 0
		for _, v := range m {
			t += v
		}
		return math.Max(float64(t), 1)
	}
	tr, tc := total(ref), total(cur)
	top := 0.0
	for _, l := range labels {
		top = math.Max(top, math.Max(float64(ref[l])/tr, float64(cur[l])/tc))
	}
	if top == 0 {
		top = 1
	}
	rowH := 16.0
	h := rowH*float64(len(labels)) + 4
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%g" height="%g" viewBox="0 0 %g %g">`, svgW, h, svgW, h)
	for i, l := range labels {
		y := float64(i) * rowH
		fmt.Fprintf(&b, `<text x="0" y="%.1f" font-size="11">%s</text>`, y+11, html.EscapeString(l))
		for j, share := range []float64{float64(ref[l]) / tr, float64(cur[l]) / tc} {
			color := []string{"#999", "#36c"}[j]
			fmt.Fprintf(&b, `<rect x="140" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`, y+float64(j)*rowH/2, share/top*(svgW-150), rowH/2-1, color)
		}
	}
	b.WriteString("</svg>")
	return b.String()
}

func svgStream(xs []float64, split int, detections []int) string {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, x := range xs {
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	if hi == lo {
		hi = lo + 1
	}
	n := math.Max(float64(len(xs)-1), 1)
	px := func(i int) float64 { return float64(i) / n * svgW }
	py := func(x float64) float64 { return svgH - 2 - (x-lo)/(hi-lo)*(svgH-4) }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%g" height="%g" viewBox="0 0 %g %g"><polyline fill="none" stroke="#36c" stroke-width="1" points="`, svgW, svgH, svgW, svgH)
	for i, x := range xs {
		fmt.Fprintf(&b, "%.1f,%.1f ", px(i), py(x))
	}
	b.WriteString(`"/>`)
	fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="0" y2="%g" stroke="#333" stroke-dasharray="4 3"/>`, px(split), px(split), svgH)
	for _, i := range detections {
		fmt.Fprintf(&b, `<circle class="detection" cx="%.1f" cy="%.1f" r="4" fill="#c00"/>`, px(i), py(xs[i]))
	}
	b.WriteString("</svg>")
	return b.String()
}
