package budget_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/budget"
	"github.com/papersum/papersum/llm/pricing"
	"github.com/papersum/papersum/sqlite"
	"github.com/papersum/papersum/telemetry"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

type notifier struct {
	mu     sync.Mutex
	events []budget.ThresholdEvent
}

func (n *notifier) NotifyThreshold(_ context.Context, e budget.ThresholdEvent) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.events = append(n.events, e)
	return nil
}

func (n *notifier) thresholds() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []string
	for _, e := range n.events {
		out = append(out, fmt.Sprintf("%s %s %d", e.Budget.Scope, e.Budget.ID, e.Threshold))
	}
	return out
}

type fixture struct {
	store *sqlite.DB
	clock *clock
	note  *notifier
	reg   *prometheus.Registry
	enf   *budget.Enforcer
	n     int
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, ":memory:", sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.PutPaper(ctx, &papersum.Paper{ID: "sha256:p", Title: "p", Format: "text",
		Sections: []papersum.Section{{Title: "Body", Kind: papersum.KindOther, Sentences: []string{"One sentence."}}}}); err != nil {
		t.Fatal(err)
	}
	prices, err := pricing.Default()
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{store: db, clock: &clock{t: time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)}, note: &notifier{}, reg: prometheus.NewRegistry()}
	m, err := telemetry.NewBudgetMetrics(f.reg)
	if err != nil {
		t.Fatal(err)
	}
	f.enf, err = budget.New(budget.Config{Budgets: db, Reports: db, Prices: prices, Clock: f.clock, Notifier: f.note, Metrics: m})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// run stores a finished run of team and key, created now, that cost
// inputM million input tokens of claude-sonnet-4-5 ($3 per million), and
// hands it to RunFinished.
func (f *fixture) run(t *testing.T, team, key string, inputM int64) *papersum.Run {
	t.Helper()
	f.n++
	now := f.clock.Now()
	r := &papersum.Run{ID: fmt.Sprintf("run_%d", f.n), PaperID: "sha256:p", Title: "p", ConfigHash: "sha256:c", TargetWords: 100,
		CreatedAt: now, Team: team, User: "u", KeyID: key,
		Stages: []papersum.StageResult{{Stage: papersum.StageSummarize, Provider: "anthropic", Model: "claude-sonnet-4-5",
			PromptVersion: "sha256:v", Raw: "r", Output: "o", Usage: papersum.Usage{InputTokens: inputM * 1_000_000},
			StopReason: papersum.StopEnd, StartedAt: now, CostUSD: 0.01}}}
	if err := f.store.CreateRun(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	fin := now.Add(time.Second)
	r.Status, r.Summary, r.FinishedAt = papersum.RunSucceeded, "s", &fin
	if err := f.store.FinishRun(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	f.enf.RunFinished(context.Background(), r)
	return r
}

func (f *fixture) put(t *testing.T, b papersum.Budget) {
	t.Helper()
	b.CreatedAt = f.clock.Now()
	if err := f.store.PutBudget(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
}

// used reads pipeline_budget_used_ratio{team,period} from the registry
// (-1 when absent).
func (f *fixture) used(t *testing.T, team, period string) float64 {
	t.Helper()
	mfs, err := f.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "pipeline_budget_used_ratio" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["team"] == team && labels["period"] == period {
				return m.GetGauge().GetValue()
			}
		}
	}
	return -1
}

// TestEnforcer: the spend of the current period is priced from the
// store; thresholds fire once each per period, in order, with the
// percentage; the hard limit refuses with the budget, spend and reset
// time; another team, and the next period, are not refused.
func TestEnforcer(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.put(t, papersum.Budget{Scope: papersum.BudgetTeam, ID: "physics", Period: papersum.BudgetDay, LimitUSD: 12})

	// Yesterday's spend does not count today.
	f.clock.set(f.clock.Now().AddDate(0, 0, -1))
	f.run(t, "physics", "k1", 10)
	f.clock.set(f.clock.Now().AddDate(0, 0, 1))
	f.note.events = nil
	if err := f.enf.Check(ctx, "physics", "k1"); err != nil {
		t.Fatalf("yesterday's $30 refuses today: %v", err)
	}

	f.run(t, "physics", "k1", 2) // $6 of $12: 50%
	if got := f.note.thresholds(); strings.Join(got, ";") != "team physics 50" {
		t.Fatalf("after 50%%: events %v", got)
	}
	if e := f.note.events[0]; e.UsedPercent != 50 || e.SpentUSD != 6 || !e.ResetsAt.Equal(time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("event %+v", e)
	}
	if got := f.used(t, "physics", "day"); got != 0.5 {
		t.Fatalf("used ratio %v, want 0.5", got)
	}
	f.run(t, "other", "k9", 1) // another team: nothing
	f.run(t, "physics", "k1", 0)
	if got := f.note.thresholds(); len(got) != 1 {
		t.Fatalf("50%% fired again: %v", got)
	}
	if err := f.enf.Check(ctx, "physics", "k1"); err != nil {
		t.Fatalf("at 50%%: %v", err)
	}

	f.run(t, "physics", "k2", 2) // $12 of $12: 80 and 95 at once, and spent
	if got := strings.Join(f.note.thresholds(), ";"); got != "team physics 50;team physics 80;team physics 95" {
		t.Fatalf("after 100%%: events %s", got)
	}
	err := f.enf.Check(ctx, "physics", "k3")
	if papersum.ErrorCode(err) != papersum.EBUDGET {
		t.Fatalf("spent budget: %v, want %s", err, papersum.EBUDGET)
	}
	var ex *papersum.BudgetExceeded
	if !errors.As(err, &ex) || ex.SpentUSD != 12 || ex.Budget.LimitUSD != 12 || ex.Budget.ID != "physics" ||
		!ex.ResetsAt.Equal(time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("exceeded %+v", ex)
	}
	if !strings.Contains(papersum.ErrorMessage(err), "team physics, day") {
		t.Fatalf("message %q", papersum.ErrorMessage(err))
	}
	if err := f.enf.Check(ctx, "other", "k9"); err != nil {
		t.Fatalf("another team: %v", err)
	}

	// The next day: the budget resets, and 50% fires again.
	f.clock.set(time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC))
	if err := f.enf.Check(ctx, "physics", "k3"); err != nil {
		t.Fatalf("next day: %v", err)
	}
	f.run(t, "physics", "k1", 2)
	if got := f.note.thresholds(); len(got) != 4 || got[3] != "team physics 50" {
		t.Fatalf("next day's events %v", got)
	}
}

// TestKeyBudget: a key's month budget counts that key's runs only, of
// any team, and refuses that key only.
func TestKeyBudget(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.put(t, papersum.Budget{Scope: papersum.BudgetKey, ID: "k1", Period: papersum.BudgetMonth, LimitUSD: 9, Thresholds: []int{}})
	f.run(t, "a", "k1", 1)
	f.run(t, "b", "k2", 5)
	f.clock.set(f.clock.Now().AddDate(0, 0, 10))
	f.run(t, "b", "k1", 2)
	err := f.enf.Check(ctx, "a", "k1")
	var ex *papersum.BudgetExceeded
	if !errors.As(err, &ex) || ex.SpentUSD != 9 || !ex.ResetsAt.Equal(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("key budget: %v %+v", err, ex)
	}
	if err := f.enf.Check(ctx, "a", "k2"); err != nil {
		t.Fatalf("another key: %v", err)
	}
	if len(f.note.events) != 0 {
		t.Fatalf("no thresholds, events %v", f.note.thresholds())
	}
}

// TestGuardOnlySubmissions: a spent budget refuses Submit and
// CreateBatch, and lets everything else through, so a run in flight is
// waited on, read and finished as usual.
func TestGuardOnlySubmissions(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.put(t, papersum.Budget{Scope: papersum.BudgetTeam, ID: "physics", Period: papersum.BudgetDay, LimitUSD: 3})
	f.run(t, "physics", "k1", 1)
	inner := &fakeSummaries{}
	s := budget.Guard(inner, f.enf)
	if _, err := s.Submit(ctx, papersum.SubmitRequest{Text: "x", Team: "physics", KeyID: "k1"}); papersum.ErrorCode(err) != papersum.EBUDGET {
		t.Fatalf("submit: %v", err)
	}
	if _, err := budget.GuardBatches(inner, f.enf).CreateBatch(ctx, papersum.SubmissionBatchRequest{Team: "physics"}); papersum.ErrorCode(err) != papersum.EBUDGET {
		t.Fatalf("batch: %v", err)
	}
	if _, err := s.Wait(ctx, "run_in_flight"); err != nil || inner.calls != "wait" {
		t.Fatalf("wait: %v %q", err, inner.calls)
	}
	if _, err := s.Submit(ctx, papersum.SubmitRequest{Text: "x", Team: "nlp", KeyID: "k5"}); err != nil || inner.calls != "wait,submit" {
		t.Fatalf("another team's submit: %v %q", err, inner.calls)
	}
}

type fakeSummaries struct {
	papersum.Summaries
	papersum.SubmissionBatches
	calls string
}

func (f *fakeSummaries) add(c string) {
	if f.calls != "" {
		f.calls += ","
	}
	f.calls += c
}

func (f *fakeSummaries) Submit(context.Context, papersum.SubmitRequest) (papersum.SubmitResult, error) {
	f.add("submit")
	return papersum.SubmitResult{RunID: "r"}, nil
}

func (f *fakeSummaries) Wait(context.Context, string) (*papersum.Run, error) {
	f.add("wait")
	return &papersum.Run{}, nil
}
