package dirrun

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/sqlite"
)

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestCollectDir(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "a.pdf"), "x")
	write(t, filepath.Join(dir, "sub", "a.txt"), "x")
	write(t, filepath.Join(dir, "notes.docx"), "x")
	write(t, filepath.Join(dir, "b.tex"), "x")
	items, err := Collect(dir)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, it := range items {
		ids = append(ids, it.ID)
	}
	if strings.Join(ids, ",") != "a,b,sub_a" {
		t.Fatalf("ids %v", ids)
	}
	if _, err := Collect(t.TempDir()); papersum.ErrorCode(err) != papersum.EINVALID {
		t.Errorf("empty dir: %v", err)
	}
	if _, err := Collect(filepath.Join(dir, "nope")); papersum.ErrorCode(err) != papersum.ENOTFOUND {
		t.Errorf("missing: %v", err)
	}
}

func TestCollectManifest(t *testing.T) {
	dir := t.TempDir()
	m := filepath.Join(dir, "m.jsonl")
	write(t, m, `{"id":"one","path":"papers/one.pdf"}

{"path":"/abs/two.txt"}
{"id":"three","text":"inline paper"}
`)
	items, err := Collect(m)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 3 || items[0].Path != filepath.Join(dir, "papers/one.pdf") || items[1].ID != "two" || items[2].Text == "" {
		t.Fatalf("%+v", items)
	}
	bad := map[string]string{
		"not json":        "{nope",
		"both":            `{"id":"x","path":"a","text":"b"}`,
		"neither":         `{"id":"x"}`,
		"inline needs id": `{"text":"b"}`,
		"duplicate id":    `{"id":"x","text":"a"}` + "\n" + `{"id":"x","text":"b"}`,
		"unknown field":   `{"id":"x","text":"a","url":"http://x"}`,
		"path in id":      `{"id":"../x","text":"a"}`,
		"empty":           "\n\n",
	}
	for name, content := range bad {
		write(t, m, content)
		_, err := Collect(m)
		if papersum.ErrorCode(err) != papersum.EINVALID || !strings.Contains(err.Error(), "m.jsonl") {
			t.Errorf("%s: %v", name, err)
		}
		if name == "duplicate id" && !strings.Contains(err.Error(), "line 2") {
			t.Errorf("duplicate id error does not name the line: %v", err)
		}
	}
}

func TestRunResumesAndReports(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "b.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var calls atomic.Int32
	var n atomic.Int32
	summarize := func(ctx context.Context, p *papersum.Paper) (*papersum.Run, error) {
		calls.Add(1)
		if err := store.PutPaper(ctx, p); err != nil {
			return nil, err
		}
		run := &papersum.Run{ID: "run_" + p.Title + "_" + string(rune('a'+n.Add(1))), PaperID: p.ID, Status: papersum.RunRunning, ConfigHash: "cfg"}
		if err := store.CreateRun(ctx, run); err != nil {
			return nil, err
		}
		if p.Title == "bad" {
			run.Status, run.Error = papersum.RunFailed, "boom"
			store.FinishRun(ctx, run)
			return run, errors.New("boom")
		}
		run.Status, run.Summary = papersum.RunSucceeded, "ok"
		run.Stages = []papersum.StageResult{{Stage: papersum.StageSummarize, CostUSD: 0.5}}
		return run, store.FinishRun(ctx, run)
	}
	ingest := func(_ context.Context, it Item) (*papersum.Paper, error) {
		if it.ID == "unreadable" {
			return nil, papersum.Errorf(papersum.EINVALID, "ingest %s: empty file", it.ID)
		}
		p := &papersum.Paper{Title: it.ID, Sections: []papersum.Section{{Sentences: []string{it.ID}}}}
		p.ID = papersum.ContentHash([]byte(it.ID))
		return p, nil
	}
	items := []Item{{ID: "p1", Text: "x"}, {ID: "p2", Text: "x"}, {ID: "bad", Text: "x"}, {ID: "unreadable", Text: "x"}, {ID: "p3", Text: "x"}}
	var mu sync.Mutex
	var snaps []Progress
	cfg := Config{Ingest: ingest, Summarize: summarize, Store: store, ConfigHash: "cfg", Concurrency: 3,
		OnProgress: func(p Progress) { mu.Lock(); snaps = append(snaps, p); mu.Unlock() }}
	sum, err := Run(ctx, cfg, items)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Done != 3 || sum.Failed != 2 || sum.Skipped != 0 || sum.CostUSD != 1.5 || len(snaps) != 5 || snaps[4].Total != 5 {
		t.Fatalf("first pass %+v (%d snapshots)", sum.Progress, len(snaps))
	}
	// The rerun skips the three done papers and tries the failed ones again.
	calls.Store(0)
	sum, err = Run(ctx, cfg, items)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Skipped != 3 || sum.Failed != 2 || calls.Load() != 1 {
		t.Fatalf("rerun %+v, %d pipeline calls", sum.Progress, calls.Load())
	}
	// A forced rerun summarizes every paper again.
	calls.Store(0)
	forced := cfg
	forced.Force = true
	if fsum, err := Run(ctx, forced, items); err != nil || fsum.Skipped != 0 || fsum.Done != 3 || calls.Load() != 4 {
		t.Fatalf("forced rerun %+v, %d pipeline calls, err %v", fsum.Progress, calls.Load(), err)
	}
	out := filepath.Join(t.TempDir(), "summary.csv")
	if err := WriteSummaryCSV(out, sum.Results); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(out)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 6 || !strings.HasPrefix(lines[0], "id,source,run_id,status") || !strings.Contains(string(data), "unreadable,(inline),,failed") ||
		!strings.Contains(string(data), ",skipped,") {
		t.Fatalf("csv:\n%s", data)
	}
}

func TestRunStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var started atomic.Int32
	cfg := Config{Concurrency: 1,
		Ingest: func(context.Context, Item) (*papersum.Paper, error) { return &papersum.Paper{ID: "x"}, nil },
		Summarize: func(context.Context, *papersum.Paper) (*papersum.Run, error) {
			if started.Add(1) == 2 {
				cancel()
			}
			return &papersum.Run{Status: papersum.RunSucceeded}, nil
		}}
	items := make([]Item, 50)
	sum, err := Run(ctx, cfg, items)
	if !errors.Is(err, context.Canceled) || started.Load() > 3 {
		t.Fatalf("err %v after %d papers (%+v)", err, started.Load(), sum.Progress)
	}
}
