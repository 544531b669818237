package openai

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/papersum/papersum"
)

func TestErrorClasses(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		body       string
		headers    []string
		class      papersum.Class
		retryAfter float64
		// msg must be contained in ProviderError.Message.
		msg string
	}{
		// OpenAI, from the API reference's error codes page.
		{name: "openai 401", status: 401,
			body:  `{"error":{"message":"Incorrect API key provided: sk-abc***","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`,
			class: papersum.ClassAuth, msg: "Incorrect API key"},
		{name: "openai 403 region", status: 403,
			body:  `{"error":{"message":"Country, region, or territory not supported","type":"request_forbidden","code":"unsupported_country_region_territory"}}`,
			class: papersum.ClassAuth},
		{name: "openai 429 rate limit with retry-after-ms", status: 429,
			headers: []string{"retry-after-ms", "1500", "retry-after", "2"},
			body:    `{"error":{"message":"Rate limit reached for gpt-4.1 on tokens per min (TPM)","type":"tokens","code":"rate_limit_exceeded"}}`,
			class:   papersum.ClassRateLimit, retryAfter: 1.5, msg: "Rate limit reached"},
		{name: "429 with retry-after seconds", status: 429, headers: []string{"Retry-After", "7"},
			body: `{"error":{"message":"slow down"}}`, class: papersum.ClassRateLimit, retryAfter: 7},
		{name: "429 with retry-after http-date", status: 429,
			headers: []string{"Retry-After", "Wed, 01 Jan 2031 00:00:30 GMT"},
			body:    `{"error":{"message":"slow down"}}`, class: papersum.ClassRateLimit, retryAfter: 30},
		{name: "429 with junk retry-after", status: 429, headers: []string{"Retry-After", "soon"},
			body: `{"error":{"message":"slow down"}}`, class: papersum.ClassRateLimit, retryAfter: 0},
		{name: "openai 429 insufficient quota is auth", status: 429,
			body:  `{"error":{"message":"You exceeded your current quota, please check your plan and billing details.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}`,
			class: papersum.ClassAuth, msg: "quota"},
		{name: "openai 400 context length", status: 400,
			body:  `{"error":{"message":"This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}`,
			class: papersum.ClassContextTooLarge, msg: "maximum context length"},
		{name: "openai 400 other", status: 400,
			body:  `{"error":{"message":"Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.","type":"invalid_request_error","param":"max_tokens","code":"unsupported_parameter"}}`,
			class: papersum.ClassInvalidRequest, msg: "max_completion_tokens"},
		{name: "openai 500", status: 500,
			body:  `{"error":{"message":"The server had an error while processing your request. Sorry about that!","type":"server_error"}}`,
			class: papersum.ClassServer},
		{name: "openai 503 overloaded", status: 503, headers: []string{"Retry-After", "3"},
			body:  `{"error":{"message":"The engine is currently overloaded, please try again later","type":"server_error"}}`,
			class: papersum.ClassOverloaded, retryAfter: 3},
		{name: "529 overloaded", status: 529, body: `{"error":{"message":"Overloaded","type":"overloaded_error"}}`,
			class: papersum.ClassOverloaded},
		{name: "502 bad gateway html", status: 502, headers: []string{"Content-Type", "text/html"},
			body: `<html><body><h1>502 Bad Gateway</h1></body></html>`, class: papersum.ClassServer, msg: "502 Bad Gateway"},
		{name: "504 is server", status: 504, body: ``, class: papersum.ClassServer, msg: "504 Gateway Timeout"},
		{name: "408 is timeout", status: 408, body: ``, class: papersum.ClassTimeout},
		{name: "413 is context too large", status: 413, headers: []string{"Content-Type", "text/plain"},
			body: `request entity too large`, class: papersum.ClassContextTooLarge},

		// vLLM: older builds answer with a flat body, newer ones nest it.
		{name: "vllm flat context length", status: 400,
			body:  `{"object":"error","message":"This model's maximum context length is 32768 tokens. However, you requested 41648 tokens (37552 in the messages, 4096 in the completion). Please reduce the length of the messages or completion.","type":"BadRequestError","param":null,"code":400}`,
			class: papersum.ClassContextTooLarge, msg: "32768"},
		{name: "vllm nested context length", status: 400,
			body:  `{"error":{"message":"This model's maximum context length is 4096 tokens. However, your request has 5000 input tokens. Please reduce the length of the input messages.","type":"BadRequestError","param":null,"code":400}}`,
			class: papersum.ClassContextTooLarge},
		{name: "vllm v1 decoder prompt", status: 400,
			body:  `{"error":{"message":"The decoder prompt (length 8825) is longer than the maximum model length of 8192. Make sure that max_model_len is no smaller than the number of text tokens.","type":"BadRequestError","param":null,"code":400}}`,
			class: papersum.ClassContextTooLarge},
		{name: "vllm flat bad max_tokens", status: 400,
			body:  `{"object":"error","message":"max_tokens must be at least 1, got -186.","type":"BadRequestError","param":null,"code":400}`,
			class: papersum.ClassInvalidRequest, msg: "max_tokens must be at least 1"},
		{name: "vllm unknown model 404", status: 404,
			body:  `{"error":{"message":"The model ` + "`gpt-4.1`" + ` does not exist.","type":"NotFoundError","param":null,"code":404}}`,
			class: papersum.ClassInvalidRequest, msg: "base URL ends in /v1"},
		{name: "vllm fastapi detail", status: 422, body: `{"detail":[{"loc":["body","messages"],"msg":"field required","type":"missing"}]}`,
			class: papersum.ClassInvalidRequest, msg: "field required"},
		{name: "vllm engine dead", status: 500,
			body:  `{"error":{"message":"EngineCore encountered an issue. See stack trace (above) for the root cause.","type":"InternalServerError","param":null,"code":500}}`,
			class: papersum.ClassServer},

		// llama-server (ggml-org/llama.cpp): code is a number; the context
		// error carries a type of its own and token counts.
		{name: "llama.cpp exceed context 400", status: 400,
			body:  `{"error":{"code":400,"message":"the request exceeds the available context size, try increasing it","type":"exceed_context_size_error","n_prompt_tokens":14429,"n_ctx":8192}}`,
			class: papersum.ClassContextTooLarge},
		{name: "llama.cpp exceed context 500 (older)", status: 500,
			body:  `{"error":{"code":500,"message":"the request exceeds the available context size. try increasing the context size or enable context shift","type":"exceed_context_size_error","n_prompt_tokens":1407,"n_ctx":256}}`,
			class: papersum.ClassContextTooLarge},
		{name: "llama.cpp context exceeded server_error", status: 500,
			body:  `{"error":{"code":500,"message":"Context size has been exceeded.","type":"server_error"}}`,
			class: papersum.ClassContextTooLarge},
		{name: "llama.cpp loading model", status: 503,
			body:  `{"error":{"code":503,"message":"Loading model","type":"unavailable_error"}}`,
			class: papersum.ClassOverloaded, msg: "Loading model"},
		{name: "llama.cpp invalid api key", status: 401,
			body:  `{"error":{"code":401,"message":"Invalid API Key","type":"authentication_error"}}`,
			class: papersum.ClassAuth},
		{name: "llama-cpp-python exceed window", status: 400,
			body:  `{"error":{"message":"Requested tokens (2285) exceed context window of 2048","type":"internal_server_error","param":null,"code":null}}`,
			class: papersum.ClassContextTooLarge},

		// Ollama's OpenAI layer: {"error":{"message","type","param","code":null}}.
		{name: "ollama model not found", status: 404,
			body:  `{"error":{"message":"model \"llama3.2\" not found, try pulling it first","type":"not_found_error","param":null,"code":null}}`,
			class: papersum.ClassInvalidRequest, msg: "try pulling it first"},
		{name: "ollama busy", status: 503,
			body:  `{"error":{"message":"server busy, please try again.  maximum pending requests exceeded","type":"api_error","param":null,"code":null}}`,
			class: papersum.ClassOverloaded, msg: "server busy"},
		{name: "ollama native string error", status: 500,
			body:  `{"error":"model requires more system memory (16.0 GiB) than is available (8.0 GiB)"}`,
			class: papersum.ClassServer, msg: "more system memory"},
	}
	clock := fixedClock{time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := newUpstream(t, reply(tt.status, tt.body, tt.headers...))
			c := newClient(t, up, Config{Clock: clock})
			res, err := c.Generate(context.Background(), basicRequest())
			if err == nil {
				t.Fatalf("Generate = %+v, want error", res)
			}
			var pe *papersum.ProviderError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %T %v, want *ProviderError", err, err)
			}
			if pe.Class != tt.class {
				t.Errorf("class = %s, want %s (message %q)", pe.Class, tt.class, pe.Message)
			}
			if pe.Status != tt.status {
				t.Errorf("status = %d, want %d", pe.Status, tt.status)
			}
			if pe.RetryAfterSeconds != tt.retryAfter {
				t.Errorf("retry after = %v, want %v", pe.RetryAfterSeconds, tt.retryAfter)
			}
			if !strings.Contains(pe.Message, tt.msg) {
				t.Errorf("message = %q, want it to contain %q", pe.Message, tt.msg)
			}
			if pe.Provider != "openai" || pe.Model != "gpt-4.1" {
				t.Errorf("provider/model = %s/%s", pe.Provider, pe.Model)
			}
			if n := up.count.Load(); n != 1 {
				t.Errorf("upstream saw %d requests, want 1 (SDK retries must be off)", n)
			}
		})
	}
}

// TestEveryClassReachable keeps the table honest: every class a provider
// call can fail with, other than the pipeline's own truncated and parse,
// is produced by at least one path of this adapter.
func TestEveryClassReachable(t *testing.T) {
	got := map[papersum.Class]bool{}
	for _, status := range []int{400, 401, 408, 413, 429, 500, 503} {
		got[classifyStatus(status, serverError{})] = true
	}
	got[papersum.ClassConnection] = true // TestTransportFailures
	for _, c := range papersum.Classes {
		if c == papersum.ClassTruncated || c == papersum.ClassParse {
			continue
		}
		if !got[c] {
			t.Errorf("class %s is never produced", c)
		}
	}
}

func TestParseErrorBody(t *testing.T) {
	long := strings.Repeat("x", 2000)
	tests := []struct {
		body string
		want serverError
	}{
		{`{"error":{"message":"m","type":"t","code":"c"}}`, serverError{"m", "t", "c"}},
		{`{"error":{"message":"m","type":"t","code":400}}`, serverError{"m", "t", "400"}},
		{`{"error":{"message":"m","code":null}}`, serverError{Message: "m"}},
		{`{"object":"error","message":"m","type":"BadRequestError","code":400}`, serverError{"m", "BadRequestError", "400"}},
		{`{"error":"plain"}`, serverError{Message: "plain"}},
		{`{"detail":"Not Found"}`, serverError{Message: "Not Found"}},
		{`not json`, serverError{Message: "not json"}},
		{``, serverError{}},
		{long, serverError{Message: long[:500] + "…"}},
	}
	for _, tt := range tests {
		if got := parseErrorBody([]byte(tt.body)); got != tt.want {
			t.Errorf("parseErrorBody(%.40q) = %+v, want %+v", tt.body, got, tt.want)
		}
	}
}

func TestRetryAfterSeconds(t *testing.T) {
	now := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		headers []string
		want    float64
	}{
		{nil, 0},
		{[]string{"Retry-After-Ms", "250"}, 0.25},
		{[]string{"Retry-After-Ms", "250", "Retry-After", "9"}, 0.25},
		{[]string{"Retry-After-Ms", "NaN", "Retry-After", "9"}, 9},
		{[]string{"Retry-After-Ms", "-5", "Retry-After", "9"}, 9},
		{[]string{"Retry-After", "0"}, 0},
		{[]string{"Retry-After", "1.5"}, 1.5},
		{[]string{"Retry-After", "+Inf"}, 0},
		{[]string{"Retry-After", "Wed, 01 Jan 2031 00:01:00 GMT"}, 60},
		{[]string{"Retry-After", "Tue, 31 Dec 2030 23:59:00 GMT"}, 0},
		{[]string{"Retry-After", "later"}, 0},
	}
	for _, tt := range tests {
		h := http.Header{}
		for i := 0; i+1 < len(tt.headers); i += 2 {
			h.Set(tt.headers[i], tt.headers[i+1])
		}
		if got := retryAfterSeconds(h, now); got != tt.want {
			t.Errorf("retryAfterSeconds(%v) = %v, want %v", tt.headers, got, tt.want)
		}
	}
}

// hang answers nothing until the client goes away or the test ends.
func hang(done <-chan struct{}) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-done:
		}
	}
}

func TestTimeouts(t *testing.T) {
	done := make(chan struct{})
	defer close(done)

	t.Run("request timeout is ClassTimeout", func(t *testing.T) {
		up := newUpstream(t, hang(done))
		c := newClient(t, up, Config{})
		req := basicRequest()
		req.Timeout = 50 * time.Millisecond
		start := time.Now()
		_, err := c.Generate(context.Background(), req)
		if papersum.ClassOf(err) != papersum.ClassTimeout {
			t.Fatalf("err = %v, want timeout", err)
		}
		if el := time.Since(start); el > 2*time.Second {
			t.Errorf("took %s, want about 50ms", el)
		}
		if errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("request timeout matches context.DeadlineExceeded, which means the caller's deadline: %v", err)
		}
	})
	t.Run("http client timeout is ClassTimeout", func(t *testing.T) {
		up := newUpstream(t, hang(done))
		c := newClient(t, up, Config{HTTPClient: &http.Client{Timeout: 50 * time.Millisecond}})
		_, err := c.Generate(context.Background(), basicRequest())
		if papersum.ClassOf(err) != papersum.ClassTimeout {
			t.Fatalf("err = %v, want timeout", err)
		}
	})
	t.Run("caller cancel is the ctx error", func(t *testing.T) {
		up := newUpstream(t, hang(done))
		c := newClient(t, up, Config{})
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(30*time.Millisecond, cancel)
		req := basicRequest()
		req.Timeout = 10 * time.Second
		_, err := c.Generate(ctx, req)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		if papersum.ClassOf(err) != "" {
			t.Errorf("caller cancellation classified as %s", papersum.ClassOf(err))
		}
	})
	t.Run("caller deadline is the ctx error", func(t *testing.T) {
		up := newUpstream(t, hang(done))
		c := newClient(t, up, Config{})
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
		defer cancel()
		_, err := c.Generate(ctx, basicRequest())
		if !errors.Is(err, context.DeadlineExceeded) || papersum.ClassOf(err) != "" {
			t.Fatalf("err = %v, want bare context.DeadlineExceeded", err)
		}
	})
	t.Run("already cancelled sends nothing", func(t *testing.T) {
		up := newUpstream(t, reply(200, completionJSON))
		c := newClient(t, up, Config{})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := c.Generate(ctx, basicRequest())
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	})
}

// hijack takes the connection from the server and hands it to f.
func hijack(t *testing.T, f func(net.Conn)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		f(conn)
	}
}

func TestTransportFailures(t *testing.T) {
	tests := []struct {
		name  string
		h     http.HandlerFunc
		class papersum.Class
	}{
		{"closed before answering", hijack(t, func(c net.Conn) { _ = c.Close() }), papersum.ClassConnection},
		{"reset before answering", hijack(t, func(c net.Conn) {
			// SO_LINGER 0 makes Close send RST instead of FIN.
			_ = c.(*net.TCPConn).SetLinger(0)
			_ = c.Close()
		}), papersum.ClassConnection},
		{"body cut short", hijack(t, func(c net.Conn) {
			_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n"+completionJSON[:100])
			_ = c.Close()
		}), papersum.ClassConnection},
		{"error body cut short", hijack(t, func(c net.Conn) {
			_, _ = io.WriteString(c, "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{\"error\":")
			_ = c.Close()
		}), papersum.ClassServer}, // the status arrived; it decides
		{"malformed json", reply(200, `{"id":"x","choices":[{`), papersum.ClassServer},
		{"html instead of json", reply(200, `<html>captive portal</html>`, "Content-Type", "text/html"), papersum.ClassServer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := newUpstream(t, tt.h)
			c := newClient(t, up, Config{})
			_, err := c.Generate(context.Background(), basicRequest())
			if got := papersum.ClassOf(err); got != tt.class {
				t.Fatalf("class = %q (%v), want %s", got, err, tt.class)
			}
			if n := up.count.Load(); n != 1 {
				t.Errorf("upstream saw %d requests, want 1", n)
			}
		})
	}

	t.Run("connection refused", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		_ = ln.Close()
		c, err := New(Config{BaseURL: "http://" + addr + "/v1"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Generate(context.Background(), basicRequest())
		if papersum.ClassOf(err) != papersum.ClassConnection {
			t.Fatalf("err = %v, want connection", err)
		}
		var pe *papersum.ProviderError
		if errors.As(err, &pe); !pe.Retryable() {
			t.Error("connection refused should be retryable")
		}
	})
}

// TestRetriesOff checks that the SDK makes exactly one attempt for every
// failure it would otherwise retry by itself.
func TestRetriesOff(t *testing.T) {
	for _, status := range []int{408, 409, 429, 500, 502, 503, 504} {
		up := newUpstream(t, reply(status, `{"error":{"message":"nope"}}`, "Retry-After", "0", "x-should-retry", "true"))
		c := newClient(t, up, Config{})
		_, err := c.Generate(context.Background(), basicRequest())
		if err == nil {
			t.Fatalf("%d: no error", status)
		}
		if n := up.count.Load(); n != 1 {
			t.Errorf("%d: upstream saw %d requests, want 1", status, n)
		}
	}
}
