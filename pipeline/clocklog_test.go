package pipeline

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/sqlite"
)

type fixedClock time.Time

func (c fixedClock) Now() time.Time { return time.Time(c) }

// datedPricer records the time each price was asked for.
type datedPricer struct {
	flatPricer
	at []time.Time
}

func (p *datedPricer) Price(provider, model string, u papersum.Usage, batch bool, at time.Time) (float64, error) {
	p.at = append(p.at, at)
	return p.flatPricer.Price(provider, model, u, batch, at)
}

// TestJudgePricesAtItsClock: the judge dates its prices by its Clock, as
// the stages do, not by the wall clock.
func TestJudgePricesAtItsClock(t *testing.T) {
	tmpl, err := JudgeTemplate("")
	if err != nil {
		t.Fatal(err)
	}
	m := &scriptedModel{replies: map[papersum.Stage]string{papersum.StageCritique: goodCritique}}
	p := &datedPricer{}
	j := NewJudge("test", "m", m, p, tmpl)
	at := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	j.Clock = fixedClock(at)
	if _, err := j.Grade(context.Background(), testPaper(), "We parse.", 50); err != nil {
		t.Fatal(err)
	}
	if len(p.at) != 1 || !p.at[0].Equal(at) {
		t.Fatalf("priced at %v, want %v", p.at, at)
	}
}

// finishFails is a store whose FinishRun fails.
type finishFails struct{ papersum.Store }

func (finishFails) FinishRun(context.Context, *papersum.Run) error {
	return papersum.Errorf(papersum.EUNAVAILABLE, "disk full")
}

// TestFailedRunStoreErrorIsLogged: when a run fails and storing its
// failure fails too (the batch path's finish, and Run), the store's error
// is logged with the run, not dropped.
func TestFailedRunStoreErrorIsLogged(t *testing.T) {
	store, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "p.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	m := &scriptedModel{errs: map[papersum.Stage]error{papersum.StageSummarize: errors.New("boom")}}
	stages := map[papersum.Stage]StageModel{}
	for _, s := range papersum.Stages {
		stages[s] = StageModel{Provider: "test", Model: "m", Client: m, MaxTokens: 100}
	}
	var logs bytes.Buffer
	r, err := NewRunner(RunnerConfig{Stages: stages, Store: finishFails{store}, Pricer: flatPricer{}, ConfigHash: "cfg",
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Run(context.Background(), testPaper(), Options{}); err == nil {
		t.Fatal("run succeeded")
	}
	if !strings.Contains(logs.String(), "record failed run") || !strings.Contains(logs.String(), "disk full") {
		t.Fatalf("the store's error is not logged:\n%s", logs.String())
	}
}
