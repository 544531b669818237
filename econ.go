package papersum

import (
	"context"
	"time"
)

// ReportDimension is what a cost report groups runs by.
type ReportDimension string

// The dimensions of a cost report. Team, user, key, day, week and month
// group whole runs (by the run's columns and the UTC date it was created);
// model and stage group the runs' stage results.
const (
	ByTeam  ReportDimension = "team"
	ByUser  ReportDimension = "user"
	ByKey   ReportDimension = "key"
	ByModel ReportDimension = "model"
	ByStage ReportDimension = "stage"
	ByDay   ReportDimension = "day"
	ByWeek  ReportDimension = "week"
	ByMonth ReportDimension = "month"
)

// ReportDimensions lists every ReportDimension, in the order help shows.
var ReportDimensions = []ReportDimension{ByTeam, ByUser, ByKey, ByModel, ByStage, ByDay, ByWeek, ByMonth}

// Valid reports whether d is one of ReportDimensions.
func (d ReportDimension) Valid() bool {
	for _, v := range ReportDimensions {
		if v == d {
			return true
		}
	}
	return false
}

// StageLevel reports whether d groups stage results (model, stage) rather
// than whole runs.
func (d ReportDimension) StageLevel() bool { return d == ByModel || d == ByStage }

// ReportWindow selects the runs a report covers: created in [Since, Until)
// (a zero bound is open) and, when Team is set, of that team only.
type ReportWindow struct {
	Since, Until time.Time
	Team         string
}

// UsageRow is the usage of the stage results of a report's runs, summed
// per Group (the run's team, user or key, or the stage's model or stage
// name; "" for the time dimensions), UTC day the run was created,
// provider, model and whether the stage went through a provider's batch
// API. Token sums are exact integers.
type UsageRow struct {
	Group    string
	Day      time.Time
	Provider string
	Model    string
	Batch    bool
	// Runs is how many distinct runs the row's stages belong to, for
	// the model and stage dimensions (0 for the others).
	Runs int64
	// Stages is how many stage results the row sums.
	Stages int64
	Usage  Usage
	// RecordedCostUSD is the sum of the stages' cost as recorded when
	// each call was made.
	RecordedCostUSD float64
}

// RunCountRow counts a report's runs per Group and UTC creation day (Group
// is "" for the stage-level and time dimensions).
type RunCountRow struct {
	Group string
	Day   time.Time
	Runs  int64
	// Cached is how many of them were answered from the result cache,
	// and CacheHits how many cache hits those runs answered.
	Cached    int64
	CacheHits int64
}

// ReportStore is what reports read from a store: sums computed by the
// database, so that a month of runs is never loaded into memory.
//
// Errors: EINVALID for an unknown dimension; EUNAVAILABLE when the
// database cannot be reached.
type ReportStore interface {
	// UsageByDay sums the stage results of the runs in w (see UsageRow).
	UsageByDay(ctx context.Context, by ReportDimension, w ReportWindow) ([]UsageRow, error)
	// RunsByDay counts the runs in w (see RunCountRow).
	RunsByDay(ctx context.Context, by ReportDimension, w ReportWindow) ([]RunCountRow, error)
	// PerfSamples returns the timings of the finished runs in w that a
	// worker started, with their stages' latencies.
	PerfSamples(ctx context.Context, w ReportWindow) (*PerfSamples, error)
}

// PerfSamples are the raw timings a performance report is computed from.
type PerfSamples struct {
	Runs   []RunTiming
	Stages []StageTiming
}

// RunTiming is one finished run's timing.
type RunTiming struct {
	ID         string
	Team       string
	Status     RunStatus
	PaperWords int
	CreatedAt  time.Time
	StartedAt  time.Time
	FinishedAt time.Time
}

// StageTiming is one stage result's latency.
type StageTiming struct {
	Stage      Stage
	Model      string
	PaperWords int
	Latency    time.Duration
}

// CostReportQuery asks for a cost report.
type CostReportQuery struct {
	By     ReportDimension
	Window ReportWindow
}

// CostLine is one group of a cost report, or its total. Money is US
// dollars: the sums are computed exactly (rational arithmetic over integer
// token counts and the price table) and each figure is rounded once, to
// the nearest float64.
type CostLine struct {
	// Group is the team, user, key ID, model (provider/model), stage, or
	// the period: the day (2026-12-07), the week by its Monday
	// (2026-W49, ISO), or the month (2026-12). "" for the total.
	Group string `json:"group"`
	// Runs is how many runs the group has: for model and stage, the runs
	// with a stage result of that model or stage.
	Runs int64 `json:"runs"`
	// CachedRuns are the runs answered from the result cache, and
	// CacheHits the hits they answered.
	CachedRuns int64 `json:"cached_runs"`
	CacheHits  int64 `json:"cache_hits"`
	// Stages is how many stage results (model calls answered) it has.
	Stages int64 `json:"stages"`

	InputTokens      int64 `json:"input_tokens"`
	OutputTokens     int64 `json:"output_tokens"`
	CacheReadTokens  int64 `json:"cache_read_tokens"`
	CacheWriteTokens int64 `json:"cache_write_tokens"`

	// CostUSD is the cost at the rates in force on each run's creation
	// date (UTC). RecordedCostUSD is the cost recorded when the calls
	// were made; the two differ when the price table was corrected later.
	CostUSD         float64 `json:"cost_usd"`
	RecordedCostUSD float64 `json:"recorded_cost_usd"`
	// SavedCachingUSD is what prompt caching saved: cache reads at the
	// input price minus their price, less the premium paid for cache
	// writes (negative when writes were not read enough to pay off).
	SavedCachingUSD float64 `json:"saved_caching_usd"`
	// SavedBatchUSD is what the batch API's discount saved.
	SavedBatchUSD float64 `json:"saved_batch_usd"`
	// SavedResultCacheUSD estimates what the result cache saved: its hits
	// times the mean cost of an uncached run of the group, or of the
	// window when the group has none (for model and stage: the window's
	// hits times the group's cost per uncached run of the window).
	SavedResultCacheUSD float64 `json:"saved_result_cache_usd"`
}

// CostReport is a chargeback report.
type CostReport struct {
	By     ReportDimension `json:"by"`
	Since  *time.Time      `json:"since,omitempty"`
	Until  *time.Time      `json:"until,omitempty"`
	Team   string          `json:"team,omitempty"`
	Groups []CostLine      `json:"groups"`
	// Total is the whole window: each figure is the exact sum over the
	// groups' runs, rounded once.
	Total CostLine `json:"total"`
	// Unpriced lists the provider/model names that have no price in force
	// on a day they were used; their stages count in tokens but not in
	// cost (an unknown model is never $0 silently).
	Unpriced []string `json:"unpriced,omitempty"`
}

// CostReporter computes cost reports; the HTTP API calls it with the
// caller's team in Window.Team (admin keys may leave it empty).
//
// Errors: EINVALID for an unknown dimension or an empty window; as
// ReportStore.
type CostReporter interface {
	CostReport(ctx context.Context, q CostReportQuery) (*CostReport, error)
}
