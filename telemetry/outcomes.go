package telemetry

import (
	"math"
	"slices"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/papersum/papersum"
)

// DefaultQualityThreshold is the default of Config.QualityThreshold: the
// default overall score of the config file's thresholds.
const DefaultQualityThreshold = 7.5

// Values of the result label of pipeline_quality_runs_total.
const (
	QualityPass = "pass"
	QualityFail = "fail"
)

// outcomes are the counters that SLOs and error-rate alerts divide: runs
// whose summary met the quality threshold or not, and failed runs by
// failure class. The quality histogram (pipeline_quality_score) cannot
// answer "share of runs at or above 7.5": its buckets are whole scores,
// and a threshold between two buckets would be read as one of them.
type outcomes struct {
	threshold float64
	quality   *prometheus.CounterVec
	failures  *prometheus.CounterVec
}

func newOutcomes(threshold float64) outcomes {
	return outcomes{
		threshold: threshold,
		quality: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pipeline_quality_runs_total",
			Help: "Finished runs with scores, by whether the overall score of the summary they deliver (the revised " +
				"summary's, else the draft's) met the quality threshold: result pass or fail.",
		}, []string{"result"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pipeline_run_failures_total",
			Help: "Failed runs by the failure class of the model call that failed them; none when the failure " +
				"was not a model call's (bad input, store).",
		}, []string{"class"}),
	}
}

// initSeries creates every series at zero, so that a ratio over them is
// 0 rather than absent before the first failure.
func (o outcomes) initSeries() {
	o.quality.WithLabelValues(QualityPass)
	o.quality.WithLabelValues(QualityFail)
	o.failures.WithLabelValues(None)
	for _, c := range papersum.Classes {
		o.failures.WithLabelValues(string(c))
	}
}

// observe counts a finished run: a failed run by its class, a succeeded
// run with scores as pass or fail. Only succeeded runs deliver a summary
// whose quality a reader meets; failed ones count against availability.
func (o outcomes) observe(run *papersum.Run) {
	if run.Status == papersum.RunFailed {
		class := string(run.ErrorClass)
		switch {
		case class == "":
			class = None
		case !slices.Contains(papersum.Classes, run.ErrorClass):
			class = Other
		}
		o.failures.WithLabelValues(class).Inc()
	}
	if run.Status != papersum.RunSucceeded {
		return
	}
	s := run.RevisedScores
	if s == nil {
		s = run.Scores
	}
	if s == nil {
		return
	}
	overall := s.Overall()
	if math.IsNaN(overall) {
		return
	}
	result := QualityFail
	if overall >= o.threshold {
		result = QualityPass
	}
	o.quality.WithLabelValues(result).Inc()
}
