package fakeupstream

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// The OpenAI Chat Completions API as documented: request and response
// shapes and error bodies. Field names were checked against openai-go
// v3.98.0 (completion.go, chatcompletion.go, internal/apierror). Unlike
// the Anthropic endpoint, unknown request fields are ignored: servers
// that call themselves OpenAI-compatible accept different extensions.

type chatRequest struct {
	Model               string          `json:"model"`
	Messages            []chatMsgIn     `json:"messages"`
	MaxTokens           *int64          `json:"max_tokens"`
	MaxCompletionTokens *int64          `json:"max_completion_tokens"`
	Temperature         *float64        `json:"temperature"`
	Stop                json.RawMessage `json:"stop"`
	N                   *int            `json:"n"`
	Stream              bool            `json:"stream"`
}

type chatMsgIn struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

type chatPartIn struct {
	Type string  `json:"type"`
	Text *string `json:"text"`
}

type chatResponse struct {
	ID                string       `json:"id"`
	Object            string       `json:"object"`
	Created           int64        `json:"created"`
	Model             string       `json:"model"`
	Choices           []chatChoice `json:"choices"`
	Usage             chatUsage    `json:"usage"`
	ServiceTier       string       `json:"service_tier"`
	SystemFingerprint string       `json:"system_fingerprint"`
}

type chatChoice struct {
	Index        int             `json:"index"`
	Message      chatMsgOut      `json:"message"`
	Logprobs     json.RawMessage `json:"logprobs"`
	FinishReason string          `json:"finish_reason"`
}

type chatMsgOut struct {
	Role        string          `json:"role"`
	Content     string          `json:"content"`
	Refusal     *string         `json:"refusal"`
	Annotations json.RawMessage `json:"annotations"`
}

type chatUsage struct {
	PromptTokens            int64             `json:"prompt_tokens"`
	CompletionTokens        int64             `json:"completion_tokens"`
	TotalTokens             int64             `json:"total_tokens"`
	PromptTokensDetails     promptDetails     `json:"prompt_tokens_details"`
	CompletionTokensDetails completionDetails `json:"completion_tokens_details"`
}

type promptDetails struct {
	CachedTokens int64 `json:"cached_tokens"`
	AudioTokens  int64 `json:"audio_tokens"`
}

type completionDetails struct {
	ReasoningTokens          int64 `json:"reasoning_tokens"`
	AudioTokens              int64 `json:"audio_tokens"`
	AcceptedPredictionTokens int64 `json:"accepted_prediction_tokens"`
	RejectedPredictionTokens int64 `json:"rejected_prediction_tokens"`
}

// openaiError is OpenAI's error body: {"error": {...}}. param and code
// are null when unset, as the API writes them.
type openaiError struct {
	Error openaiErrorObject `json:"error"`
}

type openaiErrorObject struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    *string `json:"code"`
}

func writeOpenAIError(w http.ResponseWriter, e *apiError) {
	if e.retryAfter > 0 {
		setRetryAfter(w.Header(), e.retryAfter)
	}
	obj := openaiErrorObject{Message: e.message, Type: e.errType}
	if e.param != "" {
		obj.Param = &e.param
	}
	if e.code != "" {
		obj.Code = &e.code
	}
	writeJSON(w, e.status, openaiError{Error: obj})
}

func oaInvalid(param, code, format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, errType: "invalid_request_error", param: param, code: code,
		message: fmt.Sprintf(format, args...)}
}

// reasoningModel reports whether model is one of OpenAI's reasoning
// models, which reject max_tokens in favour of max_completion_tokens.
func reasoningModel(model string) bool {
	for _, p := range []string{"o1", "o3", "o4", "gpt-5"} {
		if strings.HasPrefix(model, p) {
			return true
		}
	}
	return false
}

var chatRoles = map[string]bool{"system": true, "developer": true, "user": true, "assistant": true, "tool": true, "function": true}

// parseChat validates a Chat Completions body and returns it as a conv.
func parseChat(data []byte) (*chatRequest, *conv, *apiError) {
	var req chatRequest
	if err := json.Unmarshal(data, &req); err != nil {
		return nil, nil, oaInvalid("", "", "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)")
	}
	switch {
	case req.Model == "":
		return nil, nil, oaInvalid("", "", "you must provide a model parameter")
	case req.Messages == nil:
		return nil, nil, oaInvalid("messages", "missing_required_parameter", "Missing required parameter: 'messages'.")
	case len(req.Messages) == 0:
		return nil, nil, oaInvalid("messages", "empty_array", "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.")
	case req.Temperature != nil && (*req.Temperature < 0 || *req.Temperature > 2):
		return nil, nil, oaInvalid("temperature", "decimal_above_max_value", "Invalid 'temperature': decimal above maximum value. Expected a value <= 2, but got %v instead.", *req.Temperature)
	case req.MaxTokens != nil && reasoningModel(req.Model):
		return nil, nil, oaInvalid("max_tokens", "unsupported_parameter", "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.")
	case req.Stream:
		return nil, nil, oaInvalid("stream", "unsupported_value", "the fake upstream does not stream; send stream false")
	}
	c := &conv{model: req.Model, temperature: req.Temperature}
	switch {
	case req.MaxCompletionTokens != nil:
		c.maxTokens = *req.MaxCompletionTokens
	case req.MaxTokens != nil:
		c.maxTokens = *req.MaxTokens
	}
	if c.maxTokens < 0 {
		return nil, nil, oaInvalid("max_tokens", "integer_below_min_value", "Invalid 'max_tokens': integer below minimum value. Expected a value >= 1, but got %d instead.", c.maxTokens)
	}
	if len(req.Stop) > 0 && string(req.Stop) != "null" {
		var one string
		if json.Unmarshal(req.Stop, &one) == nil {
			c.stop = []string{one}
		} else if json.Unmarshal(req.Stop, &c.stop) != nil {
			return nil, nil, oaInvalid("stop", "invalid_type", "Invalid type for 'stop': expected a string or an array of strings.")
		}
	}
	for i, m := range req.Messages {
		if !chatRoles[m.Role] {
			return nil, nil, oaInvalid(fmt.Sprintf("messages[%d].role", i), "invalid_value",
				"Invalid value: '%s'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.", m.Role)
		}
		msg := message{role: m.Role}
		raw := bytes.TrimSpace(m.Content)
		switch {
		case len(raw) == 0 || string(raw) == "null":
			if m.Role != "assistant" {
				return nil, nil, oaInvalid(fmt.Sprintf("messages[%d].content", i), "missing_required_parameter",
					"Missing required parameter: 'messages[%d].content'.", i)
			}
		case raw[0] == '"':
			var s string
			if json.Unmarshal(raw, &s) != nil {
				return nil, nil, oaInvalid(fmt.Sprintf("messages[%d].content", i), "invalid_type", "Invalid type for 'messages[%d].content'.", i)
			}
			msg.blocks = []block{{text: s}}
		default:
			var parts []chatPartIn
			if json.Unmarshal(raw, &parts) != nil {
				return nil, nil, oaInvalid(fmt.Sprintf("messages[%d].content", i), "invalid_type",
					"Invalid type for 'messages[%d].content': expected one of a string or array of objects.", i)
			}
			for j, p := range parts {
				if p.Type == "text" {
					if p.Text == nil {
						return nil, nil, oaInvalid(fmt.Sprintf("messages[%d].content[%d].text", i, j), "missing_required_parameter",
							"Missing required parameter: 'messages[%d].content[%d].text'.", i, j)
					}
					msg.blocks = append(msg.blocks, block{text: *p.Text})
				}
			}
		}
		c.messages = append(c.messages, msg)
	}
	return &req, c, nil
}

// openaiFaultError returns the OpenAI error of an HTTP-level fault, or nil.
// OpenAI has no 529: overload is a 503 with the "engine is currently
// overloaded" message.
func (s *Server) openaiFaultError(f Fault, c *conv) *apiError {
	switch f {
	case FaultRateLimit:
		wait := s.cfg.Faults.RetryAfter
		return &apiError{status: http.StatusTooManyRequests, errType: "requests", code: "rate_limit_exceeded", retryAfter: wait,
			message: fmt.Sprintf("Rate limit reached for %s in organization org-fake on requests per min (RPM): Limit 60, Used 60, Requested 1. Please try again in %s. Visit https://platform.openai.com/account/rate-limits to learn more.", c.model, wait)}
	case FaultOverloaded:
		return &apiError{status: http.StatusServiceUnavailable, errType: "server_error", message: "The engine is currently overloaded, please try again later."}
	case FaultServer:
		return &apiError{status: http.StatusInternalServerError, errType: "server_error", message: "The server had an error while processing your request. Sorry about that!"}
	case FaultUnavailable:
		return &apiError{status: http.StatusServiceUnavailable, errType: "server_error", message: "The server is overloaded or not ready yet."}
	case FaultAuth:
		return &apiError{status: http.StatusUnauthorized, errType: "invalid_request_error", code: "invalid_api_key",
			message: "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys."}
	case FaultTemperature:
		return temperatureUnsupported(c)
	case FaultContext:
		n := c.inputTokens()
		return contextExceeded(n, max(n-1, 0))
	}
	return nil
}

func temperatureUnsupported(c *conv) *apiError {
	t := "1"
	if c.temperature != nil {
		t = strconv.FormatFloat(*c.temperature, 'g', -1, 64)
	}
	return oaInvalid("temperature", "unsupported_value",
		"Unsupported value: 'temperature' does not support %s with this model. Only the default (1) value is supported.", t)
}

func contextExceeded(n, window int64) *apiError {
	return oaInvalid("messages", "context_length_exceeded",
		"This model's maximum context length is %d tokens. However, your messages resulted in %d tokens. Please reduce the length of the messages.", window, n)
}

// checkOpenAIAuth enforces Config.APIKey as a bearer token.
func (s *Server) checkOpenAIAuth(r *http.Request) *apiError {
	if s.cfg.APIKey == "" {
		return nil
	}
	switch key := bearer(r); {
	case key == "":
		return &apiError{status: http.StatusUnauthorized, errType: "invalid_request_error",
			message: "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."}
	case key != s.cfg.APIKey:
		return &apiError{status: http.StatusUnauthorized, errType: "invalid_request_error", code: "invalid_api_key",
			message: "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys."}
	}
	return nil
}

// handleChatCompletions serves POST /v1/chat/completions.
func (s *Server) handleChatCompletions(w http.ResponseWriter, r *http.Request) {
	d := s.dice.roll(&s.cfg.Faults)
	scripted := s.nextScripted()
	w.Header().Set("x-request-id", s.requestID())
	ctx := r.Context()
	if s.wait(ctx, s.latency()) != nil {
		s.ifClosing(ctx, func() { writeOpenAIError(w, shuttingDown("server_error")) })
		return
	}
	if e := s.checkOpenAIAuth(r); e != nil {
		writeOpenAIError(w, e)
		return
	}
	f, e := forced(r)
	if e != nil {
		writeOpenAIError(w, oaInvalid("", "", "%s", e.message))
		return
	}
	if f == "" {
		f = scripted
	}
	body, e := readBody(r, s.cfg.MaxBodyBytes)
	if e != nil {
		writeOpenAIError(w, &apiError{status: e.status, errType: "invalid_request_error", message: e.message})
		return
	}
	req, c, e := parseChat(body)
	if e != nil {
		writeOpenAIError(w, e)
		return
	}
	f = pick(f, d, c)
	if f != "" && f != FaultNone {
		s.count(func(st *Stats) { st.Faults[f]++ })
	}
	switch f {
	case FaultReset:
		reset(w)
		return
	case FaultHang:
		if !s.hang(ctx) {
			s.ifClosing(ctx, func() { writeOpenAIError(w, shuttingDown("server_error")) })
			return
		}
		writeOpenAIError(w, &apiError{status: http.StatusGatewayTimeout, errType: "server_error", message: "Request timed out."})
		return
	case FaultEmptyBody:
		emptyOK(w)
		return
	}
	if e := s.openaiFaultError(f, c); e != nil {
		writeOpenAIError(w, e)
		return
	}
	if c.temperature != nil && s.cfg.rejectsTemperature(c.model) {
		s.count(func(st *Stats) { st.Faults[FaultTemperature]++ })
		writeOpenAIError(w, temperatureUnsupported(c))
		return
	}
	if n := c.inputTokens(); n > s.cfg.ContextWindow {
		writeOpenAIError(w, contextExceeded(n, s.cfg.ContextWindow))
		return
	}
	p := understand(c)
	text := s.answer(ctx, c, p)
	if f == FaultMalformed {
		text = malformed(p.stage, text, d.variant)
	}
	rep := finish(text, c, f == FaultTruncate)
	now := s.cfg.Clock.Now()
	total, cached := s.openaiCache(c, now)
	s.countUsage(c.model, false, cacheUsage{input: total - cached, read: cached}, rep.output)
	finishReason := "stop"
	if rep.stop == stopMaxTokens {
		finishReason = "length"
	}
	n := 1
	if req.N != nil && *req.N > 1 {
		n = *req.N
	}
	resp := chatResponse{
		ID: fmt.Sprintf("chatcmpl-fake%016d", s.nextID()), Object: "chat.completion", Created: now.Unix(),
		Model: c.model, ServiceTier: "default", SystemFingerprint: "fp_fake",
		Usage: chatUsage{PromptTokens: total, CompletionTokens: rep.output * int64(n), TotalTokens: total + rep.output*int64(n),
			PromptTokensDetails: promptDetails{CachedTokens: cached}},
	}
	for i := range n {
		resp.Choices = append(resp.Choices, chatChoice{Index: i, FinishReason: finishReason, Logprobs: json.RawMessage("null"),
			Message: chatMsgOut{Role: "assistant", Content: rep.text, Annotations: json.RawMessage("[]")}})
	}
	writeJSON(w, http.StatusOK, resp)
}
