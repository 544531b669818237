package report

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/papersum/papersum"
)

// Formats of a run on the CLI. WriteRun renders text and Markdown; the
// JSON form is the API's wire shape (httpapi.RunJSON), which the CLI
// prints as it is so that a script reads one shape from either.
const (
	FormatText     = "text"
	FormatMarkdown = "markdown"
	FormatJSON     = "json"
)

// WriteRun renders r in format (FormatText or FormatMarkdown) to w.
func WriteRun(w io.Writer, r *papersum.Run, format string) error {
	switch format {
	case FormatMarkdown:
		return writeMarkdown(w, r)
	case FormatText, "":
		return writeText(w, r)
	}
	return papersum.Errorf(papersum.EINVALID, "unknown format %q (use text or markdown)", format)
}

func writeText(w io.Writer, r *papersum.Run) error {
	issues, total := critiqueIssues(r), r.TotalUsage()
	var b strings.Builder
	if r.Title != "" {
		fmt.Fprintf(&b, "%s\n\n", r.Title)
	}
	switch {
	case r.Status == papersum.RunFailed:
		fmt.Fprintf(&b, "FAILED: %s\n\n", r.Error)
	case r.Waiting != nil:
		fmt.Fprintf(&b, "QUEUED: %s\n\n", waitingNote(r.Waiting))
	default:
		fmt.Fprintf(&b, "%s\n\n", r.Summary)
	}
	if sc := r.Scores; sc != nil {
		fmt.Fprintf(&b, "Scores (draft): overall %.2f  accuracy %.1f  completeness %.1f  clarity %.1f  coherence %.1f\n",
			sc.Overall(), sc.Accuracy, sc.Completeness, sc.Clarity, sc.Coherence)
	}
	for _, is := range issues {
		fmt.Fprintf(&b, "  - %s\n", is)
	}
	if s := r.RevisedScores; s != nil {
		fmt.Fprintf(&b, "Scores (revised, measured): overall %.2f  accuracy %.1f  completeness %.1f  clarity %.1f  coherence %.1f\n",
			s.Overall(), s.Accuracy, s.Completeness, s.Clarity, s.Coherence)
	}
	b.WriteString("\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STAGE\tPROVIDER\tMODEL\tPROMPT\tTOKENS IN\tTOKENS OUT\tCOST\tTIME")
	for _, s := range r.Stages {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.Stage, s.Provider, s.Model, ShortHash(s.PromptVersion),
			tokens(s.Usage.TotalInput(), s.Usage.Estimated), tokens(s.Usage.OutputTokens, s.Usage.Estimated),
			Money(s.CostUSD), Millis(ms(s.Latency)))
	}
	fmt.Fprintf(tw, "total\t\t\t\t%s\t%s\t%s\t%s\n", tokens(total.TotalInput(), total.Estimated),
		tokens(total.OutputTokens, total.Estimated), Money(r.TotalCost()), Millis(ms(stagesLatency(r))))
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, s := range r.Stages {
		if s.FallbackReason != "" {
			fmt.Fprintf(&b, "\n%s answered by %s/%s after fallback: %s", s.Stage, s.Provider, s.Model, s.FallbackReason)
		}
	}
	if len(r.Abandoned) > 0 {
		fmt.Fprintf(&b, "\n%s", abandonedNote(r.Abandoned))
	}
	if r.RepeatedCalls > 0 {
		fmt.Fprintf(&b, "\n%s", repeatedNote(r.RepeatedCalls))
	}
	fmt.Fprintf(&b, "\nrun %s\n", r.ID)
	_, err := io.WriteString(w, b.String())
	return err
}

func writeMarkdown(w io.Writer, r *papersum.Run) error {
	issues, total := critiqueIssues(r), r.TotalUsage()
	var b strings.Builder
	title := r.Title
	if title == "" {
		title = "Summary"
	}
	fmt.Fprintf(&b, "# %s\n\n", title)
	switch {
	case r.Status == papersum.RunFailed:
		fmt.Fprintf(&b, "**Failed:** %s\n\n", r.Error)
	case r.Waiting != nil:
		b.WriteString("**Queued:** " + mdEscape(waitingNote(r.Waiting)) + ".\n\n")
	default:
		fmt.Fprintf(&b, "%s\n\n", r.Summary)
	}
	if sc := r.Scores; sc != nil {
		b.WriteString("## Critique of the first draft\n\n")
		b.WriteString("| overall | accuracy (40%) | completeness (30%) | clarity (20%) | coherence (10%) |\n")
		b.WriteString("|---:|---:|---:|---:|---:|\n")
		fmt.Fprintf(&b, "| %.2f | %.1f | %.1f | %.1f | %.1f |\n\n", sc.Overall(), sc.Accuracy,
			sc.Completeness, sc.Clarity, sc.Coherence)
		for _, is := range issues {
			fmt.Fprintf(&b, "- %s\n", mdEscape(is))
		}
		if len(issues) > 0 {
			b.WriteString("\n")
		}
	}
	if s := r.RevisedScores; s != nil {
		b.WriteString("## Revised summary, measured\n\n")
		b.WriteString("| overall | accuracy (40%) | completeness (30%) | clarity (20%) | coherence (10%) |\n")
		b.WriteString("|---:|---:|---:|---:|---:|\n")
		fmt.Fprintf(&b, "| %.2f | %.1f | %.1f | %.1f | %.1f |\n\n", s.Overall(), s.Accuracy, s.Completeness, s.Clarity, s.Coherence)
	}
	b.WriteString("## Stages\n\n")
	b.WriteString("| stage | provider | model | prompt | tokens in | tokens out | cost | time |\n")
	b.WriteString("|---|---|---|---|---:|---:|---:|---:|\n")
	for _, s := range r.Stages {
		fmt.Fprintf(&b, "| %s | %s | %s | `%s` | %s | %s | %s | %s |\n", s.Stage, s.Provider, s.Model,
			ShortHash(s.PromptVersion), tokens(s.Usage.TotalInput(), s.Usage.Estimated),
			tokens(s.Usage.OutputTokens, s.Usage.Estimated), Money(s.CostUSD), Millis(ms(s.Latency)))
	}
	fmt.Fprintf(&b, "| **total** | | | | %s | %s | %s | %s |\n\n", tokens(total.TotalInput(), total.Estimated),
		tokens(total.OutputTokens, total.Estimated), Money(r.TotalCost()), Millis(ms(stagesLatency(r))))
	for _, s := range r.Stages {
		if s.FallbackReason != "" {
			fmt.Fprintf(&b, "The %s stage was answered by %s/%s after fallback: %s.\n\n", s.Stage, s.Provider, s.Model, mdEscape(s.FallbackReason))
		}
	}
	if len(r.Abandoned) > 0 {
		b.WriteString(mdEscape(abandonedNote(r.Abandoned)) + ".\n\n")
	}
	if r.RepeatedCalls > 0 {
		b.WriteString(mdEscape(repeatedNote(r.RepeatedCalls)) + ".\n\n")
	}
	if total.Estimated {
		b.WriteString("Token counts marked ~ are estimates.\n\n")
	}
	fmt.Fprintf(&b, "Run `%s`, paper `%s`.\n", r.ID, ShortHash(r.PaperID))
	_, err := io.WriteString(w, b.String())
	return err
}

// critiqueIssues lists the issues every critique of r raised, in stage
// order.
func critiqueIssues(r *papersum.Run) []string {
	var out []string
	for _, s := range r.Stages {
		if s.Critique != nil {
			out = append(out, s.Critique.Issues...)
		}
	}
	return out
}

// stagesLatency is the time r's stages took, summed.
func stagesLatency(r *papersum.Run) time.Duration {
	var d time.Duration
	for _, s := range r.Stages {
		d += s.Latency
	}
	return d
}

// ms is d in milliseconds rounded to the microsecond, as the JSON form of a
// run shows it, so that the text and the JSON agree to the digit.
func ms(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }

// mdEscape keeps user text from breaking Markdown structure.
func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}

// ShortHash shortens "sha256:<hex>" to its first 12 hex digits.
func ShortHash(h string) string {
	h = strings.TrimPrefix(h, "sha256:")
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// Money formats US dollars with six decimals, whatever the amount.
func Money(usd float64) string {
	// One precision for every amount, so that a column of costs lines up
	// and reads at a glance; micro-dollars, because a stage of a small
	// model or a batch costs fractions of a cent (and summary.csv uses
	// the same 6 decimals).
	return fmt.Sprintf("$%.6f", usd)
}

// Millis formats a duration given in milliseconds.
func Millis(v float64) string {
	if v >= 10000 {
		return fmt.Sprintf("%.1fs", v/1000)
	}
	return fmt.Sprintf("%.1fms", v)
}

func tokens(n int64, estimated bool) string {
	if estimated {
		return fmt.Sprintf("~%d", n)
	}
	return fmt.Sprint(n)
}

// waitingNote says why a queued run waits, when it is tried next and
// when it gives up, for the text renderers of a run and of a run list.
func waitingNote(w *papersum.RunWait) string {
	return fmt.Sprintf("waiting for the model provider (%s) since its last attempt failed; next attempt %s, gives up at %s; last error: %s",
		w.Class, w.NextAttemptAt.UTC().Format(time.RFC3339), w.Deadline.UTC().Format(time.RFC3339), w.Reason)
}

// WaitingStatus is the STATUS cell of a run in a text list: its status,
// and for a run waiting for its provider the class and next attempt.
func WaitingStatus(r *papersum.Run) string {
	if r.Waiting == nil {
		return string(r.Status)
	}
	return fmt.Sprintf("%s (waiting: %s, next %s)", r.Status, r.Waiting.Class, r.Waiting.NextAttemptAt.Local().Format("15:04:05"))
}

// repeatedNote says how many model calls were paid for twice.
func repeatedNote(n int) string {
	calls := "call was"
	if n != 1 {
		calls = "calls were"
	}
	return fmt.Sprintf("%d model %s made again after a paid answer was lost before it could be stored: billed twice, only once in the cost above", n, calls)
}

// abandonedNote says which calls were abandoned and what that means for
// the cost shown.
func abandonedNote(as []papersum.AbandonedCalls) string {
	n := 0
	parts := make([]string, 0, len(as))
	for _, a := range as {
		n += a.Calls
		parts = append(parts, fmt.Sprintf("%s %s/%s ×%d", a.Stage, a.Provider, a.Model, a.Calls))
	}
	calls := "calls"
	if n == 1 {
		calls = "call"
	}
	return fmt.Sprintf("%d model %s abandoned before an answer (%s): tokens unknown, not in the cost above",
		n, calls, strings.Join(parts, ", "))
}
