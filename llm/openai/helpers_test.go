package openai

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/papersum/papersum"
)

// completionJSON is a Chat Completions answer as documented by OpenAI, in
// the shape vLLM and llama-server also send.
const completionJSON = `{
  "id": "chatcmpl-123",
  "object": "chat.completion",
  "created": 1741569952,
  "model": "gpt-4.1-2025-04-14",
  "choices": [{
    "index": 0,
    "message": {"role": "assistant", "content": "A short summary.", "refusal": null, "annotations": []},
    "logprobs": null,
    "finish_reason": "stop"
  }],
  "usage": {
    "prompt_tokens": 1200,
    "completion_tokens": 40,
    "total_tokens": 1240,
    "prompt_tokens_details": {"cached_tokens": 1024, "audio_tokens": 0},
    "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
      "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}
  },
  "service_tier": "default",
  "system_fingerprint": "fp_123"
}`

// seen is one request as the upstream received it.
type seen struct {
	Method, Path string
	Header       http.Header
	Body         map[string]any
}

// upstream is an httptest server that records requests and answers with a
// handler chosen by the test.
type upstream struct {
	*httptest.Server
	mu    sync.Mutex
	reqs  []seen
	count atomic.Int64
}

// newUpstream starts an upstream whose handler is h. The request body is
// read and recorded before h runs, so h sees an empty body.
func newUpstream(t testing.TB, h http.HandlerFunc) *upstream {
	t.Helper()
	u := &upstream{}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.count.Add(1)
		raw, _ := io.ReadAll(r.Body)
		var body map[string]any
		_ = json.Unmarshal(raw, &body)
		u.mu.Lock()
		u.reqs = append(u.reqs, seen{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body})
		u.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(u.Close)
	return u
}

// last returns the last recorded request.
func (u *upstream) last(t testing.TB) seen {
	t.Helper()
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.reqs) == 0 {
		t.Fatal("upstream saw no request")
	}
	return u.reqs[len(u.reqs)-1]
}

// reply answers every request with status, headers and body.
func reply(status int, body string, headers ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

// newClient returns a Client for the upstream with cfg's other fields.
func newClient(t testing.TB, u *upstream, cfg Config) *Client {
	t.Helper()
	cfg.BaseURL = u.URL + "/v1"
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// basicRequest is a request with every field papersum fills for a stage.
func basicRequest() *papersum.Request {
	temp := 0.2
	return &papersum.Request{
		Model:       "gpt-4.1",
		System:      "You summarize research papers.",
		Paper:       &papersum.Document{Text: "PAPER TEXT", Cacheable: true, CacheTTL: "5m"},
		Prompt:      "Summarize the paper in 150 words.",
		MaxTokens:   512,
		Temperature: &temp,
		Task:        papersum.Task{Stage: papersum.StageSummarize},
	}
}

// fixedClock is a papersum.Clock that always says t.
type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

// completion renders a one-choice completion; usage is raw JSON.
func completion(content, finish, model, usage string) string {
	c, _ := json.Marshal(content)
	return `{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"` + model + `",` +
		`"choices":[{"index":0,"message":{"role":"assistant","content":` + string(c) + `},"finish_reason":"` + finish + `"}],` +
		`"usage":` + usage + `}`
}

// jsonDecode decodes a request body into v.
func jsonDecode(r *http.Request, v any) error {
	return json.NewDecoder(r.Body).Decode(v)
}
