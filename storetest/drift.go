package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/papersum/papersum"
)

// testDrift: detector states are replaced per (signal, model, detector)
// and come back whole; events round-trip, conflict on their ID, and are
// selected by a half-open time range.
func testDrift(t *testing.T, s papersum.Store) {
	ds, ok := s.(papersum.DriftStore)
	if !ok {
		t.Skip("store does not keep drift detectors")
	}
	ctx := context.Background()
	t0 := time.Date(2026, 11, 2, 3, 4, 5, 6, zone)
	a := papersum.DriftState{Signal: "output.summary_words", Model: "local/local", Detector: "ADWIN",
		State: []byte(`{"kind":"ADWIN","n":1}`), Observations: 1, Since: t0, UpdatedAt: t0}
	b := a
	b.Detector, b.State = "PageHinkley", []byte(`{"kind":"PageHinkley"}`)
	must(t, ds.PutDriftStates(ctx, []papersum.DriftState{a, b}))
	a2 := a
	a2.State, a2.Observations, a2.UpdatedAt = []byte(`{"kind":"ADWIN","n":2}`), 2, t0.Add(time.Minute)
	must(t, ds.PutDriftStates(ctx, []papersum.DriftState{a2}))
	got, err := ds.DriftStates(ctx)
	must(t, err)
	if len(got) != 2 || got[0].Detector != "ADWIN" || string(got[0].State) != string(a2.State) || got[0].Observations != 2 ||
		!got[0].UpdatedAt.Equal(a2.UpdatedAt) || !got[0].Since.Equal(t0) || got[0].UpdatedAt.Location() != time.UTC ||
		got[1].Detector != "PageHinkley" || got[1].Model != "local/local" {
		t.Fatalf("states after replace: %+v", got)
	}
	wantCode(t, ds.PutDriftStates(ctx, []papersum.DriftState{{Signal: "x", Detector: "ADWIN"}}), papersum.EINVALID)
	// A batch with one bad state stores none of them.
	c := a
	c.Signal = "input.paper_words"
	wantCode(t, ds.PutDriftStates(ctx, []papersum.DriftState{c, {Signal: "y"}}), papersum.EINVALID)
	if got, _ := ds.DriftStates(ctx); len(got) != 2 {
		t.Fatalf("a rejected batch was partly stored: %d states", len(got))
	}

	ev := func(id string, at time.Time) *papersum.DriftEvent {
		return &papersum.DriftEvent{ID: id, Signal: "quality.overall", Model: "anthropic/claude", Detector: "ADWIN",
			Statistic: 6.25, RunID: "run_" + id, WindowStart: at.Add(-time.Hour), WindowEnd: at,
			Detail: []byte(`{"type":"drift.detected"}`), DetectedAt: at}
	}
	must(t, ds.AddDriftEvent(ctx, ev("e1", t0)))
	must(t, ds.AddDriftEvent(ctx, ev("e2", t0.Add(time.Hour))))
	must(t, ds.AddDriftEvent(ctx, ev("e3", t0.Add(2*time.Hour))))
	wantCode(t, ds.AddDriftEvent(ctx, ev("e1", t0)), papersum.ECONFLICT)
	bad := ev("e4", t0)
	bad.Detail = nil
	wantCode(t, ds.AddDriftEvent(ctx, bad), papersum.EINVALID)
	all, err := ds.DriftEvents(ctx, time.Time{}, time.Time{})
	must(t, err)
	if len(all) != 3 || all[0].ID != "e1" || all[2].ID != "e3" || all[0].Statistic != 6.25 || all[0].RunID != "run_e1" ||
		!all[0].WindowStart.Equal(t0.Add(-time.Hour)) || string(all[0].Detail) != `{"type":"drift.detected"}` {
		t.Fatalf("events: %+v", all)
	}
	mid, err := ds.DriftEvents(ctx, t0.Add(time.Hour), t0.Add(2*time.Hour))
	must(t, err)
	if len(mid) != 1 || mid[0].ID != "e2" {
		t.Fatalf("events of [t0+1h, t0+2h): %+v", mid)
	}
}
