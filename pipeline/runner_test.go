package pipeline

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/sqlite"
)

// scriptedModel answers each stage with a fixed reply or error and records
// the requests it saw.
type scriptedModel struct {
	mu      sync.Mutex
	replies map[papersum.Stage]string
	errs    map[papersum.Stage]error
	stop    map[papersum.Stage]papersum.StopReason
	seen    []*papersum.Request
	onCall  func()
}

func (m *scriptedModel) Generate(_ context.Context, req *papersum.Request) (*papersum.Response, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.seen = append(m.seen, req)
	if m.onCall != nil {
		m.onCall()
	}
	if err := m.errs[req.Task.Stage]; err != nil {
		return nil, err
	}
	stop := m.stop[req.Task.Stage]
	if stop == "" {
		stop = papersum.StopEnd
	}
	return &papersum.Response{Text: m.replies[req.Task.Stage], StopReason: stop,
		Usage: papersum.Usage{InputTokens: 1000, OutputTokens: 100, CacheReadTokens: 500}}, nil
}

// flatPricer charges $1 per million tokens of any kind and knows one model.
type flatPricer struct{}

func (flatPricer) Price(provider, model string, u papersum.Usage, batch bool, _ time.Time) (float64, error) {
	if model != "m" {
		return 0, errors.New("unknown model")
	}
	return float64(u.TotalInput()+u.OutputTokens) / 1e6, nil
}
func (flatPricer) Known(_, model string, _ time.Time) bool { return model == "m" }

func testPaper() *papersum.Paper {
	p := &papersum.Paper{Title: "A Parser", Source: "t.txt", Format: "text", Sections: []papersum.Section{
		{Title: "Abstract", Kind: papersum.KindAbstract, Sentences: []string{"We parse.", "It works.", "It is fast."}},
	}}
	p.ID = papersum.ContentHash([]byte(p.Text()))
	return p
}

func newTestRunner(t *testing.T, m papersum.Model) (*Runner, papersum.Store) {
	t.Helper()
	store, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "p.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	stages := map[papersum.Stage]StageModel{}
	for _, s := range papersum.Stages {
		stages[s] = StageModel{Provider: "test", Model: "m", Client: m, MaxTokens: 100}
	}
	r, err := NewRunner(RunnerConfig{Stages: stages, Store: store, Pricer: flatPricer{}, ConfigHash: "cfg"})
	if err != nil {
		t.Fatal(err)
	}
	return r, store
}

const goodCritique = `<critique><scores><accuracy>8</accuracy><completeness>6</completeness><clarity>7</clarity><coherence>9</coherence></scores><issues><issue>key term "speed" not covered</issue></issues></critique>`

func TestRunRecordsAllStages(t *testing.T) {
	m := &scriptedModel{replies: map[papersum.Stage]string{
		papersum.StageSummarize: "<summary>Draft.</summary>",
		papersum.StageCritique:  goodCritique,
		papersum.StageRevise:    "```\n<revised_summary>Final &amp; better.</revised_summary>\n```",
	}}
	r, store := newTestRunner(t, m)
	run, err := r.Run(context.Background(), testPaper(), Options{TargetWords: 50})
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != papersum.RunSucceeded || run.Summary != "Final & better." {
		t.Fatalf("run %+v", run)
	}
	got, err := store.GetRun(context.Background(), run.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Stages) != 3 || got.Summary != "Final & better." || got.Scores == nil || got.Scores.Overall() != 7.3 {
		t.Fatalf("stored run %+v", got)
	}
	for i, s := range got.Stages {
		if s.Stage != papersum.Stages[i] || !strings.HasPrefix(s.PromptVersion, "sha256:") || s.CostUSD != 0.0016 {
			t.Errorf("stage %d: %+v", i, s)
		}
	}
	// The paper block is identical across stages (so it can be cached);
	// critique sees the draft and revise sees the critique's issues.
	if m.seen[0].Paper.Text != m.seen[2].Paper.Text || !m.seen[0].Paper.Cacheable {
		t.Error("paper block differs between stages or is not cacheable")
	}
	if !strings.Contains(m.seen[1].Prompt, "Draft.") || !strings.Contains(m.seen[2].Prompt, `key term "speed" not covered`) {
		t.Errorf("prompts do not carry the previous stage:\n%s\n---\n%s", m.seen[1].Prompt, m.seen[2].Prompt)
	}
	if m.seen[2].Task.Critique == nil || m.seen[2].Task.Draft != "Draft." {
		t.Error("revise task lacks draft or critique")
	}
}

func TestRunFailureIsRecorded(t *testing.T) {
	tests := []struct {
		name  string
		m     *scriptedModel
		class papersum.Class
		stages int
	}{
		{"provider error", &scriptedModel{replies: map[papersum.Stage]string{papersum.StageSummarize: "<summary>x</summary>"},
			errs: map[papersum.Stage]error{papersum.StageCritique: &papersum.ProviderError{Class: papersum.ClassOverloaded, Message: "529"}}},
			papersum.ClassOverloaded, 1},
		{"parse error", &scriptedModel{replies: map[papersum.Stage]string{papersum.StageSummarize: "I cannot do that."}},
			papersum.ClassParse, 1},
		{"truncated", &scriptedModel{replies: map[papersum.Stage]string{papersum.StageSummarize: "<summary>cut"},
			stop: map[papersum.Stage]papersum.StopReason{papersum.StageSummarize: papersum.StopMaxTokens}},
			papersum.ClassTruncated, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, store := newTestRunner(t, tc.m)
			run, err := r.Run(context.Background(), testPaper(), Options{})
			if papersum.ClassOf(err) != tc.class {
				t.Fatalf("err %v, want class %s", err, tc.class)
			}
			got, gerr := store.GetRun(context.Background(), run.ID)
			if gerr != nil {
				t.Fatal(gerr)
			}
			if got.Status != papersum.RunFailed || got.ErrorClass != tc.class || got.Error == "" || len(got.Stages) != tc.stages {
				t.Errorf("stored %+v", got)
			}
		})
	}
}

func TestRunCancelledStillRecordsFailure(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	m := &scriptedModel{errs: map[papersum.Stage]error{papersum.StageSummarize: context.Canceled}}
	m.onCall = cancel // the caller gives up while the model is working
	r, store := newTestRunner(t, m)
	run, err := r.Run(ctx, testPaper(), Options{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v", err)
	}
	got, gerr := store.GetRun(context.Background(), run.ID)
	if gerr != nil {
		t.Fatal(gerr)
	}
	if got.Status != papersum.RunFailed {
		t.Errorf("status %s", got.Status)
	}
}

func TestNewRunnerRejectsUnpricedModel(t *testing.T) {
	stages := map[papersum.Stage]StageModel{}
	for _, s := range papersum.Stages {
		stages[s] = StageModel{Provider: "test", Model: "m", Client: &scriptedModel{}}
	}
	stages[papersum.StageCritique] = StageModel{Provider: "test", Model: "mystery", Client: &scriptedModel{}}
	_, err := NewRunner(RunnerConfig{Stages: stages, Store: nilStore{}, Pricer: flatPricer{}})
	if papersum.ErrorCode(err) != papersum.EINVALID || !strings.Contains(err.Error(), "mystery") {
		t.Fatalf("err %v", err)
	}
}

func TestTargetWordsRange(t *testing.T) {
	r, _ := newTestRunner(t, &scriptedModel{})
	if _, err := r.Run(context.Background(), testPaper(), Options{TargetWords: 5}); papersum.ErrorCode(err) != papersum.EINVALID {
		t.Fatalf("err %v", err)
	}
}

type nilStore struct{ papersum.Store }
