package anthropic

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	sdk "github.com/anthropics/anthropic-sdk-go/v2"

	"github.com/papersum/papersum"
)

// apiErrorBody is the documented error body of the Messages API.
func apiErrorBody(typ, msg string) string {
	return `{"type":"error","error":{"type":"` + typ + `","message":"` + msg + `"},"request_id":"req_011CSHoEeqs5C35K2UUqR7Fy"}`
}

// TestErrorClasses answers one request with each documented error and
// checks the class, status, retry-after hint and message. Every case also
// checks that the SDK sent exactly one request: its retries are off.
func TestErrorClasses(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	html := "<html><body>" + strings.Repeat("bad gateway ", 400) + "</body></html>"
	for _, tc := range []struct {
		name       string
		status     int
		body       string
		headers    []string
		class      papersum.Class
		retryAfter float64
		message    string // substring of Message
	}{
		{name: "429 retry-after seconds", status: 429, body: apiErrorBody("rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit"),
			headers: []string{"retry-after", "7"}, class: papersum.ClassRateLimit, retryAfter: 7, message: "per-minute rate limit"},
		{name: "429 retry-after-ms preferred", status: 429, body: apiErrorBody("rate_limit_error", "slow down"),
			headers: []string{"retry-after", "2", "retry-after-ms", "1500"}, class: papersum.ClassRateLimit, retryAfter: 1.5},
		{name: "429 retry-after-ms alone", status: 429, body: apiErrorBody("rate_limit_error", "slow down"),
			headers: []string{"retry-after-ms", "250.5"}, class: papersum.ClassRateLimit, retryAfter: 0.2505},
		{name: "429 retry-after HTTP date", status: 429, body: apiErrorBody("rate_limit_error", "slow down"),
			headers: []string{"retry-after", now.Add(30 * time.Second).Format(http.TimeFormat)}, class: papersum.ClassRateLimit, retryAfter: 30},
		{name: "429 retry-after date in the past", status: 429, body: apiErrorBody("rate_limit_error", "slow down"),
			headers: []string{"retry-after", now.Add(-time.Minute).Format(http.TimeFormat)}, class: papersum.ClassRateLimit},
		{name: "429 garbage retry-after-ms falls back", status: 429, body: apiErrorBody("rate_limit_error", "slow down"),
			headers: []string{"retry-after-ms", "soon", "retry-after", "3"}, class: papersum.ClassRateLimit, retryAfter: 3},
		{name: "429 NaN retry-after", status: 429, body: apiErrorBody("rate_limit_error", "slow down"),
			headers: []string{"retry-after", "NaN"}, class: papersum.ClassRateLimit},
		{name: "429 negative retry-after", status: 429, body: apiErrorBody("rate_limit_error", "slow down"),
			headers: []string{"retry-after", "-4"}, class: papersum.ClassRateLimit},
		{name: "429 without body", status: 429, body: "", class: papersum.ClassRateLimit, message: "Too Many Requests"},
		{name: "529 overloaded", status: 529, body: apiErrorBody("overloaded_error", "Overloaded"), class: papersum.ClassOverloaded, message: "overloaded_error: Overloaded"},
		{name: "503 no body", status: 503, body: "", class: papersum.ClassOverloaded},
		{name: "503 with api_error type", status: 503, body: apiErrorBody("api_error", "unavailable"), class: papersum.ClassOverloaded},
		{name: "overloaded_error on a 500", status: 500, body: apiErrorBody("overloaded_error", "Overloaded"), class: papersum.ClassOverloaded},
		{name: "503 with retry-after", status: 503, body: "", headers: []string{"retry-after", "11"}, class: papersum.ClassOverloaded, retryAfter: 11},
		{name: "500 api_error", status: 500, body: apiErrorBody("api_error", "Internal server error"), class: papersum.ClassServer},
		{name: "502 proxy HTML", status: 502, body: html, class: papersum.ClassServer, message: "Bad Gateway"},
		{name: "504 timeout_error", status: 504, body: apiErrorBody("timeout_error", "Request timed out"), class: papersum.ClassTimeout},
		{name: "408", status: 408, body: "", class: papersum.ClassTimeout},
		{name: "401 authentication_error", status: 401, body: apiErrorBody("authentication_error", "invalid x-api-key"), class: papersum.ClassAuth},
		{name: "403 permission_error", status: 403, body: apiErrorBody("permission_error", "no access to model"), class: papersum.ClassAuth},
		{name: "402 billing_error", status: 402, body: apiErrorBody("billing_error", "credit balance too low"), class: papersum.ClassAuth},
		{name: "400 invalid_request_error", status: 400, body: apiErrorBody("invalid_request_error", "max_tokens: Field required"), class: papersum.ClassInvalidRequest, message: "max_tokens"},
		{name: "400 prompt is too long", status: 400, body: apiErrorBody("invalid_request_error", "prompt is too long: 210345 tokens > 200000 maximum"), class: papersum.ClassContextTooLarge, message: "prompt is too long"},
		{name: "400 exceed context limit", status: 400, body: apiErrorBody("invalid_request_error", "input length and `max_tokens` exceed context limit: 195000 + 8192 > 200000"), class: papersum.ClassContextTooLarge},
		{name: "413 request_too_large", status: 413, body: apiErrorBody("request_too_large", "Request exceeds the maximum allowed number of bytes."), class: papersum.ClassContextTooLarge},
		{name: "413 without body", status: 413, body: "", class: papersum.ClassContextTooLarge},
		{name: "404 not_found_error", status: 404, body: apiErrorBody("not_found_error", "model: claude-nope"), class: papersum.ClassInvalidRequest},
		{name: "409 conflict", status: 409, body: "", class: papersum.ClassServer},
		{name: "422 unknown 4xx", status: 422, body: "", class: papersum.ClassInvalidRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{answer: jsonAnswer(tc.status, tc.body, tc.headers...)}
			c := serve(t, rec, func(cfg *Config) { cfg.Clock = fixedClock{now} })
			req := baseRequest()
			_, err := c.Generate(background(t), req)
			pe := mustProviderError(t, err)
			if pe.Class != tc.class {
				t.Errorf("class %q, want %q (%v)", pe.Class, tc.class, err)
			}
			if pe.Status != tc.status || pe.Provider != ProviderName || pe.Model != req.Model || pe.Stage != papersum.StageSummarize {
				t.Errorf("status %d provider %q model %q stage %q", pe.Status, pe.Provider, pe.Model, pe.Stage)
			}
			if diff := pe.RetryAfterSeconds - tc.retryAfter; diff > 1e-9 || diff < -1e-9 {
				t.Errorf("retry after %v, want %v", pe.RetryAfterSeconds, tc.retryAfter)
			}
			if !strings.Contains(pe.Message, tc.message) {
				t.Errorf("message %q, want it to contain %q", pe.Message, tc.message)
			}
			var apiErr *sdk.Error
			if !errors.As(err, &apiErr) || apiErr.StatusCode != tc.status {
				t.Errorf("the SDK error is not wrapped: %v", err)
			}
			text := err.Error()
			if strings.Contains(text, testKey) || len(text) > 600 || strings.Contains(text, "bad gateway bad gateway") {
				t.Errorf("error text leaks a key or a whole body (%d bytes): %s", len(text), text)
			}
			if n := rec.count(); n != 1 {
				t.Errorf("%d requests reached the server, want 1 (SDK retries must be off)", n)
			}
		})
	}
}

// TestSDKRetriesOff is the plain statement of what every TestErrorClasses
// case also checks: a retryable 529 reaches the server once.
func TestSDKRetriesOff(t *testing.T) {
	for _, status := range []int{529, 429, 500, 503, 408, 409} {
		rec := &recorder{answer: jsonAnswer(status, apiErrorBody("overloaded_error", "Overloaded"), "x-should-retry", "true")}
		c := serve(t, rec)
		_, err := c.Generate(background(t), baseRequest())
		if err == nil || rec.count() != 1 {
			t.Errorf("%d: err %v after %d requests, want an error after exactly 1", status, err, rec.count())
		}
	}
}

// slow answers only after the request's context is done, or after 5s.
func slow(_ int, w http.ResponseWriter, r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-time.After(5 * time.Second):
		w.WriteHeader(200)
		io.WriteString(w, cannedMessage)
	}
}

func TestRequestTimeout(t *testing.T) {
	c := serve(t, &recorder{answer: slow})
	req := baseRequest()
	req.Timeout = 50 * time.Millisecond
	start := time.Now()
	_, err := c.Generate(background(t), req)
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("took %s with a 50ms timeout", took)
	}
	pe := mustProviderError(t, err)
	if pe.Class != papersum.ClassTimeout || !pe.Retryable() || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v (class %q)", err, pe.Class)
	}
}

func TestCallerDeadlineIsTimeout(t *testing.T) {
	c := serve(t, &recorder{answer: slow})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.Generate(ctx, baseRequest())
	if papersum.ClassOf(err) != papersum.ClassTimeout || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v", err)
	}
}

func TestCallerCancelIsNotAProviderError(t *testing.T) {
	c := serve(t, &recorder{answer: slow})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err := c.Generate(ctx, baseRequest())
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	var pe *papersum.ProviderError
	if errors.As(err, &pe) {
		t.Errorf("cancellation returned a ProviderError (%s), which invites a retry", pe.Class)
	}
	// Already cancelled before the call: the same.
	_, err = c.Generate(ctx, baseRequest())
	if !errors.Is(err, context.Canceled) || papersum.ClassOf(err) != "" {
		t.Errorf("pre-cancelled: got %v", err)
	}
}

func TestConnectionErrors(t *testing.T) {
	t.Run("reset mid-request", func(t *testing.T) {
		hijack := func(_ int, w http.ResponseWriter, _ *http.Request) {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			if tc, ok := conn.(*net.TCPConn); ok {
				tc.SetLinger(0) // RST, not FIN
			}
			conn.Close()
		}
		c := serve(t, &recorder{answer: hijack})
		_, err := c.Generate(background(t), baseRequest())
		pe := mustProviderError(t, err)
		if pe.Class != papersum.ClassConnection || !pe.Retryable() || pe.Status != 0 {
			t.Errorf("got %v (class %q)", err, pe.Class)
		}
	})
	t.Run("closed after headers", func(t *testing.T) {
		partial := func(_ int, w http.ResponseWriter, _ *http.Request) {
			conn, buf, err := w.(http.Hijacker).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{\"id\":")
			buf.Flush()
			conn.Close()
		}
		c := serve(t, &recorder{answer: partial})
		_, err := c.Generate(background(t), baseRequest())
		if papersum.ClassOf(err) != papersum.ClassConnection {
			t.Errorf("got %v", err)
		}
	})
	t.Run("refused", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		c, err := New(Config{APIKey: testKey, BaseURL: "http://" + addr})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Generate(background(t), baseRequest())
		if papersum.ClassOf(err) != papersum.ClassConnection {
			t.Errorf("got %v", err)
		}
	})
}

func TestMalformedBodyIsServer(t *testing.T) {
	for name, body := range map[string]string{
		"invalid JSON":  `{"id": msg_1}`,
		"not an object": `["not","an","object"]`,
		"not a message": `{"hello":"proxy"}`,
	} {
		t.Run(name, func(t *testing.T) {
			c := serve(t, &recorder{answer: jsonAnswer(200, body)})
			_, err := c.Generate(background(t), baseRequest())
			if papersum.ClassOf(err) != papersum.ClassServer {
				t.Errorf("got %v (class %q)", err, papersum.ClassOf(err))
			}
		})
	}
}

func TestClassifyWithoutStatus(t *testing.T) {
	// Batch results carry an error type and message but no status.
	for _, tc := range []struct {
		typ, msg string
		want     papersum.Class
	}{
		{"invalid_request_error", "messages: text content blocks must be non-empty", papersum.ClassInvalidRequest},
		{"invalid_request_error", "prompt is too long: 300000 tokens > 200000 maximum", papersum.ClassContextTooLarge},
		{"rate_limit_error", "", papersum.ClassRateLimit},
		{"overloaded_error", "", papersum.ClassOverloaded},
		{"api_error", "", papersum.ClassServer},
		{"authentication_error", "", papersum.ClassAuth},
		{"timeout_error", "", papersum.ClassTimeout},
		{"something_new", "", papersum.ClassServer},
		{"", "", papersum.ClassServer},
	} {
		if got := classify(0, tc.typ, tc.msg); got != tc.want {
			t.Errorf("classify(0, %q, %q) = %q, want %q", tc.typ, tc.msg, got, tc.want)
		}
	}
}

func TestTruncateKeepsRunes(t *testing.T) {
	s := strings.Repeat("é", 200) // 400 bytes
	got := truncate(s, 301)
	if !strings.HasSuffix(got, "…") || len(got) > 301+len("…") || strings.ContainsRune(got, '\uFFFD') {
		t.Errorf("truncate: %q", got)
	}
	if truncate("short", 10) != "short" {
		t.Error("short string changed")
	}
}
