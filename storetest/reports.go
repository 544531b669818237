package storetest

import (
	"context"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/econ"
	"github.com/papersum/papersum/llm/pricing"
)

// ReportPrices is the price table of the report suite: model m1 of
// provider test costs $3/$15 per million input/output tokens until
// 2026-03-01 and $1/$5 from then on, with cache and batch prices.
const ReportPrices = `{"version": 1, "rows": [
 {"provider": "test", "model": "m1", "effective_from": "2000-01-01",
  "input_per_mtok": 3, "output_per_mtok": 15, "cache_write_5m_per_mtok": 3.75, "cache_write_1h_per_mtok": 6, "cache_read_per_mtok": 0.3, "batch_discount": 0.5},
 {"provider": "test", "model": "m1", "effective_from": "2026-03-01",
  "input_per_mtok": 1, "output_per_mtok": 5, "cache_write_5m_per_mtok": 1.25, "cache_write_1h_per_mtok": 2, "cache_read_per_mtok": 0.1, "batch_discount": 0.5},
 {"provider": "test", "model": "m2", "effective_from": "2000-01-01",
  "input_per_mtok": 0.8, "output_per_mtok": 4, "cache_write_5m_per_mtok": 1, "cache_write_1h_per_mtok": 1.6, "cache_read_per_mtok": 0.08, "batch_discount": 0}
]}`

// ExerciseReports runs the ReportStore suite; newStore is as for Exercise.
// It skips for a store without papersum.ReportStore.
func ExerciseReports(t *testing.T, newStore func(t *testing.T) papersum.Store) {
	t.Helper()
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, s papersum.Store)
	}{
		{"CostAcrossPriceChange", testCostAcrossPriceChange},
		{"CostWindowAndTeam", testCostWindowAndTeam},
		{"PerfSamples", testPerfSamples},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			if _, ok := s.(papersum.ReportStore); !ok {
				t.Skip("store does not implement papersum.ReportStore")
			}
			tc.fn(t, s)
		})
	}
}

// reportPrices parses ReportPrices.
func reportPrices(t *testing.T) *pricing.Table {
	t.Helper()
	p, err := pricing.Parse(strings.NewReader(ReportPrices))
	must(t, err)
	return p
}

// reportFixture stores runs of two teams on both sides of the price
// change of m1 (2026-03-01): uncached runs of one to three stages on m1
// and m2, one through the batch API, a failed run, and a cached run with
// three hits. It returns every run's ID.
func reportFixture(t *testing.T, s papersum.Store) []string {
	t.Helper()
	ctx := context.Background()
	putPaper(t, s, "sha256:rep")
	var ids []string
	day0 := time.Date(2026, 2, 26, 23, 0, 0, 0, time.UTC)
	for i := 0; i < 12; i++ {
		created := day0.Add(time.Duration(i) * 11 * time.Hour)
		r := newRun(fmt.Sprintf("rep-%02d", i), "sha256:rep", created)
		r.Team = []string{"alpha", "beta"}[i%2]
		r.User = []string{"ann", "bob", "cy"}[i%3]
		r.KeyID = fmt.Sprintf("key-%d", i%4)
		for k := 0; k <= i%3; k++ {
			st := stageResult([]papersum.Stage{papersum.StageSummarize, papersum.StageCritique, papersum.StageRevise}[k], created.Add(time.Duration(k)*time.Second))
			st.Provider, st.Model = "test", []string{"m1", "m2"}[(i+k)%2]
			st.Usage = papersum.Usage{InputTokens: int64(1000 + 37*i + k), OutputTokens: int64(200 + 3*i),
				CacheCreation5mTokens: int64(50 * k), CacheCreation1hTokens: int64(i % 2), CacheReadTokens: int64(700 * (i % 3))}
			st.CostUSD = 0.001 * float64(i+k)
			st.FallbackReason = ""
			if i == 5 {
				st.FallbackReason = "model x failed; batch msgbatch_1"
			}
			r.Stages = append(r.Stages, st)
		}
		must(t, s.CreateRun(ctx, r))
		fin := created.Add(time.Minute + time.Duration(i)*time.Second)
		r.FinishedAt = &fin
		r.Status, r.Summary = papersum.RunSucceeded, "s"
		if i == 7 {
			r.Status, r.Error, r.Summary = papersum.RunFailed, "boom", ""
		}
		must(t, s.FinishRun(ctx, r))
		ids = append(ids, r.ID)
	}
	// A cached run with three hits, by the JobStore when there is one.
	hit := newRun("rep-hit", "sha256:rep", day0.Add(30*time.Hour))
	hit.Status, hit.Cached, hit.Team, hit.Summary = papersum.RunSucceeded, true, "alpha", "cached"
	fin := hit.CreatedAt
	hit.FinishedAt = &fin
	if js, ok := s.(papersum.JobStore); ok {
		for j := 0; j < 3; j++ {
			h := *hit
			h.ID = fmt.Sprintf("rep-hit-%d", j)
			h.CreatedAt = hit.CreatedAt.Add(time.Duration(j) * time.Minute)
			must(t, js.RecordCacheHits(ctx, []*papersum.Run{&h}))
			if j == 0 {
				ids = append(ids, h.ID)
			}
		}
	} else {
		must(t, s.CreateRun(ctx, hit))
		ids = append(ids, hit.ID)
	}
	return ids
}

// expectedLine is what a report line must hold, computed run by run.
type expectedLine struct {
	runs, stages, in, out int64
	cost                  big.Rat
}

// runGroup is the group of run r's stage st under by.
func runGroup(by papersum.ReportDimension, r *papersum.Run, st *papersum.StageResult) string {
	switch by {
	case papersum.ByTeam:
		return r.Team
	case papersum.ByUser:
		return r.User
	case papersum.ByKey:
		return r.KeyID
	case papersum.ByModel:
		return st.Model
	case papersum.ByStage:
		return string(st.Stage)
	}
	return econ.PeriodLabel(by, r.CreatedAt.UTC().Truncate(24*time.Hour))
}

// testCostAcrossPriceChange: every group's cost is exactly the sum over
// its runs of each stage priced at the rates in force on the run's date,
// and the total exactly the sum over all runs, for every dimension.
func testCostAcrossPriceChange(t *testing.T, s papersum.Store) {
	ctx := context.Background()
	ids := reportFixture(t, s)
	prices := reportPrices(t)
	var runs []*papersum.Run
	for _, id := range ids {
		r, err := s.GetRun(ctx, id)
		must(t, err)
		runs = append(runs, r)
	}
	rep := &econ.Reporter{Store: s.(papersum.ReportStore), Prices: prices}
	for _, by := range papersum.ReportDimensions {
		t.Run(string(by), func(t *testing.T) {
			got, err := rep.CostReport(ctx, papersum.CostReportQuery{By: by})
			must(t, err)
			want := map[string]*expectedLine{}
			var total big.Rat
			var totalRuns int64
			for _, r := range runs {
				totalRuns++
				day := r.CreatedAt.UTC().Truncate(24 * time.Hour)
				seen := map[string]bool{}
				if !by.StageLevel() {
					g := runGroup(by, r, nil)
					if want[g] == nil {
						want[g] = &expectedLine{}
					}
					want[g].runs++
				}
				for i := range r.Stages {
					st := &r.Stages[i]
					g := runGroup(by, r, st)
					if want[g] == nil {
						want[g] = &expectedLine{}
					}
					w := want[g]
					if by.StageLevel() && !seen[g] {
						seen[g] = true
						w.runs++
					}
					w.stages++
					w.in += st.Usage.InputTokens
					w.out += st.Usage.OutputTokens
					row, ok := prices.Lookup(st.Provider, st.Model, day)
					if !ok {
						t.Fatalf("no price for %s", st.Model)
					}
					p := econ.Price(row, st.Usage, strings.Contains(st.FallbackReason, "batch "))
					w.cost.Add(&w.cost, &p.Cost)
					total.Add(&total, &p.Cost)
				}
			}
			if len(got.Groups) != len(want) {
				t.Fatalf("got %d groups %+v, want %d", len(got.Groups), got.Groups, len(want))
			}
			for _, l := range got.Groups {
				w := want[l.Group]
				if w == nil {
					t.Fatalf("unexpected group %q", l.Group)
				}
				wc, _ := w.cost.Float64()
				if l.CostUSD != wc || l.Runs != w.runs || l.Stages != w.stages || l.InputTokens != w.in || l.OutputTokens != w.out {
					t.Errorf("group %q: got cost %v runs %d stages %d in %d out %d, want %v %d %d %d %d",
						l.Group, l.CostUSD, l.Runs, l.Stages, l.InputTokens, l.OutputTokens, wc, w.runs, w.stages, w.in, w.out)
				}
			}
			tc, _ := total.Float64()
			if got.Total.CostUSD != tc {
				t.Errorf("total cost %v, want exactly %v", got.Total.CostUSD, tc)
			}
			if got.Total.Runs != totalRuns {
				t.Errorf("total runs %d, want %d", got.Total.Runs, totalRuns)
			}
			if got.Total.CacheHits != 3 && got.Total.CacheHits != 1 {
				t.Errorf("total cache hits %d, want 3 (1 without a JobStore)", got.Total.CacheHits)
			}
			if got.Total.SavedBatchUSD <= 0 || got.Total.SavedResultCacheUSD <= 0 {
				t.Errorf("savings: batch %v, result cache %v; want both above 0", got.Total.SavedBatchUSD, got.Total.SavedResultCacheUSD)
			}
		})
	}
	// The price change matters: the same runs priced at the new rates
	// all along cost less.
	all, err := rep.CostReport(ctx, papersum.CostReportQuery{By: papersum.ByMonth})
	must(t, err)
	var months []string
	for _, l := range all.Groups {
		months = append(months, l.Group)
	}
	if strings.Join(months, ",") != "2026-02,2026-03" {
		t.Fatalf("months %v, want 2026-02 and 2026-03", months)
	}
}

// testCostWindowAndTeam: since/until select runs by creation time and
// team selects one team's.
func testCostWindowAndTeam(t *testing.T, s papersum.Store) {
	ctx := context.Background()
	reportFixture(t, s)
	rep := &econ.Reporter{Store: s.(papersum.ReportStore), Prices: reportPrices(t)}
	w := papersum.ReportWindow{Since: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), Until: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), Team: "beta"}
	got, err := rep.CostReport(ctx, papersum.CostReportQuery{By: papersum.ByTeam, Window: w})
	must(t, err)
	// Runs i (odd: beta) created 2026-02-26 23:00 + 11h*i on 2026-03-01:
	// i = 5 (03-01 10:00) and 7 (03-01 20:00... 2026-02-26T23 + 77h = 03-02T04)
	var ids []string
	for i := 0; i < 12; i++ {
		c := time.Date(2026, 2, 26, 23, 0, 0, 0, time.UTC).Add(time.Duration(i) * 11 * time.Hour)
		if i%2 == 1 && !c.Before(w.Since) && c.Before(w.Until) {
			ids = append(ids, fmt.Sprint(i))
		}
	}
	if len(got.Groups) != 1 || got.Groups[0].Group != "beta" || got.Total.Runs != int64(len(ids)) {
		t.Fatalf("got %+v, want the %d beta runs %v", got, len(ids), ids)
	}
	if _, err := rep.CostReport(ctx, papersum.CostReportQuery{By: "nope"}); papersum.ErrorCode(err) != papersum.EINVALID {
		t.Fatalf("unknown dimension: got %v, want EINVALID", err)
	}
}

// testPerfSamples: the finished runs come with their times and paper
// length, their stages with their latencies; unfinished runs do not.
func testPerfSamples(t *testing.T, s papersum.Store) {
	ctx := context.Background()
	ids := reportFixture(t, s)
	running := createRun(t, s, "rep-running", "sha256:rep", time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	must(t, s.AddStage(ctx, running.ID, ptr(stageResult(papersum.StageSummarize, running.CreatedAt))))
	got, err := s.(papersum.ReportStore).PerfSamples(ctx, papersum.ReportWindow{})
	must(t, err)
	if len(got.Runs) != len(ids) {
		t.Fatalf("got %d runs, want the %d finished ones", len(got.Runs), len(ids))
	}
	stages := 0
	for _, rt := range got.Runs {
		r, err := s.GetRun(ctx, rt.ID)
		must(t, err)
		if !rt.FinishedAt.Equal(*r.FinishedAt) || !rt.CreatedAt.Equal(r.CreatedAt) || rt.Status != r.Status || rt.PaperWords <= 0 {
			t.Errorf("run %s: got %+v, want the stored times", rt.ID, rt)
		}
		if r.StartedAt == nil && len(r.Stages) > 0 && !rt.StartedAt.Equal(r.Stages[0].StartedAt) {
			t.Errorf("run %s without a start time: started %v, want its first stage's", rt.ID, rt.StartedAt)
		}
		stages += len(r.Stages)
	}
	if len(got.Stages) != stages {
		t.Fatalf("got %d stage samples, want %d", len(got.Stages), stages)
	}
	for _, st := range got.Stages {
		if st.Latency != 1234567891*time.Nanosecond || st.Model == "" {
			t.Fatalf("stage sample %+v", st)
		}
	}
}

func ptr[T any](v T) *T { return &v }
