package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/drift/signals"
	"github.com/papersum/papersum/internal/pgtest"
	"github.com/papersum/papersum/postgres"
	"github.com/papersum/papersum/sqlite"
)

// seedDrift stores 60 runs finished in November 2026 and 30 in the first
// week of December, all of one paper: in December the summaries are
// shorter and their critique scores lower (output and quality drift), the
// paper is the same (no input drift).
func seedDrift(t *testing.T, store papersum.Store) {
	t.Helper()
	ctx := context.Background()
	var secs []papersum.Section
	secs = append(secs, papersum.Section{Title: "Abstract", Kind: papersum.KindAbstract, Sentences: []string{"We parse 12 treebanks with a chart parser."}})
	for i := range 5 {
		secs = append(secs, papersum.Section{Title: fmt.Sprintf("S%d", i), Kind: papersum.KindMethod,
			Sentences: []string{"The parser reads each sentence of the corpus and builds a tree.", "Accuracy rises by 3 points on the Penn Treebank."}})
	}
	paper := &papersum.Paper{ID: "sha256:drift", Title: "Drift paper", Format: "markdown", Sections: secs}
	if err := store.PutPaper(ctx, paper); err != nil {
		t.Fatal(err)
	}
	add := func(id string, fin time.Time, words int, score float64) {
		r := &papersum.Run{ID: id, PaperID: paper.ID, Title: paper.Title, Status: papersum.RunRunning, ConfigHash: "cfg",
			TargetWords: 150, CreatedAt: fin.Add(-time.Minute)}
		if err := store.CreateRun(ctx, r); err != nil {
			t.Fatal(err)
		}
		if err := store.AddStage(ctx, r.ID, &papersum.StageResult{Stage: papersum.StageSummarize, Provider: "local", Model: "local",
			PromptVersion: "v1", CostUSD: 0.001, Latency: time.Second, StartedAt: r.CreatedAt}); err != nil {
			t.Fatal(err)
		}
		r.Status, r.FinishedAt = papersum.RunSucceeded, &fin
		r.Summary = strings.TrimSpace(strings.Repeat("parser tree corpus ", words/3))
		r.Scores = &papersum.Scores{Accuracy: score, Completeness: score, Clarity: score, Coherence: score}
		if err := store.FinishRun(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	nov := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	for i := range 60 {
		add(fmt.Sprintf("run_ref_%02d", i), nov.Add(time.Duration(i)*11*time.Hour), 90+3*(i%10), 8+0.1*float64(i%5))
	}
	dec := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for i := range 30 {
		add(fmt.Sprintf("run_cur_%02d", i), dec.Add(time.Duration(i)*5*time.Hour), 30+3*(i%10), 5+0.1*float64(i%5))
	}
}

func TestDriftReportAndCheck(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		db := filepath.Join(t.TempDir(), "drift.db")
		store, err := sqlite.Open(context.Background(), db, sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		seedDrift(t, store)
		store.Close()
		testDriftCommands(t, map[string]string{"PAPERSUM_DB": db}, nil)
	})
	t.Run("postgres", func(t *testing.T) {
		url := pgtest.URL(t)
		schema := pgtest.Schema(t, url)
		store, err := postgres.Open(context.Background(), url, postgres.Options{Schema: schema})
		if err != nil {
			t.Fatal(err)
		}
		seedDrift(t, store)
		store.Close()
		testDriftCommands(t, nil, []string{"--database-url", url, "--database-schema", schema})
	})
}

func testDriftCommands(t *testing.T, env map[string]string, storeArgs []string) {
	ctx := context.Background()
	windows := []string{"--reference", "2026-11-01..2026-11-30", "--current", "2026-12-01..2026-12-07"}
	cli := func(args ...string) result {
		return runCLI(t, ctx, env, "", append(append(args, windows...), storeArgs...)...)
	}
	r := cli("drift", "report", "--format", "json")
	if r.code != 0 {
		t.Fatalf("drift report: exit %d %v\n%s", r.code, r.err, r.stderr)
	}
	var rep struct {
		RefRuns int `json:"reference_runs"`
		CurRuns int `json:"current_runs"`
		Drifted int `json:"drifted"`
		Signals []struct {
			Signal struct {
				Name string `json:"name"`
			} `json:"signal"`
			Result *struct {
				Test   string `json:"test"`
				Effect any    `json:"effect"`
				Drift  bool   `json:"drift"`
			} `json:"result"`
			Skipped string `json:"skipped"`
		} `json:"signals"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if rep.RefRuns != 60 || rep.CurRuns != 30 {
		t.Errorf("runs: reference %d current %d, want 60 and 30", rep.RefRuns, rep.CurRuns)
	}
	got := map[string]bool{}
	for _, s := range rep.Signals {
		if s.Result != nil {
			got[s.Signal.Name] = s.Result.Drift
		}
	}
	for name, want := range map[string]bool{signals.OutputWords: true, signals.QualityOverall: true, signals.QualityFail: true,
		signals.InputWords: false, signals.InputSectionKind: false, signals.OpsCost: false} {
		if d, ok := got[name]; !ok || d != want {
			t.Errorf("%s: drift %v (tested %v), want %v", name, d, ok, want)
		}
	}

	r = cli("drift", "report")
	if r.code != 0 || !strings.Contains(r.stdout, "DRIFT") || !strings.Contains(r.stdout, signals.OutputWords) {
		t.Errorf("text report: exit %d\n%s", r.code, r.stdout)
	}
	r = cli("drift", "report", "--format", "html")
	if r.code != 0 || !strings.Contains(r.stdout, "<svg") || !strings.Contains(r.stdout, `class="detection"`) {
		t.Errorf("html report: exit %d, %d bytes, svg %v, detections %v", r.code, len(r.stdout),
			strings.Contains(r.stdout, "<svg"), strings.Contains(r.stdout, `class="detection"`))
	}

	r = cli("drift", "check")
	if r.code != 1 || !strings.Contains(r.stdout, signals.OutputWords) || r.err == nil || !strings.Contains(r.err.Error(), "drift in") {
		t.Errorf("check with drift: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = cli("drift", "check", "--group", "input")
	if r.code != 0 {
		t.Errorf("check of the input signals: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, bad := range [][]string{{"--current", "yesterday"}, {"--reference", "2026-11-30..2026-11-01"}, {"--group", "nope"},
		{"--alpha", "2"}, {"--format", "html"}} {
		r := runCLI(t, ctx, env, "", append(append([]string{"drift", "check"}, bad...), storeArgs...)...)
		if r.code != 2 {
			t.Errorf("drift check %v: exit %d, want 2 (%v)", bad, r.code, r.err)
		}
	}
}
