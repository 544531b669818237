package tracing

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"go.opentelemetry.io/contrib/exporters/autoexport"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.41.0"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/papersum/papersum"
)

// The protocols of Config.Protocol, as OTEL_EXPORTER_OTLP_PROTOCOL names
// them.
const (
	ProtocolHTTP = "http/protobuf"
	ProtocolGRPC = "grpc"
)

// DefaultServiceName is service.name when neither OTEL_SERVICE_NAME nor
// OTEL_RESOURCE_ATTRIBUTES names the service.
const DefaultServiceName = "papersum"

// Config says whether and where to export spans. Zero values take the
// documented defaults.
type Config struct {
	// Endpoint is the OTLP endpoint from the configuration file, a URL
	// such as http://127.0.0.1:4318 (http/protobuf; the /v1/traces path
	// is added when the URL has none) or http://127.0.0.1:4317 (grpc).
	// Default "": tracing is on only when the environment asks for it.
	Endpoint string
	// Protocol is ProtocolHTTP or ProtocolGRPC, for Endpoint. Default
	// ProtocolHTTP.
	Protocol string
	// SampleRatio, when set, samples that share of new traces (a child
	// follows its parent's decision): parentbased_traceidratio. Default
	// nil: OTEL_TRACES_SAMPLER decides, parentbased_always_on without it.
	SampleRatio *float64
	// Version is service.version. Default "".
	Version string
	// Getenv reads the environment, to decide whether tracing is on.
	// Default: tracing is on only when Endpoint or Exporter is set. The
	// exporters themselves read the OTEL_EXPORTER_OTLP_* variables from
	// the process environment, as the SDK documents.
	Getenv func(string) string
	// Exporter, when set, receives the spans synchronously and turns
	// tracing on whatever else says (tests: tracetest.InMemoryExporter).
	// Default nil.
	Exporter sdktrace.SpanExporter
}

// Provider is the tracer provider of a process.
type Provider struct {
	trace.TracerProvider
	sdk *sdktrace.TracerProvider
}

// Enabled reports whether spans are exported (false: a no-op provider).
func (p *Provider) Enabled() bool { return p.sdk != nil }

// Shutdown exports the spans still buffered and stops the exporter. It is
// a no-op when tracing is off, and safe to call more than once.
func (p *Provider) Shutdown(ctx context.Context) error {
	if p.sdk == nil {
		return nil
	}
	if err := p.sdk.Shutdown(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("tracing: flush spans: %w", err)
	}
	return nil
}

// Noop returns the provider of tracing off.
func Noop() *Provider { return &Provider{TracerProvider: noop.NewTracerProvider()} }

// Requested reports whether the environment asks for traces: an OTLP
// endpoint is set (OTEL_EXPORTER_OTLP_ENDPOINT or its _TRACES_ variant),
// or OTEL_TRACES_EXPORTER names an exporter other than "none";
// OTEL_SDK_DISABLED=true overrides both.
func Requested(getenv func(string) string) bool {
	if getenv == nil || strings.EqualFold(strings.TrimSpace(getenv("OTEL_SDK_DISABLED")), "true") {
		return false
	}
	if e := strings.TrimSpace(getenv("OTEL_TRACES_EXPORTER")); e != "" {
		return e != "none"
	}
	return getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != ""
}

// Validate checks cfg.
//
// Errors: EINVALID for an unknown protocol or a ratio outside [0, 1].
func (cfg Config) Validate() error {
	switch cfg.Protocol {
	case "", ProtocolHTTP, ProtocolGRPC:
	default:
		return papersum.Errorf(papersum.EINVALID, "tracing: unknown protocol %q (want %s or %s)", cfg.Protocol, ProtocolHTTP, ProtocolGRPC)
	}
	if r := cfg.SampleRatio; r != nil && !(*r >= 0 && *r <= 1) {
		return papersum.Errorf(papersum.EINVALID, "tracing: sample ratio %v is not in [0, 1]", *r)
	}
	return nil
}

// New returns the tracer provider cfg asks for: Noop when tracing is off.
//
// Errors: those of Validate; EINVALID when the exporter cannot be built
// (a malformed endpoint, an unknown OTEL_TRACES_EXPORTER).
func New(ctx context.Context, cfg Config) (*Provider, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	env := cfg.Getenv
	if env == nil {
		env = func(string) string { return "" }
	}
	if strings.EqualFold(strings.TrimSpace(env("OTEL_SDK_DISABLED")), "true") && cfg.Exporter == nil {
		return Noop(), nil
	}
	var opts []sdktrace.TracerProviderOption
	switch {
	case cfg.Exporter != nil:
		opts = append(opts, sdktrace.WithSyncer(cfg.Exporter))
	case cfg.Endpoint != "":
		exp, err := otlpExporter(ctx, cfg.Endpoint, cfg.Protocol)
		if err != nil {
			return nil, err
		}
		opts = append(opts, sdktrace.WithBatcher(exp))
	case Requested(env):
		exp, err := envExporter(ctx, env)
		if err != nil {
			return nil, err
		}
		opts = append(opts, sdktrace.WithBatcher(exp))
	default:
		return Noop(), nil
	}
	if r := cfg.SampleRatio; r != nil {
		opts = append(opts, sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(*r))))
	}
	// Later detectors win: OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES
	// override the defaults.
	detectors := []resource.Option{
		resource.WithTelemetrySDK(),
		resource.WithAttributes(semconv.ServiceName(DefaultServiceName), semconv.ServiceVersion(cfg.Version)),
		resource.WithFromEnv(), // the process's OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME
	}
	if name := strings.TrimSpace(env("OTEL_SERVICE_NAME")); name != "" {
		detectors = append(detectors, resource.WithAttributes(semconv.ServiceName(name)))
	}
	res, err := resource.New(ctx, detectors...)
	if err != nil && res == nil {
		return nil, papersum.Errorf(papersum.EINVALID, "tracing: resource: %v", err)
	}
	sdk := sdktrace.NewTracerProvider(append(opts, sdktrace.WithResource(res))...)
	return &Provider{TracerProvider: sdk, sdk: sdk}, nil
}

// envExporter builds the exporter the OTEL_* variables ask for. The
// endpoint and protocol are read through getenv (the process environment
// in production, a map in tests) and passed on explicitly; the exporters
// read the other OTLP variables (headers, TLS, timeout, compression) from
// the process environment themselves. An OTEL_TRACES_EXPORTER other than
// otlp (console, none) goes to autoexport, which knows them all.
func envExporter(ctx context.Context, getenv func(string) string) (sdktrace.SpanExporter, error) {
	if e := strings.TrimSpace(getenv("OTEL_TRACES_EXPORTER")); e != "" && e != "otlp" {
		exp, err := autoexport.NewSpanExporter(ctx)
		if err != nil {
			return nil, papersum.Errorf(papersum.EINVALID, "tracing: OTEL_TRACES_EXPORTER=%s: %v", e, err)
		}
		return exp, nil
	}
	protocol := firstSet(getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"), getenv("OTEL_EXPORTER_OTLP_PROTOCOL"), ProtocolHTTP)
	switch protocol {
	case ProtocolHTTP, ProtocolGRPC:
	default:
		return nil, papersum.Errorf(papersum.EINVALID, "tracing: OTEL_EXPORTER_OTLP_PROTOCOL=%s is not supported (want %s or %s)", protocol, ProtocolHTTP, ProtocolGRPC)
	}
	if ep := getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"); ep != "" {
		// The signal's own endpoint is used as it is.
		if protocol == ProtocolGRPC {
			return otlpExporter(ctx, ep, protocol)
		}
		exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(ep))
		if err != nil {
			return nil, papersum.Errorf(papersum.EINVALID, "tracing: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT %q: %v", ep, err)
		}
		return exp, nil
	}
	if ep := getenv("OTEL_EXPORTER_OTLP_ENDPOINT"); ep != "" {
		return otlpExporter(ctx, ep, protocol)
	}
	// OTEL_TRACES_EXPORTER=otlp alone: the SDK's default endpoint.
	if protocol == ProtocolGRPC {
		return otlptracegrpc.New(ctx)
	}
	return otlptracehttp.New(ctx)
}

func firstSet(vals ...string) string {
	for _, v := range vals {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

// otlpExporter builds the OTLP exporter of endpoint.
func otlpExporter(ctx context.Context, endpoint, protocol string) (sdktrace.SpanExporter, error) {
	var (
		exp sdktrace.SpanExporter
		err error
	)
	if protocol == ProtocolGRPC {
		exp, err = otlptracegrpc.New(ctx, otlptracegrpc.WithEndpointURL(endpoint))
	} else {
		exp, err = otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(withTracesPath(endpoint)))
	}
	if err != nil {
		return nil, papersum.Errorf(papersum.EINVALID, "tracing: endpoint %q: %v", endpoint, err)
	}
	return exp, nil
}

// withTracesPath adds /v1/traces to an http/protobuf endpoint without a
// path, as OTEL_EXPORTER_OTLP_ENDPOINT is documented to work.
func withTracesPath(endpoint string) string {
	rest := endpoint
	if i := strings.Index(rest, "://"); i >= 0 {
		rest = rest[i+3:]
	}
	if j := strings.IndexByte(rest, '/'); j < 0 || rest[j:] == "/" {
		return strings.TrimSuffix(endpoint, "/") + "/v1/traces"
	}
	return endpoint
}
