package driftwatch

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/drift"
	"github.com/papersum/papersum/drift/signals"
)

// memStore is an in-memory DriftStore (the SQL stores pass storetest's
// Drift case; this test is about the monitor).
type memStore struct {
	mu     sync.Mutex
	states map[string]papersum.DriftState
	events []papersum.DriftEvent
}

func newMemStore() *memStore { return &memStore{states: map[string]papersum.DriftState{}} }

func (s *memStore) PutDriftStates(_ context.Context, sts []papersum.DriftState) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range sts {
		if err := st.Validate(); err != nil {
			return err
		}
		st.State = append([]byte(nil), st.State...)
		s.states[st.Signal+"|"+st.Model+"|"+st.Detector] = st
	}
	return nil
}

func (s *memStore) DriftStates(context.Context) ([]papersum.DriftState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []papersum.DriftState
	for _, st := range s.states {
		out = append(out, st)
	}
	return out, nil
}

func (s *memStore) AddDriftEvent(_ context.Context, e *papersum.DriftEvent) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events = append(s.events, *e)
	return nil
}

func (s *memStore) DriftEvents(context.Context, time.Time, time.Time) ([]papersum.DriftEvent, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]papersum.DriftEvent(nil), s.events...), nil
}

type fakeNotifier struct {
	mu   sync.Mutex
	sent []json.RawMessage
}

func (n *fakeNotifier) Deliver(_ context.Context, url, id string, payload any) error {
	b, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	n.mu.Lock()
	n.sent = append(n.sent, b)
	n.mu.Unlock()
	return nil
}

type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

// run makes a finished run whose summary has words words.
func run(i, words int, at time.Time) *papersum.Run {
	return &papersum.Run{ID: fmt.Sprintf("run_%d", i), Status: papersum.RunSucceeded, ConfigHash: "sha256:cfg",
		Summary: strings.Repeat("word ", words), FinishedAt: &at,
		Stages: []papersum.StageResult{{Stage: papersum.StageSummarize, Provider: "anthropic", Model: "claude-x-20261101",
			PromptVersion: "sum-v1", Latency: time.Second}}}
}

func TestMonitorDetectsAndSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	store := newMemStore()
	reg := prometheus.NewRegistry()
	notif := &fakeNotifier{}
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	cfg := Config{Store: store, Registerer: reg, Clock: fixedClock{t0}, Notifier: notif, WebhookURL: "http://hook.example/drift",
		Signals: []string{signals.OutputWords}}
	m, err := New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	i := 0
	feed := func(m *Monitor, n, words int) {
		for range n {
			if err := m.Observe(ctx, nil, run(i, words, t0.Add(time.Duration(i)*time.Minute))); err != nil {
				t.Fatal(err)
			}
			i++
		}
	}
	feed(m, 100, 100+0) // stationary: constant length
	if got := testutil.ToFloat64(m.detected.WithLabelValues(signals.OutputWords, "ADWIN")); got != 0 {
		t.Fatalf("%v detections on a constant stream", got)
	}
	// Nothing is saved before SaveEvery has passed on the clock (it
	// stands still here); Close saves.
	if len(store.states) != 0 {
		t.Fatalf("%d states saved before SaveEvery passed", len(store.states))
	}
	// Restart: a new monitor on the same store continues the detector.
	m.Close()
	saved := store.states[signals.OutputWords+"|anthropic/claude-x-20261101|ADWIN"]
	m2, err := New(ctx, Config{Store: store, Registerer: prometheus.NewRegistry(), Clock: fixedClock{t0}, Notifier: notif,
		WebhookURL: "http://hook.example/drift", Signals: []string{signals.OutputWords}})
	if err != nil {
		t.Fatal(err)
	}
	e := m2.dets[key{signals.OutputWords, "anthropic/claude-x-20261101", "ADWIN"}]
	if e == nil || e.n != 100 || saved.Observations != 100 {
		t.Fatalf("restored detector: %+v (saved %d observations)", e, saved.Observations)
	}
	feed(m2, 100, 20) // the summaries shrink
	m2.Close()
	if len(store.events) == 0 {
		t.Fatal("no drift detected after the summaries shrank")
	}
	ev := store.events[0]
	if ev.Signal != signals.OutputWords || ev.Detector != "ADWIN" || ev.Model != "anthropic/claude-x-20261101" {
		t.Errorf("event: %+v", ev)
	}
	// The detection counts on the restarted monitor's registry.
	if got := testutil.ToFloat64(m2.detected.WithLabelValues(signals.OutputWords, "ADWIN")); got != float64(len(store.events)) {
		t.Errorf("counter %v, events %d", got, len(store.events))
	}
	// The window starts at the first value ever seen: the restart did not
	// reset it.
	if !ev.WindowStart.Equal(t0) {
		t.Errorf("window start %v, want %v (the detector's first value, before the restart)", ev.WindowStart, t0)
	}
	if len(notif.sent) != len(store.events) {
		t.Fatalf("%d webhooks, %d events", len(notif.sent), len(store.events))
	}
	var body Event
	if err := json.Unmarshal(notif.sent[0], &body); err != nil {
		t.Fatal(err)
	}
	if body.Type != EventType || body.ResponseModels["summarize"] != "anthropic/claude-x-20261101" ||
		body.PromptVersions["summarize"] != "sum-v1" || body.ConfigHash != "sha256:cfg" || body.Window.Observations <= 100 {
		t.Errorf("webhook body: %s", notif.sent[0])
	}
}

func TestConfigErrors(t *testing.T) {
	ctx := context.Background()
	for name, cfg := range map[string]Config{
		"no store":        {},
		"url, no sender":  {Store: newMemStore(), WebhookURL: "http://x"},
		"unknown signal":  {Store: newMemStore(), Signals: []string{"nope"}},
		"categorical":     {Store: newMemStore(), Signals: []string{signals.InputFormat}},
		"binary detector": {Store: newMemStore(), Detectors: map[signals.Kind]drift.Kind{signals.Numeric: drift.KindDDM}},
		"bad params":      {Store: newMemStore(), Params: map[drift.Kind]json.RawMessage{drift.KindADWIN: json.RawMessage(`{"delta":-1}`)}},
	} {
		if _, err := New(ctx, cfg); papersum.ErrorCode(err) != papersum.EINVALID {
			t.Errorf("%s: got %v, want EINVALID", name, err)
		}
	}
}
