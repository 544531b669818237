package httpapi

import (
	"math"
	"strings"
	"time"

	"github.com/papersum/papersum"
)

// SchemaRun names the JSON schema of a rendered run. It changes only when
// a field is removed or changes meaning; adding fields keeps it.
const SchemaRun = "papersum.run/v1"

// RunJSON is the stable JSON form of a run: the body of GET
// /api/v1/summaries/{id} and of each listed run, and what the CLI prints
// for --format json, so that a script reads one shape from either.
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
