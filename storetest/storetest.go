package storetest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/papersum/papersum"
)

// Options are what a store's own test adds to the suite. The zero value
// is valid.
type Options[TTx any] struct {
	// PutPaperInTx stores a paper with this ID (any title, no sections)
	// through tx, the transaction that Submit hands to enqueue, with the
	// store's own SQL; it should fail when tx is not of the type the
	// store documents. The suite uses it to check that tx is live and is
	// the one the runs are written in: the paper must be stored when
	// Submit succeeds and gone when enqueue fails. When nil, the suite
	// checks only that tx is not nil.
	PutPaperInTx func(ctx context.Context, tx TTx, paperID string) error
}

// Exercise runs the Store conformance suite, and the BatchStore,
// EvalStore, KeyStore and JobStore parts for a store that has them.
// newStore must return a new, empty store for each call and arrange its
// Close with t.Cleanup; the suite closes nothing it did not open itself.
func Exercise[TTx any](t *testing.T, newStore func(t *testing.T) papersum.Store, opts Options[TTx]) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, s papersum.Store)
	}{
		{"PaperRoundTrip", testPaperRoundTrip},
		{"PutPaperIdempotent", testPutPaperIdempotent},
		{"PaperErrors", testPaperErrors},
		{"RunRoundTrip", testRunRoundTrip},
		{"CreateRunErrors", testCreateRunErrors},
		{"CreateRunDefaults", testCreateRunDefaults},
		{"StatusTransitions", testStatusTransitions},
		{"FailedRunKeepsReason", testFailedRunKeepsReason},
		{"StageValidation", testStageValidation},
		{"StagesInOrder", testStagesInOrder},
		{"ListRunsOrderAndFilters", testListRunsOrderAndFilters},
		{"ListRunsPaging", testListRunsPaging},
		{"ListRunsLimits", testListRunsLimits},
		{"ListRunsErrors", testListRunsErrors},
		{"ConcurrentAddStage", testConcurrentAddStage},
		{"AbandonedCalls", testAbandonedCalls},
		{"RepeatedCalls", testRepeatedCalls},
		{"BatchJobs", testBatchJobs},
		{"Evals", testEvals},
		{"APIKeys", testAPIKeys},
		{"Anomalies", testAnomalies},
		{"Drift", testDrift},
		{"Budgets", testBudgets},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, newStore(t))
		})
	}
	exerciseJobs(t, newStore, opts)
}

// wantCode fails unless err carries a *papersum.Error with code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s", code)
	}
	var pe *papersum.Error
	if !errors.As(err, &pe) {
		t.Fatalf("got %T %v, want a *papersum.Error with code %s", err, err, code)
	}
	if got := papersum.ErrorCode(err); got != code {
		t.Fatalf("got code %s (%v), want %s", got, err, code)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// unicode exercises multi-byte text: accents, combining marks, CJK, RTL
// and emoji outside the BMP. (No NUL: Postgres text cannot hold it.)
const unicode = "Résumé naïve e\u0301 — 論文の要約 — ملخص — 🧪📄 «quotes» \"double\" 'single' \\ back\\slash\n\ttab"

// zone is a non-UTC location: stores must return the same instant in UTC.
var zone = time.FixedZone("UTC+05:30", 5*3600+30*60)

func newPaper(id string) *papersum.Paper {
	return &papersum.Paper{
		ID:     id,
		Title:  "A Study of " + unicode,
		Source: "/papers/" + id + ".pdf",
		Format: "pdf",
		Sections: []papersum.Section{
			{Title: "Abstract", Kind: papersum.KindAbstract, Sentences: []string{"We study things.", unicode}},
			{Title: "1 Introduction", Kind: papersum.KindIntroduction, Sentences: []string{"Things matter.", "We show why."}},
			{Title: "Empty", Kind: papersum.KindOther, Sentences: []string{}},
		},
	}
}

func putPaper(t *testing.T, s papersum.Store, id string) *papersum.Paper {
	t.Helper()
	p := newPaper(id)
	must(t, s.PutPaper(context.Background(), p))
	return p
}

func newRun(id, paperID string, created time.Time) *papersum.Run {
	return &papersum.Run{
		ID:          id,
		PaperID:     paperID,
		Title:       "Run of " + unicode,
		Source:      "/papers/" + paperID + ".pdf",
		ConfigHash:  papersum.ContentHash([]byte("config " + id)),
		TargetWords: 250,
		Team:        "team-ü",
		User:        "user-論",
		KeyID:       "psk-key-" + id,
		CreatedAt:   created,
	}
}

func createRun(t *testing.T, s papersum.Store, id, paperID string, created time.Time) *papersum.Run {
	t.Helper()
	r := newRun(id, paperID, created)
	must(t, s.CreateRun(context.Background(), r))
	return r
}

// bigRaw is about 1 MB of multi-byte text.
func bigRaw() string {
	unit := "λ-résumé 🧪 論文 raw output line\n"
	return strings.Repeat(unit, (1<<20)/len(unit)+1)
}

func stageResult(stage papersum.Stage, started time.Time) papersum.StageResult {
	return papersum.StageResult{
		Stage:         stage,
		Provider:      "anthropic",
		Model:         "claude-sonnet-4-5",
		PromptVersion: papersum.ContentHash([]byte("prompt " + string(stage))),
		Raw:           "raw " + string(stage) + " " + unicode,
		Output:        "output " + string(stage) + " " + unicode,
		Usage: papersum.Usage{
			InputTokens:           12345,
			OutputTokens:          678,
			CacheCreation5mTokens: 9000,
			CacheCreation1hTokens: 1,
			CacheReadTokens:       42000,
		},
		CostUSD:    0.012345678912345678,
		Latency:    1234567891 * time.Nanosecond,
		StopReason: papersum.StopEnd,
		StartedAt:  started,
	}
}

// norm returns a copy of r in a form that compares with reflect.DeepEqual:
// times as the same instant in UTC without monotonic readings, and nil and
// empty stage lists alike.
func norm(r *papersum.Run) *papersum.Run {
	c := *r
	c.CreatedAt = normTime(c.CreatedAt)
	if c.FinishedAt != nil {
		f := normTime(*c.FinishedAt)
		c.FinishedAt = &f
	}
	if c.LastHitAt != nil {
		h := normTime(*c.LastHitAt)
		c.LastHitAt = &h
	}
	if len(c.Stages) == 0 {
		c.Stages = nil
	} else {
		c.Stages = append([]papersum.StageResult(nil), r.Stages...)
		for i := range c.Stages {
			c.Stages[i].StartedAt = normTime(c.Stages[i].StartedAt)
		}
	}
	return &c
}

func normTime(t time.Time) time.Time { return time.Unix(0, t.UnixNano()).UTC() }

// wantUTC fails unless every time of r is in UTC.
func wantUTC(t *testing.T, r *papersum.Run) {
	t.Helper()
	check := func(what string, tm time.Time) {
		if tm.Location() != time.UTC {
			t.Errorf("run %s: %s is in %v, want UTC", r.ID, what, tm.Location())
		}
	}
	check("CreatedAt", r.CreatedAt)
	if r.FinishedAt != nil {
		check("FinishedAt", *r.FinishedAt)
	}
	if r.LastHitAt != nil {
		check("LastHitAt", *r.LastHitAt)
	}
	for i, s := range r.Stages {
		check(fmt.Sprintf("Stages[%d].StartedAt", i), s.StartedAt)
	}
}

func diffRun(t *testing.T, got, want *papersum.Run) {
	t.Helper()
	g, w := norm(got), norm(want)
	if reflect.DeepEqual(g, w) {
		return
	}
	gv, wv := reflect.ValueOf(*g), reflect.ValueOf(*w)
	for i := 0; i < gv.NumField(); i++ {
		name := gv.Type().Field(i).Name
		if name == "Stages" {
			continue
		}
		if !reflect.DeepEqual(gv.Field(i).Interface(), wv.Field(i).Interface()) {
			t.Errorf("run %s: %s = %s, want %s", w.ID, name, short(gv.Field(i).Interface()), short(wv.Field(i).Interface()))
		}
	}
	if len(g.Stages) != len(w.Stages) {
		t.Fatalf("run %s: %d stages, want %d", w.ID, len(g.Stages), len(w.Stages))
	}
	for i := range g.Stages {
		sg, sw := reflect.ValueOf(g.Stages[i]), reflect.ValueOf(w.Stages[i])
		for j := 0; j < sg.NumField(); j++ {
			if !reflect.DeepEqual(sg.Field(j).Interface(), sw.Field(j).Interface()) {
				t.Errorf("run %s: Stages[%d].%s = %s, want %s", w.ID, i, sg.Type().Field(j).Name,
					short(sg.Field(j).Interface()), short(sw.Field(j).Interface()))
			}
		}
	}
}

// short formats v for a failure message without printing a megabyte.
func short(v any) string {
	s := fmt.Sprintf("%#v", v)
	if p, ok := v.(*papersum.Scores); ok && p != nil {
		s = fmt.Sprintf("&%#v", *p)
	}
	if p, ok := v.(*time.Time); ok && p != nil {
		s = "&" + p.String()
	}
	if len(s) > 200 {
		return fmt.Sprintf("%s... (%d bytes)", s[:200], len(s))
	}
	return s
}

func testPaperRoundTrip(t *testing.T, s papersum.Store) {
	ctx := context.Background()
	want := putPaper(t, s, papersum.ContentHash([]byte("paper round trip")))
	got, err := s.GetPaper(ctx, want.ID)
	must(t, err)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("GetPaper = %#v\nwant %#v", got, want)
	}

	// A paper with no sections at all round-trips too.
	bare := &papersum.Paper{ID: "sha256:bare", Format: "text"}
	must(t, s.PutPaper(ctx, bare))
	got, err = s.GetPaper(ctx, bare.ID)
	must(t, err)
	if got.ID != bare.ID || got.Format != "text" || len(got.Sections) != 0 || got.Title != "" {
		t.Fatalf("GetPaper(bare) = %#v, want %#v", got, bare)
	}
}

func testPutPaperIdempotent(t *testing.T, s papersum.Store) {
	ctx := context.Background()
	p := putPaper(t, s, "sha256:idempotent")
	must(t, s.PutPaper(ctx, p))
	// The ID is a content hash: a second put under the same ID is the same
	// paper, and the first row stays.
	changed := newPaper(p.ID)
	changed.Title = "changed"
	must(t, s.PutPaper(ctx, changed))
	got, err := s.GetPaper(ctx, p.ID)
	must(t, err)
	if got.Title != p.Title {
		t.Fatalf("title after re-put = %q, want the first %q", got.Title, p.Title)
	}
}

func testPaperErrors(t *testing.T, s papersum.Store) {
	ctx := context.Background()
	_, err := s.GetPaper(ctx, "sha256:missing")
	wantCode(t, err, papersum.ENOTFOUND)
	wantCode(t, s.PutPaper(ctx, nil), papersum.EINVALID)
	wantCode(t, s.PutPaper(ctx, &papersum.Paper{Title: "no id"}), papersum.EINVALID)
}

func testRunRoundTrip(t *testing.T, s papersum.Store) {
	ctx := context.Background()
	p := putPaper(t, s, "sha256:roundtrip")
	created := time.Date(2026, 3, 14, 15, 9, 26, 535897932, zone)
	run := newRun("run-roundtrip", p.ID, created)
	must(t, s.CreateRun(ctx, run))
	if run.Status != papersum.RunRunning {
		t.Fatalf("after CreateRun, Status = %q, want running", run.Status)
	}

	got, err := s.GetRun(ctx, run.ID)
	must(t, err)
	want := *run
	want.Status = papersum.RunRunning
	diffRun(t, got, &want)
	wantUTC(t, got)

	sum := stageResult(papersum.StageSummarize, created.Add(time.Nanosecond))
	sum.Raw = bigRaw()
	sum.Usage.Estimated = true
	sum.StopReason = papersum.StopMaxTokens
	crit := stageResult(papersum.StageCritique, created.Add(2*time.Second+7))
	crit.Output = ""
	crit.Critique = &papersum.Critique{
		Scores: papersum.Scores{Accuracy: 8.5, Completeness: 7.25, Clarity: 9, Coherence: 6.125},
		Issues: []string{"Misses the ablation — " + unicode, "Overstates the result"},
	}
	crit.FallbackReason = "overloaded: anthropic/claude-opus-4-1 → claude-sonnet-4-5"
	crit.Provider, crit.Model = "openai", "llama-3.1-8b-instruct"
	rev := stageResult(papersum.StageRevise, created.Add(3*time.Second))
	rev.CostUSD = 0
	rev.Usage = papersum.Usage{}
	rev.Latency = 0
	rev.StopReason = papersum.StopOther
	for _, st := range []papersum.StageResult{sum, crit, rev} {
		st := st
		must(t, s.AddStage(ctx, run.ID, &st))
	}

	finished := created.Add(4*time.Second + 999)
	run.Status = papersum.RunSucceeded
	run.Summary = "The summary. " + unicode
	run.Scores = &papersum.Scores{Accuracy: 8.5, Completeness: 7.25, Clarity: 9, Coherence: 6.125}
	run.RevisedScores = &papersum.Scores{Accuracy: 9.25, Completeness: 7.5, Clarity: 8.875, Coherence: 10}
	run.FinishedAt = &finished
	must(t, s.FinishRun(ctx, run))

	got, err = s.GetRun(ctx, run.ID)
	must(t, err)
	want = *run
	want.Stages = []papersum.StageResult{sum, crit, rev}
	diffRun(t, got, &want)
	wantUTC(t, got)
	if got.Stages[0].Raw != sum.Raw {
		t.Fatalf("large raw output: got %d bytes, want %d", len(got.Stages[0].Raw), len(sum.Raw))
	}
	if c, w := got.TotalCost(), sum.CostUSD+crit.CostUSD+rev.CostUSD; c != w {
		t.Errorf("TotalCost = %v, want %v", c, w)
	}
	if u, w := got.TotalUsage(), sum.Usage.Add(crit.Usage).Add(rev.Usage); u != w {
		t.Errorf("TotalUsage = %+v, want %+v", u, w)
	}
}

func testCreateRunErrors(t *testing.T, s papersum.Store) {
	ctx := context.Background()
	p := putPaper(t, s, "sha256:create-errors")
	at := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	createRun(t, s, "run-1", p.ID, at)

	wantCode(t, s.CreateRun(ctx, newRun("run-1", p.ID, at)), papersum.ECONFLICT)
	wantCode(t, s.CreateRun(ctx, newRun("run-orphan", "sha256:no-such-paper", at)), papersum.ENOTFOUND)
	wantCode(t, s.CreateRun(ctx, nil), papersum.EINVALID)
	wantCode(t, s.CreateRun(ctx, newRun("", p.ID, at)), papersum.EINVALID)
	wantCode(t, s.CreateRun(ctx, newRun("run-nopaper", "", at)), papersum.EINVALID)
	done := newRun("run-done", p.ID, at)
	done.Status = papersum.RunSucceeded
	wantCode(t, s.CreateRun(ctx, done), papersum.EINVALID)

	// The failed attempts stored nothing.
	for _, id := range []string{"run-orphan", "run-done"} {
		_, err := s.GetRun(ctx, id)
		wantCode(t, err, papersum.ENOTFOUND)
	}
	// The conflicting create did not overwrite the first run.
	got, err := s.GetRun(ctx, "run-1")
	must(t, err)
	if !got.CreatedAt.Equal(at) {
		t.Fatalf("CreatedAt = %v, want %v", got.CreatedAt, at)
	}
}

func testCreateRunDefaults(t *testing.T, s papersum.Store) {
	ctx := context.Background()
	p := putPaper(t, s, "sha256:defaults")
	run := newRun("run-defaults", p.ID, time.Time{})
	must(t, s.CreateRun(ctx, run))
	got, err := s.GetRun(ctx, run.ID)
	must(t, err)
	if got.CreatedAt.IsZero() {
		t.Fatal("a run created without CreatedAt has none; the store must stamp it")
	}
	if got.Status != papersum.RunRunning || got.FinishedAt != nil {
		t.Fatalf("new run: status %q, finished %v; want running, nil", got.Status, got.FinishedAt)
	}
	st := stageResult(papersum.StageSummarize, time.Time{})
	must(t, s.AddStage(ctx, run.ID, &st))
	run.Status = papersum.RunSucceeded
	must(t, s.FinishRun(ctx, run))
	got, err = s.GetRun(ctx, run.ID)
	must(t, err)
	if got.Stages[0].StartedAt.IsZero() || got.FinishedAt == nil || got.FinishedAt.IsZero() {
		t.Fatalf("store left times unset: started %v, finished %v", got.Stages[0].StartedAt, got.FinishedAt)
	}
	wantUTC(t, got)
}

func testStatusTransitions(t *testing.T, s papersum.Store) {
	ctx := context.Background()
	p := putPaper(t, s, "sha256:transitions")
	at := time.Date(2026, 5, 6, 7, 8, 9, 10, time.UTC)
	run := createRun(t, s, "run-t", p.ID, at)
	st := stageResult(papersum.StageSummarize, at)

	wantCode(t, s.AddStage(ctx, "run-missing", &st), papersum.ENOTFOUND)
	wantCode(t, s.FinishRun(ctx, &papersum.Run{ID: "run-missing", Status: papersum.RunSucceeded}), papersum.ENOTFOUND)
	wantCode(t, s.FinishRun(ctx, nil), papersum.EINVALID)
	for _, bad := range []papersum.RunStatus{papersum.RunRunning, "", "cancelled"} {
		r := *run
		r.Status = bad
		wantCode(t, s.FinishRun(ctx, &r), papersum.EINVALID)
	}

	must(t, s.AddStage(ctx, run.ID, &st))
	run.Status = papersum.RunSucceeded
	run.Summary = "done"
	must(t, s.FinishRun(ctx, run))

	wantCode(t, s.AddStage(ctx, run.ID, &st), papersum.ECONFLICT)
	again := *run
	wantCode(t, s.FinishRun(ctx, &again), papersum.ECONFLICT)
	again.Status, again.Error = papersum.RunFailed, "late failure"
	wantCode(t, s.FinishRun(ctx, &again), papersum.ECONFLICT)

	got, err := s.GetRun(ctx, run.ID)
	must(t, err)
	if got.Status != papersum.RunSucceeded || got.Summary != "done" || got.Error != "" || len(got.Stages) != 1 {
		t.Fatalf("finished run changed: status %q, summary %q, error %q, %d stages",
			got.Status, got.Summary, got.Error, len(got.Stages))
	}
}

func testFailedRunKeepsReason(t *testing.T, s papersum.Store) {
	ctx := context.Background()
	p := putPaper(t, s, "sha256:failed")
	at := time.Date(2026, 7, 8, 9, 10, 11, 12, time.UTC)
	run := createRun(t, s, "run-f", p.ID, at)
	st := stageResult(papersum.StageSummarize, at)
	must(t, s.AddStage(ctx, run.ID, &st))

	// A failed run must say why.
	noReason := *run
	noReason.Status = papersum.RunFailed
	wantCode(t, s.FinishRun(ctx, &noReason), papersum.EINVALID)
	badClass := *run
	badClass.Status, badClass.Error, badClass.ErrorClass = papersum.RunFailed, "x", "no_such_class"
	wantCode(t, s.FinishRun(ctx, &badClass), papersum.EINVALID)

	run.Status = papersum.RunFailed
	run.Error = "critique: overloaded from anthropic/claude-sonnet-4-5: " + unicode
	run.ErrorClass = papersum.ClassOverloaded
	must(t, s.FinishRun(ctx, run))

	got, err := s.GetRun(ctx, run.ID)
	must(t, err)
	want := *run
	want.Stages = []papersum.StageResult{st}
	diffRun(t, got, &want)

	list, err := s.ListRuns(ctx, papersum.RunFilter{Status: papersum.RunFailed})
	must(t, err)
	if len(list) != 1 || list[0].Error != run.Error || list[0].ErrorClass != papersum.ClassOverloaded {
		t.Fatalf("ListRuns(failed) = %+v, want the run with its reason", list)
	}
}

func testStageValidation(t *testing.T, s papersum.Store) {
	ctx := context.Background()
	p := putPaper(t, s, "sha256:stage-validation")
	at := time.Date(2026, 2, 3, 4, 5, 6, 7, time.UTC)
	run := createRun(t, s, "run-v", p.ID, at)

	bad := map[string]func(*papersum.StageResult){
		"unknown stage":    func(r *papersum.StageResult) { r.Stage = "translate" },
		"negative input":   func(r *papersum.StageResult) { r.Usage.InputTokens = -1 },
		"negative cache":   func(r *papersum.StageResult) { r.Usage.CacheReadTokens = -1 },
		"NaN cost":         func(r *papersum.StageResult) { r.CostUSD = math.NaN() },
		"infinite cost":    func(r *papersum.StageResult) { r.CostUSD = math.Inf(1) },
		"negative cost":    func(r *papersum.StageResult) { r.CostUSD = -0.01 },
		"negative latency": func(r *papersum.StageResult) { r.Latency = -time.Second },
	}
	for name, mutate := range bad {
		st := stageResult(papersum.StageSummarize, at)
		mutate(&st)
		if err := s.AddStage(ctx, run.ID, &st); papersum.ErrorCode(err) != papersum.EINVALID {
			t.Errorf("%s: AddStage = %v, want %s", name, err, papersum.EINVALID)
		}
	}
	wantCode(t, s.AddStage(ctx, run.ID, nil), papersum.EINVALID)
	got, err := s.GetRun(ctx, run.ID)
	must(t, err)
	if len(got.Stages) != 0 {
		t.Fatalf("invalid stages were stored: %d", len(got.Stages))
	}
}

func testStagesInOrder(t *testing.T, s papersum.Store) {
	ctx := context.Background()
	p := putPaper(t, s, "sha256:order")
	at := time.Date(2026, 4, 5, 6, 7, 8, 9, time.UTC)
	run := createRun(t, s, "run-o", p.ID, at)
	// Added in pipeline order, with a retried critique; start times are
	// deliberately not increasing, so order must come from insertion.
	want := []papersum.Stage{papersum.StageSummarize, papersum.StageCritique, papersum.StageCritique, papersum.StageRevise}
	for i, stage := range want {
		st := stageResult(stage, at.Add(time.Duration(10-i)*time.Second))
		st.Raw = fmt.Sprintf("raw %d", i)
		must(t, s.AddStage(ctx, run.ID, &st))
	}
	got, err := s.GetRun(ctx, run.ID)
	must(t, err)
	if len(got.Stages) != len(want) {
		t.Fatalf("%d stages, want %d", len(got.Stages), len(want))
	}
	for i, st := range got.Stages {
		if st.Stage != want[i] || st.Raw != fmt.Sprintf("raw %d", i) {
			t.Errorf("stage %d = %s %q, want %s %q", i, st.Stage, st.Raw, want[i], fmt.Sprintf("raw %d", i))
		}
	}
}

// listFixture creates runs over two papers with mixed statuses; two pairs
// share a creation time to test tie order. It returns the runs in the
// expected list order (newest first, then ID descending).
func listFixture(t *testing.T, s papersum.Store) []*papersum.Run {
	t.Helper()
	ctx := context.Background()
	pa := putPaper(t, s, "sha256:list-a")
	pb := putPaper(t, s, "sha256:list-b")
	base := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	specs := []struct {
		id     string
		paper  string
		offset time.Duration
		status papersum.RunStatus
	}{
		{"r01", pa.ID, 1 * time.Second, papersum.RunSucceeded},
		{"r02", pb.ID, 2 * time.Second, papersum.RunFailed},
		{"r03", pa.ID, 3 * time.Second, papersum.RunRunning},
		{"r04", pa.ID, 3 * time.Second, papersum.RunSucceeded}, // tie with r03
		{"r05", pb.ID, 4*time.Second + 1, papersum.RunSucceeded},
		{"r06", pb.ID, 4*time.Second + 1, papersum.RunRunning}, // tie with r05
		{"r07", pa.ID, 5 * time.Second, papersum.RunFailed},
		{"r08", pb.ID, 6 * time.Second, papersum.RunSucceeded},
		{"r09", pa.ID, 7 * time.Second, papersum.RunRunning},
	}
	var runs []*papersum.Run
	// Create out of order, so that list order cannot come from insertion.
	for _, i := range []int{4, 0, 8, 2, 6, 1, 5, 3, 7} {
		sp := specs[i]
		r := createRun(t, s, sp.id, sp.paper, base.Add(sp.offset))
		st := stageResult(papersum.StageSummarize, base)
		must(t, s.AddStage(ctx, r.ID, &st))
		if sp.status != papersum.RunRunning {
			r.Status = sp.status
			if sp.status == papersum.RunFailed {
				r.Error = "failed " + sp.id
			}
			must(t, s.FinishRun(ctx, r))
		}
		r.Stages = []papersum.StageResult{st}
		runs = append(runs, r)
	}
	sort.Slice(runs, func(i, j int) bool {
		if !runs[i].CreatedAt.Equal(runs[j].CreatedAt) {
			return runs[i].CreatedAt.After(runs[j].CreatedAt)
		}
		return runs[i].ID > runs[j].ID
	})
	return runs
}

func ids(runs []*papersum.Run) []string {
	out := make([]string, len(runs))
	for i, r := range runs {
		out[i] = r.ID
	}
	return out
}

func filter(runs []*papersum.Run, keep func(*papersum.Run) bool) []*papersum.Run {
	var out []*papersum.Run
	for _, r := range runs {
		if keep(r) {
			out = append(out, r)
		}
	}
	return out
}

func wantIDs(t *testing.T, what string, got []*papersum.Run, want []string) {
	t.Helper()
	if g := ids(got); !reflect.DeepEqual(g, want) && !(len(g) == 0 && len(want) == 0) {
		t.Fatalf("%s = %v, want %v", what, g, want)
	}
}

func testListRunsOrderAndFilters(t *testing.T, s papersum.Store) {
	ctx := context.Background()
	all := listFixture(t, s)

	got, err := s.ListRuns(ctx, papersum.RunFilter{})
	must(t, err)
	wantIDs(t, "ListRuns()", got, ids(all))

	// Listed runs carry every field but the stages' raw output.
	for i, r := range got {
		if len(r.Stages) != len(all[i].Stages) {
			t.Fatalf("listed run %s has %d stages, want %d", r.ID, len(r.Stages), len(all[i].Stages))
		}
		want := *all[i]
		want.Stages = append([]papersum.StageResult(nil), all[i].Stages...)
		for j := range want.Stages {
			want.Stages[j].Raw = ""
		}
		diffRun(t, r, &want)
		wantUTC(t, r)
	}

	for _, st := range []papersum.RunStatus{papersum.RunRunning, papersum.RunSucceeded, papersum.RunFailed} {
		got, err := s.ListRuns(ctx, papersum.RunFilter{Status: st})
		must(t, err)
		wantIDs(t, fmt.Sprintf("ListRuns(status %s)", st), got, ids(filter(all, func(r *papersum.Run) bool { return r.Status == st })))
	}
	got, err = s.ListRuns(ctx, papersum.RunFilter{PaperID: "sha256:list-b"})
	must(t, err)
	wantIDs(t, "ListRuns(paper b)", got, ids(filter(all, func(r *papersum.Run) bool { return r.PaperID == "sha256:list-b" })))
	got, err = s.ListRuns(ctx, papersum.RunFilter{PaperID: "sha256:list-a", Status: papersum.RunSucceeded})
	must(t, err)
	wantIDs(t, "ListRuns(paper a, succeeded)", got, ids(filter(all, func(r *papersum.Run) bool {
		return r.PaperID == "sha256:list-a" && r.Status == papersum.RunSucceeded
	})))
	got, err = s.ListRuns(ctx, papersum.RunFilter{PaperID: "sha256:no-such-paper"})
	must(t, err)
	if len(got) != 0 {
		t.Fatalf("ListRuns(unknown paper) = %v, want none", ids(got))
	}
}

func testListRunsPaging(t *testing.T, s papersum.Store) {
	ctx := context.Background()
	all := listFixture(t, s)

	for _, f := range []papersum.RunFilter{
		{Limit: 1},
		{Limit: 2},
		{Limit: 4},
		{Limit: 2, PaperID: "sha256:list-a"},
		{Limit: 1, Status: papersum.RunSucceeded},
	} {
		want := ids(filter(all, func(r *papersum.Run) bool {
			return (f.PaperID == "" || r.PaperID == f.PaperID) && (f.Status == "" || r.Status == f.Status)
		}))
		var got []string
		for page := 0; ; page++ {
			if page > len(all)+1 {
				t.Fatalf("filter %+v: paging does not end", f)
			}
			runs, err := s.ListRuns(ctx, f)
			must(t, err)
			if len(runs) > f.Limit {
				t.Fatalf("filter %+v: page of %d runs, limit %d", f, len(runs), f.Limit)
			}
			if len(runs) == 0 {
				break
			}
			got = append(got, ids(runs)...)
			f.Before = runs[len(runs)-1].ID
		}
		// Runs created in the same nanosecond as the cursor are neither
		// skipped nor repeated.
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("filter %+v: paged %v, want %v", f, got, want)
		}
	}
}

func testListRunsLimits(t *testing.T, s papersum.Store) {
	ctx := context.Background()
	p := putPaper(t, s, "sha256:limits")
	base := time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC)
	const n = 55
	for i := 0; i < n; i++ {
		createRun(t, s, fmt.Sprintf("run-%03d", i), p.ID, base.Add(time.Duration(i)*time.Millisecond))
	}
	got, err := s.ListRuns(ctx, papersum.RunFilter{})
	must(t, err)
	if len(got) != 50 {
		t.Fatalf("ListRuns with no limit returned %d runs, want the default 50", len(got))
	}
	if got[0].ID != fmt.Sprintf("run-%03d", n-1) {
		t.Fatalf("first listed run %s, want the newest", got[0].ID)
	}
	got, err = s.ListRuns(ctx, papersum.RunFilter{Limit: 5000})
	must(t, err)
	if len(got) != n {
		t.Fatalf("ListRuns(limit 5000) returned %d runs, want all %d (a limit above the maximum is cut, not refused)", len(got), n)
	}
}

func testListRunsErrors(t *testing.T, s papersum.Store) {
	ctx := context.Background()
	_, err := s.ListRuns(ctx, papersum.RunFilter{Before: "run-missing"})
	wantCode(t, err, papersum.ENOTFOUND)
	_, err = s.ListRuns(ctx, papersum.RunFilter{Status: "paused"})
	wantCode(t, err, papersum.EINVALID)
	_, err = s.ListRuns(ctx, papersum.RunFilter{Limit: -1})
	wantCode(t, err, papersum.EINVALID)
	got, err := s.ListRuns(ctx, papersum.RunFilter{})
	must(t, err)
	if len(got) != 0 {
		t.Fatalf("empty store lists %d runs", len(got))
	}
}

func testConcurrentAddStage(t *testing.T, s papersum.Store) {
	ctx := context.Background()
	p := putPaper(t, s, "sha256:concurrent")
	at := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	const runs, writers, perWriter = 4, 8, 5
	for i := 0; i < runs; i++ {
		createRun(t, s, fmt.Sprintf("run-c%d", i), p.ID, at.Add(time.Duration(i)))
	}

	var wg sync.WaitGroup
	errs := make(chan error, writers*perWriter)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			runID := fmt.Sprintf("run-c%d", w%runs)
			for k := 0; k < perWriter; k++ {
				st := stageResult(papersum.StageSummarize, at)
				st.PromptVersion = fmt.Sprintf("w%d-%d", w, k)
				if err := s.AddStage(ctx, runID, &st); err != nil {
					errs <- fmt.Errorf("writer %d stage %d: %w", w, k, err)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	for i := 0; i < runs; i++ {
		got, err := s.GetRun(ctx, fmt.Sprintf("run-c%d", i))
		must(t, err)
		wantN := perWriter * (writers / runs)
		if len(got.Stages) != wantN {
			t.Fatalf("run %s has %d stages, want %d", got.ID, len(got.Stages), wantN)
		}
		// Each writer's stages keep that writer's order.
		next := map[string]int{}
		for _, st := range got.Stages {
			var w, k int
			if _, err := fmt.Sscanf(st.PromptVersion, "w%d-%d", &w, &k); err != nil {
				t.Fatalf("run %s: stage %q: %v", got.ID, st.PromptVersion, err)
			}
			key := fmt.Sprint(w)
			if k != next[key] {
				t.Fatalf("run %s: writer %d's stage %d came when %d was due", got.ID, w, k, next[key])
			}
			next[key]++
		}
	}
}

// testBatchJobs checks the BatchStore side of a store that has one.
// testRepeatedCalls checks the count of repeated calls: added up, read
// back by GetRun and ListRuns, refused when invalid or when the run is
// finished, and not lost under concurrent adds.
func testRepeatedCalls(t *testing.T, s papersum.Store) {
	ctx := context.Background()
	p := putPaper(t, s, "sha256:repeated")
	run := createRun(t, s, "run-repeated", p.ID, time.Date(2026, 5, 2, 12, 0, 0, 0, time.UTC))
	must(t, s.AddRepeatedCalls(ctx, run.ID, 2))
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.AddRepeatedCalls(ctx, run.ID, 1); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	got, err := s.GetRun(ctx, run.ID)
	must(t, err)
	if got.RepeatedCalls != 12 {
		t.Fatalf("GetRun: RepeatedCalls %d, want 12", got.RepeatedCalls)
	}
	wantCode(t, s.AddRepeatedCalls(ctx, run.ID, 0), papersum.EINVALID)
	wantCode(t, s.AddRepeatedCalls(ctx, run.ID, -1), papersum.EINVALID)
	wantCode(t, s.AddRepeatedCalls(ctx, "run-missing", 1), papersum.ENOTFOUND)
	run.Status, run.Summary = papersum.RunSucceeded, "done"
	must(t, s.FinishRun(ctx, run))
	wantCode(t, s.AddRepeatedCalls(ctx, run.ID, 1), papersum.ECONFLICT)
	list, err := s.ListRuns(ctx, papersum.RunFilter{PaperID: p.ID})
	must(t, err)
	if len(list) != 1 || list[0].RepeatedCalls != 12 {
		t.Fatalf("ListRuns: %d runs, RepeatedCalls %d, want 12", len(list), list[0].RepeatedCalls)
	}
}

// testAbandonedCalls checks the counts of abandoned calls: added per
// (stage, provider, model), kept in the order first counted, read back by
// GetRun and ListRuns, refused when invalid or when the run cannot take
// them, and not lost under concurrent adds.
func testAbandonedCalls(t *testing.T, s papersum.Store) {
	ctx := context.Background()
	p := putPaper(t, s, "sha256:abandoned")
	created := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	run := createRun(t, s, "run-abandoned", p.ID, created)
	got, err := s.GetRun(ctx, run.ID)
	must(t, err)
	if len(got.Abandoned) != 0 {
		t.Fatalf("a new run has abandoned calls %+v", got.Abandoned)
	}

	sonnet := papersum.AbandonedCalls{Stage: papersum.StageCritique, Provider: "anthropic", Model: "claude-sonnet-4-5", Calls: 2}
	haiku := papersum.AbandonedCalls{Stage: papersum.StageCritique, Provider: "anthropic", Model: "claude-haiku-4-5", Calls: 1}
	sum := papersum.AbandonedCalls{Stage: papersum.StageSummarize, Provider: "anthropic", Model: "claude-sonnet-4-5", Calls: 1}
	for _, a := range []papersum.AbandonedCalls{sonnet, haiku, sum, sonnet} {
		must(t, s.AddAbandonedCalls(ctx, run.ID, a))
	}
	want := []papersum.AbandonedCalls{
		{Stage: papersum.StageCritique, Provider: "anthropic", Model: "claude-sonnet-4-5", Calls: 4}, haiku, sum,
	}
	got, err = s.GetRun(ctx, run.ID)
	must(t, err)
	if !reflect.DeepEqual(got.Abandoned, want) {
		t.Fatalf("GetRun: abandoned calls %+v, want %+v", got.Abandoned, want)
	}
	if n := got.AbandonedTotal(); n != 6 {
		t.Errorf("AbandonedTotal = %d, want 6", n)
	}

	// Concurrent adds, as from the workers of several stages, all count.
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.AddAbandonedCalls(ctx, run.ID, haiku); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	want[1].Calls = 21

	for name, a := range map[string]papersum.AbandonedCalls{
		"unknown stage": {Stage: "draft", Provider: "anthropic", Model: "m", Calls: 1},
		"no model":      {Stage: papersum.StageRevise, Provider: "anthropic", Calls: 1},
		"zero calls":    {Stage: papersum.StageRevise, Provider: "anthropic", Model: "m"},
		"negative":      {Stage: papersum.StageRevise, Provider: "anthropic", Model: "m", Calls: -3},
	} {
		t.Run(name, func(t *testing.T) { wantCode(t, s.AddAbandonedCalls(ctx, run.ID, a), papersum.EINVALID) })
	}
	wantCode(t, s.AddAbandonedCalls(ctx, "run-missing", sum), papersum.ENOTFOUND)

	run.Status, run.Summary = papersum.RunFailed, ""
	run.Error, run.ErrorClass = "critique: timeout", papersum.ClassTimeout
	must(t, s.FinishRun(ctx, run))
	// A finished run never changes again.
	wantCode(t, s.AddAbandonedCalls(ctx, run.ID, sum), papersum.ECONFLICT)

	list, err := s.ListRuns(ctx, papersum.RunFilter{PaperID: p.ID})
	must(t, err)
	if len(list) != 1 || !reflect.DeepEqual(list[0].Abandoned, want) {
		t.Fatalf("ListRuns: %d runs, abandoned calls %+v, want %+v", len(list), list[0].Abandoned, want)
	}
	// A new run never carries counts: they are added as calls are
	// abandoned.
	r2 := newRun("run-abandoned-2", p.ID, created.Add(time.Second))
	r2.Abandoned = []papersum.AbandonedCalls{sum}
	wantCode(t, s.CreateRun(ctx, r2), papersum.EINVALID)

	js, ok := s.(papersum.JobStore)
	if !ok {
		return
	}
	// A cancel abandons the calls in flight; their count comes after it.
	r3 := createRun(t, s, "run-abandoned-3", p.ID, created.Add(2*time.Second))
	_, err = js.CancelRun(ctx, r3.ID)
	must(t, err)
	must(t, s.AddAbandonedCalls(ctx, r3.ID, sum))
	got, err = s.GetRun(ctx, r3.ID)
	must(t, err)
	if !reflect.DeepEqual(got.Abandoned, []papersum.AbandonedCalls{sum}) {
		t.Fatalf("canceled run: abandoned calls %+v, want %+v", got.Abandoned, []papersum.AbandonedCalls{sum})
	}
}

func testBatchJobs(t *testing.T, s papersum.Store) {
	bs, ok := s.(papersum.ProviderBatchStore)
	if !ok {
		t.Skip("store does not keep batch jobs")
	}
	ctx := context.Background()
	p := &papersum.Paper{ID: "sha256:batchpaper", Title: "B", Source: "b.txt", Format: "text",
		Sections: []papersum.Section{{Title: "A", Kind: papersum.KindAbstract, Sentences: []string{"x"}}}}
	if err := s.PutPaper(ctx, p); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"run_b1", "run_b2"} {
		if err := s.CreateRun(ctx, &papersum.Run{ID: id, PaperID: p.ID, Status: papersum.RunRunning}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := bs.PutJobRun(ctx, "job1", p.ID, "run_b1")
	if err != nil || got != "run_b1" {
		t.Fatalf("first PutJobRun: %q %v", got, err)
	}
	// A resumed job keeps the run it had.
	if got, err = bs.PutJobRun(ctx, "job1", p.ID, "run_b2"); err != nil || got != "run_b1" {
		t.Fatalf("second PutJobRun: %q %v", got, err)
	}
	if m, err := bs.JobRuns(ctx, "job1"); err != nil || len(m) != 1 || m[p.ID] != "run_b1" {
		t.Fatalf("JobRuns: %v %v", m, err)
	}
	_, err = bs.PutJobRun(ctx, "job2", p.ID, "run_missing")
	wantCode(t, err, papersum.EINVALID)

	at := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	b1 := &papersum.ProviderBatch{JobID: "job1", Stage: papersum.StageSummarize, Provider: "anthropic", BatchID: "msgbatch_1",
		RunIDs: []string{"run_b1"}, SubmittedAt: at}
	if err := bs.PutProviderBatch(ctx, b1); err != nil {
		t.Fatal(err)
	}
	wantCode(t, bs.PutProviderBatch(ctx, b1), papersum.ECONFLICT)
	wantCode(t, bs.PutProviderBatch(ctx, &papersum.ProviderBatch{JobID: "job1"}), papersum.EINVALID)
	b2 := *b1
	b2.BatchID, b2.Stage, b2.SubmittedAt = "msgbatch_2", papersum.StageCritique, at.Add(time.Minute)
	if err := bs.PutProviderBatch(ctx, &b2); err != nil {
		t.Fatal(err)
	}
	if err := bs.FinishProviderBatch(ctx, "anthropic", "msgbatch_1"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, bs.FinishProviderBatch(ctx, "anthropic", "nope"), papersum.ENOTFOUND)
	list, err := bs.ProviderBatches(ctx, "job1")
	if err != nil || len(list) != 2 {
		t.Fatalf("ProviderBatches: %v %v", list, err)
	}
	if !list[0].Done || list[1].Done || list[0].BatchID != "msgbatch_1" || !list[0].SubmittedAt.Equal(at) ||
		list[1].Stage != papersum.StageCritique || len(list[0].RunIDs) != 1 || list[0].RunIDs[0] != "run_b1" {
		t.Errorf("ProviderBatches: %+v", list)
	}
	if other, err := bs.ProviderBatches(ctx, "job2"); err != nil || len(other) != 0 {
		t.Errorf("other job: %v %v", other, err)
	}
}

// testEvals checks the EvalStore side of a store that has one.
func testEvals(t *testing.T, s papersum.Store) {
	es, ok := s.(papersum.EvalStore)
	if !ok {
		t.Skip("store does not keep evaluations")
	}
	ctx := context.Background()
	at := time.Date(2026, 3, 4, 5, 6, 7, 8, time.UTC)
	e := &papersum.EvalRecord{ID: "eval_1", Dataset: "jsonl:x.jsonl", DatasetHash: "sha256:d", ConfigHash: "sha256:c", CreatedAt: at,
		Items: []papersum.EvalItem{
			{ItemID: "a", Metrics: map[string]float64{"rouge2_f/human": 0.21, "overall": 8.5}, RunIDs: []string{"run_1", "run_2"}},
			{ItemID: "b", Error: "ingest b: empty file", Metrics: map[string]float64{}, RunIDs: []string{}},
		},
		Result: []byte(`{"schema":"papersum.eval/v1"}`)}
	if err := es.PutEval(ctx, e); err != nil {
		t.Fatal(err)
	}
	wantCode(t, es.PutEval(ctx, e), papersum.ECONFLICT)
	wantCode(t, es.PutEval(ctx, &papersum.EvalRecord{ID: "x"}), papersum.EINVALID)
	bad := *e
	bad.ID = "eval_nan"
	bad.Items = []papersum.EvalItem{{ItemID: "a", Metrics: map[string]float64{"m": math.NaN()}}}
	wantCode(t, es.PutEval(ctx, &bad), papersum.EINVALID)
	if _, err := es.GetEval(ctx, "eval_nan"); papersum.ErrorCode(err) != papersum.ENOTFOUND {
		t.Fatalf("a rejected evaluation was partly stored: %v", err)
	}
	got, err := es.GetEval(ctx, "eval_1")
	if err != nil {
		t.Fatal(err)
	}
	if !got.CreatedAt.Equal(at) || len(got.Items) != 2 || got.Items[0].Metrics["overall"] != 8.5 ||
		got.Items[0].RunIDs[1] != "run_2" || got.Items[1].Error == "" || string(got.Result) != string(e.Result) {
		t.Errorf("round trip: %+v", got)
	}
	_, err = es.GetEval(ctx, "nope")
	wantCode(t, err, papersum.ENOTFOUND)
	list, err := es.ListEvals(ctx, 10)
	if err != nil || len(list) != 1 || list[0].ID != "eval_1" || list[0].Items != nil {
		t.Errorf("ListEvals: %+v %v", list, err)
	}
}

// testAPIKeys checks the KeyStore side of a store that has one. Hashes are
// opaque bytes to a store, so the suite uses made-up ones, including NUL
// and bytes that are not UTF-8, to catch a store that keeps them as text.
func testAPIKeys(t *testing.T, s papersum.Store) {
	ks, ok := s.(papersum.KeyStore)
	if !ok {
		t.Skip("store does not keep API keys")
	}
	ctx := context.Background()
	hash := func(i byte) []byte {
		h := make([]byte, 32)
		for j := range h {
			h[j] = i ^ byte(j*37)
		}
		h[0], h[1] = 0x00, 0xff
		return h
	}
	created := time.Date(2026, 5, 6, 7, 8, 9, 123456789, zone)
	expires := created.Add(90 * 24 * time.Hour)
	k1 := &papersum.APIKey{ID: "k1", Team: "team-a", User: unicode, Scope: papersum.ScopeRead, Prefix: "psk_k1",
		CreatedAt: created, ExpiresAt: &expires}
	must(t, ks.CreateKey(ctx, k1, hash(1)))

	for name, get := range map[string]func() (*papersum.APIKey, error){
		"KeyByHash": func() (*papersum.APIKey, error) { return ks.KeyByHash(ctx, hash(1)) },
		"KeyByID":   func() (*papersum.APIKey, error) { return ks.KeyByID(ctx, "k1") },
	} {
		got, err := get()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got.ID != "k1" || got.Team != "team-a" || got.User != unicode || got.Scope != papersum.ScopeRead ||
			got.Prefix != "psk_k1" || got.RevokedAt != nil || got.ExpiresAt == nil {
			t.Fatalf("%s round trip: %+v", name, got)
		}
		if !got.CreatedAt.Equal(created) || got.CreatedAt.Location() != time.UTC ||
			!got.ExpiresAt.Equal(expires) || got.ExpiresAt.Location() != time.UTC {
			t.Errorf("%s times: created %v expires %v; want %v and %v in UTC", name, got.CreatedAt, got.ExpiresAt, created, expires)
		}
	}

	// A zero CreatedAt is stamped and written back.
	k2 := &papersum.APIKey{ID: "k2", Team: "team-a", User: "bob", Scope: papersum.ScopeAdmin, Prefix: "psk_k2"}
	must(t, ks.CreateKey(ctx, k2, hash(2)))
	if k2.CreatedAt.IsZero() {
		t.Error("CreateKey did not stamp a zero CreatedAt")
	}

	// The same secret or the same ID again is a conflict, and nothing of
	// the refused key is stored.
	wantCode(t, ks.CreateKey(ctx, &papersum.APIKey{ID: "k3", Team: "team-b", User: "eve", Scope: papersum.ScopeAdmin}, hash(1)), papersum.ECONFLICT)
	wantCode(t, ks.CreateKey(ctx, &papersum.APIKey{ID: "k1", Team: "team-b", User: "eve", Scope: papersum.ScopeAdmin}, hash(3)), papersum.ECONFLICT)
	if _, err := ks.KeyByID(ctx, "k3"); papersum.ErrorCode(err) != papersum.ENOTFOUND {
		t.Fatalf("a refused key was stored: %v", err)
	}
	if _, err := ks.KeyByHash(ctx, hash(3)); papersum.ErrorCode(err) != papersum.ENOTFOUND {
		t.Fatalf("a refused key's hash was stored: %v", err)
	}
	if got, err := ks.KeyByHash(ctx, hash(1)); err != nil || got.Team != "team-a" {
		t.Fatalf("a conflicting create changed the stored key: %+v %v", got, err)
	}

	for name, k := range map[string]*papersum.APIKey{
		"nil":        nil,
		"no ID":      {Team: "t", User: "u", Scope: papersum.ScopeRead},
		"no team":    {ID: "x", User: "u", Scope: papersum.ScopeRead},
		"no user":    {ID: "x", Team: "t", Scope: papersum.ScopeRead},
		"bad scope":  {ID: "x", Team: "t", User: "u", Scope: "root"},
		"no scope":   {ID: "x", Team: "t", User: "u"},
		"upper case": {ID: "x", Team: "t", User: "u", Scope: "ADMIN"},
	} {
		if err := ks.CreateKey(ctx, k, hash(9)); papersum.ErrorCode(err) != papersum.EINVALID {
			t.Errorf("%s: CreateKey = %v, want %s", name, err, papersum.EINVALID)
		}
	}
	wantCode(t, ks.CreateKey(ctx, &papersum.APIKey{ID: "x", Team: "t", User: "u", Scope: papersum.ScopeRead}, nil), papersum.EINVALID)

	// Lookups are by the exact bytes.
	_, err := ks.KeyByHash(ctx, hash(1)[:31])
	wantCode(t, err, papersum.ENOTFOUND)
	_, err = ks.KeyByHash(ctx, hash(7))
	wantCode(t, err, papersum.ENOTFOUND)
	_, err = ks.KeyByHash(ctx, nil)
	wantCode(t, err, papersum.ENOTFOUND)
	_, err = ks.KeyByID(ctx, "nope")
	wantCode(t, err, papersum.ENOTFOUND)

	// Revocation: stored as given, brought forward but never put off.
	wantCode(t, ks.RevokeKey(ctx, "nope", created), papersum.ENOTFOUND)
	revokeAt := func(id string) *time.Time {
		t.Helper()
		k, err := ks.KeyByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return k.RevokedAt
	}
	t1 := created.Add(time.Hour)
	must(t, ks.RevokeKey(ctx, "k1", t1))
	if at := revokeAt("k1"); at == nil || !at.Equal(t1) {
		t.Fatalf("revoked at %v, want %v", at, t1)
	}
	must(t, ks.RevokeKey(ctx, "k1", t1.Add(time.Hour)))
	if at := revokeAt("k1"); at == nil || !at.Equal(t1) {
		t.Fatalf("a later revocation moved %v to %v", t1, at)
	}
	t0 := created.Add(time.Minute)
	must(t, ks.RevokeKey(ctx, "k1", t0))
	if at := revokeAt("k1"); at == nil || !at.Equal(t0) {
		t.Fatalf("an earlier revocation left %v, want %v", at, t0)
	}
	must(t, ks.RevokeKey(ctx, "k2", time.Time{}))
	if at := revokeAt("k2"); at == nil || at.IsZero() {
		t.Fatalf("revocation with a zero time: revoked at %v, want the store's clock", at)
	}
	// A revoked key is still found: the caller decides what it means.
	if got, err := ks.KeyByHash(ctx, hash(1)); err != nil || got.RevokedAt == nil {
		t.Fatalf("revoked key by hash: %+v %v", got, err)
	}

	// Listing: by team, newest first, revoked keys included.
	for i, team := range []string{"team-a", "team-b", "team-a"} {
		id := fmt.Sprint("list", i)
		must(t, ks.CreateKey(ctx, &papersum.APIKey{ID: id, Team: team, User: "u", Scope: papersum.ScopeWrite, Prefix: "psk_" + id,
			CreatedAt: created.Add(time.Duration(i+1) * time.Second)}, hash(byte(100+i))))
	}
	keyIDs := func(ks []*papersum.APIKey) []string {
		out := []string{}
		for _, k := range ks {
			out = append(out, k.ID)
		}
		return out
	}
	list, err := ks.ListKeys(ctx, "team-a")
	must(t, err)
	// k2 was stamped by the store's clock, which may be any time, so only
	// the keys with known times are checked for order.
	var known []*papersum.APIKey
	for _, k := range list {
		if k.ID != "k2" {
			known = append(known, k)
		}
	}
	if got, want := keyIDs(known), []string{"list2", "list0", "k1"}; !reflect.DeepEqual(got, want) || len(list) != 4 {
		t.Errorf("ListKeys(team-a) = %v, want %v and k2", keyIDs(list), want)
	}
	if list, err := ks.ListKeys(ctx, "team-b"); err != nil || !reflect.DeepEqual(keyIDs(list), []string{"list1"}) {
		t.Errorf("ListKeys(team-b) = %v, %v", keyIDs(list), err)
	}
	if list, err := ks.ListKeys(ctx, "nobody"); err != nil || len(list) != 0 {
		t.Errorf("ListKeys(nobody) = %v, %v", keyIDs(list), err)
	}
	if list, err := ks.ListKeys(ctx, ""); err != nil || len(list) != 5 {
		t.Errorf("ListKeys(\"\") = %v, %v; want all 5", keyIDs(list), err)
	}
}
