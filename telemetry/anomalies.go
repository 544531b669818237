package telemetry

import (
	"math"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/papersum/papersum"
)

// AnomalyMetrics are the metrics of the online anomaly detection (package
// anomaly): alarms by series and direction, and each series' last score.
// Registered apart from Metrics, by the commands that detect (serve). Its
// methods are safe for concurrent use.
type AnomalyMetrics struct {
	total *prometheus.CounterVec
	score *prometheus.GaugeVec
}

// NewAnomalyMetrics builds the anomaly metrics and registers them on reg.
//
// Errors: EINVALID for a nil reg; EINTERNAL when reg refuses a metric.
func NewAnomalyMetrics(reg prometheus.Registerer) (*AnomalyMetrics, error) {
	if reg == nil {
		return nil, papersum.Errorf(papersum.EINVALID, "telemetry: nil registerer")
	}
	m := &AnomalyMetrics{
		total: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pipeline_anomalies_total",
			Help: "Anomalies raised by the online detectors, by signal (cost, tokens.<stage>, latency.<stage>, " +
				"quality:<judge>), model (provider/model, or a run's models joined by +) and direction (up, down).",
		}, []string{"signal", "model", "direction"}),
		score: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "pipeline_anomaly_score",
			Help: "Last z score of each anomaly series: standard errors of its recent mean from its rolling baseline " +
				"(positive above it). Absent while the series warms up.",
		}, []string{"signal", "model"}),
	}
	for i, c := range []prometheus.Collector{m.total, m.score} {
		if err := reg.Register(c); err != nil {
			if i == 1 {
				reg.Unregister(m.total)
			}
			return nil, &papersum.Error{Code: papersum.EINTERNAL, Message: "telemetry: cannot register anomaly metrics", Op: "telemetry.NewAnomalyMetrics", Err: err}
		}
	}
	return m, nil
}

// Init creates the counter of a series at zero for both directions, so
// that rate() and the dashboards see it before its first alarm.
func (m *AnomalyMetrics) Init(signal, model string) {
	m.total.WithLabelValues(signal, model, "up")
	m.total.WithLabelValues(signal, model, "down")
}

// Anomaly counts one alarm of a series in direction ("up" or "down").
func (m *AnomalyMetrics) Anomaly(signal, model, direction string) {
	m.total.WithLabelValues(signal, model, direction).Inc()
}

// SetScore reports the last score of a series; NaN (no score yet)
// removes the series' gauge.
func (m *AnomalyMetrics) SetScore(signal, model string, z float64) {
	if math.IsNaN(z) || math.IsInf(z, 0) {
		m.score.DeleteLabelValues(signal, model)
		return
	}
	m.score.WithLabelValues(signal, model).Set(z)
}
