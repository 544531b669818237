package report

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/papersum/papersum"
)

// Formats the renderers support.
const (
	FormatText     = "text"
	FormatMarkdown = "markdown"
	FormatJSON     = "json"
)

// SchemaRun names the JSON schema of a rendered run. It changes only when
// a field is removed or changes meaning; adding fields keeps it.
const SchemaRun = "papersum.run/v1"

// RunJSON is the stable JSON form of a run.
type RunJSON struct {
	Schema      string `json:"schema"`
	ID          string `json:"id"`
	Status      string `json:"status"`
	Error       string `json:"error,omitempty"`
	ErrorClass  string `json:"error_class,omitempty"`
	PaperID     string `json:"paper_id"`
	Title       string `json:"title"`
	Source      string `json:"source"`
	TargetWords int    `json:"target_words"`
	ConfigHash  string `json:"config_hash"`
	Team        string `json:"team,omitempty"`
	User        string `json:"user,omitempty"`
	// Cached is set when the run was answered from the result cache, at
	// no cost.
	Cached bool `json:"cached,omitempty"`
	// CacheHits is how many identical requests of the team this cached
	// run answered, and LastHitAt when the latest came (see
	// papersum.Run.CacheHits).
	CacheHits int        `json:"cache_hits,omitempty"`
	LastHitAt *time.Time `json:"last_hit_at,omitempty"`
	// BatchID is the service batch the run belongs to.
	BatchID      string      `json:"batch_id,omitempty"`
	CreatedAt    time.Time   `json:"created_at"`
	FinishedAt   *time.Time  `json:"finished_at,omitempty"`
	Summary      string      `json:"summary"`
	SummaryWords int         `json:"summary_words"`
	Scores       *ScoresJSON `json:"scores,omitempty"`
	// RevisedScores score the revised summary (Summary), by the local
	// engine's measured critique; Scores are the critique of the draft.
	RevisedScores *ScoresJSON `json:"revised_scores,omitempty"`
	Issues        []string    `json:"issues"`
	Stages        []StageJSON `json:"stages"`
	Totals        TotalsJSON  `json:"totals"`
	// AbandonedCalls count the model calls papersum stopped waiting for
	// (deadline or cancel): their tokens are unknown and not in Totals,
	// which is then a lower bound of what the provider may bill.
	AbandonedCalls []papersum.AbandonedCalls `json:"abandoned_calls,omitempty"`
	// RepeatedCalls counts the model calls made again because an earlier
	// answer for the same stage was paid for and lost before it was
	// stored: both were billed, only the second is in Totals.
	RepeatedCalls int `json:"repeated_calls,omitempty"`
	// StartedAt is when a worker first started the run.
	StartedAt *time.Time `json:"started_at,omitempty"`
	// Waits counts how often the run went back to the queue to wait for
	// its model provider; Waiting, set only while the run is queued after
	// such a wait, says why and when it is tried next.
	Waits   int               `json:"waits,omitempty"`
	Waiting *papersum.RunWait `json:"waiting,omitempty"`
}

// ScoresJSON are the rubric scores with papersum's weighted overall.
type ScoresJSON struct {
	papersum.Scores
	Overall float64 `json:"overall"`
}

// StageJSON is one stage of a run.
type StageJSON struct {
	Stage          string             `json:"stage"`
	Provider       string             `json:"provider"`
	Model          string             `json:"model"`
	PromptVersion  string             `json:"prompt_version"`
	Usage          papersum.Usage     `json:"usage"`
	CostUSD        float64            `json:"cost_usd"`
	LatencyMS      float64            `json:"latency_ms"`
	StopReason     string             `json:"stop_reason"`
	FallbackReason string             `json:"fallback_reason,omitempty"`
	Output         string             `json:"output,omitempty"`
	Critique       *papersum.Critique `json:"critique,omitempty"`
	Raw            string             `json:"raw"`
}

// TotalsJSON sums the stages.
type TotalsJSON struct {
	Usage     papersum.Usage `json:"usage"`
	CostUSD   float64        `json:"cost_usd"`
	LatencyMS float64        `json:"latency_ms"`
}

// NewRunJSON converts a run into its JSON form.
func NewRunJSON(r *papersum.Run) RunJSON {
	out := RunJSON{
		Schema: SchemaRun, ID: r.ID, Status: string(r.Status), Error: r.Error, ErrorClass: string(r.ErrorClass),
		PaperID: r.PaperID, Title: r.Title, Source: r.Source, TargetWords: r.TargetWords,
		ConfigHash: r.ConfigHash, Team: r.Team, User: r.User, Cached: r.Cached, CacheHits: r.CacheHits, LastHitAt: r.LastHitAt,
		BatchID: r.BatchID, CreatedAt: r.CreatedAt, FinishedAt: r.FinishedAt,
		RepeatedCalls: r.RepeatedCalls, StartedAt: r.StartedAt, Waits: r.Waits, Waiting: r.Waiting,
		Summary: r.Summary, SummaryWords: len(strings.Fields(r.Summary)), Issues: []string{}, Stages: []StageJSON{},
	}
	if r.Scores != nil {
		out.Scores = &ScoresJSON{Scores: *r.Scores, Overall: r.Scores.Overall()}
	}
	if r.RevisedScores != nil {
		out.RevisedScores = &ScoresJSON{Scores: *r.RevisedScores, Overall: r.RevisedScores.Overall()}
	}
	if len(r.Abandoned) > 0 {
		out.AbandonedCalls = append([]papersum.AbandonedCalls(nil), r.Abandoned...)
	}
	var latency time.Duration
	for _, s := range r.Stages {
		out.Stages = append(out.Stages, StageJSON{
			Stage: string(s.Stage), Provider: s.Provider, Model: s.Model, PromptVersion: s.PromptVersion,
			Usage: s.Usage, CostUSD: s.CostUSD, LatencyMS: ms(s.Latency), StopReason: string(s.StopReason),
			FallbackReason: s.FallbackReason, Output: s.Output, Critique: s.Critique, Raw: s.Raw,
		})
		if s.Critique != nil {
			out.Issues = append(out.Issues, s.Critique.Issues...)
		}
		latency += s.Latency
	}
	out.Totals = TotalsJSON{Usage: r.TotalUsage(), CostUSD: r.TotalCost(), LatencyMS: ms(latency)}
	return out
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }

// WriteRun renders r in format to w.
func WriteRun(w io.Writer, r *papersum.Run, format string) error {
	switch format {
	case FormatJSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(NewRunJSON(r))
	case FormatMarkdown:
		return writeMarkdown(w, r)
	case FormatText, "":
		return writeText(w, r)
	}
	return papersum.Errorf(papersum.EINVALID, "unknown format %q (use text, markdown or json)", format)
}

func writeText(w io.Writer, r *papersum.Run) error {
	j := NewRunJSON(r)
	var b strings.Builder
	if j.Title != "" {
		fmt.Fprintf(&b, "%s\n\n", j.Title)
	}
	switch {
	case j.Status == string(papersum.RunFailed):
		fmt.Fprintf(&b, "FAILED: %s\n\n", j.Error)
	case j.Waiting != nil:
		fmt.Fprintf(&b, "QUEUED: %s\n\n", waitingNote(j.Waiting))
	default:
		fmt.Fprintf(&b, "%s\n\n", j.Summary)
	}
	if j.Scores != nil {
		fmt.Fprintf(&b, "Scores (draft): overall %.2f  accuracy %.1f  completeness %.1f  clarity %.1f  coherence %.1f\n",
			j.Scores.Overall, j.Scores.Accuracy, j.Scores.Completeness, j.Scores.Clarity, j.Scores.Coherence)
	}
	for _, is := range j.Issues {
		fmt.Fprintf(&b, "  - %s\n", is)
	}
	if s := j.RevisedScores; s != nil {
		fmt.Fprintf(&b, "Scores (revised, measured): overall %.2f  accuracy %.1f  completeness %.1f  clarity %.1f  coherence %.1f\n",
			s.Overall, s.Accuracy, s.Completeness, s.Clarity, s.Coherence)
	}
	b.WriteString("\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STAGE\tPROVIDER\tMODEL\tPROMPT\tTOKENS IN\tTOKENS OUT\tCOST\tTIME")
	for _, s := range j.Stages {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.Stage, s.Provider, s.Model, ShortHash(s.PromptVersion),
			tokens(s.Usage.TotalInput(), s.Usage.Estimated), tokens(s.Usage.OutputTokens, s.Usage.Estimated),
			Money(s.CostUSD), Millis(s.LatencyMS))
	}
	fmt.Fprintf(tw, "total\t\t\t\t%s\t%s\t%s\t%s\n", tokens(j.Totals.Usage.TotalInput(), j.Totals.Usage.Estimated),
		tokens(j.Totals.Usage.OutputTokens, j.Totals.Usage.Estimated), Money(j.Totals.CostUSD), Millis(j.Totals.LatencyMS))
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, s := range j.Stages {
		if s.FallbackReason != "" {
			fmt.Fprintf(&b, "\n%s answered by %s/%s after fallback: %s", s.Stage, s.Provider, s.Model, s.FallbackReason)
		}
	}
	if len(j.AbandonedCalls) > 0 {
		fmt.Fprintf(&b, "\n%s", abandonedNote(j.AbandonedCalls))
	}
	if j.RepeatedCalls > 0 {
		fmt.Fprintf(&b, "\n%s", repeatedNote(j.RepeatedCalls))
	}
	fmt.Fprintf(&b, "\nrun %s\n", j.ID)
	_, err := io.WriteString(w, b.String())
	return err
}

func writeMarkdown(w io.Writer, r *papersum.Run) error {
	j := NewRunJSON(r)
	var b strings.Builder
	title := j.Title
	if title == "" {
		title = "Summary"
	}
	fmt.Fprintf(&b, "# %s\n\n", title)
	switch {
	case j.Status == string(papersum.RunFailed):
		fmt.Fprintf(&b, "**Failed:** %s\n\n", j.Error)
	case j.Waiting != nil:
		b.WriteString("**Queued:** " + mdEscape(waitingNote(j.Waiting)) + ".\n\n")
	default:
		fmt.Fprintf(&b, "%s\n\n", j.Summary)
	}
	if j.Scores != nil {
		b.WriteString("## Critique of the first draft\n\n")
		b.WriteString("| overall | accuracy (40%) | completeness (30%) | clarity (20%) | coherence (10%) |\n")
		b.WriteString("|---:|---:|---:|---:|---:|\n")
		fmt.Fprintf(&b, "| %.2f | %.1f | %.1f | %.1f | %.1f |\n\n", j.Scores.Overall, j.Scores.Accuracy,
			j.Scores.Completeness, j.Scores.Clarity, j.Scores.Coherence)
		for _, is := range j.Issues {
			fmt.Fprintf(&b, "- %s\n", mdEscape(is))
		}
		if len(j.Issues) > 0 {
			b.WriteString("\n")
		}
	}
	if s := j.RevisedScores; s != nil {
		b.WriteString("## Revised summary, measured\n\n")
		b.WriteString("| overall | accuracy (40%) | completeness (30%) | clarity (20%) | coherence (10%) |\n")
		b.WriteString("|---:|---:|---:|---:|---:|\n")
		fmt.Fprintf(&b, "| %.2f | %.1f | %.1f | %.1f | %.1f |\n\n", s.Overall, s.Accuracy, s.Completeness, s.Clarity, s.Coherence)
	}
	b.WriteString("## Stages\n\n")
	b.WriteString("| stage | provider | model | prompt | tokens in | tokens out | cost | time |\n")
	b.WriteString("|---|---|---|---|---:|---:|---:|---:|\n")
	for _, s := range j.Stages {
		fmt.Fprintf(&b, "| %s | %s | %s | `%s` | %s | %s | %s | %s |\n", s.Stage, s.Provider, s.Model,
			ShortHash(s.PromptVersion), tokens(s.Usage.TotalInput(), s.Usage.Estimated),
			tokens(s.Usage.OutputTokens, s.Usage.Estimated), Money(s.CostUSD), Millis(s.LatencyMS))
	}
	fmt.Fprintf(&b, "| **total** | | | | %s | %s | %s | %s |\n\n", tokens(j.Totals.Usage.TotalInput(), j.Totals.Usage.Estimated),
		tokens(j.Totals.Usage.OutputTokens, j.Totals.Usage.Estimated), Money(j.Totals.CostUSD), Millis(j.Totals.LatencyMS))
	for _, s := range j.Stages {
		if s.FallbackReason != "" {
			fmt.Fprintf(&b, "The %s stage was answered by %s/%s after fallback: %s.\n\n", s.Stage, s.Provider, s.Model, mdEscape(s.FallbackReason))
		}
	}
	if len(j.AbandonedCalls) > 0 {
		b.WriteString(mdEscape(abandonedNote(j.AbandonedCalls)) + ".\n\n")
	}
	if j.RepeatedCalls > 0 {
		b.WriteString(mdEscape(repeatedNote(j.RepeatedCalls)) + ".\n\n")
	}
	if j.Totals.Usage.Estimated {
		b.WriteString("Token counts marked ~ are estimates.\n\n")
	}
	fmt.Fprintf(&b, "Run `%s`, paper `%s`.\n", j.ID, ShortHash(j.PaperID))
	_, err := io.WriteString(w, b.String())
	return err
}

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
