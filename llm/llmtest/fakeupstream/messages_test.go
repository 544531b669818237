package fakeupstream_test

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/llm/llmtest/fakeupstream"
	"github.com/papersum/papersum/llm/local"
	"github.com/papersum/papersum/pipeline"
)

const sonnet = "claude-sonnet-4-5"

func TestMessagesWireShape(t *testing.T) {
	_, url := start(t, fakeupstream.Config{})
	sys, user := stagePrompts(t, papersum.StageSummarize, "", nil)
	r := post(t, url, "/v1/messages", anthropicBody(sonnet, paperText(), "5m", sys, user, 1024))
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	if !strings.HasPrefix(r.header.Get("request-id"), "req_") {
		t.Errorf("request-id header %q", r.header.Get("request-id"))
	}
	var m msgResp
	strict(t, r.body, &m)
	if !strings.HasPrefix(m.ID, "msg_") || m.Type != "message" || m.Role != "assistant" || m.Model != sonnet {
		t.Errorf("envelope %+v", m)
	}
	if len(m.Content) != 1 || m.Content[0].Type != "text" {
		t.Fatalf("content %+v", m.Content)
	}
	if m.StopReason != "end_turn" || m.StopSequence != nil {
		t.Errorf("stop %q %v", m.StopReason, m.StopSequence)
	}
	if m.Usage.ServiceTier != "standard" {
		t.Errorf("service_tier %q", m.Usage.ServiceTier)
	}
	if _, err := pipeline.ExtractSummary(papersum.StageSummarize, pipeline.TagSummary, m.text()); err != nil {
		t.Errorf("reply breaks the summary contract: %v\n%s", err, m.text())
	}
	// Every input token is counted once: cached, written or plain.
	want := local.EstimateTokens(paperText() + sys + user)
	u := m.Usage
	if got := u.InputTokens + u.CacheCreationInputTokens + u.CacheReadInputTokens; got != want {
		t.Errorf("input tokens %d (=%d+%d+%d), want %d", got, u.InputTokens, u.CacheCreationInputTokens, u.CacheReadInputTokens, want)
	}
	if u.OutputTokens != local.EstimateTokens(m.text()) {
		t.Errorf("output_tokens %d for %d runes", u.OutputTokens, utf8.RuneCountInString(m.text()))
	}
}

// TestThreeStages runs the pipeline's three prompts in the layout of
// papersum's adapter and checks that each reply follows its contract and
// that stages 2 and 3 read the paper from the cache stage 1 wrote.
func TestThreeStages(t *testing.T) {
	s, url := start(t, fakeupstream.Config{})
	paperTokens := local.EstimateTokens(paperText())

	sys, user := stagePrompts(t, papersum.StageSummarize, "", nil)
	m1 := message(t, url, anthropicBody(sonnet, paperText(), "5m", sys, user, 1024))
	draft, err := pipeline.ExtractSummary(papersum.StageSummarize, pipeline.TagSummary, m1.text())
	if err != nil {
		t.Fatal(err)
	}
	if m1.Usage.CacheCreationInputTokens != paperTokens || m1.Usage.CacheCreation.Ephemeral5m != paperTokens || m1.Usage.CacheReadInputTokens != 0 {
		t.Errorf("stage 1 usage %+v, want %d tokens written (5m)", m1.Usage, paperTokens)
	}

	sys, user = stagePrompts(t, papersum.StageCritique, draft, nil)
	m2 := message(t, url, anthropicBody(sonnet, paperText(), "5m", sys, user, 1024))
	crit, err := pipeline.ExtractCritique(m2.text())
	if err != nil {
		t.Fatalf("critique: %v\n%s", err, m2.text())
	}
	if m2.Usage.CacheReadInputTokens != paperTokens || m2.Usage.CacheCreationInputTokens != 0 {
		t.Errorf("stage 2 usage %+v, want %d tokens read", m2.Usage, paperTokens)
	}

	sys, user = stagePrompts(t, papersum.StageRevise, draft, crit)
	m3 := message(t, url, anthropicBody(sonnet, paperText(), "5m", sys, user, 1024))
	if _, err := pipeline.ExtractSummary(papersum.StageRevise, pipeline.TagRevisedSummary, m3.text()); err != nil {
		t.Fatalf("revise: %v\n%s", err, m3.text())
	}
	if m3.Usage.CacheReadInputTokens != paperTokens {
		t.Errorf("stage 3 usage %+v, want %d tokens read", m3.Usage, paperTokens)
	}

	st := s.Stats()
	if st.Requests[fakeupstream.EndpointMessages] != 3 || st.CacheWrites != 1 || st.CacheReads != 2 ||
		st.CacheReadTokens != 2*paperTokens || st.CacheWriteTokens != paperTokens {
		t.Errorf("stats %+v", st)
	}

	// The replies are the local engine's: the same request gives the same
	// bytes on another server.
	_, url2 := start(t, fakeupstream.Config{Seed: 99})
	again := message(t, url2, anthropicBody(sonnet, paperText(), "5m", sys, user, 1024))
	if again.text() != m3.text() {
		t.Errorf("reply is not deterministic:\n%s\n%s", again.text(), m3.text())
	}
}

func TestMaxTokensAndStopSequences(t *testing.T) {
	_, url := start(t, fakeupstream.Config{})
	sys, user := stagePrompts(t, papersum.StageSummarize, "", nil)

	m := message(t, url, anthropicBody(sonnet, paperText(), "", sys, user, 10))
	if m.StopReason != "max_tokens" || m.Usage.OutputTokens != 10 || utf8.RuneCountInString(m.text()) > 40 {
		t.Errorf("max_tokens 10: stop %q, output %d, text %q", m.StopReason, m.Usage.OutputTokens, m.text())
	}
	if !strings.HasPrefix(m.text(), "<summary>") {
		t.Errorf("cut text %q does not start the reply", m.text())
	}

	body := anthropicBody(sonnet, paperText(), "", sys, user, 1024)
	body["stop_sequences"] = []string{"</summary>"}
	m = message(t, url, body)
	if m.StopReason != "stop_sequence" || m.StopSequence == nil || *m.StopSequence != "</summary>" {
		t.Errorf("stop %q %v", m.StopReason, m.StopSequence)
	}
	if strings.Contains(m.text(), "</summary>") || !strings.HasPrefix(m.text(), "<summary>") {
		t.Errorf("text %q", m.text())
	}
}

// TestRepairTurn sends what the pipeline sends after a malformed answer:
// the model's output as an assistant turn and a user turn asking for the
// contract. The fake answers the first turn's stage, well formed.
func TestRepairTurn(t *testing.T) {
	_, url := start(t, fakeupstream.Config{})
	sys, user := stagePrompts(t, papersum.StageCritique, "ABSA is a sparse attention method that uses 61% less memory.", nil)
	body := anthropicBody(sonnet, paperText(), "5m", sys, user, 1024)
	body["messages"] = append(body["messages"].([]any),
		obj{"role": "assistant", "content": "The summary is accurate but incomplete."},
		obj{"role": "user", "content": "Your answer did not follow the required format. Answer again in exactly the <critique> form and nothing else."})
	m := message(t, url, body)
	if _, err := pipeline.ExtractCritique(m.text()); err != nil {
		t.Fatalf("repair reply: %v\n%s", err, m.text())
	}

	// Malformed and truncated answers are drawn for first calls, not for
	// repairs; forcing still works.
	_, url = start(t, fakeupstream.Config{Faults: fakeupstream.Faults{MalformedXML: 0.5, Truncate: 0.5}})
	for i := 0; i < 5; i++ {
		if m := message(t, url, body); m.StopReason != "end_turn" {
			t.Fatalf("repair %d: %s", i, m.StopReason)
		} else if _, err := pipeline.ExtractCritique(m.text()); err != nil {
			t.Fatalf("repair %d: %v", i, err)
		}
	}
	if m := message(t, url, body, fakeupstream.ForceHeader, "truncate"); m.StopReason != "max_tokens" {
		t.Errorf("forced truncate on a repair: %s", m.StopReason)
	}
}

func TestGenericReply(t *testing.T) {
	_, url := start(t, fakeupstream.Config{})
	m := message(t, url, obj{"model": sonnet, "max_tokens": 100, "messages": []any{obj{"role": "user", "content": "Hello"}}})
	if m.text() == "" || strings.Contains(m.text(), "<summary>") || m.StopReason != "end_turn" {
		t.Errorf("generic reply %q (%s)", m.text(), m.StopReason)
	}
}

// TestPaperInUserTurn covers adapters that send the paper and the prompt
// in one user block, or the paper as a text document block.
func TestPaperInUserTurn(t *testing.T) {
	_, url := start(t, fakeupstream.Config{})
	sys, user := stagePrompts(t, papersum.StageSummarize, "", nil)
	m := message(t, url, obj{"model": sonnet, "max_tokens": 1024, "system": sys,
		"messages": []any{obj{"role": "user", "content": paperText() + "\n\n" + user}}})
	one, err := pipeline.ExtractSummary(papersum.StageSummarize, pipeline.TagSummary, m.text())
	if err != nil || strings.Contains(one, "could not be read") {
		t.Fatalf("one block: %v %q", err, one)
	}
	m = message(t, url, obj{"model": sonnet, "max_tokens": 1024, "system": sys,
		"messages": []any{obj{"role": "user", "content": []any{
			obj{"type": "document", "source": obj{"type": "text", "media_type": "text/plain", "data": paperText()},
				"cache_control": obj{"type": "ephemeral"}},
			obj{"type": "text", "text": user}}}}})
	two, err := pipeline.ExtractSummary(papersum.StageSummarize, pipeline.TagSummary, m.text())
	if err != nil || two != one {
		t.Fatalf("document block: %v\n%q\n%q", err, two, one)
	}
	if m.Usage.CacheCreationInputTokens == 0 {
		t.Errorf("a cache-marked document block is cacheable: %+v", m.Usage)
	}
}

func TestValidation(t *testing.T) {
	_, url := start(t, fakeupstream.Config{})
	good := func() obj {
		return obj{"model": sonnet, "max_tokens": 100, "messages": []any{obj{"role": "user", "content": "Hi"}}}
	}
	with := func(k string, v any) obj {
		b := good()
		if v == nil {
			delete(b, k)
		} else {
			b[k] = v
		}
		return b
	}
	cc := func(ttl string) obj { return obj{"type": "ephemeral", "ttl": ttl} }
	blocks := func(ttls ...string) []any {
		var out []any
		for _, ttl := range ttls {
			out = append(out, obj{"type": "text", "text": "x", "cache_control": cc(ttl)})
		}
		return out
	}
	cases := []struct {
		name    string
		body    obj
		headers []string
		status  int
		errType string
		msg     string
	}{
		{"no version header", good(), []string{"anthropic-version", ""}, 400, "invalid_request_error", "anthropic-version: header is required"},
		{"no max_tokens", with("max_tokens", nil), nil, 400, "invalid_request_error", "max_tokens: Field required"},
		{"max_tokens 0", with("max_tokens", 0), nil, 400, "invalid_request_error", "max_tokens: Input should be greater than or equal to 1"},
		{"no model", with("model", nil), nil, 400, "invalid_request_error", "model: Field required"},
		{"no messages", with("messages", nil), nil, 400, "invalid_request_error", "messages: Field required"},
		{"unknown field", with("max_completion_tokens", 5), nil, 400, "invalid_request_error", "max_completion_tokens: Extra inputs are not permitted"},
		{"system role", with("messages", []any{obj{"role": "system", "content": "x"}}), nil, 400, "invalid_request_error", "messages.0.role: Input should be 'user' or 'assistant'"},
		{"empty text", with("messages", []any{obj{"role": "user", "content": []any{obj{"type": "text", "text": ""}}}}), nil, 400, "invalid_request_error", "messages.0.content.0: text content blocks must be non-empty"},
		{"temperature > 1", with("temperature", 1.5), nil, 400, "invalid_request_error", "temperature: Input should be less than or equal to 1"},
		{"stream", with("stream", true), nil, 400, "invalid_request_error", ""},
		{"unknown model", with("model", "gpt-4o"), nil, 404, "not_found_error", "model: gpt-4o"},
		{"five breakpoints", with("system", blocks("5m", "5m", "5m", "5m", "5m")), nil, 400, "invalid_request_error", "A maximum of 4 blocks with cache_control may be provided. Found 5."},
		{"1h after 5m", with("system", blocks("5m", "1h")), nil, 400, "invalid_request_error", "a ttl='1h' cache_control block must not come after a ttl='5m' cache_control block"},
		{"bad ttl", with("system", blocks("10m")), nil, 400, "invalid_request_error", "system.0.cache_control.ttl: Input should be '5m' or '1h'"},
		{"bad force header", good(), []string{fakeupstream.ForceHeader, "teapot"}, 400, "invalid_request_error", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := post(t, url, "/v1/messages", tc.body, tc.headers...)
			e := anthropicError(t, r, tc.status, tc.errType)
			if tc.msg != "" && e.Error.Message != tc.msg {
				t.Errorf("message %q, want %q", e.Error.Message, tc.msg)
			}
		})
	}
	r := get(t, url, "/v1/nothing")
	anthropicError(t, r, 404, "not_found_error")
}

func TestAuth(t *testing.T) {
	_, url := start(t, fakeupstream.Config{APIKey: "sk-test"})
	body := obj{"model": sonnet, "max_tokens": 50, "messages": []any{obj{"role": "user", "content": "Hi"}}}
	anthropicError(t, post(t, url, "/v1/messages", body), 401, "authentication_error")
	anthropicError(t, post(t, url, "/v1/messages", body, "x-api-key", "wrong"), 401, "authentication_error")
	anthropicError(t, get(t, url, "/v1/messages/batches/msgbatch_x"), 401, "authentication_error")
	if r := post(t, url, "/v1/messages", body, "x-api-key", "sk-test"); r.status != 200 {
		t.Errorf("x-api-key: %d %s", r.status, r.body)
	}
	if r := post(t, url, "/v1/messages", body, "Authorization", "Bearer sk-test"); r.status != 200 {
		t.Errorf("bearer: %d %s", r.status, r.body)
	}

	r := post(t, url, "/v1/chat/completions", chatBody("gpt-4o", "p", "s", "u"))
	var ce chatErr
	strict(t, r.body, &ce)
	if r.status != 401 || ce.Error.Type != "invalid_request_error" {
		t.Errorf("chat without key: %d %s", r.status, r.body)
	}
	r = post(t, url, "/v1/chat/completions", chatBody("gpt-4o", "p", "s", "u"), "Authorization", "Bearer nope")
	strict(t, r.body, &ce)
	if r.status != 401 || ce.Error.Code == nil || *ce.Error.Code != "invalid_api_key" {
		t.Errorf("chat with a wrong key: %d %s", r.status, r.body)
	}
	if r := post(t, url, "/v1/chat/completions", chatBody("gpt-4o", "p", "s", "u"), "Authorization", "Bearer sk-test"); r.status != 200 {
		t.Errorf("chat with key: %d %s", r.status, r.body)
	}
}

var tooLongRE = regexp.MustCompile(`^prompt is too long: (\d+) tokens > (\d+) maximum$`)

func TestContextWindow(t *testing.T) {
	_, url := start(t, fakeupstream.Config{ContextWindow: 500})
	sys, user := stagePrompts(t, papersum.StageSummarize, "", nil)
	e := anthropicError(t, post(t, url, "/v1/messages", anthropicBody(sonnet, paperText(), "5m", sys, user, 100)), 400, "invalid_request_error")
	m := tooLongRE.FindStringSubmatch(e.Error.Message)
	want := local.EstimateTokens(paperText() + sys + user)
	if m == nil || m[1] != itoa(want) || m[2] != "500" {
		t.Errorf("message %q, want prompt is too long: %d tokens > 500 maximum", e.Error.Message, want)
	}
	// A short request fits.
	if r := post(t, url, "/v1/messages", obj{"model": sonnet, "max_tokens": 10, "messages": []any{obj{"role": "user", "content": "Hi"}}}); r.status != 200 {
		t.Errorf("short request: %d", r.status)
	}

	r := post(t, url, "/v1/chat/completions", chatBody("gpt-4o", paperText(), sys, user))
	var ce chatErr
	strict(t, r.body, &ce)
	if r.status != 400 || ce.Error.Code == nil || *ce.Error.Code != "context_length_exceeded" ||
		!strings.Contains(ce.Error.Message, "maximum context length is 500 tokens") {
		t.Errorf("chat: %d %s", r.status, r.body)
	}
}

func TestTemperatureRejection(t *testing.T) {
	_, url := start(t, fakeupstream.Config{})
	body := func(model string, temp any) obj {
		b := obj{"model": model, "max_tokens": 50, "messages": []any{obj{"role": "user", "content": "Hi"}}}
		if temp != nil {
			b["temperature"] = temp
		}
		return b
	}
	e := anthropicError(t, post(t, url, "/v1/messages", body("claude-opus-4-7", 0.2)), 400, "invalid_request_error")
	if e.Error.Message != "temperature is not supported for this model" {
		t.Errorf("message %q", e.Error.Message)
	}
	for _, b := range []obj{body("claude-opus-4-7", nil), body(sonnet, 0.2)} {
		if r := post(t, url, "/v1/messages", b); r.status != 200 {
			t.Errorf("%v: %d %s", b, r.status, r.body)
		}
	}
	_, url2 := start(t, fakeupstream.Config{Faults: fakeupstream.Faults{RejectTemperatureModels: []string{}}})
	if r := post(t, url2, "/v1/messages", body("claude-opus-4-7", 0.2)); r.status != 200 {
		t.Errorf("empty RejectTemperatureModels still rejects: %d", r.status)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
