package fakeupstream

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The Anthropic Messages API as documented: request and response shapes,
// error bodies and headers. Field names were checked against
// anthropic-sdk-go v2.15.0 (message.go, shared/shared.go) and the API
// reference.

// messagesRequest is the body of POST /v1/messages (and a batch request's
// params). It lists every documented top-level field so that an unknown
// one is rejected as the API rejects it ("Extra inputs are not
// permitted"); fields the fake does not act on are kept raw.
type messagesRequest struct {
	Model         string           `json:"model"`
	MaxTokens     *int64           `json:"max_tokens"`
	Messages      []anthropicMsgIn `json:"messages"`
	System        json.RawMessage  `json:"system"`
	Temperature   *float64         `json:"temperature"`
	TopP          *float64         `json:"top_p"`
	TopK          *int64           `json:"top_k"`
	StopSequences []string         `json:"stop_sequences"`
	Stream        bool             `json:"stream"`
	Metadata      json.RawMessage  `json:"metadata"`
	Tools         json.RawMessage  `json:"tools"`
	ToolChoice    json.RawMessage  `json:"tool_choice"`
	Thinking      json.RawMessage  `json:"thinking"`
	ServiceTier   json.RawMessage  `json:"service_tier"`
	Container     json.RawMessage  `json:"container"`
	MCPServers    json.RawMessage  `json:"mcp_servers"`
	ContextMgmt   json.RawMessage  `json:"context_management"`
	OutputConfig  json.RawMessage  `json:"output_config"`
	OutputFormat  json.RawMessage  `json:"output_format"`
	InferenceGeo  json.RawMessage  `json:"inference_geo"`
}

type anthropicMsgIn struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

// contentBlockIn is one block of system or message content. Only text and
// text documents carry text the fake reads; other documented types are
// accepted and contribute nothing.
type contentBlockIn struct {
	Type         string          `json:"type"`
	Text         *string         `json:"text"`
	CacheControl *cacheControl   `json:"cache_control"`
	Source       *documentSource `json:"source"`
}

type cacheControl struct {
	Type string `json:"type"`
	TTL  string `json:"ttl,omitempty"`
}

type documentSource struct {
	Type      string `json:"type"`
	MediaType string `json:"media_type"`
	Data      string `json:"data"`
}

// knownBlockTypes are the content block types the API accepts in requests.
var knownBlockTypes = map[string]bool{"text": true, "image": true, "document": true,
	"tool_use": true, "tool_result": true, "thinking": true, "redacted_thinking": true,
	"search_result": true, "server_tool_use": true, "web_search_tool_result": true, "container_upload": true}

// messageResponse is the body of a successful POST /v1/messages.
type messageResponse struct {
	ID           string         `json:"id"`
	Type         string         `json:"type"`
	Role         string         `json:"role"`
	Model        string         `json:"model"`
	Content      []textBlockOut `json:"content"`
	StopReason   string         `json:"stop_reason"`
	StopSequence *string        `json:"stop_sequence"`
	Usage        anthropicUsage `json:"usage"`
}

type textBlockOut struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type anthropicUsage struct {
	InputTokens              int64         `json:"input_tokens"`
	CacheCreationInputTokens int64         `json:"cache_creation_input_tokens"`
	CacheReadInputTokens     int64         `json:"cache_read_input_tokens"`
	CacheCreation            cacheCreation `json:"cache_creation"`
	OutputTokens             int64         `json:"output_tokens"`
	ServiceTier              string        `json:"service_tier"`
}

type cacheCreation struct {
	Ephemeral5mInputTokens int64 `json:"ephemeral_5m_input_tokens"`
	Ephemeral1hInputTokens int64 `json:"ephemeral_1h_input_tokens"`
}

// errorResponse is the body of every Anthropic error, and the "error"
// of an errored batch result.
type errorResponse struct {
	Type      string      `json:"type"`
	Error     errorObject `json:"error"`
	RequestID string      `json:"request_id,omitempty"`
}

type errorObject struct {
	Type    string `json:"type"`
	Message string `json:"message"`
}

// apiError is a failure on its way to becoming an error response.
type apiError struct {
	status  int
	errType string
	message string
	// retryAfter sets retry-after and retry-after-ms (429 only).
	retryAfter time.Duration
	// param and code are OpenAI's error fields.
	param, code string
}

func invalid(format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, errType: "invalid_request_error", message: fmt.Sprintf(format, args...)}
}

// requestID returns a new value for the request-id header.
func (s *Server) requestID() string { return fmt.Sprintf("req_fake%016x", s.nextID()) }

// writeAnthropicError writes e as Anthropic does.
func writeAnthropicError(w http.ResponseWriter, e *apiError, requestID string) {
	if e.retryAfter > 0 {
		setRetryAfter(w.Header(), e.retryAfter)
	}
	writeJSON(w, e.status, errorResponse{Type: "error", RequestID: requestID,
		Error: errorObject{Type: e.errType, Message: e.message}})
}

// setRetryAfter sets both headers the SDKs read: retry-after-ms first
// (milliseconds, preferred), then retry-after (whole seconds, rounded up
// so a client that reads only it never retries early).
func setRetryAfter(h http.Header, d time.Duration) {
	h.Set("retry-after-ms", strconv.FormatInt(d.Milliseconds(), 10))
	h.Set("retry-after", strconv.FormatInt(int64(math.Ceil(d.Seconds())), 10))
}

// checkAnthropicAuth enforces Config.APIKey: x-api-key, or Authorization: Bearer.
func (s *Server) checkAnthropicAuth(r *http.Request) *apiError {
	if s.cfg.APIKey == "" {
		return nil
	}
	key := r.Header.Get("x-api-key")
	if key == "" {
		key = bearer(r)
	}
	switch {
	case key == "":
		return &apiError{status: http.StatusUnauthorized, errType: "authentication_error", message: "x-api-key header is required"}
	case key != s.cfg.APIKey:
		return &apiError{status: http.StatusUnauthorized, errType: "authentication_error", message: "invalid x-api-key"}
	}
	return nil
}

func bearer(r *http.Request) string {
	a := r.Header.Get("Authorization")
	if len(a) > 7 && strings.EqualFold(a[:7], "bearer ") {
		return strings.TrimSpace(a[7:])
	}
	return ""
}

// forced reads ForceHeader.
func forced(r *http.Request) (Fault, *apiError) {
	v := r.Header.Get(ForceHeader)
	if v == "" {
		return "", nil
	}
	f, ok := parseFault(v)
	if !ok {
		return "", invalid("%s: unknown fault %q", ForceHeader, v)
	}
	return f, nil
}

// readBody reads at most limit bytes of r's body.
func readBody(r *http.Request, limit int64) ([]byte, *apiError) {
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, invalid("could not read the request body: %v", err)
	}
	if int64(len(body)) > limit {
		return nil, &apiError{status: http.StatusRequestEntityTooLarge, errType: "request_too_large",
			message: fmt.Sprintf("Request exceeds the maximum allowed number of bytes (%d).", limit)}
	}
	return body, nil
}

// decodeStrict decodes data into v, rejecting unknown fields as the API
// does, and returns the API's message for a bad body.
func decodeStrict(data []byte, v any, prefix string) *apiError {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		msg := err.Error()
		if f, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
			return invalid("%s%s: Extra inputs are not permitted", prefix, strings.Trim(f, `"`))
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return invalid("%s%s: Input should be a valid %s", prefix, te.Field, te.Type.Kind())
		}
		return invalid("%sThere was an error parsing the body: %v", prefix, err)
	}
	if dec.More() {
		return invalid("%sThere was an error parsing the body: trailing data", prefix)
	}
	return nil
}

// parseMessages validates a Messages API body and returns it as a conv.
// prefix names the body's place in a batch ("requests.3.params.").
func parseMessages(data []byte, prefix string) (*messagesRequest, *conv, *apiError) {
	var req messagesRequest
	if e := decodeStrict(data, &req, prefix); e != nil {
		return nil, nil, e
	}
	switch {
	case req.Model == "":
		return nil, nil, invalid("%smodel: Field required", prefix)
	case req.MaxTokens == nil:
		return nil, nil, invalid("%smax_tokens: Field required", prefix)
	case *req.MaxTokens < 1:
		return nil, nil, invalid("%smax_tokens: Input should be greater than or equal to 1", prefix)
	case req.Messages == nil:
		return nil, nil, invalid("%smessages: Field required", prefix)
	case len(req.Messages) == 0:
		return nil, nil, invalid("%smessages: at least one message is required", prefix)
	case req.Temperature != nil && (*req.Temperature < 0 || *req.Temperature > 1):
		return nil, nil, invalid("%stemperature: Input should be less than or equal to 1", prefix)
	case req.Stream:
		return nil, nil, invalid("%sstream: the fake upstream does not stream; send stream false", prefix)
	}
	c := &conv{model: req.Model, maxTokens: *req.MaxTokens, temperature: req.Temperature, stop: req.StopSequences}
	var err *apiError
	if len(req.System) > 0 && string(req.System) != "null" {
		if c.system, err = parseContent(req.System, prefix+"system", true); err != nil {
			return nil, nil, err
		}
	}
	for i, m := range req.Messages {
		if m.Role != "user" && m.Role != "assistant" {
			return nil, nil, invalid("%smessages.%d.role: Input should be 'user' or 'assistant'", prefix, i)
		}
		if len(m.Content) == 0 {
			return nil, nil, invalid("%smessages.%d.content: Field required", prefix, i)
		}
		bs, err := parseContent(m.Content, fmt.Sprintf("%smessages.%d.content", prefix, i), false)
		if err != nil {
			return nil, nil, err
		}
		c.messages = append(c.messages, message{role: m.Role, blocks: bs})
	}
	if err := checkBreakpoints(c, prefix); err != nil {
		return nil, nil, err
	}
	return &req, c, nil
}

// parseContent reads content that is a string or an array of blocks.
// System content accepts only text blocks.
func parseContent(raw json.RawMessage, where string, system bool) ([]block, *apiError) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, invalid("%s: Input should be a valid string", where)
		}
		if s == "" && !system {
			return nil, invalid("%s: text content blocks must be non-empty", where)
		}
		return []block{{text: s}}, nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, invalid("%s: Input should be a valid list", where)
	}
	out := make([]block, 0, len(items))
	for i, it := range items {
		var b contentBlockIn
		if err := json.Unmarshal(it, &b); err != nil {
			return nil, invalid("%s.%d: Input should be a valid dictionary", where, i)
		}
		at := fmt.Sprintf("%s.%d", where, i)
		switch {
		case b.Type == "":
			return nil, invalid("%s.type: Field required", at)
		case system && b.Type != "text":
			return nil, invalid("%s.type: Input should be 'text'", at)
		case !knownBlockTypes[b.Type]:
			return nil, invalid("%s: Input tag '%s' found using 'type' does not match any of the expected tags", at, b.Type)
		}
		var blk block
		switch b.Type {
		case "text":
			if b.Text == nil {
				return nil, invalid("%s.text: Field required", at)
			}
			if *b.Text == "" {
				return nil, invalid("%s: text content blocks must be non-empty", at)
			}
			blk.text = *b.Text
		case "document":
			if b.Source != nil && b.Source.Type == "text" {
				blk.text = b.Source.Data
			}
		}
		if cc := b.CacheControl; cc != nil {
			if cc.Type != "ephemeral" {
				return nil, invalid("%s.cache_control.type: Input should be 'ephemeral'", at)
			}
			switch cc.TTL {
			case "", "5m":
				blk.ttl = "5m"
			case "1h":
				blk.ttl = "1h"
			default:
				return nil, invalid("%s.cache_control.ttl: Input should be '5m' or '1h'", at)
			}
		}
		out = append(out, blk)
	}
	return out, nil
}

// maxBreakpoints is how many cache_control blocks a request may carry.
const maxBreakpoints = 4

// checkBreakpoints applies the API's rules on cache_control: at most four
// breakpoints, and no 1h breakpoint after a 5m one.
func checkBreakpoints(c *conv, prefix string) *apiError {
	n, seen5m := 0, false
	check := func(b block) *apiError {
		switch b.ttl {
		case "5m":
			n++
			seen5m = true
		case "1h":
			n++
			if seen5m {
				return invalid("%sa ttl='1h' cache_control block must not come after a ttl='5m' cache_control block", prefix)
			}
		}
		return nil
	}
	for _, b := range c.system {
		if e := check(b); e != nil {
			return e
		}
	}
	for _, m := range c.messages {
		for _, b := range m.blocks {
			if e := check(b); e != nil {
				return e
			}
		}
	}
	if n > maxBreakpoints {
		return invalid("%sA maximum of %d blocks with cache_control may be provided. Found %d.", prefix, maxBreakpoints, n)
	}
	return nil
}

// inputTokens estimates the input of c: every block's text, concatenated.
func (c *conv) inputTokens() int64 {
	var runes int64
	for _, b := range c.system {
		runes += int64(utf8.RuneCountInString(b.text))
	}
	for _, m := range c.messages {
		for _, b := range m.blocks {
			runes += int64(utf8.RuneCountInString(b.text))
		}
	}
	return (runes + 3) / 4
}

// outcome is how a Messages request ends: an answer, an error, a hang or
// a reset.
type outcome struct {
	msg   *messageResponse
	err   *apiError
	hang  bool
	reset bool
}

// anthropicFaultError returns the Anthropic error of an HTTP-level fault, or nil
// for faults that are not errors (malformed, truncate, none).
func (s *Server) anthropicFaultError(f Fault, c *conv) *apiError {
	switch f {
	case FaultRateLimit:
		return &apiError{status: http.StatusTooManyRequests, errType: "rate_limit_error", retryAfter: s.cfg.Faults.RetryAfter,
			message: "This request would exceed the rate limit for your organization of 50 requests per minute. For details, refer to: https://docs.claude.com/en/api/rate-limits. You can see the response headers for current usage. Please reduce the prompt length or the maximum tokens requested, or try again later."}
	case FaultOverloaded:
		return &apiError{status: 529, errType: "overloaded_error", message: "Overloaded"}
	case FaultServer:
		return &apiError{status: http.StatusInternalServerError, errType: "api_error", message: "Internal server error"}
	case FaultUnavailable:
		return &apiError{status: http.StatusServiceUnavailable, errType: "api_error", message: "Service Unavailable"}
	case FaultAuth:
		return &apiError{status: http.StatusUnauthorized, errType: "authentication_error", message: "invalid x-api-key"}
	case FaultTemperature:
		return invalid("temperature is not supported for this model")
	case FaultContext:
		n := c.inputTokens()
		return invalid("prompt is too long: %d tokens > %d maximum", n, max(n-1, 0))
	}
	return nil
}

// runMessage answers one Messages request c under fault f (with variant
// v): the shared core of POST /v1/messages and batch items.
func (s *Server) runMessage(ctx context.Context, c *conv, f Fault, v float64, batch bool) outcome {
	if f != "" && f != FaultNone {
		s.count(func(st *Stats) { st.Faults[f]++ })
	}
	switch f {
	case FaultHang:
		return outcome{hang: true}
	case FaultReset:
		return outcome{reset: true}
	}
	if e := s.anthropicFaultError(f, c); e != nil {
		return outcome{err: e}
	}
	if c.temperature != nil && s.cfg.rejectsTemperature(c.model) {
		s.count(func(st *Stats) { st.Faults[FaultTemperature]++ })
		return outcome{err: invalid("temperature is not supported for this model")}
	}
	if n := c.inputTokens(); n > s.cfg.ContextWindow {
		return outcome{err: invalid("prompt is too long: %d tokens > %d maximum", n, s.cfg.ContextWindow)}
	}
	p := understand(c)
	text := s.answer(ctx, c, p)
	if f == FaultMalformed {
		text = malformed(p.stage, text, v)
	}
	rep := finish(text, c, f == FaultTruncate)
	u := s.anthropicCache(c, s.cfg.Clock.Now())
	s.countUsage(c.model, batch, u, rep.output)
	tier := "standard"
	if batch {
		tier = "batch"
	}
	msg := &messageResponse{
		ID: fmt.Sprintf("msg_fake%018d", s.nextID()), Type: "message", Role: "assistant", Model: c.model,
		Content: []textBlockOut{},
		Usage: anthropicUsage{InputTokens: u.input, CacheCreationInputTokens: u.write5m + u.write1h,
			CacheReadInputTokens: u.read, OutputTokens: rep.output, ServiceTier: tier,
			CacheCreation: cacheCreation{Ephemeral5mInputTokens: u.write5m, Ephemeral1hInputTokens: u.write1h}},
	}
	if rep.text != "" {
		msg.Content = append(msg.Content, textBlockOut{Type: "text", Text: rep.text})
	}
	switch rep.stop {
	case stopMaxTokens:
		msg.StopReason = "max_tokens"
	case stopSequence:
		msg.StopReason = "stop_sequence"
		seq := rep.stopSeq
		msg.StopSequence = &seq
	default:
		msg.StopReason = "end_turn"
	}
	return outcome{msg: msg}
}

// handleMessages serves POST /v1/messages.
func (s *Server) handleMessages(w http.ResponseWriter, r *http.Request) {
	// Draw first, so request n gets the same fault whatever came before.
	d := s.dice.roll(&s.cfg.Faults)
	scripted := s.nextScripted()
	reqID := s.requestID()
	w.Header().Set("request-id", reqID)
	ctx := r.Context()
	if s.wait(ctx, s.latency()) != nil {
		// Close cut the wait short: answer as a server going down does.
		// Otherwise the client gave up and there is no one to answer.
		s.ifClosing(ctx, func() { writeAnthropicError(w, shuttingDown("api_error"), reqID) })
		return
	}
	if e := s.checkAnthropicAuth(r); e != nil {
		writeAnthropicError(w, e, reqID)
		return
	}
	if r.Header.Get("anthropic-version") == "" {
		writeAnthropicError(w, invalid("anthropic-version: header is required"), reqID)
		return
	}
	f, e := forced(r)
	if e != nil {
		writeAnthropicError(w, e, reqID)
		return
	}
	if f == "" {
		f = scripted
	}
	body, e := readBody(r, s.cfg.MaxBodyBytes)
	if e != nil {
		writeAnthropicError(w, e, reqID)
		return
	}
	_, c, e := parseMessages(body, "")
	if e != nil {
		writeAnthropicError(w, e, reqID)
		return
	}
	if !strings.HasPrefix(c.model, "claude") {
		writeAnthropicError(w, &apiError{status: http.StatusNotFound, errType: "not_found_error", message: "model: " + c.model}, reqID)
		return
	}
	f = pick(f, d, c)
	if f == FaultEmptyBody {
		s.count(func(st *Stats) { st.Faults[f]++ })
		emptyOK(w)
		return
	}
	out := s.runMessage(ctx, c, f, d.variant, false)
	switch {
	case out.reset:
		reset(w)
	case out.hang:
		if !s.hang(ctx) {
			s.ifClosing(ctx, func() { writeAnthropicError(w, shuttingDown("api_error"), reqID) })
			return
		}
		writeAnthropicError(w, &apiError{status: http.StatusGatewayTimeout, errType: "timeout_error", message: "Request timed out"}, reqID)
	case out.err != nil:
		writeAnthropicError(w, out.err, reqID)
	default:
		writeJSON(w, http.StatusOK, out.msg)
	}
}

// handleNotFound answers unknown paths in the style of the API they
// resemble.
func (s *Server) handleNotFound(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/v1/chat/") || strings.HasPrefix(r.URL.Path, "/v1/completions") {
		writeOpenAIError(w, &apiError{status: http.StatusNotFound, errType: "invalid_request_error",
			message: fmt.Sprintf("Invalid URL (%s %s)", r.Method, r.URL.Path)})
		return
	}
	reqID := s.requestID()
	w.Header().Set("request-id", reqID)
	writeAnthropicError(w, &apiError{status: http.StatusNotFound, errType: "not_found_error", message: "Not Found"}, reqID)
}
