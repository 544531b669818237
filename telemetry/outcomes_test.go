package telemetry

import (
	"math"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/papersum/papersum"
)

// scored is a succeeded run whose delivered summary scores overall (all
// four dimensions equal, so Overall() is exactly that).
func scored(overall float64) *papersum.Run {
	s := &papersum.Scores{Accuracy: overall, Completeness: overall, Clarity: overall, Coherence: overall}
	return &papersum.Run{ID: "r", Status: papersum.RunSucceeded, RevisedScores: s}
}

func TestQualityRunsCountPassAndFailAtTheThreshold(t *testing.T) {
	m, reg := newMetrics(t, testConfig)
	pass, fail := m.outcomes.quality.WithLabelValues(QualityPass), m.outcomes.quality.WithLabelValues(QualityFail)

	// The default threshold is 7.5, which no whole-score bucket of
	// pipeline_quality_score can tell apart from 7 or 8.
	for _, v := range []float64{7.5, 7.49, 8, 7, 10, 0} {
		m.ObserveRun(scored(v))
	}
	if p, f := testutil.ToFloat64(pass), testutil.ToFloat64(fail); p != 3 || f != 3 {
		t.Errorf("pass %v fail %v after 7.5, 7.49, 8, 7, 10, 0; want 3 and 3 (7.5 itself passes)", p, f)
	}

	// The delivered summary is the revised one; the draft's scores count
	// only when the revised summary was not scored.
	draftOnly := &papersum.Run{Status: papersum.RunSucceeded, Scores: &papersum.Scores{Accuracy: 9, Completeness: 9, Clarity: 9, Coherence: 9}}
	m.ObserveRun(draftOnly)
	both := scored(5)
	both.Scores = &papersum.Scores{Accuracy: 9, Completeness: 9, Clarity: 9, Coherence: 9}
	m.ObserveRun(both)
	if p, f := testutil.ToFloat64(pass), testutil.ToFloat64(fail); p != 4 || f != 4 {
		t.Errorf("pass %v fail %v; the draft-only run passes on its draft, the revised one fails on its revision", p, f)
	}

	// Failed, canceled and unscored runs deliver nothing to score; NaN
	// scores are dropped.
	failed := scored(9)
	failed.Status = papersum.RunFailed
	canceled := scored(9)
	canceled.Status = papersum.RunCanceled
	for _, r := range []*papersum.Run{failed, canceled, {Status: papersum.RunSucceeded}, scored(math.NaN())} {
		m.ObserveRun(r)
	}
	if p, f := testutil.ToFloat64(pass), testutil.ToFloat64(fail); p != 4 || f != 4 {
		t.Errorf("pass %v fail %v after runs without a deliverable score; want unchanged 4 and 4", p, f)
	}
	if problems, err := testutil.GatherAndLint(reg); err != nil || len(problems) > 0 {
		t.Errorf("lint problems %v, err %v", problems, err)
	}
}

func TestQualityThresholdConfig(t *testing.T) {
	cfg := testConfig
	cfg.QualityThreshold = 9
	m, _ := newMetrics(t, cfg)
	m.ObserveRun(scored(8.5))
	if f := testutil.ToFloat64(m.outcomes.quality.WithLabelValues(QualityFail)); f != 1 {
		t.Errorf("8.5 against a threshold of 9: fail = %v, want 1", f)
	}
	for _, bad := range []float64{-1, 10.5, math.NaN()} {
		cfg.QualityThreshold = bad
		if _, err := NewMetrics(prometheus.NewRegistry(), cfg); err == nil || papersum.ErrorCode(err) != papersum.EINVALID {
			t.Errorf("threshold %v: err %v, want EINVALID", bad, err)
		}
	}
}

func TestRunFailuresByClass(t *testing.T) {
	m, reg := newMetrics(t, testConfig)
	before := scrape(t, reg)
	for _, s := range []string{`pipeline_run_failures_total{class="none"} 0`, `pipeline_run_failures_total{class="rate_limit"} 0`,
		`pipeline_quality_runs_total{result="pass"} 0`, `pipeline_quality_runs_total{result="fail"} 0`} {
		if !strings.Contains(before, s) {
			t.Errorf("fresh exposition lacks %s", s)
		}
	}
	for _, r := range []*papersum.Run{
		{Status: papersum.RunFailed, ErrorClass: papersum.ClassRateLimit},
		{Status: papersum.RunFailed, ErrorClass: papersum.ClassRateLimit},
		{Status: papersum.RunFailed, ErrorClass: papersum.ClassParse},
		{Status: papersum.RunFailed},
		{Status: papersum.RunFailed, ErrorClass: "made_up"},
		{Status: papersum.RunSucceeded, ErrorClass: papersum.ClassTimeout}, // retried, then succeeded
	} {
		m.ObserveRun(r)
	}
	after := scrape(t, reg)
	for _, s := range []string{`pipeline_run_failures_total{class="rate_limit"} 2`, `pipeline_run_failures_total{class="parse"} 1`,
		`pipeline_run_failures_total{class="none"} 1`, `pipeline_run_failures_total{class="other"} 1`,
		`pipeline_run_failures_total{class="timeout"} 0`} {
		if !strings.Contains(after, s) {
			t.Errorf("exposition lacks %s", s)
		}
	}
}
