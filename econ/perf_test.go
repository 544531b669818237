package econ

import (
	"testing"
	"time"

	"github.com/papersum/papersum"
)

func TestQuantilesNearestRank(t *testing.T) {
	for _, tc := range []struct {
		in            []time.Duration
		p50, p95, p99 time.Duration
	}{
		{nil, 0, 0, 0},
		{[]time.Duration{7}, 7, 7, 7},
		{[]time.Duration{4, 1, 3, 2}, 2, 4, 4},
		{[]time.Duration{5, 5, 5, 1}, 5, 5, 5}, // ties
	} {
		q := quantiles("g", append([]time.Duration(nil), tc.in...))
		if q.P50 != tc.p50 || q.P95 != tc.p95 || q.P99 != tc.p99 || q.N != len(tc.in) {
			t.Errorf("%v: got %+v, want p50 %v p95 %v p99 %v", tc.in, q, tc.p50, tc.p95, tc.p99)
		}
	}
	// 1..100: the p-th percentile is p.
	var s []time.Duration
	for i := 100; i >= 1; i-- {
		s = append(s, time.Duration(i))
	}
	if q := quantiles("g", s); q.P50 != 50 || q.P95 != 95 || q.P99 != 99 || q.Max != 100 || q.Total != 5050 {
		t.Fatalf("1..100: %+v", q)
	}
}

func TestLengthBucket(t *testing.T) {
	for n, want := range map[int]string{0: "0–2999", 2999: "0–2999", 3000: "3000–5999", 9999: "6000–9999", 10000: "≥10000"} {
		if got := LengthBucket(n); got != want {
			t.Errorf("LengthBucket(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestPerf(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	s := &papersum.PerfSamples{
		Runs: []papersum.RunTiming{
			{ID: "a", CreatedAt: t0, StartedAt: t0.Add(time.Second), FinishedAt: t0.Add(11 * time.Second), PaperWords: 100},
			{ID: "b", CreatedAt: t0, StartedAt: t0.Add(3 * time.Second), FinishedAt: t0.Add(2 * time.Hour), PaperWords: 20000},
			{ID: "c", CreatedAt: t0, StartedAt: t0, FinishedAt: t0.Add(5 * time.Second)},
		},
		Stages: []papersum.StageTiming{
			{Stage: papersum.StageSummarize, Model: "m", Latency: 3 * time.Second},
			{Stage: papersum.StageRevise, Model: "m", Latency: time.Second, PaperWords: 20000},
		},
	}
	rep := Perf(s, 2)
	if rep.Runs != 3 || len(rep.Slowest) != 2 || rep.Slowest[0].ID != "b" || rep.Slowest[1].ID != "a" {
		t.Fatalf("slowest: %+v", rep.Slowest)
	}
	if rep.StageShare[papersum.StageSummarize] != 0.75 || rep.StageShare[papersum.StageRevise] != 0.25 {
		t.Fatalf("shares %v", rep.StageShare)
	}
	if rep.PeakPerHour.Runs != 2 || !rep.PeakPerHour.Hour.Equal(t0) || rep.MeanPerHour != 1 {
		t.Fatalf("throughput: peak %+v mean %v (3 runs over hours 10..12)", rep.PeakPerHour, rep.MeanPerHour)
	}
	if rep.QueueWait.P50 != time.Second || rep.QueueWait.Max != 3*time.Second {
		t.Fatalf("queue wait %+v", rep.QueueWait)
	}
	if len(rep.ByLength) != 2 || rep.ByLength[1].Group != "≥10000" {
		t.Fatalf("by length %+v", rep.ByLength)
	}
	if empty := Perf(&papersum.PerfSamples{}, 5); empty.Runs != 0 || empty.MeanPerHour != 0 {
		t.Fatalf("empty: %+v", empty)
	}
}
