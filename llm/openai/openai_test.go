package openai

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/papersum/papersum"
)

// msg is a chat message as the upstream decoded it.
type msg struct{ Role, Content string }

func messagesOf(t *testing.T, body map[string]any) []msg {
	t.Helper()
	raw, ok := body["messages"].([]any)
	if !ok {
		t.Fatalf("messages missing or not a list: %v", body["messages"])
	}
	out := make([]msg, 0, len(raw))
	for _, m := range raw {
		mm := m.(map[string]any)
		content, ok := mm["content"].(string)
		if !ok {
			t.Fatalf("content of %v is not a plain string", mm)
		}
		out = append(out, msg{Role: mm["role"].(string), Content: content})
	}
	return out
}

func TestRequestShape(t *testing.T) {
	temp := 0.7
	tests := []struct {
		name     string
		cfg      Config
		req      func() *papersum.Request
		messages []msg
		// want holds top-level fields that must be present with this
		// value; absent lists those that must not be sent.
		want   map[string]any
		absent []string
		auth   string
	}{
		{
			name: "paper first then system then prompt",
			req:  basicRequest,
			messages: []msg{
				{"system", "PAPER TEXT"},
				{"system", "You summarize research papers."},
				{"user", "Summarize the paper in 150 words."},
			},
			want:   map[string]any{"model": "gpt-4.1", "max_tokens": 512.0, "temperature": 0.2},
			absent: []string{"max_completion_tokens", "stream", "n", "tools"},
		},
		{
			name: "turns follow the prompt",
			req: func() *papersum.Request {
				r := basicRequest()
				r.Turns = []papersum.Turn{
					{Role: papersum.RoleAssistant, Text: "{broken"},
					{Role: papersum.RoleUser, Text: "Repair the JSON."},
				}
				return r
			},
			messages: []msg{
				{"system", "PAPER TEXT"},
				{"system", "You summarize research papers."},
				{"user", "Summarize the paper in 150 words."},
				{"assistant", "{broken"},
				{"user", "Repair the JSON."},
			},
		},
		{
			name: "single system message keeps the paper first",
			cfg:  Config{SingleSystemMessage: true},
			req:  basicRequest,
			messages: []msg{
				{"system", "PAPER TEXT\n\nYou summarize research papers."},
				{"user", "Summarize the paper in 150 words."},
			},
		},
		{
			name: "no paper, no system",
			req: func() *papersum.Request {
				return &papersum.Request{Model: "m", Prompt: "hi"}
			},
			messages: []msg{{"user", "hi"}},
			absent:   []string{"max_tokens", "max_completion_tokens", "temperature"},
		},
		{
			name: "model that rejects temperature",
			cfg: Config{AcceptsTemperature: func(model string) bool {
				return !strings.HasPrefix(model, "o")
			}},
			req: func() *papersum.Request {
				r := basicRequest()
				r.Model = "o4-mini"
				r.Temperature = &temp
				return r
			},
			want:   map[string]any{"model": "o4-mini"},
			absent: []string{"temperature"},
		},
		{
			name:   "max_completion_tokens when asked",
			cfg:    Config{MaxTokensField: MaxTokensCompletion},
			req:    basicRequest,
			want:   map[string]any{"max_completion_tokens": 512.0},
			absent: []string{"max_tokens"},
		},
		{
			name: "api key sent as bearer",
			cfg:  Config{APIKey: "sk-test"},
			req:  basicRequest,
			auth: "Bearer sk-test",
		},
		{
			name: "no api key sends no authorization header",
			req:  basicRequest,
			auth: "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := newUpstream(t, reply(200, completionJSON))
			c := newClient(t, up, tt.cfg)
			if _, err := c.Generate(context.Background(), tt.req()); err != nil {
				t.Fatalf("Generate: %v", err)
			}
			got := up.last(t)
			if got.Method != http.MethodPost || got.Path != "/v1/chat/completions" {
				t.Errorf("request = %s %s, want POST /v1/chat/completions", got.Method, got.Path)
			}
			if tt.messages != nil {
				if m := messagesOf(t, got.Body); !reflect.DeepEqual(m, tt.messages) {
					t.Errorf("messages =\n%+v\nwant\n%+v", m, tt.messages)
				}
			}
			for k, v := range tt.want {
				if got.Body[k] != v {
					t.Errorf("%s = %v (%T), want %v", k, got.Body[k], got.Body[k], v)
				}
			}
			for _, k := range tt.absent {
				if v, ok := got.Body[k]; ok {
					t.Errorf("%s sent (%v), want absent", k, v)
				}
			}
			if a := got.Header.Get("Authorization"); a != tt.auth {
				t.Errorf("Authorization = %q, want %q", a, tt.auth)
			}
		})
	}
}

// TestPrefixStableAcrossStages checks the property prefix caching relies
// on: the first message is byte-identical whatever the stage.
func TestPrefixStableAcrossStages(t *testing.T) {
	up := newUpstream(t, reply(200, completionJSON))
	c := newClient(t, up, Config{})
	var first []msg
	for _, st := range papersum.Stages {
		r := basicRequest()
		r.System = "system for " + string(st)
		r.Prompt = "prompt for " + string(st)
		r.Task.Stage = st
		if _, err := c.Generate(context.Background(), r); err != nil {
			t.Fatal(err)
		}
		m := messagesOf(t, up.last(t).Body)
		if first == nil {
			first = m
			continue
		}
		if m[0] != first[0] {
			t.Errorf("stage %s: first message %+v differs from %+v", st, m[0], first[0])
		}
	}
}

// TestAutoMaxTokensField sends to the default base URL, api.openai.com,
// through a transport that dials the local test server instead, so the
// host-based default is exercised without leaving the machine.
func TestAutoMaxTokensField(t *testing.T) {
	var got map[string]any
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		if err := jsonDecode(r, &body); err != nil {
			t.Error(err)
		}
		got = body
		reply(200, completionJSON)(w, r)
	}))
	defer srv.Close()
	addr := srv.Listener.Addr().String()
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, // the test server's certificate is not for api.openai.com
	}
	c, err := New(Config{APIKey: "sk-test", HTTPClient: &http.Client{Transport: tr}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Generate(context.Background(), basicRequest()); err != nil {
		t.Fatalf("Generate: %v", err)
	}
	if got["max_completion_tokens"] != 512.0 {
		t.Errorf("max_completion_tokens = %v, want 512", got["max_completion_tokens"])
	}
	if _, ok := got["max_tokens"]; ok {
		t.Errorf("max_tokens sent to api.openai.com")
	}
}

// TestNoEnvironment checks that OPENAI_* variables, which the SDK's
// NewClient would read, change nothing.
func TestNoEnvironment(t *testing.T) {
	t.Setenv("OPENAI_API_KEY", "sk-from-env")
	t.Setenv("OPENAI_BASE_URL", "http://127.0.0.1:1/v1")
	t.Setenv("OPENAI_ORG_ID", "org-env")
	t.Setenv("OPENAI_CUSTOM_HEADERS", "X-Env: yes")
	up := newUpstream(t, reply(200, completionJSON))
	c := newClient(t, up, Config{})
	if _, err := c.Generate(context.Background(), basicRequest()); err != nil {
		t.Fatalf("Generate: %v", err)
	}
	h := up.last(t).Header
	for _, k := range []string{"Authorization", "Openai-Organization", "X-Env"} {
		if v := h.Get(k); v != "" {
			t.Errorf("%s = %q taken from the environment", k, v)
		}
	}
}

func TestResponseMapping(t *testing.T) {
	tests := []struct {
		name string
		body string
		want papersum.Response
	}{
		{
			name: "openai with cached tokens",
			body: completionJSON,
			want: papersum.Response{
				Text: "A short summary.", StopReason: papersum.StopEnd,
				Usage:    papersum.Usage{InputTokens: 176, CacheReadTokens: 1024, OutputTokens: 40},
				Provider: "openai", Model: "gpt-4.1-2025-04-14",
			},
		},
		{
			name: "length is max tokens",
			body: completion("cut off", "length", "m", `{"prompt_tokens":10,"completion_tokens":512,"total_tokens":522}`),
			want: papersum.Response{
				Text: "cut off", StopReason: papersum.StopMaxTokens,
				Usage:    papersum.Usage{InputTokens: 10, OutputTokens: 512},
				Provider: "openai", Model: "m",
			},
		},
		{
			name: "content filter is other",
			body: completion("", "content_filter", "m", `{"prompt_tokens":10,"completion_tokens":0,"total_tokens":10}`),
			want: papersum.Response{StopReason: papersum.StopOther,
				Usage: papersum.Usage{InputTokens: 10}, Provider: "openai", Model: "m"},
		},
		{
			name: "tool calls is other",
			body: completion("x", "tool_calls", "m", `{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}`),
			want: papersum.Response{Text: "x", StopReason: papersum.StopOther,
				Usage: papersum.Usage{InputTokens: 1, OutputTokens: 1}, Provider: "openai", Model: "m"},
		},
		{
			// Ollama reports no prompt_tokens_details and may omit model.
			name: "no model, no details: requested model, no cache",
			body: completion("hi", "stop", "", `{"prompt_tokens":30,"completion_tokens":2,"total_tokens":32}`),
			want: papersum.Response{Text: "hi", StopReason: papersum.StopEnd,
				Usage: papersum.Usage{InputTokens: 30, OutputTokens: 2}, Provider: "openai", Model: "gpt-4.1"},
		},
		{
			// vLLM with --enable-prompt-tokens-details reports cached_tokens.
			name: "vllm prefix cache hit",
			body: completion("ok", "stop", "Qwen/Qwen2.5-7B-Instruct",
				`{"prompt_tokens":4096,"completion_tokens":100,"total_tokens":4196,"prompt_tokens_details":{"cached_tokens":4000}}`),
			want: papersum.Response{Text: "ok", StopReason: papersum.StopEnd,
				Usage:    papersum.Usage{InputTokens: 96, CacheReadTokens: 4000, OutputTokens: 100},
				Provider: "openai", Model: "Qwen/Qwen2.5-7B-Instruct"},
		},
		{
			name: "cached above prompt is clamped",
			body: completion("ok", "stop", "m",
				`{"prompt_tokens":10,"completion_tokens":1,"total_tokens":11,"prompt_tokens_details":{"cached_tokens":50}}`),
			want: papersum.Response{Text: "ok", StopReason: papersum.StopEnd,
				Usage: papersum.Usage{CacheReadTokens: 10, OutputTokens: 1}, Provider: "openai", Model: "m"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := newUpstream(t, reply(200, tt.body))
			c := newClient(t, up, Config{})
			got, err := c.Generate(context.Background(), basicRequest())
			if err != nil {
				t.Fatalf("Generate: %v", err)
			}
			if *got != tt.want {
				t.Errorf("response =\n%+v\nwant\n%+v", *got, tt.want)
			}
			if got.Usage.TotalInput() != got.Usage.InputTokens+got.Usage.CacheReadTokens {
				t.Errorf("TotalInput mismatch")
			}
		})
	}
}

func TestProviderName(t *testing.T) {
	up := newUpstream(t, reply(429, `{"error":{"message":"slow down","type":"rate_limit_error"}}`))
	c := newClient(t, up, Config{ProviderName: "vllm"})
	_, err := c.Generate(context.Background(), basicRequest())
	var pe *papersum.ProviderError
	if !errors.As(err, &pe) || pe.Provider != "vllm" || pe.Model != "gpt-4.1" || pe.Stage != papersum.StageSummarize {
		t.Fatalf("err = %#v, want provider vllm, model gpt-4.1, stage summarize", err)
	}
	up2 := newUpstream(t, reply(200, completionJSON))
	c2 := newClient(t, up2, Config{ProviderName: "vllm"})
	res, err := c2.Generate(context.Background(), basicRequest())
	if err != nil || res.Provider != "vllm" {
		t.Fatalf("Provider = %v, %v; want vllm", res, err)
	}
}

func TestNoChoices(t *testing.T) {
	up := newUpstream(t, reply(200, `{"id":"x","object":"chat.completion","created":1,"model":"m","choices":[],
		"usage":{"prompt_tokens":1,"completion_tokens":0,"total_tokens":1}}`))
	c := newClient(t, up, Config{})
	_, err := c.Generate(context.Background(), basicRequest())
	var pe *papersum.ProviderError
	if !errors.As(err, &pe) || pe.Class != papersum.ClassServer || pe.Message != "no choices" {
		t.Fatalf("err = %v, want server: no choices", err)
	}
	if !pe.Retryable() {
		t.Error("no choices should be retryable")
	}
}

func TestInvalidRequestsAreNotSent(t *testing.T) {
	tests := []struct {
		name string
		req  *papersum.Request
	}{
		{"nil", nil},
		{"no model", &papersum.Request{Prompt: "x"}},
		{"no prompt", &papersum.Request{Model: "m", System: "s"}},
		{"bad role", &papersum.Request{Model: "m", Prompt: "x", Turns: []papersum.Turn{{Role: "tool", Text: "y"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := newUpstream(t, reply(200, completionJSON))
			c := newClient(t, up, Config{})
			_, err := c.Generate(context.Background(), tt.req)
			if papersum.ClassOf(err) != papersum.ClassInvalidRequest {
				t.Fatalf("err = %v, want invalid_request", err)
			}
			if n := up.count.Load(); n != 0 {
				t.Errorf("upstream saw %d requests, want 0", n)
			}
		})
	}
}

func TestConfig(t *testing.T) {
	t.Run("defaults", func(t *testing.T) {
		c, err := New(Config{})
		if err != nil {
			t.Fatal(err)
		}
		cfg := c.cfg
		if cfg.BaseURL != DefaultBaseURL || cfg.ProviderName != "openai" || cfg.HTTPClient != http.DefaultClient || cfg.Clock == nil {
			t.Errorf("defaults = %+v", cfg)
		}
		if cfg.maxTokensField() != MaxTokensCompletion {
			t.Errorf("api.openai.com should default to max_completion_tokens")
		}
	})
	t.Run("self-hosted defaults to max_tokens", func(t *testing.T) {
		for _, u := range []string{"http://127.0.0.1:8000/v1", "http://127.0.0.1:11434/v1", "http://localhost:8080/v1"} {
			c, err := New(Config{BaseURL: u})
			if err != nil {
				t.Fatal(err)
			}
			if c.cfg.maxTokensField() != MaxTokensLegacy {
				t.Errorf("%s: field = %q, want max_tokens", u, c.cfg.maxTokensField())
			}
		}
	})
	invalid := []Config{
		{BaseURL: "127.0.0.1:8000/v1"},
		{BaseURL: "ftp://host/v1"},
		{BaseURL: "http:///v1"},
		{BaseURL: "http://host/v1?x=1"},
		{BaseURL: "http://host/%zz"},
		{ProviderName: "open ai"},
		{MaxTokensField: "n_predict"},
	}
	for _, cfg := range invalid {
		if _, err := New(cfg); papersum.ErrorCode(err) != papersum.EINVALID {
			t.Errorf("New(%v) = %v, want EINVALID", cfg, err)
		}
	}
	t.Run("redacted", func(t *testing.T) {
		cfg := Config{APIKey: "sk-secret", BaseURL: "https://user:pass@example.com/v1"}
		r := cfg.Redacted()
		if r.APIKey != "REDACTED" || strings.Contains(r.BaseURL, "pass") {
			t.Errorf("Redacted = %+v", r)
		}
		if s := cfg.String(); strings.Contains(s, "sk-secret") || strings.Contains(s, "pass@") {
			t.Errorf("String leaks a secret: %s", s)
		}
		c, _ := New(cfg)
		if c.Config().APIKey != "REDACTED" {
			t.Error("Client.Config is not redacted")
		}
	})
}

func TestBaseURLForms(t *testing.T) {
	for _, suffix := range []string{"/v1", "/v1/"} {
		up := newUpstream(t, reply(200, completionJSON))
		c, err := New(Config{BaseURL: up.URL + suffix})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Generate(context.Background(), basicRequest()); err != nil {
			t.Fatalf("%s: %v", suffix, err)
		}
		if p := up.last(t).Path; p != "/v1/chat/completions" {
			t.Errorf("base %q: path %s", suffix, p)
		}
	}
}

// TestConcurrentGenerate runs calls side by side, some failing, so the
// race detector sees the per-call state (body watcher, response capture).
func TestConcurrentGenerate(t *testing.T) {
	var n atomic.Int64
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%3 == 0 {
			reply(503, `{"error":{"message":"busy"}}`)(w, r)
			return
		}
		reply(200, completionJSON)(w, r)
	})
	c := newClient(t, up, Config{})
	var wg sync.WaitGroup
	for range 24 {
		wg.Go(func() {
			_, err := c.Generate(context.Background(), basicRequest())
			if err != nil && papersum.ClassOf(err) != papersum.ClassOverloaded {
				t.Errorf("err = %v", err)
			}
		})
	}
	wg.Wait()
}
