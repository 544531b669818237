package llmtest_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/llm/llmtest"
)

// refModel is a minimal Anthropic Messages adapter over net/http, written
// from the API documentation. It exists to show that the suite can be
// passed and what passing takes; the real adapter is llm/anthropic.
type refModel struct {
	baseURL string
	key     string
	client  *http.Client
}

type obj = map[string]any

func (m *refModel) params(req *papersum.Request) obj {
	var system []any
	if req.Paper != nil {
		b := obj{"type": "text", "text": req.Paper.Text}
		if req.Paper.Cacheable {
			b["cache_control"] = obj{"type": "ephemeral", "ttl": req.Paper.CacheTTL}
		}
		system = append(system, b)
	}
	system = append(system, obj{"type": "text", "text": req.System})
	msgs := []any{obj{"role": "user", "content": req.Prompt}}
	for _, t := range req.Turns {
		msgs = append(msgs, obj{"role": string(t.Role), "content": t.Text})
	}
	p := obj{"model": req.Model, "max_tokens": req.MaxTokens, "system": system, "messages": msgs}
	if req.Temperature != nil {
		p["temperature"] = *req.Temperature
	}
	return p
}

type wireMessage struct {
	Model   string `json:"model"`
	Content []struct {
		Text string `json:"text"`
	} `json:"content"`
	StopReason string `json:"stop_reason"`
	Usage      struct {
		InputTokens   int64 `json:"input_tokens"`
		OutputTokens  int64 `json:"output_tokens"`
		CacheRead     int64 `json:"cache_read_input_tokens"`
		CacheCreation struct {
			M5 int64 `json:"ephemeral_5m_input_tokens"`
			H1 int64 `json:"ephemeral_1h_input_tokens"`
		} `json:"cache_creation"`
	} `json:"usage"`
}

type wireError struct {
	Error struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	} `json:"error"`
}

func (w *wireMessage) response() *papersum.Response {
	var text strings.Builder
	for _, c := range w.Content {
		text.WriteString(c.Text)
	}
	stop := papersum.StopOther
	switch w.StopReason {
	case "end_turn":
		stop = papersum.StopEnd
	case "max_tokens":
		stop = papersum.StopMaxTokens
	case "stop_sequence":
		stop = papersum.StopSequence
	}
	return &papersum.Response{Text: text.String(), StopReason: stop, Provider: "anthropic", Model: w.Model,
		Usage: papersum.Usage{InputTokens: w.Usage.InputTokens, OutputTokens: w.Usage.OutputTokens,
			CacheReadTokens: w.Usage.CacheRead, CacheCreation5mTokens: w.Usage.CacheCreation.M5,
			CacheCreation1hTokens: w.Usage.CacheCreation.H1}}
}

// classify maps an error response to a class, as the docs describe it.
func classify(status int, we wireError) papersum.Class {
	switch {
	case status == 429:
		return papersum.ClassRateLimit
	case status == 529 || status == 503:
		return papersum.ClassOverloaded
	case status == 401 || status == 403:
		return papersum.ClassAuth
	case status == 504:
		return papersum.ClassTimeout
	case status == 413 || strings.HasPrefix(we.Error.Message, "prompt is too long"):
		return papersum.ClassContextTooLarge
	case status >= 500:
		return papersum.ClassServer
	}
	return papersum.ClassInvalidRequest
}

func (m *refModel) call(ctx context.Context, method, path string, body any) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(data)
	}
	hreq, err := http.NewRequestWithContext(ctx, method, m.baseURL+path, rd)
	if err != nil {
		return nil, err
	}
	hreq.Header.Set("x-api-key", m.key)
	hreq.Header.Set("anthropic-version", "2023-06-01")
	hreq.Header.Set("content-type", "application/json")
	res, err := m.client.Do(hreq)
	if err != nil {
		class := papersum.ClassConnection
		if ctx.Err() != nil {
			class = papersum.ClassTimeout
		}
		return nil, &papersum.ProviderError{Class: class, Provider: "anthropic", Err: err}
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, &papersum.ProviderError{Class: papersum.ClassConnection, Provider: "anthropic", Err: err}
	}
	if res.StatusCode != 200 {
		var we wireError
		_ = json.Unmarshal(data, &we)
		pe := &papersum.ProviderError{Class: classify(res.StatusCode, we), Provider: "anthropic",
			Status: res.StatusCode, Message: we.Error.Message}
		if ms, err := strconv.ParseFloat(res.Header.Get("retry-after-ms"), 64); err == nil {
			pe.RetryAfterSeconds = ms / 1000
		} else if s, err := strconv.ParseFloat(res.Header.Get("retry-after"), 64); err == nil {
			pe.RetryAfterSeconds = s
		}
		return nil, pe
	}
	return data, nil
}

func (m *refModel) Generate(ctx context.Context, req *papersum.Request) (*papersum.Response, error) {
	if req.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, req.Timeout)
		defer cancel()
	}
	data, err := m.call(ctx, http.MethodPost, "/v1/messages", m.params(req))
	if err != nil {
		return nil, err
	}
	var w wireMessage
	if err := json.Unmarshal(data, &w); err != nil {
		// A 200 whose body is not a message (empty, another type): the
		// server's fault.
		return nil, &papersum.ProviderError{Class: papersum.ClassServer, Provider: "anthropic", Status: http.StatusOK,
			Message: "malformed response body", Err: err}
	}
	return w.response(), nil
}

func (m *refModel) SubmitBatch(ctx context.Context, reqs []papersum.MessageBatchRequest) (string, error) {
	var items []any
	for _, r := range reqs {
		items = append(items, obj{"custom_id": r.CustomID, "params": m.params(r.Request)})
	}
	data, err := m.call(ctx, http.MethodPost, "/v1/messages/batches", obj{"requests": items})
	if err != nil {
		return "", err
	}
	var b struct {
		ID string `json:"id"`
	}
	return b.ID, json.Unmarshal(data, &b)
}

func (m *refModel) BatchStatus(ctx context.Context, id string) (papersum.MessageBatchStatus, error) {
	data, err := m.call(ctx, http.MethodGet, "/v1/messages/batches/"+id, nil)
	if err != nil {
		return papersum.MessageBatchStatus{}, err
	}
	var b struct {
		Status string `json:"processing_status"`
		C      struct {
			Processing, Succeeded, Errored, Canceled, Expired int
		} `json:"request_counts"`
	}
	if err := json.Unmarshal(data, &b); err != nil {
		return papersum.MessageBatchStatus{}, err
	}
	return papersum.MessageBatchStatus{ID: id, Ended: b.Status == "ended", Processing: b.C.Processing,
		Succeeded: b.C.Succeeded, Errored: b.C.Errored, Canceled: b.C.Canceled, Expired: b.C.Expired}, nil
}

func (m *refModel) BatchResults(ctx context.Context, id string) ([]papersum.MessageBatchResult, error) {
	data, err := m.call(ctx, http.MethodGet, "/v1/messages/batches/"+id+"/results", nil)
	if err != nil {
		return nil, err
	}
	var out []papersum.MessageBatchResult
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var line struct {
			CustomID string `json:"custom_id"`
			Result   struct {
				Type    string      `json:"type"`
				Message wireMessage `json:"message"`
				Error   wireError   `json:"error"`
			} `json:"result"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			return nil, err
		}
		r := papersum.MessageBatchResult{CustomID: line.CustomID}
		switch line.Result.Type {
		case "succeeded":
			r.Response = line.Result.Message.response()
		case "errored":
			r.Err = &papersum.ProviderError{Class: classifyType(line.Result.Error.Error.Type), Message: line.Result.Error.Error.Message}
		default:
			r.Err = &papersum.ProviderError{Class: papersum.ClassTimeout, Message: line.Result.Type}
		}
		out = append(out, r)
	}
	return out, sc.Err()
}

// classifyType maps the error type of an errored batch item.
func classifyType(t string) papersum.Class {
	switch t {
	case "rate_limit_error":
		return papersum.ClassRateLimit
	case "overloaded_error":
		return papersum.ClassOverloaded
	case "authentication_error", "permission_error":
		return papersum.ClassAuth
	case "invalid_request_error", "not_found_error":
		return papersum.ClassInvalidRequest
	}
	return papersum.ClassServer
}

func TestExerciseReferenceAdapter(t *testing.T) {
	llmtest.Exercise(t, func(t *testing.T, baseURL string) papersum.Model {
		return &refModel{baseURL: baseURL, key: "k", client: &http.Client{}}
	}, llmtest.Options{SupportsCaching: true})
}
