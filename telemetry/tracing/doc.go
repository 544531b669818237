// Package tracing sets up papersum's OpenTelemetry tracer provider: off by
// default, when it is a no-op provider whose spans cost a few
// nanoseconds and allocate nothing; on when the standard OTEL_* variables
// or the configuration file's tracing section ask for it, exporting over
// OTLP (http/protobuf or grpc) through a batching span processor that
// Shutdown flushes.
//
// It is an adapter that only cmd/papersum imports: the packages that make
// spans (pipeline, service, queue, llm, telemetry's GenAI decorator) take
// a trace.TracerProvider from the API module and never see the SDK.
//
// Attribute names follow the OpenTelemetry semantic conventions v1.41.0
// (go.opentelemetry.io/otel/semconv/v1.41.0), the last release that
// carries the GenAI attributes in the Go module; see telemetry.SemconvVersion.
package tracing
