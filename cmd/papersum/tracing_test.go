package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/papersum/papersum"
)

// otlpReceiver is an in-process OTLP/HTTP trace receiver: it decodes each
// ExportTraceServiceRequest posted to /v1/traces, as a collector would.
type otlpReceiver struct {
	*httptest.Server
	mu    sync.Mutex
	spans []*tracepb.Span
	// service is the service.name of the last resource received.
	service string
}

func newOTLPReceiver(t *testing.T) *otlpReceiver {
	r := &otlpReceiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path != "/v1/traces" || req.Header.Get("Content-Type") != "application/x-protobuf" {
			t.Errorf("OTLP export to %s as %s", req.URL.Path, req.Header.Get("Content-Type"))
			w.WriteHeader(http.StatusNotFound)
			return
		}
		body, _ := io.ReadAll(req.Body)
		var ex coltrace.ExportTraceServiceRequest
		if err := proto.Unmarshal(body, &ex); err != nil {
			t.Errorf("decode ExportTraceServiceRequest: %v", err)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		for _, rs := range ex.GetResourceSpans() {
			for _, a := range rs.GetResource().GetAttributes() {
				if a.GetKey() == "service.name" {
					r.service = a.GetValue().GetStringValue()
				}
			}
			for _, ss := range rs.GetScopeSpans() {
				r.spans = append(r.spans, ss.GetSpans()...)
			}
		}
		r.mu.Unlock()
		out, _ := proto.Marshal(&coltrace.ExportTraceServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(out)
	}))
	t.Cleanup(r.Close)
	return r
}

// TestServeExportsOneTracePerRunOverOTLP turns tracing on with the
// standard variables, submits a paper over HTTP and lets the server's
// worker run it; at shutdown the spans reach an OTLP/HTTP receiver as one
// trace from the HTTP request to the model calls.
func TestServeExportsOneTracePerRunOverOTLP(t *testing.T) {
	recv := newOTLPReceiver(t)
	env := map[string]string{"PAPERSUM_DB": filepath.Join(t.TempDir(), "s.db"),
		"OTEL_EXPORTER_OTLP_ENDPOINT": recv.URL, "OTEL_SERVICE_NAME": "papersum-test"}
	key := createKey(t, env, "alpha", "write")
	srv := startServe(t, env)
	var run runView
	code, _ := api(t, "POST", srv.url+"/api/v1/summaries?wait=30s", key, map[string]string{"text": paperText(3)}, &run)
	if code != 200 || run.Status != papersum.RunSucceeded {
		t.Fatalf("submit: %d %+v", code, run)
	}
	// The GenAI client metrics are on /metrics beside papersum's own.
	req, _ := http.NewRequest("GET", srv.url+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`gen_ai_client_operation_duration_seconds_bucket{error_type="",gen_ai_operation_name="chat",gen_ai_provider_name="papersum.local",gen_ai_request_model="local",gen_ai_response_model="local",le="0.01"}`,
		`gen_ai_client_operation_duration_seconds_count{error_type="",gen_ai_operation_name="chat",gen_ai_provider_name="papersum.local",gen_ai_request_model="local",gen_ai_response_model="local"} 3`,
		`gen_ai_client_token_usage_bucket{gen_ai_operation_name="chat",gen_ai_provider_name="papersum.local",gen_ai_request_model="local",gen_ai_response_model="local",gen_ai_token_type="input",le="6.7108864e+07"} 3`,
		`gen_ai_client_token_usage_count{gen_ai_operation_name="chat",gen_ai_provider_name="papersum.local",gen_ai_request_model="local",gen_ai_response_model="local",gen_ai_token_type="output"} 3`,
		"pipeline_requests_total",
	} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if err := srv.stop(); err != nil {
		t.Fatal(err)
	}
	recv.mu.Lock()
	defer recv.mu.Unlock()
	if recv.service != "papersum-test" {
		t.Errorf("service.name %q, want OTEL_SERVICE_NAME's", recv.service)
	}
	byID := map[string]*tracepb.Span{}
	var server *tracepb.Span
	for _, s := range recv.spans {
		byID[string(s.GetSpanId())] = s
		if s.GetKind() == tracepb.Span_SPAN_KIND_SERVER && strings.HasPrefix(s.GetName(), "POST") {
			server = s
		}
	}
	if server == nil {
		t.Fatalf("no HTTP server span among %d spans", len(recv.spans))
	}
	// Walk up from each model call to the root: it must be the request.
	calls := 0
	for _, s := range recv.spans {
		if s.GetName() != "chat local" {
			continue
		}
		calls++
		var path []string
		p := s
		for p != nil && len(p.GetParentSpanId()) > 0 {
			path = append(path, p.GetName())
			p = byID[string(p.GetParentSpanId())]
		}
		if p != server {
			t.Errorf("model call's ancestors %v do not reach the HTTP span", path)
		}
		if string(s.GetTraceId()) != string(server.GetTraceId()) {
			t.Errorf("model call in another trace")
		}
		want := []string{"chat local", "papersum.stage", "papersum.run", "process summarize", "papersum.store.commit submission", "papersum.submit"}
		if len(path) != len(want) {
			t.Errorf("model call's ancestors %v, want %v", path, want)
			continue
		}
		for i := range want {
			if !strings.HasPrefix(path[i], want[i]) {
				t.Errorf("model call's ancestors %v, want %v", path, want)
				break
			}
		}
	}
	// Without the opt-in no span holds the paper's text.
	sentence := strings.SplitN(paperText(3), ".", 2)[0]
	for _, s := range recv.spans {
		for _, a := range s.GetAttributes() {
			if v := a.GetValue().GetStringValue(); len(sentence) > 20 && strings.Contains(v, sentence) {
				t.Errorf("span %s attribute %s holds the paper's text", s.GetName(), a.GetKey())
			}
		}
	}
	if calls != 3 {
		t.Errorf("%d model-call spans, want 3", calls)
	}
}
