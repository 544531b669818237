package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/papersum/papersum"
)

// TestReportCommands seeds a store with dev seed-runs and reads it back
// with report cost (every format) and report perf.
func TestReportCommands(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "rep.db")
	env := map[string]string{"PAPERSUM_DB": db, "HOME": t.TempDir()}
	if r := runCLI(t, ctx, env, "", "dev", "seed-runs", "--runs", "60", "--days", "3", "--until", "2026-12-01", "--teams", "2"); r.code != 0 {
		t.Fatalf("seed-runs: %d %s %v", r.code, r.stderr, r.err)
	}
	r := runCLI(t, ctx, env, "", "report", "cost", "--by", "team", "--format", "json")
	if r.code != 0 {
		t.Fatalf("report cost: %d %s", r.code, r.stderr)
	}
	var rep papersum.CostReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	var runs int64
	for _, l := range rep.Groups {
		runs += l.Runs
	}
	if rep.Total.Runs != 60 || runs != 60 || len(rep.Groups) != 2 || rep.Total.CostUSD <= 0 || rep.Total.CostUSD != rep.Total.RecordedCostUSD {
		t.Fatalf("report: %+v", rep)
	}
	// A window of the last day only, and one team.
	r = runCLI(t, ctx, env, "", "report", "cost", "--by", "day", "--since", "2026-11-30", "--until", "2026-12-01", "--team", "team-1", "--format", "csv")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != 0 || len(lines) != 3 || !strings.HasPrefix(lines[1], "2026-11-30,") || !strings.HasPrefix(lines[2], "TOTAL,") {
		t.Fatalf("csv: %d %q %s", r.code, r.stdout, r.stderr)
	}
	if r = runCLI(t, ctx, env, "", "report", "cost", "--by", "model"); r.code != 0 || !strings.Contains(r.stdout, "claude-sonnet-4-5") || !strings.Contains(r.stdout, "TOTAL") {
		t.Fatalf("text: %d %s %s", r.code, r.stdout, r.stderr)
	}
	for _, args := range [][]string{
		{"--by", "planet"}, {"--since", "yesterday"}, {"--format", "xml"},
		{"--since", "2026-12-01", "--until", "2026-11-01"},
	} {
		r = runCLI(t, ctx, env, "", append([]string{"report", "cost"}, args...)...)
		if r.code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", args, r.code, r.stderr)
		}
	}
	r = runCLI(t, ctx, env, "", "report", "perf", "--format", "json", "--slowest", "3")
	if r.code != 0 {
		t.Fatalf("report perf: %d %s", r.code, r.stderr)
	}
	var perf struct {
		Runs    int `json:"runs"`
		ByStage []struct {
			Group string        `json:"group"`
			P50   time.Duration `json:"p50_ns"`
		} `json:"by_stage"`
		Slowest []struct{ ID string } `json:"slowest"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &perf); err != nil {
		t.Fatal(err)
	}
	if perf.Runs != 60 || len(perf.ByStage) != 3 || perf.ByStage[0].P50 <= 0 || len(perf.Slowest) != 3 {
		t.Fatalf("perf: %+v", perf)
	}
	if r = runCLI(t, ctx, env, "", "report", "perf"); r.code != 0 || !strings.Contains(r.stdout, "p95") {
		t.Fatalf("perf text: %d %s", r.code, r.stderr)
	}
}
