package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/sqlite"
)

// seedSpend stores, for each day from start, runs whose costs sum to
// spend[i]: two per day (created at 09:00 and finished at 10:00 UTC), so
// that the daily sums are what the command must add up. A day at 0 gets
// no run at all (a gap to fill). extra runs are stored as given.
func seedSpend(t *testing.T, start time.Time, spend []float64, extra ...*papersum.Run) string {
	t.Helper()
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "cost.db")
	store, err := sqlite.Open(ctx, db, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	paper := &papersum.Paper{ID: "sha256:cost", Title: "Cost paper", Sections: []papersum.Section{{Title: "A", Sentences: []string{"One."}}}}
	if err := store.PutPaper(ctx, paper); err != nil {
		t.Fatal(err)
	}
	add := func(r *papersum.Run, cost float64) {
		fin := r.FinishedAt
		r.PaperID, r.Title, r.Status, r.ConfigHash, r.TargetWords = paper.ID, paper.Title, papersum.RunRunning, "cfg", 150
		r.FinishedAt = nil
		if err := store.CreateRun(ctx, r); err != nil {
			t.Fatal(err)
		}
		if err := store.AddStage(ctx, r.ID, &papersum.StageResult{Stage: papersum.StageSummarize, Provider: "anthropic",
			Model: "m", CostUSD: cost, StartedAt: r.CreatedAt}); err != nil {
			t.Fatal(err)
		}
		if fin == nil {
			return
		}
		r.Status, r.FinishedAt = papersum.RunSucceeded, fin
		if err := store.FinishRun(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	for i, s := range spend {
		if s == 0 {
			continue
		}
		for k := 0; k < 2; k++ {
			created := start.AddDate(0, 0, i).Add(9 * time.Hour)
			fin := created.Add(time.Hour)
			add(&papersum.Run{ID: fmt.Sprintf("run_%02d_%d", i, k), CreatedAt: created, FinishedAt: &fin}, s/2)
		}
	}
	for _, r := range extra {
		cost := r.Stages[0].CostUSD
		r.Stages = nil
		add(r, cost)
	}
	return db
}

// weeklySpend is days of spend with a weekly pattern (days 5 and 6 of
// each week cheap), a slow rise and a deterministic wobble; day 10 (when
// there is one) has no runs, a gap the command fills with $0.
func weeklySpend(days int) []float64 {
	out := make([]float64, days)
	for i := range out {
		base := 4 + 0.05*float64(i)
		if i%7 == 5 || i%7 == 6 {
			base = 1
		}
		out[i] = base + 0.3*math.Sin(float64(i)*1.7)
	}
	if days > 10 {
		out[10] = 0
	}
	return out
}

type costForecastJSON struct {
	HistoryFrom  string  `json:"history_from"`
	HistoryTo    string  `json:"history_to"`
	HistoryDays  int     `json:"history_days"`
	HistoryRuns  int     `json:"history_runs"`
	HistorySpend float64 `json:"history_spend_usd"`
	Model        string  `json:"model"`
	HorizonDays  int     `json:"horizon_days"`
	Days         []struct {
		Date  string  `json:"date"`
		Spend float64 `json:"spend_usd"`
		Lo80  float64 `json:"lo80_usd"`
		Hi80  float64 `json:"hi80_usd"`
		Lo95  float64 `json:"lo95_usd"`
		Hi95  float64 `json:"hi95_usd"`
	} `json:"days"`
	Total struct {
		Spend float64 `json:"spend_usd"`
	} `json:"total"`
}

func TestCostForecastJSON(t *testing.T) {
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	spend := weeklySpend(30)
	db := seedSpend(t, start, spend)

	r := cli(t, db, "", "cost", "forecast", "--horizon", "21d", "--format", "json")
	if r.err != nil {
		t.Fatalf("cost forecast: %v\n%s", r.err, r.stderr)
	}
	var got costForecastJSON
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("%v: %s", err, r.stdout)
	}
	var histSpend float64
	for _, s := range spend {
		histSpend += s
	}
	if got.HistoryFrom != "2026-03-01" || got.HistoryTo != "2026-03-30" || got.HistoryDays != 30 || got.HistoryRuns != 58 ||
		math.Abs(got.HistorySpend-histSpend) > 1e-9 || got.HorizonDays != 21 || len(got.Days) != 21 {
		t.Fatalf("history or shape: %+v", got)
	}
	if got.Model == "" {
		t.Error("no model named")
	}
	var sum float64
	for i, d := range got.Days {
		want := start.AddDate(0, 0, 30+i).Format(time.DateOnly)
		if d.Date != want {
			t.Errorf("day %d is %s, want %s", i, d.Date, want)
		}
		if !(0 <= d.Lo95 && d.Lo95 <= d.Lo80 && d.Lo80 <= d.Spend && d.Spend <= d.Hi80 && d.Hi80 <= d.Hi95) || d.Hi95 == d.Lo95 {
			t.Errorf("%s: bands out of order: lo95 %g lo80 %g mean %g hi80 %g hi95 %g", d.Date, d.Lo95, d.Lo80, d.Spend, d.Hi80, d.Hi95)
		}
		sum += d.Spend
	}
	if math.Abs(sum-got.Total.Spend) > 1e-9 {
		t.Errorf("total %g, sum of days %g", got.Total.Spend, sum)
	}
	// 30 days of a clear weekly pattern: a seasonal model wins, and the
	// forecast keeps the cheap days cheap (2026-04-04 is day 34 of the
	// series, a cheap day (34 mod 7 = 6); 2026-04-01 is day 31, a dear one).
	if strings.HasSuffix(got.Model, "N") {
		t.Errorf("model %s: want a weekly seasonal one on 30 days of a weekly pattern", got.Model)
	}
	if sat, wed := got.Days[4].Spend, got.Days[1].Spend; !(sat < wed/2) {
		t.Errorf("weekly pattern lost: Saturday %g, Wednesday %g (model %s)", sat, wed, got.Model)
	}

	// --since cuts the history; a run finished the day after it was
	// created counts on its finish day.
	r = cli(t, db, "", "cost", "forecast", "--since", "2026-03-20", "--horizon", "3d", "--format", "json")
	got = costForecastJSON{}
	if err := json.Unmarshal([]byte(r.stdout), &got); r.err != nil || err != nil {
		t.Fatalf("--since: %v %v\n%s%s", r.err, err, r.stdout, r.stderr)
	}
	if got.HistoryFrom != "2026-03-20" || got.HistoryDays != 11 || len(got.Days) != 3 || got.Days[0].Date != "2026-03-31" {
		t.Errorf("--since 2026-03-20: %+v", got)
	}
}

func TestCostForecastText(t *testing.T) {
	db := seedSpend(t, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), weeklySpend(30))
	r := cli(t, db, "", "cost", "forecast", "--horizon", "7d")
	if r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.stderr)
	}
	lines := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
	// history line, header, 7 days, total
	if len(lines) != 10 || !strings.HasPrefix(lines[0], "history: 2026-03-01 to 2026-03-30 (30 days, 58 runs") ||
		!strings.Contains(lines[1], "DATE") || !strings.Contains(lines[1], "HI95") ||
		!strings.HasPrefix(strings.TrimSpace(lines[2]), "2026-03-31") || !strings.Contains(lines[9], "total (7 days)") {
		t.Errorf("text output:\n%s", r.stdout)
	}
}

// A run is counted on the UTC day it finished; an unfinished run on the
// day it was created.
func TestDailySpendByFinishDay(t *testing.T) {
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	late := start.AddDate(0, 0, 2).Add(23*time.Hour + 30*time.Minute)
	next := late.Add(time.Hour)
	db := seedSpend(t, start, []float64{1, 1, 1},
		&papersum.Run{ID: "run_late", CreatedAt: late, FinishedAt: &next, Stages: []papersum.StageResult{{CostUSD: 5}}},
		&papersum.Run{ID: "run_open", CreatedAt: late, Stages: []papersum.StageResult{{CostUSD: 7}}})
	store, err := sqlite.Open(context.Background(), db, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	h, err := dailySpend(context.Background(), store, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{1, 1, 8, 5}
	if !h.First.Equal(start) || fmt.Sprint(h.Spend) != fmt.Sprint(want) || fmt.Sprint(h.Runs) != "[2 2 3 1]" {
		t.Errorf("history from %s: spend %v runs %v, want %v", h.First, h.Spend, h.Runs, want)
	}
}

func TestCostForecastShortHistory(t *testing.T) {
	// Four days of runs: too few, exit 1 naming the count.
	db := seedSpend(t, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), []float64{1, 2, 1, 2})
	r := cli(t, db, "", "cost", "forecast")
	if r.code != exitFailure || !strings.Contains(errorLine(r.err), "4 day(s) of recorded spend") {
		t.Errorf("exit %d, %v; want 1 naming 4 days", r.code, r.err)
	}
	// An empty store has 0 days.
	r = cli(t, filepath.Join(t.TempDir(), "empty.db"), "", "cost", "forecast")
	if r.code != exitFailure || !strings.Contains(errorLine(r.err), "0 day(s)") {
		t.Errorf("empty store: exit %d, %v", r.code, r.err)
	}
	// Ten days: enough, but no weekly model is tried.
	db = seedSpend(t, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), weeklySpend(10))
	r = cli(t, db, "", "cost", "forecast", "--horizon", "3d", "--format", "json")
	var got costForecastJSON
	if err := json.Unmarshal([]byte(r.stdout), &got); r.err != nil || err != nil {
		t.Fatalf("10 days: %v %v %s", r.err, err, r.stdout)
	}
	if !strings.HasSuffix(got.Model, "N") || got.HistoryDays != 10 || len(got.Days) != 3 {
		t.Errorf("10 days: model %q (want a non-seasonal one, name ending in N), %+v", got.Model, got)
	}
}

func TestCostForecastBadFlags(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--horizon", "0d"}, "--horizon"},
		{[]string{"--horizon", "366d"}, "--horizon"},
		{[]string{"--horizon", "90"}, "--horizon"},
		{[]string{"--horizon", "2w"}, "--horizon"},
		{[]string{"--since", "2026-13-01"}, "--since"},
		{[]string{"--since", "yesterday"}, "--since"},
		{[]string{"--format", "csv"}, "--format"},
	} {
		r := cli(t, db, "", append([]string{"cost", "forecast"}, tc.args...)...)
		if r.code != exitUsage || r.err == nil || !strings.Contains(r.err.Error(), tc.want) {
			t.Errorf("%v: exit %d, %v; want 2 naming %s", tc.args, r.code, r.err, tc.want)
		}
	}
}

// A history that cost nothing (the local engine only) forecasts $0 with
// zero-width bands, not NaN.
func TestForecastSpendAllZero(t *testing.T) {
	f, err := forecastSpend(spendHistory{First: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), Spend: make([]float64, 20), Runs: make([]int, 20)}, 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range f.Days {
		if d.Spend != 0 || d.Lo95 != 0 || d.Hi95 != 0 {
			t.Errorf("%+v", d)
		}
	}
}
