package anomaly

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/papersum/papersum"
)

// fakeRun is a succeeded run of provider/model "p/a" or "p/b" whose
// summarize stage takes lat seconds; the other numbers vary a little.
func fakeRun(r *rand.Rand, model string, lat, quality float64) papersum.Run {
	jit := func(x float64) float64 { return x * math.Exp(0.1*r.NormFloat64()) }
	var stages []papersum.StageResult
	for _, s := range papersum.Stages {
		l := jit(2)
		if s == papersum.StageSummarize {
			l = lat
		}
		stages = append(stages, papersum.StageResult{
			Stage: s, Provider: "p", Model: model,
			Usage:   papersum.Usage{InputTokens: int64(jit(3000)), OutputTokens: int64(jit(200))},
			CostUSD: jit(0.01), Latency: time.Duration(l * float64(time.Second)),
		})
	}
	return papersum.Run{
		Status: papersum.RunSucceeded, Stages: stages,
		Scores: &papersum.Scores{Accuracy: quality, Completeness: quality, Clarity: quality, Coherence: quality, JudgeVersion: "local-critique/2"},
	}
}

// TestMonitor: a ×3 step in model a's summarize latency and a quality drop
// of model b are reported on their own series, with their baselines,
// across a restart (the state saved and loaded at run 200); the
// stationary series raise no more than the documented false alarms.
func TestMonitor(t *testing.T) {
	m, err := NewMonitor(DefaultMonitorConfig())
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(7, 7))
	var got []Anomaly
	falseAlarms := 0
	for i := range 400 {
		latA, qualB := 4*math.Exp(0.1*r.NormFloat64()), 8+0.3*r.NormFloat64()
		if i >= 300 {
			latA *= 3
			qualB -= 3
		}
		if i == 200 { // a restart
			data, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			if m, err = LoadMonitor(data); err != nil {
				t.Fatal(err)
			}
		}
		for _, run := range []papersum.Run{fakeRun(r, "a", latA, 8+0.3*r.NormFloat64()), fakeRun(r, "b", 4*math.Exp(0.1*r.NormFloat64()), qualB)} {
			as, err := m.Observe(run)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range as {
				if i < 300 {
					falseAlarms++
					t.Logf("run %d: %+v", i, a)
					continue
				}
				got = append(got, a)
			}
		}
	}
	// 14 series scored about 250 times each before the step: the
	// documented rate (at most 1 per 1,000 values) allows about 3.5.
	if falseAlarms > 4 {
		t.Errorf("%d false alarms before the step", falseAlarms)
	}
	var lat, qual *Anomaly
	for i, a := range got {
		switch {
		case a.Signal == "latency.summarize" && a.Model == "p/a" && lat == nil:
			lat = &got[i]
		case a.Signal == "quality:local-critique/2" && a.Model == "p/b" && qual == nil:
			qual = &got[i]
		}
	}
	if lat == nil || qual == nil {
		t.Fatalf("anomalies %+v: want the latency step of p/a and the quality drop of p/b", got)
	}
	if lat.N > 300+20 || lat.Score < 3.5 || math.Abs(lat.Baseline-4)/4 > 0.1 || lat.Recent < 1.1*lat.Baseline || lat.Value < 8 {
		t.Errorf("latency anomaly %+v: want within 20 runs, baseline ≈ 4 s, a stepped value, recent mean above the baseline", *lat)
	}
	if qual.N > 300+20 || qual.Score > -3.5 || math.Abs(qual.Baseline-8) > 0.3 {
		t.Errorf("quality anomaly %+v: want within 20 runs, baseline ≈ 8, negative score", *qual)
	}
}

func TestMonitorSkips(t *testing.T) {
	cfg := DefaultMonitorConfig()
	for _, f := range []string{FamilyCost, FamilyTokens, FamilyLatency} {
		c := cfg.Get(f)
		c.WarmUp, c.Window, c.Recent = 2, 2, 1
	}
	m, err := NewMonitor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 1))
	run := fakeRun(r, "a", 1, 8)
	failed, cached, free := run, run, fakeRun(r, "a", 1, 8)
	failed.Status = papersum.RunFailed
	cached.Cached = true
	for i := range free.Stages {
		free.Stages[i].CostUSD = 0
	}
	for _, run := range []papersum.Run{failed, cached, {Status: papersum.RunSucceeded}} {
		if as, err := m.Observe(run); len(as) != 0 || err != nil {
			t.Fatalf("Observe = %v, %v", as, err)
		}
	}
	if len(m.Keys()) != 0 {
		t.Fatalf("failed, cached or empty runs were fed: %v", m.Keys())
	}
	if _, err := m.Observe(free); err != nil {
		t.Fatalf("a free run: %v", err)
	}
	if len(m.det[FamilyCost].Keys()) != 0 {
		t.Fatalf("a cost of 0 was fed on the log scale")
	}
	if len(m.det[FamilyTokens].Keys()) != 3 || len(m.det[FamilyLatency].Keys()) != 3 || len(m.det[FamilyQuality].Keys()) != 1 {
		t.Fatalf("series %v: want tokens and latency of 3 stages, and quality", m.Keys())
	}
	bad := fakeRun(r, "a", math.NaN(), 8)
	bad.Stages[0].Latency = 0
	bad.Scores.Accuracy = math.NaN()
	if _, err := m.Observe(bad); papersum.ErrorCode(err) != papersum.EINVALID {
		t.Fatalf("NaN quality: error %v, want EINVALID", err)
	}
	bad2 := cfg
	bad2.Quality.Window = 0
	if _, err := NewMonitor(bad2); papersum.ErrorCode(err) != papersum.EINVALID {
		t.Fatalf("NewMonitor(invalid) error %v", err)
	}
	if _, err := LoadMonitor([]byte(`{"cost":{}}`)); papersum.ErrorCode(err) != papersum.EINVALID {
		t.Fatalf("LoadMonitor(bad) error %v", err)
	}
}

func TestRunModel(t *testing.T) {
	st := func(p, m string) papersum.StageResult { return papersum.StageResult{Provider: p, Model: m} }
	if got := runModel([]papersum.StageResult{st("local", "x"), st("local", "x"), st("local", "x")}); got != "local/x" {
		t.Errorf("runModel = %q", got)
	}
	if got := runModel([]papersum.StageResult{st("anthropic", "h"), st("openai", "g"), st("anthropic", "h")}); got != "anthropic/h+openai/g" {
		t.Errorf("runModel = %q", got)
	}
}
