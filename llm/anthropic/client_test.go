package anthropic

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/papersum/papersum"
)

func TestNewValidates(t *testing.T) {
	for name, tc := range map[string]struct {
		cfg  Config
		want string // substring of the error; "" for success
	}{
		"ok":                {Config{APIKey: "k"}, ""},
		"ok with URL":       {Config{APIKey: "k", BaseURL: "http://127.0.0.1:9/"}, ""},
		"missing key":       {Config{}, "API key is required"},
		"blank key":         {Config{APIKey: "  \n"}, "API key is required"},
		"key with newline":  {Config{APIKey: "a\nb"}, "whitespace"},
		"bad scheme":        {Config{APIKey: "k", BaseURL: "ftp://x"}, "scheme"},
		"no host":           {Config{APIKey: "k", BaseURL: "http://"}, "no host"},
		"query":             {Config{APIKey: "k", BaseURL: "http://x/?a=b"}, "query"},
		"unparseable":       {Config{APIKey: "k", BaseURL: "http://[::1"}, "base URL"},
		"password redacted": {Config{APIKey: "k", BaseURL: "ftp://u:hunter2@x"}, "xxxxx"},
	} {
		t.Run(name, func(t *testing.T) {
			c, err := New(tc.cfg)
			if tc.want == "" {
				if err != nil || c == nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New: err %v, want it to mention %q", err, tc.want)
			}
			if papersum.ErrorCode(err) != papersum.EINVALID {
				t.Errorf("code %q, want EINVALID", papersum.ErrorCode(err))
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error shows the URL password: %v", err)
			}
		})
	}
}

func TestConfigRedacted(t *testing.T) {
	cfg := Config{APIKey: testKey, BaseURL: "https://u:pw@gateway.example/"}
	for _, s := range []string{cfg.String(), fmt.Sprintf("%v", cfg), fmt.Sprintf("%+v", cfg.Redacted())} {
		if strings.Contains(s, testKey) || strings.Contains(s, ":pw@") {
			t.Errorf("printed config leaks a secret: %s", s)
		}
	}
}

// TestRequestShape checks the JSON that reaches the server: the system
// blocks (paper first with its cache breakpoint, then the stage's system
// prompt), the messages, max_tokens and temperature.
func TestRequestShape(t *testing.T) {
	paper := func(cacheable bool, ttl string) map[string]any {
		b := map[string]any{"type": "text", "text": "PAPER TEXT"}
		if cacheable {
			b["cache_control"] = map[string]any{"type": "ephemeral", "ttl": ttl}
		}
		return b
	}
	system := map[string]any{"type": "text", "text": "You summarize papers."}
	user := func(s string) map[string]any {
		return map[string]any{"role": "user", "content": []any{map[string]any{"type": "text", "text": s}}}
	}
	assistant := func(s string) map[string]any {
		return map[string]any{"role": "assistant", "content": []any{map[string]any{"type": "text", "text": s}}}
	}
	for _, tc := range []struct {
		name     string
		edit     func(r *papersum.Request)
		system   []any
		messages []any
		// temperature is the expected value, or nil when it must be absent.
		temperature any
		maxTokens   float64
	}{
		{
			name:      "cacheable paper, default TTL and max tokens",
			edit:      func(r *papersum.Request) {},
			system:    []any{paper(true, "5m"), system},
			messages:  []any{user("Summarize the paper.")},
			maxTokens: DefaultMaxTokens,
		},
		{
			name:      "explicit 5m",
			edit:      func(r *papersum.Request) { r.Paper.CacheTTL = "5m"; r.MaxTokens = 300 },
			system:    []any{paper(true, "5m"), system},
			messages:  []any{user("Summarize the paper.")},
			maxTokens: 300,
		},
		{
			name:      "1h",
			edit:      func(r *papersum.Request) { r.Paper.CacheTTL = "1h" },
			system:    []any{paper(true, "1h"), system},
			messages:  []any{user("Summarize the paper.")},
			maxTokens: DefaultMaxTokens,
		},
		{
			name:      "not cacheable: no breakpoint",
			edit:      func(r *papersum.Request) { r.Paper.Cacheable = false; r.Paper.CacheTTL = "1h" },
			system:    []any{paper(false, ""), system},
			messages:  []any{user("Summarize the paper.")},
			maxTokens: DefaultMaxTokens,
		},
		{
			name:      "no paper",
			edit:      func(r *papersum.Request) { r.Paper = nil },
			system:    []any{system},
			messages:  []any{user("Summarize the paper.")},
			maxTokens: DefaultMaxTokens,
		},
		{
			name:      "no system prompt",
			edit:      func(r *papersum.Request) { r.System = "" },
			system:    []any{paper(true, "5m")},
			messages:  []any{user("Summarize the paper.")},
			maxTokens: DefaultMaxTokens,
		},
		{
			name:        "temperature for a model that takes one",
			edit:        func(r *papersum.Request) { r.Temperature = ptr(0.25) },
			system:      []any{paper(true, "5m"), system},
			messages:    []any{user("Summarize the paper.")},
			temperature: 0.25,
			maxTokens:   DefaultMaxTokens,
		},
		{
			name:        "temperature zero is sent",
			edit:        func(r *papersum.Request) { r.Temperature = ptr(0.0) },
			system:      []any{paper(true, "5m"), system},
			messages:    []any{user("Summarize the paper.")},
			temperature: 0.0,
			maxTokens:   DefaultMaxTokens,
		},
		{
			name:      "temperature dropped for a model that rejects it",
			edit:      func(r *papersum.Request) { r.Model = "claude-opus-4-7"; r.Temperature = ptr(0.25) },
			system:    []any{paper(true, "5m"), system},
			messages:  []any{user("Summarize the paper.")},
			maxTokens: DefaultMaxTokens,
		},
		{
			name:      "temperature dropped for an unknown model",
			edit:      func(r *papersum.Request) { r.Model = "claude-future-9"; r.Temperature = ptr(0.25) },
			system:    []any{paper(true, "5m"), system},
			messages:  []any{user("Summarize the paper.")},
			maxTokens: DefaultMaxTokens,
		},
		{
			name: "turns follow the prompt in order",
			edit: func(r *papersum.Request) {
				r.Turns = []papersum.Turn{
					{Role: papersum.RoleAssistant, Text: "<summary>broken"},
					{Role: papersum.RoleUser, Text: "Repair the XML."},
				}
			},
			system:    []any{paper(true, "5m"), system},
			messages:  []any{user("Summarize the paper."), assistant("<summary>broken"), user("Repair the XML.")},
			maxTokens: DefaultMaxTokens,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{answer: jsonAnswer(200, cannedMessage)}
			c := serve(t, rec)
			req := baseRequest()
			tc.edit(req)
			if _, err := c.Generate(background(t), req); err != nil {
				t.Fatal(err)
			}
			if rec.count() != 1 {
				t.Fatalf("%d requests, want 1", rec.count())
			}
			if got := rec.paths[0]; got != "POST /v1/messages" {
				t.Errorf("path %q", got)
			}
			body := rec.body(t, 0)
			if !reflect.DeepEqual(body["system"], tc.system) {
				t.Errorf("system\n got %s\nwant %s", js(body["system"]), js(tc.system))
			}
			if !reflect.DeepEqual(body["messages"], tc.messages) {
				t.Errorf("messages\n got %s\nwant %s", js(body["messages"]), js(tc.messages))
			}
			if body["model"] != req.Model || body["max_tokens"] != tc.maxTokens {
				t.Errorf("model %v max_tokens %v", body["model"], body["max_tokens"])
			}
			temp, has := body["temperature"]
			if tc.temperature == nil && has {
				t.Errorf("temperature %v sent, want none", temp)
			}
			if tc.temperature != nil && temp != tc.temperature {
				t.Errorf("temperature %v, want %v", temp, tc.temperature)
			}
			// Nothing else: no stop sequences, no streaming, no sampling knobs.
			for k := range body {
				switch k {
				case "model", "max_tokens", "system", "messages", "temperature":
				default:
					t.Errorf("unexpected field %q = %s", k, js(body[k]))
				}
			}
			h := rec.heads[0]
			if h.Get("Authorization") != "Bearer "+testKey && h.Get("X-Api-Key") != testKey {
				t.Errorf("no credential in headers %v", h)
			}
			if h.Get("Anthropic-Version") == "" {
				t.Error("no anthropic-version header")
			}
		})
	}
}

// TestNoEnvironment checks that the SDK's environment defaults are off: a
// base URL, key or header from the environment must not reach a request.
func TestNoEnvironment(t *testing.T) {
	t.Setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:1/")
	t.Setenv("ANTHROPIC_API_KEY", "sk-from-env")
	t.Setenv("ANTHROPIC_AUTH_TOKEN", "tok-from-env")
	t.Setenv("ANTHROPIC_CUSTOM_HEADERS", "X-Env-Header: leaked")
	rec := &recorder{answer: jsonAnswer(200, cannedMessage)}
	c := serve(t, rec)
	if _, err := c.Generate(background(t), baseRequest()); err != nil {
		t.Fatal(err)
	}
	h := rec.heads[0]
	if strings.Contains(fmt.Sprint(h), "from-env") || h.Get("X-Env-Header") != "" {
		t.Errorf("environment reached the request: %v", h)
	}
}

func TestInvalidRequestsAreNotSent(t *testing.T) {
	for name, edit := range map[string]func(r *papersum.Request) *papersum.Request{
		"nil request":         func(r *papersum.Request) *papersum.Request { return nil },
		"no model":            func(r *papersum.Request) *papersum.Request { r.Model = ""; return r },
		"negative max tokens": func(r *papersum.Request) *papersum.Request { r.MaxTokens = -1; return r },
		"empty prompt":        func(r *papersum.Request) *papersum.Request { r.Prompt = ""; return r },
		"unknown TTL":         func(r *papersum.Request) *papersum.Request { r.Paper.CacheTTL = "24h"; return r },
		"unknown role": func(r *papersum.Request) *papersum.Request {
			r.Turns = []papersum.Turn{{Role: "system", Text: "x"}}
			return r
		},
		"empty turn": func(r *papersum.Request) *papersum.Request {
			r.Turns = []papersum.Turn{{Role: papersum.RoleUser}}
			return r
		},
		"NaN temperature":      func(r *papersum.Request) *papersum.Request { r.Temperature = ptr(math.NaN()); return r },
		"temperature above 1":  func(r *papersum.Request) *papersum.Request { r.Temperature = ptr(1.5); return r },
		"negative temperature": func(r *papersum.Request) *papersum.Request { r.Temperature = ptr(-0.1); return r },
	} {
		t.Run(name, func(t *testing.T) {
			rec := &recorder{answer: jsonAnswer(200, cannedMessage)}
			c := serve(t, rec)
			_, err := c.Generate(background(t), edit(baseRequest()))
			pe := mustProviderError(t, err)
			if pe.Class != papersum.ClassInvalidRequest || pe.Provider != ProviderName || pe.Retryable() {
				t.Errorf("got %+v", pe)
			}
			if rec.count() != 0 {
				t.Errorf("%d requests sent for an invalid request", rec.count())
			}
		})
	}
}

func TestResponseMapping(t *testing.T) {
	msg := func(stop, usage string) string {
		return `{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929",
			"content":[{"type":"text","text":"ok"}],"stop_reason":` + stop + `,"stop_sequence":null,"usage":` + usage + `}`
	}
	plain := `{"input_tokens":3,"output_tokens":1}`
	for _, tc := range []struct {
		name  string
		body  string
		ttl   string
		stop  papersum.StopReason
		usage papersum.Usage
		text  string
		model string
	}{
		{name: "canned", body: cannedMessage, stop: papersum.StopEnd, text: "<summary>Hello world</summary>",
			model: "claude-sonnet-4-5-20250929",
			usage: papersum.Usage{InputTokens: 12, OutputTokens: 7, CacheCreation5mTokens: 100, CacheCreation1hTokens: 200, CacheReadTokens: 40}},
		{name: "max_tokens", body: msg(`"max_tokens"`, plain), stop: papersum.StopMaxTokens},
		{name: "stop_sequence", body: msg(`"stop_sequence"`, plain), stop: papersum.StopSequence},
		{name: "refusal", body: msg(`"refusal"`, plain), stop: papersum.StopOther},
		{name: "pause_turn", body: msg(`"pause_turn"`, plain), stop: papersum.StopOther},
		{name: "context window exceeded", body: msg(`"model_context_window_exceeded"`, plain), stop: papersum.StopOther},
		{name: "null stop reason", body: msg(`null`, plain), stop: papersum.StopOther},
		{name: "no split, 5m asked", ttl: "5m", stop: papersum.StopEnd,
			body:  msg(`"end_turn"`, `{"input_tokens":3,"output_tokens":1,"cache_creation_input_tokens":500,"cache_read_input_tokens":0}`),
			usage: papersum.Usage{InputTokens: 3, OutputTokens: 1, CacheCreation5mTokens: 500}},
		{name: "no split, 1h asked", ttl: "1h", stop: papersum.StopEnd,
			body:  msg(`"end_turn"`, `{"input_tokens":3,"output_tokens":1,"cache_creation_input_tokens":500,"cache_read_input_tokens":9}`),
			usage: papersum.Usage{InputTokens: 3, OutputTokens: 1, CacheCreation1hTokens: 500, CacheReadTokens: 9}},
		{name: "null split, 1h asked", ttl: "1h", stop: papersum.StopEnd,
			body:  msg(`"end_turn"`, `{"input_tokens":3,"output_tokens":1,"cache_creation_input_tokens":500,"cache_creation":null}`),
			usage: papersum.Usage{InputTokens: 3, OutputTokens: 1, CacheCreation1hTokens: 500}},
		{name: "empty split next to a total", ttl: "1h", stop: papersum.StopEnd,
			body:  msg(`"end_turn"`, `{"input_tokens":3,"output_tokens":1,"cache_creation_input_tokens":500,"cache_creation":{}}`),
			usage: papersum.Usage{InputTokens: 3, OutputTokens: 1, CacheCreation1hTokens: 500}},
		{name: "split wins over the TTL asked", ttl: "1h", stop: papersum.StopEnd,
			body:  msg(`"end_turn"`, `{"input_tokens":3,"output_tokens":1,"cache_creation_input_tokens":500,"cache_creation":{"ephemeral_5m_input_tokens":500,"ephemeral_1h_input_tokens":0}}`),
			usage: papersum.Usage{InputTokens: 3, OutputTokens: 1, CacheCreation5mTokens: 500}},
		{name: "no model in response", stop: papersum.StopEnd, model: "claude-sonnet-4-5",
			body:  `{"id":"m","type":"message","role":"assistant","content":[{"type":"text","text":"ok"}],"stop_reason":"end_turn","usage":{"input_tokens":3,"output_tokens":1}}`,
			usage: papersum.Usage{InputTokens: 3, OutputTokens: 1}},
		{name: "no content", stop: papersum.StopEnd, text: "-",
			body:  `{"id":"m","type":"message","role":"assistant","model":"x","content":[],"stop_reason":"end_turn","usage":{"input_tokens":3,"output_tokens":0}}`,
			usage: papersum.Usage{InputTokens: 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := serve(t, &recorder{answer: jsonAnswer(200, tc.body)})
			req := baseRequest()
			req.Paper.CacheTTL = tc.ttl
			resp, err := c.Generate(background(t), req)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StopReason != tc.stop {
				t.Errorf("stop %q, want %q", resp.StopReason, tc.stop)
			}
			if tc.usage != (papersum.Usage{}) && resp.Usage != tc.usage {
				t.Errorf("usage %+v, want %+v", resp.Usage, tc.usage)
			}
			want := tc.text
			switch want {
			case "":
				want = "ok"
			case "-":
				want = ""
			}
			if resp.Text != want {
				t.Errorf("text %q, want %q", resp.Text, want)
			}
			if tc.model != "" && resp.Model != tc.model {
				t.Errorf("model %q, want %q", resp.Model, tc.model)
			}
			if resp.Provider != ProviderName || resp.Usage.Estimated || resp.FallbackReason != "" {
				t.Errorf("response %+v", resp)
			}
		})
	}
}

func js(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

var _ http.Handler = (*recorder)(nil)
