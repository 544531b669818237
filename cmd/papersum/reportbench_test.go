package main

import (
	"context"
	"math/big"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/econ"
	"github.com/papersum/papersum/llm/pricing"
	"github.com/papersum/papersum/postgres"
	"github.com/papersum/papersum/sqlite"
)

// benchStores opens the stores of the report benchmarks: a SQLite file in
// PAPERSUM_BENCH_DB and a Postgres schema PAPERSUM_BENCH_SCHEMA (default
// econbench) at PAPERSUM_BENCH_DATABASE_URL, seeded by papersum dev
// seed-runs (see BENCHMARKS.md). Neither set: the benchmark skips.
func benchStores(b *testing.B) map[string]papersum.Store {
	b.Helper()
	ctx := context.Background()
	out := map[string]papersum.Store{}
	if p := os.Getenv("PAPERSUM_BENCH_DB"); p != "" {
		s, err := sqlite.Open(ctx, p, sqlite.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		out["sqlite"] = s
	}
	if u := os.Getenv("PAPERSUM_BENCH_DATABASE_URL"); u != "" {
		schema := os.Getenv("PAPERSUM_BENCH_SCHEMA")
		if schema == "" {
			schema = "econbench"
		}
		s, err := postgres.Open(ctx, u, postgres.Options{Schema: schema})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		out["postgres"] = s
	}
	if len(out) == 0 {
		b.Skip("set PAPERSUM_BENCH_DB or PAPERSUM_BENCH_DATABASE_URL to a store seeded by papersum dev seed-runs")
	}
	return out
}

// benchMonth is the month dev seed-runs fills by default.
var benchMonth = papersum.ReportWindow{Since: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Until: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}

// BenchmarkReportCost times a month's cost report by team: in SQL (the
// command's way), and the baseline that reads every run of the month into
// Go (ListRuns page by page, with their stages) and prices each stage.
func BenchmarkReportCost(b *testing.B) {
	prices, err := pricing.Default()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for name, s := range benchStores(b) {
		b.Run(name+"/sql", func(b *testing.B) {
			r := &econ.Reporter{Store: s.(papersum.ReportStore), Prices: prices}
			for b.Loop() {
				rep, err := r.CostReport(ctx, papersum.CostReportQuery{By: papersum.ByTeam, Window: benchMonth})
				if err != nil || rep.Total.Runs == 0 {
					b.Fatal(err, rep)
				}
			}
		})
		b.Run(name+"/go-baseline", func(b *testing.B) {
			for b.Loop() {
				cost := map[string]*big.Rat{}
				n := 0
				before := ""
				for {
					page, err := s.ListRuns(ctx, papersum.RunFilter{Limit: 1000, Before: before})
					if err != nil {
						b.Fatal(err)
					}
					for _, r := range page {
						if r.CreatedAt.Before(benchMonth.Since) || !r.CreatedAt.Before(benchMonth.Until) {
							continue
						}
						n++
						if cost[r.Team] == nil {
							cost[r.Team] = new(big.Rat)
						}
						day := r.CreatedAt.UTC().Truncate(24 * time.Hour)
						for _, st := range r.Stages {
							row, ok := prices.Lookup(st.Provider, st.Model, day)
							if !ok {
								continue
							}
							p := econ.Price(row, st.Usage, strings.Contains(st.FallbackReason, "batch "))
							cost[r.Team].Add(cost[r.Team], &p.Cost)
						}
					}
					if len(page) < 1000 {
						break
					}
					before = page[len(page)-1].ID
				}
				if n == 0 {
					b.Fatal("no runs")
				}
			}
		})
	}
}

// BenchmarkReportPerf times a month's performance report.
func BenchmarkReportPerf(b *testing.B) {
	ctx := context.Background()
	for name, s := range benchStores(b) {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				smp, err := s.(papersum.ReportStore).PerfSamples(ctx, benchMonth)
				if err != nil {
					b.Fatal(err)
				}
				if econ.Perf(smp, 10).Runs == 0 {
					b.Fatal("no runs")
				}
			}
		})
	}
}
