package config

import "fmt"

// TracingConfig is the tracing section of the file. The standard OTEL_*
// variables turn tracing on too (OTEL_EXPORTER_OTLP_ENDPOINT,
// OTEL_TRACES_EXPORTER, ...), and the exporters read their headers and
// TLS settings from them; Endpoint here is for a deployment that keeps
// its settings in the file.
type TracingConfig struct {
	// Endpoint is the OTLP endpoint spans are exported to, e.g.
	// http://127.0.0.1:4318 (http/protobuf; /v1/traces is added to a URL
	// without a path) or http://127.0.0.1:4317 with protocol grpc.
	// Default "": tracing is off unless the environment turns it on.
	Endpoint string `yaml:"endpoint" json:"endpoint,omitempty"`
	// Protocol is "http/protobuf" or "grpc". Default "http/protobuf".
	Protocol string `yaml:"protocol" json:"protocol,omitempty"`
	// SampleRatio is the share of new traces sampled (a request that
	// arrives with a sampled traceparent is always traced). Default:
	// OTEL_TRACES_SAMPLER decides, parentbased_always_on without it.
	SampleRatio *float64 `yaml:"sample_ratio" json:"sample_ratio,omitempty"`
	// RecordContent records prompts, paper text and model answers on the
	// model-call spans (gen_ai.input.messages, gen_ai.output.messages,
	// gen_ai.system_instructions). Default false: never recorded. The
	// PAPERSUM_TRACE_CONTENT=true variable turns it on too.
	RecordContent bool `yaml:"record_content" json:"record_content,omitempty"`
}

func (t TracingConfig) check() error {
	switch t.Protocol {
	case "", "http/protobuf", "grpc":
	default:
		return fmt.Errorf("tracing.protocol %q is unknown (use http/protobuf or grpc)", t.Protocol)
	}
	if r := t.SampleRatio; r != nil && !(*r >= 0 && *r <= 1) {
		return fmt.Errorf("tracing.sample_ratio %v is out of range (0-1)", *r)
	}
	return nil
}
