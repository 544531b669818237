package anthropic

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/papersum/papersum"
)

// testKey is the API key of every hermetic test; tests check that it never
// shows up in an error.
const testKey = "sk-ant-test-0123456789"

// cannedMessage is a documented Messages API response: two text blocks, a
// thinking block that is not part of the answer, and a usage object with
// the per-TTL cache split.
const cannedMessage = `{
  "id": "msg_013Zva2CMHLNnXjNJJKqJ2EF",
  "type": "message",
  "role": "assistant",
  "model": "claude-sonnet-4-5-20250929",
  "content": [
    {"type": "thinking", "thinking": "hidden", "signature": "sig"},
    {"type": "text", "text": "<summary>Hello"},
    {"type": "text", "text": " world</summary>"}
  ],
  "stop_reason": "end_turn",
  "stop_sequence": null,
  "usage": {
    "input_tokens": 12,
    "output_tokens": 7,
    "cache_creation_input_tokens": 300,
    "cache_read_input_tokens": 40,
    "cache_creation": {"ephemeral_5m_input_tokens": 100, "ephemeral_1h_input_tokens": 200},
    "service_tier": "standard"
  }
}`

// fixedClock is a papersum.Clock that always says t.
type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

// recorder is an httptest handler that records what it receives and
// answers with a function of the request number.
type recorder struct {
	mu     sync.Mutex
	bodies [][]byte
	heads  []http.Header
	paths  []string
	answer func(n int, w http.ResponseWriter, r *http.Request)
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rec.mu.Lock()
	n := len(rec.bodies)
	rec.bodies = append(rec.bodies, body)
	rec.heads = append(rec.heads, r.Header.Clone())
	rec.paths = append(rec.paths, r.Method+" "+r.URL.Path)
	rec.mu.Unlock()
	rec.answer(n, w, r)
}

func (rec *recorder) count() int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return len(rec.bodies)
}

// body returns request i decoded as JSON.
func (rec *recorder) body(t *testing.T, i int) map[string]any {
	t.Helper()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if i >= len(rec.bodies) {
		t.Fatalf("request %d not received (%d received)", i, len(rec.bodies))
	}
	var m map[string]any
	if err := json.Unmarshal(rec.bodies[i], &m); err != nil {
		t.Fatalf("request %d body %q: %v", i, rec.bodies[i], err)
	}
	return m
}

// jsonAnswer answers every request with status and body.
func jsonAnswer(status int, body string, headers ...string) func(int, http.ResponseWriter, *http.Request) {
	return func(_ int, w http.ResponseWriter, _ *http.Request) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

// serve starts an httptest server with h and a Client pointed at it.
func serve(t testing.TB, h http.Handler, mod ...func(*Config)) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	cfg := Config{APIKey: testKey, BaseURL: srv.URL, HTTPClient: srv.Client(), Capabilities: testCaps}
	for _, m := range mod {
		m(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// testCaps knows two models: one that takes a temperature and one that
// rejects it.
func testCaps(model string) (bool, bool) {
	switch model {
	case "claude-sonnet-4-5":
		return true, true
	case "claude-opus-4-7":
		return false, true
	}
	return false, false
}

// baseRequest is a summarize-stage request with a cacheable paper.
func baseRequest() *papersum.Request {
	return &papersum.Request{
		Model:  "claude-sonnet-4-5",
		System: "You summarize papers.",
		Paper:  &papersum.Document{Text: "PAPER TEXT", Cacheable: true},
		Prompt: "Summarize the paper.",
		Task:   papersum.Task{Stage: papersum.StageSummarize},
	}
}

func ptr[T any](v T) *T { return &v }

// mustProviderError returns err's *papersum.ProviderError or fails.
func mustProviderError(t *testing.T, err error) *papersum.ProviderError {
	t.Helper()
	pe, ok := err.(*papersum.ProviderError)
	if !ok {
		t.Fatalf("error %T %v, want *papersum.ProviderError", err, err)
	}
	return pe
}

// background is a context for tests that do not test cancellation.
func background(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}
