package main

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	noopmetric "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/config"
	"github.com/papersum/papersum/llm"
	"github.com/papersum/papersum/telemetry"
	"github.com/papersum/papersum/telemetry/tracing"
)

// newTracing builds the tracer provider the configuration file's tracing
// section or the OTEL_* variables ask for; tracing.Noop when neither does.
func newTracing(cfg *config.Config, e *env) (*tracing.Provider, error) {
	return tracing.New(context.Background(), tracing.Config{
		Endpoint: cfg.Tracing.Endpoint, Protocol: cfg.Tracing.Protocol, SampleRatio: cfg.Tracing.SampleRatio,
		Version: buildVersion().Version, Getenv: e.getenv,
	})
}

// recordContent reports whether model-call spans may record prompts,
// paper text and answers: only when the file or PAPERSUM_TRACE_CONTENT
// says so.
func recordContent(cfg *config.Config, e *env) bool {
	return cfg.Tracing.RecordContent || strings.EqualFold(strings.TrimSpace(e.getenv("PAPERSUM_TRACE_CONTENT")), "true")
}

// tracerProvider is the provider of the pipeline's spans.
func (d *pipelineDeps) tracerProvider() trace.TracerProvider {
	if d.tracing == nil {
		return tracing.Noop()
	}
	return d.tracing
}

// closeTracing exports the spans still buffered; commands that trace
// (serve, summarize, batch) defer it, so that the last run's spans leave
// before the process exits.
func (d *pipelineDeps) closeTracing(e *env) {
	if d.tracing == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := d.tracing.Shutdown(ctx); err != nil {
		newLogger(e, &globalFlags{verbose: true}).Warn("tracing: spans not exported", "err", err)
	}
}

// instrument wraps each link's adapter in the GenAI span and metrics
// decorator (see llm.StagesConfig.Instrument).
func (d *pipelineDeps) instrument(cfg *config.Config, e *env) func(l llm.ChainLink, m papersum.Model) papersum.Model {
	content := recordContent(cfg, e)
	return func(l llm.ChainLink, m papersum.Model) papersum.Model {
		return telemetry.NewGenAIModel(m, telemetry.GenAIConfig{Provider: genAIProvider(cfg, l),
			TracerProvider: d.tracerProvider(), Observer: d.genai, RecordContent: content})
	}
}

// genAIProvider is gen_ai.provider.name of a link: the provider type as
// the conventions name it ("anthropic", "openai" for every
// OpenAI-compatible server), "papersum.local" for the offline engine.
func genAIProvider(cfg *config.Config, l llm.ChainLink) string {
	pc, _ := cfg.Provider(l.Provider)
	if l.Local || pc.Type == config.ProviderLocal {
		return "papersum.local"
	}
	return pc.Type
}

// genaiObserver forwards model calls to the GenAI metrics of a command
// that has them (serve), attached with use once they are built.
type genaiObserver struct {
	metrics atomic.Pointer[telemetry.GenAIMetrics]
}

func (o *genaiObserver) use(m *telemetry.GenAIMetrics) { o.metrics.Store(m) }

// ObserveGenAI implements telemetry.GenAIObserver.
func (o *genaiObserver) ObserveGenAI(c telemetry.GenAICall) {
	if m := o.metrics.Load(); m != nil {
		m.ObserveGenAI(c)
	}
}

// traced wraps the API's handler in otelhttp's server span (one per
// request, continuing a traceparent the client sent), when tracing is on;
// with tracing off it returns h as it is, at no cost.
func (s *server) traced(h http.Handler) http.Handler {
	if s.deps.tracing == nil || !s.deps.tracing.Enabled() || h == nil {
		return h
	}
	return otelhttp.NewHandler(h, "papersum.http",
		otelhttp.WithTracerProvider(s.deps.tracing),
		otelhttp.WithPropagators(propagation.TraceContext{}),
		otelhttp.WithMeterProvider(noopmetric.NewMeterProvider()),
		// The name is the route once the mux has matched it; before, the
		// method alone (the conventions' "{method} {http.route}").
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return r.Method }),
	)
}

// openGenAIMetrics registers the GenAI client metrics beside the others
// and sends the model calls to them.
func (s *server) openGenAIMetrics() error {
	m, err := telemetry.NewGenAIMetrics(s.reg, s.deps.models)
	if err != nil {
		return err
	}
	s.deps.genai.use(m)
	return nil
}
