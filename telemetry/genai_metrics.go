package telemetry

import (
	"github.com/prometheus/client_golang/prometheus"
)

// The GenAI client metrics' bucket boundaries, as the conventions
// (SemconvVersion) advise them.
var (
	// GenAITokenBuckets are those of gen_ai.client.token.usage.
	GenAITokenBuckets = []float64{1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864}
	// GenAIDurationBuckets (seconds) are those of
	// gen_ai.client.operation.duration.
	GenAIDurationBuckets = []float64{0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92}
)

// The Prometheus names of the GenAI client metrics: the OpenTelemetry
// names translated as OpenTelemetry's Prometheus exporter does (dots to
// underscores; the unit "s" adds _seconds, an annotation unit such as
// "{token}" adds nothing), and their attributes likewise
// (gen_ai.token.type -> gen_ai_token_type).
const (
	GenAITokenUsageName = "gen_ai_client_token_usage"
	GenAIDurationName   = "gen_ai_client_operation_duration_seconds"
)

// GenAIMetrics are the GenAI client metrics, gen_ai.client.token.usage and
// gen_ai.client.operation.duration, as client_golang histograms on the
// registry of papersum's other metrics. They are not made through an
// OpenTelemetry MeterProvider and its Prometheus exporter: that would be
// a second metrics pipeline beside client_golang for two instruments, and
// would add the exporter's otel_scope_* labels and target_info series,
// while these histograms share /metrics, the registry, and the closed
// model label set (Config.Models) with everything else.
type GenAIMetrics struct {
	tokens   *prometheus.HistogramVec
	duration *prometheus.HistogramVec
	models   map[string]bool
}

// NewGenAIMetrics registers the GenAI client metrics on reg. Model label
// values outside models count as "other"; provider names are those of
// the configuration, a closed set already.
//
// Errors: those of reg.Register (a name registered twice).
func NewGenAIMetrics(reg prometheus.Registerer, models []ModelRef) (*GenAIMetrics, error) {
	labels := []string{"gen_ai_operation_name", "gen_ai_provider_name", "gen_ai_request_model", "gen_ai_response_model"}
	m := &GenAIMetrics{
		tokens: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    GenAITokenUsageName,
			Help:    "Number of input and output tokens used (OpenTelemetry gen_ai.client.token.usage, unit {token}).",
			Buckets: GenAITokenBuckets,
		}, append(labels, "gen_ai_token_type")),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    GenAIDurationName,
			Help:    "GenAI operation duration (OpenTelemetry gen_ai.client.operation.duration, unit s).",
			Buckets: GenAIDurationBuckets,
		}, append(labels, "error_type")),
		models: map[string]bool{},
	}
	for _, r := range models {
		m.models[r.Model] = true
	}
	for _, c := range []prometheus.Collector{m.tokens, m.duration} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *GenAIMetrics) model(name string) string {
	if name == "" || m.models[name] {
		return name
	}
	return Other
}

// ObserveGenAI records c: its duration always, its tokens (input, every
// cached token included, and output) when it succeeded.
func (m *GenAIMetrics) ObserveGenAI(c GenAICall) {
	req, resp := m.model(c.RequestModel), m.model(c.ResponseModel)
	m.duration.WithLabelValues(OperationChat, c.Provider, req, resp, c.ErrorType).Observe(c.Duration.Seconds())
	if c.Usage != nil {
		m.tokens.WithLabelValues(OperationChat, c.Provider, req, resp, "input").Observe(float64(c.Usage.TotalInput()))
		m.tokens.WithLabelValues(OperationChat, c.Provider, req, resp, "output").Observe(float64(c.Usage.OutputTokens))
	}
}
