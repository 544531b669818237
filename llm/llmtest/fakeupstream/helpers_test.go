package fakeupstream_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/ingest"
	"github.com/papersum/papersum/llm/llmtest/fakeupstream"
	"github.com/papersum/papersum/pipeline"
)

// The structs below mirror the documented JSON of the APIs, independently
// of the server's own types, and are decoded strictly: a field the server
// adds or renames fails the test.

type msgResp struct {
	ID      string `json:"id"`
	Type    string `json:"type"`
	Role    string `json:"role"`
	Model   string `json:"model"`
	Content []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	} `json:"content"`
	StopReason   string  `json:"stop_reason"`
	StopSequence *string `json:"stop_sequence"`
	Usage        struct {
		InputTokens              int64 `json:"input_tokens"`
		OutputTokens             int64 `json:"output_tokens"`
		CacheCreationInputTokens int64 `json:"cache_creation_input_tokens"`
		CacheReadInputTokens     int64 `json:"cache_read_input_tokens"`
		CacheCreation            struct {
			Ephemeral5m int64 `json:"ephemeral_5m_input_tokens"`
			Ephemeral1h int64 `json:"ephemeral_1h_input_tokens"`
		} `json:"cache_creation"`
		ServiceTier string `json:"service_tier"`
	} `json:"usage"`
}

func (m *msgResp) text() string {
	var b strings.Builder
	for _, c := range m.Content {
		b.WriteString(c.Text)
	}
	return b.String()
}

type errResp struct {
	Type  string `json:"type"`
	Error struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	} `json:"error"`
	RequestID string `json:"request_id"`
}

type chatResp struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	Model   string `json:"model"`
	Choices []struct {
		Index   int `json:"index"`
		Message struct {
			Role        string          `json:"role"`
			Content     string          `json:"content"`
			Refusal     *string         `json:"refusal"`
			Annotations json.RawMessage `json:"annotations"`
		} `json:"message"`
		Logprobs     json.RawMessage `json:"logprobs"`
		FinishReason string          `json:"finish_reason"`
	} `json:"choices"`
	Usage struct {
		PromptTokens        int64 `json:"prompt_tokens"`
		CompletionTokens    int64 `json:"completion_tokens"`
		TotalTokens         int64 `json:"total_tokens"`
		PromptTokensDetails struct {
			CachedTokens int64 `json:"cached_tokens"`
			AudioTokens  int64 `json:"audio_tokens"`
		} `json:"prompt_tokens_details"`
		CompletionTokensDetails struct {
			ReasoningTokens          int64 `json:"reasoning_tokens"`
			AudioTokens              int64 `json:"audio_tokens"`
			AcceptedPredictionTokens int64 `json:"accepted_prediction_tokens"`
			RejectedPredictionTokens int64 `json:"rejected_prediction_tokens"`
		} `json:"completion_tokens_details"`
	} `json:"usage"`
	ServiceTier       string `json:"service_tier"`
	SystemFingerprint string `json:"system_fingerprint"`
}

type chatErr struct {
	Error struct {
		Message string  `json:"message"`
		Type    string  `json:"type"`
		Param   *string `json:"param"`
		Code    *string `json:"code"`
	} `json:"error"`
}

// strict decodes data into v and fails on unknown fields.
func strict(t testing.TB, data []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("decode %T: %v\nbody: %s", v, err, data)
	}
}

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// start serves a new fake for the test and returns it with its URL.
func start(t testing.TB, cfg fakeupstream.Config) (*fakeupstream.Server, string) {
	t.Helper()
	s := fakeupstream.New(cfg)
	url, stop := s.Start()
	t.Cleanup(stop)
	return s, url
}

// paperText is the sample paper as papersum sends it: Paper.Text().
var paperText = sync.OnceValue(func() string {
	p, err := ingest.Parse(context.Background(), "paper.md", []byte(fakeupstream.SamplePaper()), ingest.Options{})
	if err != nil {
		panic(err)
	}
	return p.Text()
})

// stagePrompts renders the pipeline's real prompts for stage.
func stagePrompts(t testing.TB, stage papersum.Stage, draft string, crit *papersum.Critique) (system, user string) {
	t.Helper()
	pr, err := pipeline.DefaultPrompts()
	if err != nil {
		t.Fatal(err)
	}
	system, user, err = pr[stage].Render(pipeline.PromptData{Title: "Adaptive Block Sparse Attention for Long Scientific Documents",
		TargetWords: 120, MaxWords: pipeline.MaxWords(120), Draft: draft, Critique: crit})
	if err != nil {
		t.Fatal(err)
	}
	return system, user
}

type obj = map[string]any

// anthropicBody is a Messages request in the layout papersum's adapter
// uses: the paper as the first system block, cache-marked, then the
// stage's system text, then the user prompt.
func anthropicBody(model, paper, ttl, system, user string, maxTokens int) obj {
	paperBlock := obj{"type": "text", "text": paper}
	if ttl != "" {
		paperBlock["cache_control"] = obj{"type": "ephemeral", "ttl": ttl}
	}
	return obj{
		"model": model, "max_tokens": maxTokens,
		"system":   []any{paperBlock, obj{"type": "text", "text": system}},
		"messages": []any{obj{"role": "user", "content": []any{obj{"type": "text", "text": user}}}},
	}
}

// chatBody is a Chat Completions request with the paper in the system
// message, ahead of the stage's system text.
func chatBody(model, paper, system, user string) obj {
	return obj{
		"model": model,
		"messages": []any{
			obj{"role": "system", "content": paper + "\n\n" + system},
			obj{"role": "user", "content": user},
		},
	}
}

type result struct {
	status int
	header http.Header
	body   []byte
}

// post sends body as JSON to url+path with the Anthropic headers and any
// extra header pairs.
func post(t testing.TB, url, path string, body any, headers ...string) result {
	t.Helper()
	return do(t, context.Background(), http.MethodPost, url+path, body, headers...)
}

func get(t testing.TB, url, path string, headers ...string) result {
	t.Helper()
	return do(t, context.Background(), http.MethodGet, url+path, nil, headers...)
}

func do(t testing.TB, ctx context.Context, method, url string, body any, headers ...string) result {
	t.Helper()
	r, err := doErr(ctx, method, url, body, headers...)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	return r
}

func doErr(ctx context.Context, method, url string, body any, headers ...string) (result, error) {
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return result{}, err
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return result{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("anthropic-version", "2023-06-01")
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return result{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return result{}, err
	}
	return result{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

// message posts a Messages request and decodes a 200 answer strictly.
func message(t testing.TB, url string, body any, headers ...string) msgResp {
	t.Helper()
	r := post(t, url, "/v1/messages", body, headers...)
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	var m msgResp
	strict(t, r.body, &m)
	return m
}

// anthropicError decodes an error response and checks its status.
func anthropicError(t *testing.T, r result, status int, errType string) errResp {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	var e errResp
	strict(t, r.body, &e)
	if e.Type != "error" || e.Error.Type != errType || e.Error.Message == "" {
		t.Fatalf("error body %+v, want type error/%s with a message", e, errType)
	}
	if e.RequestID == "" || e.RequestID != r.header.Get("request-id") {
		t.Fatalf("request_id %q, header request-id %q", e.RequestID, r.header.Get("request-id"))
	}
	return e
}
