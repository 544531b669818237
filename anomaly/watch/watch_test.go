package watch

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/anomaly"
	"github.com/papersum/papersum/sqlite"
)

type fakeMetrics struct {
	mu     sync.Mutex
	counts map[string]int
	scores map[string]float64
}

func (m *fakeMetrics) Anomaly(signal, model, dir string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.counts[signal+"|"+model+"|"+dir]++
}

func (m *fakeMetrics) SetScore(signal, model string, z float64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.scores[signal+"|"+model] = z
}

type fakeNotifier struct {
	mu  sync.Mutex
	got []*papersum.AnomalyRecord
}

func (n *fakeNotifier) Notify(_ context.Context, a *papersum.AnomalyRecord) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.got = append(n.got, a)
	return nil
}

// run is a succeeded run of "p/m" whose summarize stage takes lat
// seconds; the rest varies a little.
func run(r *rand.Rand, id string, lat float64, at time.Time) *papersum.Run {
	jit := func(x float64) float64 { return x * math.Exp(0.1*r.NormFloat64()) }
	var stages []papersum.StageResult
	for _, s := range papersum.Stages {
		l := jit(2)
		if s == papersum.StageSummarize {
			l = lat
		}
		stages = append(stages, papersum.StageResult{Stage: s, Provider: "p", Model: "m",
			Usage:   papersum.Usage{InputTokens: int64(jit(3000)), OutputTokens: int64(jit(200))},
			CostUSD: jit(0.01), Latency: time.Duration(l * float64(time.Second))})
	}
	fin := at
	return &papersum.Run{ID: id, PaperID: "sha256:p", Status: papersum.RunSucceeded, Stages: stages, FinishedAt: &fin,
		Scores: &papersum.Scores{Accuracy: 8, Completeness: 8, Clarity: 8, Coherence: 8 + 0.2*r.NormFloat64(), JudgeVersion: "j/1"}}
}

// TestWatcher: a ×3 latency step after 200 runs is counted, stored,
// notified and scored; the stationary runs before it raise nothing.
func TestWatcher(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, ":memory:", sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	m := &fakeMetrics{counts: map[string]int{}, scores: map[string]float64{}}
	n := &fakeNotifier{}
	w, err := New(Config{Monitor: anomaly.DefaultMonitorConfig(), Store: store, Metrics: m, Notifier: n})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	for i := range 240 {
		lat := 4 * math.Exp(0.1*r.NormFloat64())
		if i >= 200 {
			lat *= 3
		}
		w.RunFinished(ctx, run(r, fmt.Sprintf("run-%03d", i), lat, base.Add(time.Duration(i)*time.Minute)))
	}
	w.Close()
	got, err := store.ListAnomalies(ctx, papersum.AnomalyFilter{})
	if err != nil {
		t.Fatal(err)
	}
	// The first alarm, then escalations (a score twice the last alarm's)
	// while the step enters the recent mean: all on the stepped series.
	if len(got) == 0 {
		t.Fatal("no anomaly stored")
	}
	for _, a := range got {
		if a.Signal != "latency.summarize" || a.Model != "p/m" || a.Direction != "up" || a.ID != a.RunID+"/latency.summarize" {
			t.Errorf("stored %+v; want upward latency.summarize anomalies of p/m only", *a)
		}
	}
	a := got[len(got)-1] // the oldest
	if a.RunID < "run-200" || a.RunID > "run-220" || !a.DetectedAt.Equal(base.Add(time.Duration(a.N-1)*time.Minute)) {
		t.Errorf("first anomaly %+v: want a run within 20 of the step, stamped with its finish time", *a)
	}
	if m.counts["latency.summarize|p/m|up"] != len(got) || len(m.counts) != 1 {
		t.Errorf("counted %v, want %d", m.counts, len(got))
	}
	if z := m.scores["latency.summarize|p/m"]; z < 3.5 {
		t.Errorf("last latency score %v, want above the threshold", z)
	}
	if len(m.scores) != 8 { // cost, tokens and latency of 3 stages, quality
		t.Errorf("scores of %d series: %v", len(m.scores), m.scores)
	}
	sent := map[papersum.AnomalyRecord]bool{}
	for _, x := range n.got {
		sent[*x] = true
	}
	for _, x := range got {
		if !sent[*x] {
			t.Errorf("stored anomaly %+v was not notified", *x)
		}
	}
	if len(n.got) != len(got) {
		t.Errorf("notified %d anomalies, stored %d", len(n.got), len(got))
	}
}

// TestRestore: a Watcher restored from the store's runs is past its
// warm-up: the step is detected as quickly as by a Watcher that never
// stopped, and the stored runs raise nothing again.
func TestRestore(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, ":memory:", sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if err := store.PutPaper(ctx, &papersum.Paper{ID: "sha256:p", Title: "P", Sections: []papersum.Section{}}); err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(3, 4))
	base := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	for i := range 150 {
		run := run(r, fmt.Sprintf("run-%03d", i), 4*math.Exp(0.1*r.NormFloat64()), base.Add(time.Duration(i)*time.Minute))
		stages, fin := run.Stages, run.FinishedAt
		run.Status, run.Stages, run.FinishedAt, run.CreatedAt = papersum.RunRunning, nil, nil, base.Add(time.Duration(i)*time.Minute)
		if err := store.CreateRun(ctx, run); err != nil {
			t.Fatal(err)
		}
		for j := range stages {
			if err := store.AddStage(ctx, run.ID, &stages[j]); err != nil {
				t.Fatal(err)
			}
		}
		run.Status, run.FinishedAt = papersum.RunSucceeded, fin
		if err := store.FinishRun(ctx, run); err != nil {
			t.Fatal(err)
		}
	}
	m := &fakeMetrics{counts: map[string]int{}, scores: map[string]float64{}}
	w, err := New(Config{Monitor: anomaly.DefaultMonitorConfig(), Store: store, Metrics: m})
	if err != nil {
		t.Fatal(err)
	}
	n, err := w.Restore(ctx, store, 120)
	if err != nil || n != 120 {
		t.Fatalf("Restore = %d, %v; want the 120 newest runs", n, err)
	}
	var first string
	for i := range 30 {
		id := fmt.Sprintf("new-%02d", i)
		w.RunFinished(ctx, run(r, id, 12*math.Exp(0.1*r.NormFloat64()), base.Add(time.Duration(200+i)*time.Minute)))
		if first == "" && len(m.counts) > 0 {
			first = id
		}
	}
	if first == "" || first > "new-20" {
		t.Fatalf("first anomaly after the restart at %q (counts %v); want within 20 runs of the step", first, m.counts)
	}
	// Without the restore the same runs would only warm the series up.
	cold, _ := New(Config{Monitor: anomaly.DefaultMonitorConfig(), Metrics: &fakeMetrics{counts: map[string]int{}, scores: map[string]float64{}}})
	for i := range 30 {
		cold.RunFinished(ctx, run(r, fmt.Sprintf("cold-%02d", i), 12, base))
	}
	if c := cold.cfg.Metrics.(*fakeMetrics).counts; len(c) != 0 {
		t.Fatalf("a cold watcher raised %v during its warm-up", c)
	}
}
