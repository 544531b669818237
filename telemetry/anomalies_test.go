package telemetry

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/papersum/papersum"
)

func TestAnomalyMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := NewAnomalyMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewAnomalyMetrics(reg); papersum.ErrorCode(err) != papersum.EINTERNAL {
		t.Fatalf("second registration: %v, want EINTERNAL", err)
	}
	m.Init("latency.summarize", "p/m")
	m.Anomaly("latency.summarize", "p/m", "up")
	m.Anomaly("latency.summarize", "p/m", "up")
	m.SetScore("latency.summarize", "p/m", 5.25)
	m.SetScore("cost", "p/m", 1)
	m.SetScore("cost", "p/m", math.NaN()) // removed again
	want := `
# HELP pipeline_anomalies_total Anomalies raised by the online detectors, by signal (cost, tokens.<stage>, latency.<stage>, quality:<judge>), model (provider/model, or a run's models joined by +) and direction (up, down).
# TYPE pipeline_anomalies_total counter
pipeline_anomalies_total{direction="down",model="p/m",signal="latency.summarize"} 0
pipeline_anomalies_total{direction="up",model="p/m",signal="latency.summarize"} 2
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "pipeline_anomalies_total"); err != nil {
		t.Error(err)
	}
	if n := testutil.CollectAndCount(m.score); n != 1 {
		t.Errorf("%d score series, want 1 (NaN removes one)", n)
	}
	if v := testutil.ToFloat64(m.score.WithLabelValues("latency.summarize", "p/m")); v != 5.25 {
		t.Errorf("score %v", v)
	}
}

// TestOldestJobAgeAndModelLatency: the oldest job's age is a gauge in
// seconds; stage latency is also recorded by provider and model, with
// unknown ones as "other".
func TestOldestJobAgeAndModelLatency(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := NewMetrics(reg, Config{Models: []ModelRef{{Provider: "anthropic", Model: "claude"}}})
	if err != nil {
		t.Fatal(err)
	}
	m.SetOldestJobAge(90 * time.Second)
	m.SetOldestJobAge(-time.Second) // ignored
	if v := testutil.ToFloat64(m.queueOldest); v != 90 {
		t.Errorf("oldest job age %v, want 90", v)
	}
	m.ObserveRun(&papersum.Run{Status: papersum.RunSucceeded, Stages: []papersum.StageResult{
		{Stage: papersum.StageSummarize, Provider: "anthropic", Model: "claude", Latency: 2 * time.Second},
		{Stage: papersum.StageCritique, Provider: "vllm", Model: "llama", Latency: time.Second},
	}})
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]uint64{}
	for _, mf := range mfs {
		if mf.GetName() != "pipeline_model_latency_seconds" {
			continue
		}
		for _, mt := range mf.GetMetric() {
			l := map[string]string{}
			for _, lp := range mt.GetLabel() {
				l[lp.GetName()] = lp.GetValue()
			}
			got[l["provider"]+"/"+l["model"]+"/"+l["stage"]] = mt.GetHistogram().GetSampleCount()
		}
	}
	if len(got) != 2 || got["anthropic/claude/summarize"] != 1 || got["other/other/critique"] != 1 {
		t.Fatalf("model latency series %v", got)
	}
}
