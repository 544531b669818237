package storetest

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/papersum/papersum"
)

// testAnomalies: anomalies are stored whole or not at all, an ID stored
// again is kept as it was, and they are listed newest first within
// [Since, Until) with the limit's rules, times in UTC.
func testAnomalies(t *testing.T, s papersum.Store) {
	as, ok := s.(papersum.AnomalyStore)
	if !ok {
		t.Skip("store does not keep anomalies")
	}
	ctx := context.Background()
	base := time.Date(2026, 6, 1, 12, 0, 0, 0, zone)
	rec := func(i int) *papersum.AnomalyRecord {
		return &papersum.AnomalyRecord{ID: fmt.Sprintf("run-%02d/latency.summarize", i), RunID: fmt.Sprintf("run-%02d", i),
			Signal: "latency.summarize", Model: "anthropic/claude-" + unicode[:6], Direction: "up",
			Value: 12.5 + float64(i), Recent: 9.25, Baseline: 4.125, Score: 5.5, Method: "zscore", N: 120 + i,
			DetectedAt: base.Add(time.Duration(i) * time.Minute)}
	}
	got, err := as.ListAnomalies(ctx, papersum.AnomalyFilter{})
	must(t, err)
	if len(got) != 0 {
		t.Fatalf("empty store lists %d anomalies", len(got))
	}
	var all []*papersum.AnomalyRecord
	for i := range 5 {
		all = append(all, rec(i))
	}
	all[3].Direction, all[3].Signal, all[3].Score = "down", "quality:local-critique/3", -4.75
	must(t, as.PutAnomalies(ctx, all[:3]))
	must(t, as.PutAnomalies(ctx, all[3:]))
	must(t, as.PutAnomalies(ctx, nil))

	// Stored again with other values: kept as it was.
	again := *all[0]
	again.Score = 99
	must(t, as.PutAnomalies(ctx, []*papersum.AnomalyRecord{&again}))

	// An invalid record in a batch: nothing of the batch is stored.
	bad := rec(9)
	bad.Score = math.NaN()
	wantCode(t, as.PutAnomalies(ctx, []*papersum.AnomalyRecord{rec(8), bad}), papersum.EINVALID)
	for _, mut := range []func(a *papersum.AnomalyRecord){
		func(a *papersum.AnomalyRecord) { a.ID = "" },
		func(a *papersum.AnomalyRecord) { a.Direction = "sideways" },
		func(a *papersum.AnomalyRecord) { a.DetectedAt = time.Time{} },
		func(a *papersum.AnomalyRecord) { a.Baseline = math.Inf(1) },
	} {
		a := rec(7)
		mut(a)
		wantCode(t, as.PutAnomalies(ctx, []*papersum.AnomalyRecord{a}), papersum.EINVALID)
	}

	got, err = as.ListAnomalies(ctx, papersum.AnomalyFilter{})
	must(t, err)
	if len(got) != 5 {
		t.Fatalf("listed %d anomalies, want 5 (the invalid batch stored nothing)", len(got))
	}
	for i, a := range got {
		want := *all[4-i]
		want.DetectedAt = want.DetectedAt.UTC()
		if a.DetectedAt.Location() != time.UTC {
			t.Fatalf("anomaly %s: time in %v, want UTC", a.ID, a.DetectedAt.Location())
		}
		if *a != want {
			t.Fatalf("anomaly %d:\n got %+v\nwant %+v", i, *a, want)
		}
	}
	got, err = as.ListAnomalies(ctx, papersum.AnomalyFilter{Since: base.Add(time.Minute), Until: base.Add(3 * time.Minute)})
	must(t, err)
	if len(got) != 2 || got[0].ID != all[2].ID || got[1].ID != all[1].ID {
		t.Fatalf("since/until listed %v, want runs 02 and 01", anomalyIDs(got))
	}
	got, err = as.ListAnomalies(ctx, papersum.AnomalyFilter{Limit: 2})
	must(t, err)
	if len(got) != 2 || got[0].ID != all[4].ID {
		t.Fatalf("limit 2 listed %v", anomalyIDs(got))
	}
	_, err = as.ListAnomalies(ctx, papersum.AnomalyFilter{Limit: -1})
	wantCode(t, err, papersum.EINVALID)
}

func anomalyIDs(as []*papersum.AnomalyRecord) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.ID
	}
	return out
}
