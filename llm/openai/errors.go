package openai

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/papersum/papersum"
)

// errCallTimeout is the cause of the context that applies Request.Timeout.
// It lets normalize tell "our deadline fired" (ClassTimeout, retryable)
// from "the caller gave up" (the caller's own ctx error, not retried).
var errCallTimeout = errors.New("openai: request timeout")

// contextRule is one documented way a server says "the prompt does not fit
// in the model's context window".
type contextRule struct {
	// server names where the wording comes from, for the reader.
	server string
	// field is where to look: "code", "type" or "message".
	field string
	// match is compared case-insensitively: equal for code and type,
	// contained for message.
	match string
}

// contextRules are checked against every error response that is not 401,
// 403 or 429, whatever its status: llama-server has answered the same
// failure with 400 and with 500 across versions. Codes and types are
// exact; message patterns are long enough not to match unrelated errors.
var contextRules = []contextRule{
	// OpenAI: 400 {"error":{"message":"This model's maximum context length
	// is 128000 tokens. ...","type":"invalid_request_error",
	// "code":"context_length_exceeded"}}
	{"openai", "code", "context_length_exceeded"},
	{"openai", "message", "maximum context length"},
	// vLLM: 400 {"object":"error","message":"This model's maximum context
	// length is 4096 tokens. However, you requested 5000 tokens (...)",
	// "type":"BadRequestError","code":400} (older builds, flat) or the same
	// inside {"error":{...}} (newer builds); matched by the rule above.
	// vLLM V1 rejects an over-long prompt before scheduling with:
	// "The decoder prompt (length 8825) is longer than the maximum model
	// length of 8192."
	{"vllm", "message", "longer than the maximum model length"},
	// llama-server (since ggml-org/llama.cpp#15780): 400 {"error":{"code":400,
	// "message":"the request exceeds the available context size, try
	// increasing it","type":"exceed_context_size_error","n_prompt_tokens":
	// 14429,"n_ctx":8192}}; older builds sent code 500 with the same type.
	{"llama.cpp", "type", "exceed_context_size_error"},
	{"llama.cpp", "message", "exceeds the available context size"},
	{"llama.cpp", "message", "exceeds the context size"},
	// llama-server, other paths: 500 {"error":{"code":500,"message":
	// "Context size has been exceeded.","type":"server_error"}}
	{"llama.cpp", "message", "context size has been exceeded"},
	// llama.cpp tokenizer and llama-cpp-python's server: "llama_tokenize:
	// too many tokens", "Requested tokens (2285) exceed context window of
	// 2048".
	{"llama.cpp", "message", "too many tokens"},
	{"llama-cpp-python", "message", "exceed context window"},
}

// serverError is an error body reduced to the three fields that
// classification reads.
type serverError struct {
	Message string
	Type    string
	Code    string
}

// parseErrorBody reads the error shapes of the servers papersum supports:
//
//	OpenAI, Ollama, llama-server, newer vLLM: {"error":{"message","type","code"}}
//	older vLLM:                               {"object":"error","message","type","code":400}
//	Ollama native, proxies:                   {"error":"text"}
//	FastAPI validation (vLLM, LiteLLM):       {"detail": "text" or [...]}
//
// code may be a string (OpenAI) or a number (vLLM, llama-server). A body
// that is not JSON becomes the message, cut to a readable length.
func parseErrorBody(body []byte) serverError {
	body = bytes.TrimSpace(body)
	var top struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
		Type    string          `json:"type"`
		Code    json.RawMessage `json:"code"`
		Detail  json.RawMessage `json:"detail"`
	}
	if err := json.Unmarshal(body, &top); err != nil {
		return serverError{Message: clip(string(body))}
	}
	if len(top.Error) > 0 && top.Error[0] == '{' {
		var inner struct {
			Message string          `json:"message"`
			Type    string          `json:"type"`
			Code    json.RawMessage `json:"code"`
		}
		if json.Unmarshal(top.Error, &inner) == nil {
			return serverError{Message: clip(inner.Message), Type: inner.Type, Code: rawCode(inner.Code)}
		}
	}
	if len(top.Error) > 0 && top.Error[0] == '"' {
		var s string
		if json.Unmarshal(top.Error, &s) == nil {
			return serverError{Message: clip(s), Type: top.Type, Code: rawCode(top.Code)}
		}
	}
	msg := top.Message
	if msg == "" && len(top.Detail) > 0 {
		var s string
		if json.Unmarshal(top.Detail, &s) == nil {
			msg = s
		} else {
			msg = string(top.Detail)
		}
	}
	return serverError{Message: clip(msg), Type: top.Type, Code: rawCode(top.Code)}
}

// rawCode turns a JSON code that is a string, a number or null into text.
func rawCode(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// clip bounds a server message: an HTML error page from a proxy should not
// fill a log line or a run's error field.
func clip(s string) string {
	const max = 500
	s = strings.TrimSpace(s)
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}

// contextRuleFor returns the rule that e matches, if any.
func contextRuleFor(e serverError) (contextRule, bool) {
	msg := strings.ToLower(e.Message)
	for _, r := range contextRules {
		switch r.field {
		case "code":
			if strings.EqualFold(e.Code, r.match) {
				return r, true
			}
		case "type":
			if strings.EqualFold(e.Type, r.match) {
				return r, true
			}
		case "message":
			if strings.Contains(msg, r.match) {
				return r, true
			}
		}
	}
	return contextRule{}, false
}

// classifyStatus maps an HTTP error response to a class. The order
// matters: credentials first, then rate limits, then the context-window
// rules (which override a 400 or a 500), then the status alone.
func classifyStatus(status int, e serverError) papersum.Class {
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return papersum.ClassAuth
	case status == http.StatusTooManyRequests:
		// OpenAI sends 429 insufficient_quota when the account is out of
		// credit. Waiting does not fix that, so it is an account problem
		// (auth, not retried) rather than a rate limit.
		if strings.EqualFold(e.Code, "insufficient_quota") || strings.EqualFold(e.Type, "insufficient_quota") {
			return papersum.ClassAuth
		}
		return papersum.ClassRateLimit
	case status == http.StatusRequestEntityTooLarge:
		return papersum.ClassContextTooLarge
	}
	if _, ok := contextRuleFor(e); ok {
		return papersum.ClassContextTooLarge
	}
	switch {
	case status == http.StatusRequestTimeout:
		return papersum.ClassTimeout
	case status == http.StatusServiceUnavailable, status == 529:
		// 503: vLLM's full waiting queue, Ollama's "server busy ...
		// maximum pending requests exceeded", llama-server's "Loading
		// model". 529 is the overloaded status some gateways copy from
		// Anthropic.
		return papersum.ClassOverloaded
	case status >= 500:
		return papersum.ClassServer
	}
	return papersum.ClassInvalidRequest
}

// retryAfterSeconds reads the server's wait hint: retry-after-ms (OpenAI,
// milliseconds, fractional) wins over retry-after (seconds or an
// HTTP-date). It returns 0 when there is no usable hint.
func retryAfterSeconds(h http.Header, now time.Time) float64 {
	if v := strings.TrimSpace(h.Get("Retry-After-Ms")); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms > 0 && ms < 1e12 {
			return ms / 1000
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s > 0 && s < 1e9 {
			return s
		}
		return 0
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now).Seconds(); d > 0 {
			return d
		}
	}
	return 0
}

// normalize turns an error of the SDK call into the error Generate
// returns. parent is the caller's context, call the one carrying
// Request.Timeout, res the HTTP response if one arrived, and readErr the
// error of reading its body, if any.
func (c *Client) normalize(parent, call context.Context, req *papersum.Request, res *http.Response, readErr, err error) error {
	// The caller gave up: hand back its own error, unclassified, so that
	// no retry layer retries a cancelled run.
	if perr := parent.Err(); perr != nil {
		return fmt.Errorf("%s generate: %w", c.cfg.ProviderName, perr)
	}
	pe := c.providerError(req, papersum.ClassConnection, "", err)

	if res != nil && res.StatusCode >= 400 {
		body := readBody(res)
		se := parseErrorBody(body)
		pe.Status = res.StatusCode
		pe.Class = classifyStatus(res.StatusCode, se)
		pe.Message = se.Message
		if pe.Message == "" {
			pe.Message = strings.TrimSpace(fmt.Sprintf("%d %s", res.StatusCode, http.StatusText(res.StatusCode)))
		}
		if res.StatusCode == http.StatusNotFound {
			// The usual cause with self-hosted servers is a base URL
			// without "/v1", or a model name the server does not serve.
			pe.Message += " (check that the base URL ends in /v1 and the model is served)"
		}
		pe.RetryAfterSeconds = retryAfterSeconds(res.Header, c.cfg.Clock.Now())
		return pe
	}

	if errors.Is(context.Cause(call), errCallTimeout) {
		// Wrap errCallTimeout rather than the SDK's error, which wraps
		// context.DeadlineExceeded: that sentinel stays reserved for the
		// caller's own deadline, which is not retried.
		pe.Class = papersum.ClassTimeout
		pe.Message = fmt.Sprintf("no answer within %s", req.Timeout)
		pe.Err = errCallTimeout
		return pe
	}
	if readErr != nil {
		// The body was cut short: judge the network error, not the
		// JSON decoder's complaint about the half body.
		err = readErr
	}
	if isTimeout(err) {
		pe.Class = papersum.ClassTimeout
		pe.Message = "request timed out"
		return pe
	}
	if res != nil && readErr == nil {
		// A 2xx whose body arrived whole but the SDK could not decode: a
		// proxy page, a server speaking another dialect. That is the
		// server's fault and may pass, so it is ClassServer, not
		// ClassParse (which names a model's output that papersum could
		// not parse).
		pe.Class = papersum.ClassServer
		pe.Status = res.StatusCode
		pe.Message = "malformed response body"
		return pe
	}
	if isConnection(err) {
		pe.Class = papersum.ClassConnection
		pe.Message = "connection failed"
		return pe
	}
	// No response and not a network error: the request could not be built
	// (bad option, unserialisable body). Retrying would fail the same way.
	pe.Class = papersum.ClassInvalidRequest
	pe.Message = "request not sent"
	return pe
}

// readBody returns the body of an error response. The SDK has already read
// it and put it back as an in-memory reader.
func readBody(res *http.Response) []byte {
	if res.Body == nil {
		return nil
	}
	b, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	return b
}

// isTimeout reports a deadline reached below the caller: an
// http.Client.Timeout, a dial or TLS handshake timeout.
func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, syscall.ETIMEDOUT) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// isConnection reports a failure to reach the server or to read its
// answer: refused, reset, closed early, unresolvable.
func isConnection(err error) bool {
	switch {
	case errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.ECONNABORTED),
		errors.Is(err, syscall.EPIPE),
		errors.Is(err, io.EOF),
		errors.Is(err, io.ErrUnexpectedEOF):
		return true
	}
	var oe *net.OpError
	var de *net.DNSError
	var ue *url.Error
	return errors.As(err, &oe) || errors.As(err, &de) || errors.As(err, &ue)
}
