package tracing

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/papersum/papersum"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestOffByDefault(t *testing.T) {
	for name, env := range map[string]map[string]string{
		"nothing set":             {},
		"exporter none":           {"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1"},
		"sdk disabled":            {"OTEL_SDK_DISABLED": "true", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1"},
		"unrelated otel variable": {"OTEL_SERVICE_NAME": "x"},
	} {
		p, err := New(context.Background(), Config{Getenv: envOf(env)})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if p.Enabled() {
			t.Errorf("%s: tracing on", name)
		}
		_, span := p.Tracer("t").Start(context.Background(), "s")
		if span.IsRecording() || span.SpanContext().IsValid() {
			t.Errorf("%s: a span records with tracing off", name)
		}
		if err := p.Shutdown(context.Background()); err != nil {
			t.Errorf("%s: shutdown: %v", name, err)
		}
	}
}

func TestRequested(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want bool
	}{
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"}, true},
		{map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://c:4318/v1/traces"}, true},
		{map[string]string{"OTEL_TRACES_EXPORTER": "otlp"}, true},
		{map[string]string{"OTEL_TRACES_EXPORTER": "console"}, true},
		{map[string]string{"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"}, false},
		{map[string]string{"OTEL_SDK_DISABLED": "TRUE", "OTEL_TRACES_EXPORTER": "otlp"}, false},
		{map[string]string{}, false},
	} {
		if got := Requested(envOf(tc.env)); got != tc.want {
			t.Errorf("Requested(%v) = %v, want %v", tc.env, got, tc.want)
		}
	}
}

func TestBadSettings(t *testing.T) {
	bad := 1.5
	for name, cfg := range map[string]Config{
		"protocol":     {Endpoint: "http://127.0.0.1:4318", Protocol: "http/json"},
		"ratio":        {Endpoint: "http://127.0.0.1:4318", SampleRatio: &bad},
		"env protocol": {Getenv: envOf(map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"})},
	} {
		if _, err := New(context.Background(), cfg); papersum.ErrorCode(err) != papersum.EINVALID {
			t.Errorf("%s: err %v, want EINVALID", name, err)
		}
	}
}

// TestConfigEndpointExportsOverOTLPHTTP: the configuration file's
// endpoint (a URL without a path) gets /v1/traces, and Shutdown flushes
// the batch to it.
func TestConfigEndpointExportsOverOTLPHTTP(t *testing.T) {
	var spans atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/traces" {
			t.Errorf("export to %s", r.URL.Path)
		}
		body, _ := io.ReadAll(r.Body)
		var req coltrace.ExportTraceServiceRequest
		if err := proto.Unmarshal(body, &req); err != nil {
			t.Errorf("decode: %v", err)
		}
		for _, rs := range req.GetResourceSpans() {
			for _, ss := range rs.GetScopeSpans() {
				spans.Add(int64(len(ss.GetSpans())))
			}
		}
	}))
	defer srv.Close()
	half := 1.0
	p, err := New(context.Background(), Config{Endpoint: srv.URL, SampleRatio: &half})
	if err != nil {
		t.Fatal(err)
	}
	if !p.Enabled() {
		t.Fatal("tracing off with an endpoint")
	}
	for range 3 {
		_, span := p.Tracer("t").Start(context.Background(), "s")
		span.End()
	}
	if err := p.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := spans.Load(); n != 3 {
		t.Errorf("receiver got %d spans, want 3", n)
	}
}

func TestWithTracesPath(t *testing.T) {
	for in, want := range map[string]string{
		"http://c:4318":             "http://c:4318/v1/traces",
		"http://c:4318/":            "http://c:4318/v1/traces",
		"https://c/otlp/v1/traces":  "https://c/otlp/v1/traces",
		"http://c:4318/custom/path": "http://c:4318/custom/path",
	} {
		if got := withTracesPath(in); got != want {
			t.Errorf("withTracesPath(%q) = %q, want %q", in, got, want)
		}
	}
}
