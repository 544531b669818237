package pipeline

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
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
	// queue, when set for a stage, answers that stage's calls in turn
	// (the last entry repeats).
	queue map[papersum.Stage][]scripted
	calls map[papersum.Stage]int
}

type scripted struct {
	text string
	stop papersum.StopReason
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
	text, stop := m.replies[req.Task.Stage], m.stop[req.Task.Stage]
	if q := m.queue[req.Task.Stage]; len(q) > 0 {
		if m.calls == nil {
			m.calls = map[papersum.Stage]int{}
		}
		i := min(m.calls[req.Task.Stage], len(q)-1)
		m.calls[req.Task.Stage]++
		text, stop = q[i].text, q[i].stop
	}
	if stop == "" {
		stop = papersum.StopEnd
	}
	return &papersum.Response{Text: text, StopReason: stop,
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
		name   string
		m      *scriptedModel
		class  papersum.Class
		stages int
	}{
		{"provider error", &scriptedModel{replies: map[papersum.Stage]string{papersum.StageSummarize: "<summary>x</summary>"},
			errs: map[papersum.Stage]error{papersum.StageCritique: &papersum.ProviderError{Class: papersum.ClassOverloaded, Message: "529"}}},
			papersum.ClassOverloaded, 1},
		{"parse error", &scriptedModel{replies: map[papersum.Stage]string{papersum.StageSummarize: "I cannot do that."}},
			papersum.ClassParse, 2},
		{"truncated", &scriptedModel{replies: map[papersum.Stage]string{papersum.StageSummarize: "<summary>cut"},
			stop: map[papersum.Stage]papersum.StopReason{papersum.StageSummarize: papersum.StopMaxTokens}},
			papersum.ClassTruncated, 3},
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

func TestRepairContinuationAndFallback(t *testing.T) {
	okRest := map[papersum.Stage]string{
		papersum.StageCritique: goodCritique,
		papersum.StageRevise:   "<revised_summary>Final.</revised_summary>",
	}
	tests := []struct {
		name     string
		queue    []scripted
		fallback bool
		want     string // final draft
		calls    int    // summarize calls recorded
		note     string // in the last summarize record's reason
	}{
		{"repair succeeds", []scripted{{text: "Sure! The paper is about parsing."}, {text: "<summary>Repaired.</summary>"}},
			false, "Repaired.", 2, "repair: summarize: parse: no <summary> element"},
		{"continuation succeeds", []scripted{{text: "<summary>Cut", stop: papersum.StopMaxTokens}, {text: "<summary>Whole.</summary>"}},
			false, "Whole.", 2, "continuation: the answer reached max_tokens (100), asked again with 200"},
		{"fallback answers", []scripted{{text: "nonsense"}, {text: "still nonsense"}},
			true, "From the fallback.", 3, "fallback: test/m output unusable (parse)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := &scriptedModel{replies: okRest, queue: map[papersum.Stage][]scripted{papersum.StageSummarize: tc.queue}}
			r, store := newTestRunner(t, m)
			if tc.fallback {
				fb := &scriptedModel{replies: map[papersum.Stage]string{papersum.StageSummarize: "<summary>From the fallback.</summary>"}}
				sm := r.stages[papersum.StageSummarize]
				sm.Fallback = &StageModel{Provider: "test", Model: "m", Client: fb, MaxTokens: 100}
				r.stages = map[papersum.Stage]StageModel{papersum.StageSummarize: sm,
					papersum.StageCritique: r.stages[papersum.StageCritique], papersum.StageRevise: r.stages[papersum.StageRevise]}
			}
			run, err := r.Run(context.Background(), testPaper(), Options{})
			if err != nil {
				t.Fatal(err)
			}
			got, _ := store.GetRun(context.Background(), run.ID)
			var sums []papersum.StageResult
			for _, s := range got.Stages {
				if s.Stage == papersum.StageSummarize {
					sums = append(sums, s)
				}
			}
			if len(sums) != tc.calls {
				t.Fatalf("%d summarize records, want %d", len(sums), tc.calls)
			}
			last := sums[len(sums)-1]
			if last.Output != tc.want || !strings.Contains(last.FallbackReason, tc.note) {
				t.Errorf("last record output %q reason %q", last.Output, last.FallbackReason)
			}
			if got.Status != papersum.RunSucceeded || len(got.Stages) != tc.calls+2 {
				t.Errorf("run %s with %d stages", got.Status, len(got.Stages))
			}
			if tc.name == "repair succeeds" {
				rep := m.seen[1]
				if len(rep.Turns) != 2 || rep.Turns[0].Text != tc.queue[0].text || !strings.Contains(rep.Turns[1].Text, "<summary></summary>") {
					t.Errorf("repair turns %+v", rep.Turns)
				}
			}
		})
	}
}

// windowModel answers like the local engine would but refuses any request
// whose paper block is longer than window bytes.
type windowModel struct {
	window int
	inner  papersum.Model
	mu     sync.Mutex
	sizes  []int
}

func (w *windowModel) Generate(ctx context.Context, req *papersum.Request) (*papersum.Response, error) {
	w.mu.Lock()
	w.sizes = append(w.sizes, len(req.Paper.Text))
	w.mu.Unlock()
	if len(req.Paper.Text) > w.window {
		return nil, &papersum.ProviderError{Class: papersum.ClassContextTooLarge, Status: 400, Message: "prompt is too long"}
	}
	return w.inner.Generate(ctx, req)
}

// echoModel summarizes by taking the first sentence of the paper it is
// given, so map-reduce can be followed.
type echoModel struct{}

func (echoModel) Generate(_ context.Context, req *papersum.Request) (*papersum.Response, error) {
	first := req.Task.Paper.Sentences()[0].Text
	text := map[papersum.Stage]string{
		papersum.StageSummarize: "<summary>" + first + "</summary>",
		papersum.StageCritique:  goodCritique,
		papersum.StageRevise:    "<revised_summary>" + req.Task.Draft + "</revised_summary>",
	}[req.Task.Stage]
	return &papersum.Response{Text: text, StopReason: papersum.StopEnd}, nil
}

func TestContextTooLargeSummarizesByParts(t *testing.T) {
	p := &papersum.Paper{Title: "Long", Source: "l.txt", Format: "text"}
	for i := 0; i < 8; i++ {
		var sents []string
		for j := 0; j < 20; j++ {
			sents = append(sents, fmt.Sprintf("Section %d sentence %d says something about parsing trees.", i, j))
		}
		p.Sections = append(p.Sections, papersum.Section{Title: fmt.Sprintf("S%d", i), Kind: papersum.KindOther, Sentences: sents})
	}
	p.ID = papersum.ContentHash([]byte(p.Text()))
	w := &windowModel{window: len(p.Text()) / 3, inner: echoModel{}}
	r, store := newTestRunner(t, w)
	run, err := r.Run(context.Background(), p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := store.GetRun(context.Background(), run.ID)
	if got.Status != papersum.RunSucceeded || !strings.Contains(got.Summary, "Section 0 sentence 0") {
		t.Fatalf("run %s summary %q", got.Status, got.Summary)
	}
	// Every call that was answered fitted the window, and the parts were
	// split again until they did (full paper > halves > quarters).
	var answered int
	for _, s := range got.Stages {
		answered++
		if s.Stage != papersum.StageSummarize && s.Stage != papersum.StageCritique && s.Stage != papersum.StageRevise {
			t.Errorf("stage %s", s.Stage)
		}
	}
	// 4 quarter summaries + 1 merged summary + critique + revise.
	if answered != 7 {
		t.Errorf("%d recorded calls, want 7; sizes seen %v", answered, w.sizes)
	}
}

// A run interrupted after its first stage is resumed without paying for
// that stage again, and an error Retryable accepts leaves it running.
func TestResumeSkipsStoredStages(t *testing.T) {
	overloaded := &papersum.ProviderError{Class: papersum.ClassOverloaded, Message: "529"}
	m := &scriptedModel{
		replies: map[papersum.Stage]string{
			papersum.StageSummarize: "<summary>Draft.</summary>",
			papersum.StageCritique:  goodCritique,
			papersum.StageRevise:    "<revised_summary>Final.</revised_summary>",
		},
		errs: map[papersum.Stage]error{papersum.StageCritique: overloaded},
	}
	r, store := newTestRunner(t, m)
	ctx := context.Background()
	paper := testPaper()
	if err := store.PutPaper(ctx, paper); err != nil {
		t.Fatal(err)
	}
	run := r.NewRun(paper, Options{TargetWords: 40})
	if err := store.CreateRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	retryable := func(err error) bool { return papersum.ClassOf(err) == papersum.ClassOverloaded }
	if _, err := r.Resume(ctx, run, paper, Options{Retryable: retryable}); papersum.ClassOf(err) != papersum.ClassOverloaded {
		t.Fatalf("first attempt: err %v", err)
	}
	stored, err := store.GetRun(ctx, run.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Status != papersum.RunRunning || len(stored.Stages) != 1 {
		t.Fatalf("after a retryable error: status %s, %d stages", stored.Status, len(stored.Stages))
	}

	m.mu.Lock()
	m.errs = nil
	m.seen = nil
	m.mu.Unlock()
	done, err := r.Resume(ctx, stored, paper, Options{Retryable: retryable})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.seen) != 2 || m.seen[0].Task.Stage != papersum.StageCritique || m.seen[0].Task.Draft != "Draft." {
		t.Fatalf("resume made %d calls; want critique (with the stored draft) and revise", len(m.seen))
	}
	final, err := store.GetRun(ctx, run.ID)
	if err != nil {
		t.Fatal(err)
	}
	if final.Status != papersum.RunSucceeded || final.Summary != "Final." || len(final.Stages) != 3 || done.TargetWords != 40 {
		t.Fatalf("final run %+v", final)
	}
	if _, err := r.Resume(ctx, final, paper, Options{}); papersum.ErrorCode(err) != papersum.ECONFLICT {
		t.Fatalf("resuming a finished run: err %v, want ECONFLICT", err)
	}
}

// abandoning stands for a retry layer: before it answers a stage's call
// (through next) or fails it (with fail), it reports the calls it
// abandoned to the context's CallTrace, as llm.Retrier does.
type abandoning struct {
	next papersum.Model
	// by lists, per stage, the provider/model of each abandoned call.
	by   map[papersum.Stage][][2]string
	fail map[papersum.Stage]error
}

func (a *abandoning) Generate(ctx context.Context, req *papersum.Request) (*papersum.Response, error) {
	if tr := papersum.ContextCallTrace(ctx); tr != nil {
		for _, pm := range a.by[req.Task.Stage] {
			tr.Abandoned(pm[0], pm[1])
		}
	}
	if err := a.fail[req.Task.Stage]; err != nil {
		return nil, err
	}
	return a.next.Generate(ctx, req)
}

func goodModel() *scriptedModel {
	return &scriptedModel{replies: map[papersum.Stage]string{
		papersum.StageSummarize: "<summary>Draft.</summary>",
		papersum.StageCritique:  goodCritique,
		papersum.StageRevise:    "<revised_summary>Final.</revised_summary>",
	}}
}

// TestRunRecordsAbandonedCalls: the calls the retry layer abandoned in a
// stage are counted on the run per stage and model, in the store as in
// the returned run, whether the stage then succeeded or failed; a trace
// the caller put in the context still hears of them.
func TestRunRecordsAbandonedCalls(t *testing.T) {
	sonnet, haiku := [2]string{"anthropic", "claude-sonnet-4-5"}, [2]string{"anthropic", "claude-haiku-4-5"}
	t.Run("stages succeed", func(t *testing.T) {
		m := &abandoning{next: goodModel(), by: map[papersum.Stage][][2]string{
			papersum.StageSummarize: {sonnet, haiku, sonnet},
			papersum.StageRevise:    {sonnet},
		}}
		r, store := newTestRunner(t, m)
		outer := 0
		ctx := papersum.WithCallTrace(context.Background(), &papersum.CallTrace{Abandoned: func(string, string) { outer++ }})
		run, err := r.Run(ctx, testPaper(), Options{TargetWords: 50})
		if err != nil {
			t.Fatal(err)
		}
		want := []papersum.AbandonedCalls{
			{Stage: papersum.StageSummarize, Provider: "anthropic", Model: "claude-sonnet-4-5", Calls: 2},
			{Stage: papersum.StageSummarize, Provider: "anthropic", Model: "claude-haiku-4-5", Calls: 1},
			{Stage: papersum.StageRevise, Provider: "anthropic", Model: "claude-sonnet-4-5", Calls: 1},
		}
		got, err := store.GetRun(context.Background(), run.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got.Abandoned, want) || !slices.Equal(run.Abandoned, want) {
			t.Fatalf("abandoned calls: stored %+v, returned %+v; want %+v", got.Abandoned, run.Abandoned, want)
		}
		if outer != 4 {
			t.Errorf("the caller's trace heard of %d abandoned calls, want 4", outer)
		}
		if len(got.Stages) != 3 {
			t.Errorf("%d stage results; abandoned calls must not add any", len(got.Stages))
		}
	})
	t.Run("stage fails", func(t *testing.T) {
		m := &abandoning{next: goodModel(),
			by:   map[papersum.Stage][][2]string{papersum.StageCritique: {haiku, haiku}},
			fail: map[papersum.Stage]error{papersum.StageCritique: &papersum.ProviderError{Class: papersum.ClassTimeout, Message: "no answer in time"}}}
		r, store := newTestRunner(t, m)
		run, err := r.Run(context.Background(), testPaper(), Options{TargetWords: 50})
		if papersum.ClassOf(err) != papersum.ClassTimeout {
			t.Fatalf("err = %v, want the critique's timeout", err)
		}
		got, gerr := store.GetRun(context.Background(), run.ID)
		if gerr != nil {
			t.Fatal(gerr)
		}
		want := []papersum.AbandonedCalls{{Stage: papersum.StageCritique, Provider: "anthropic", Model: "claude-haiku-4-5", Calls: 2}}
		if got.Status != papersum.RunFailed || !slices.Equal(got.Abandoned, want) {
			t.Fatalf("stored run %s with abandoned calls %+v; want failed with %+v", got.Status, got.Abandoned, want)
		}
	})
}

// TestRunScoresRevisedSummary: the Scorer measures the revised summary
// (not the draft) and its scores are recorded next to the draft's; a
// Scorer that fails costs the run nothing but its revised scores.
func TestRunScoresRevisedSummary(t *testing.T) {
	newRunner := func(t *testing.T, scorer papersum.Model) (*Runner, papersum.Store) {
		store, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "p.db"), sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { store.Close() })
		stages := map[papersum.Stage]StageModel{}
		for _, s := range papersum.Stages {
			stages[s] = StageModel{Provider: "test", Model: "m", Client: goodModel(), MaxTokens: 100}
		}
		r, err := NewRunner(RunnerConfig{Stages: stages, Store: store, Pricer: flatPricer{}, Scorer: scorer})
		if err != nil {
			t.Fatal(err)
		}
		return r, store
	}
	scorer := &scriptedModel{replies: map[papersum.Stage]string{papersum.StageCritique: `<critique><scores><accuracy>9</accuracy><completeness>8</completeness><clarity>8</clarity><coherence>10</coherence></scores><issues></issues></critique>`}}
	r, store := newRunner(t, scorer)
	run, err := r.Run(context.Background(), testPaper(), Options{TargetWords: 50})
	if err != nil {
		t.Fatal(err)
	}
	got, err := store.GetRun(context.Background(), run.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := papersum.Scores{Accuracy: 9, Completeness: 8, Clarity: 8, Coherence: 10}
	if got.RevisedScores == nil || got.RevisedScores.Dimensions() != want.Dimensions() || got.RevisedScores.JudgeVersion == "" ||
		got.Scores == nil || got.Scores.Overall() != 7.3 || got.Scores.JudgeVersion == "" {
		t.Fatalf("stored scores: draft %+v, revised %+v; want draft overall 7.3, revised %+v", got.Scores, got.RevisedScores, want)
	}
	if len(scorer.seen) != 1 || scorer.seen[0].Task.Stage != papersum.StageCritique || scorer.seen[0].Task.Draft != "Final." ||
		!strings.Contains(scorer.seen[0].Prompt, "Final.") {
		t.Fatalf("the scorer saw %d requests; want one critique of the revised summary", len(scorer.seen))
	}
	if len(got.Stages) != 3 {
		t.Errorf("%d stage results; the measurement is not a stage", len(got.Stages))
	}

	broken := &scriptedModel{errs: map[papersum.Stage]error{papersum.StageCritique: errors.New("scorer down")}}
	r, _ = newRunner(t, broken)
	run, err = r.Run(context.Background(), testPaper(), Options{TargetWords: 50})
	if err != nil || run.Status != papersum.RunSucceeded || run.RevisedScores != nil {
		t.Fatalf("with a failing scorer: %v, %s, revised %+v; want succeeded without revised scores", err, run.Status, run.RevisedScores)
	}
}
