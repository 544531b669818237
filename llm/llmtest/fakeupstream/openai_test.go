package fakeupstream_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/llm/llmtest/fakeupstream"
	"github.com/papersum/papersum/llm/local"
	"github.com/papersum/papersum/pipeline"
)

func chat(t *testing.T, url string, body any, headers ...string) chatResp {
	t.Helper()
	r := post(t, url, "/v1/chat/completions", body, headers...)
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	var c chatResp
	strict(t, r.body, &c)
	return c
}

func chatError(t *testing.T, r result, status int, errType string) chatErr {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	var e chatErr
	strict(t, r.body, &e)
	if e.Error.Type != errType || e.Error.Message == "" {
		t.Fatalf("error %+v, want type %s", e, errType)
	}
	return e
}

func TestChatWireShapeAndStages(t *testing.T) {
	clock := newClock()
	s, url := start(t, fakeupstream.Config{Clock: clock})
	sys, user := stagePrompts(t, papersum.StageSummarize, "", nil)
	c := chat(t, url, chatBody("gpt-4o", paperText(), sys, user))
	if !strings.HasPrefix(c.ID, "chatcmpl-") || c.Object != "chat.completion" || c.Created != clock.Now().Unix() || c.Model != "gpt-4o" {
		t.Errorf("envelope %+v", c)
	}
	if len(c.Choices) != 1 || c.Choices[0].Message.Role != "assistant" || c.Choices[0].FinishReason != "stop" || c.Choices[0].Index != 0 {
		t.Fatalf("choices %+v", c.Choices)
	}
	draft, err := pipeline.ExtractSummary(papersum.StageSummarize, pipeline.TagSummary, c.Choices[0].Message.Content)
	if err != nil {
		t.Fatal(err)
	}
	want := local.EstimateTokens(paperText() + "\n\n" + sys + user)
	u := c.Usage
	if u.PromptTokens != want || u.TotalTokens != u.PromptTokens+u.CompletionTokens || u.PromptTokensDetails.CachedTokens != 0 {
		t.Errorf("usage %+v, want prompt %d", u, want)
	}

	// Critique and revise share the system message (paper + stage system
	// text differs per stage, so the shared prefix is the paper); cached
	// tokens come in steps of 128 from 1024.
	sysC, userC := stagePrompts(t, papersum.StageCritique, draft, nil)
	c2 := chat(t, url, chatBody("gpt-4o", paperText(), sysC, userC))
	crit, err := pipeline.ExtractCritique(c2.Choices[0].Message.Content)
	if err != nil {
		t.Fatal(err)
	}
	cached := c2.Usage.PromptTokensDetails.CachedTokens
	paper := local.EstimateTokens(paperText())
	if cached < 1024 || (cached-1024)%128 != 0 || cached > paper || paper-cached >= 128 {
		t.Errorf("cached_tokens %d for a %d-token shared prefix", cached, paper)
	}
	sysR, userR := stagePrompts(t, papersum.StageRevise, draft, crit)
	c3 := chat(t, url, chatBody("gpt-4o", paperText(), sysR, userR))
	if _, err := pipeline.ExtractSummary(papersum.StageRevise, pipeline.TagRevisedSummary, c3.Choices[0].Message.Content); err != nil {
		t.Fatal(err)
	}
	// An identical request reads everything up to its last 128 boundary.
	c4 := chat(t, url, chatBody("gpt-4o", paperText(), sysR, userR))
	if got, total := c4.Usage.PromptTokensDetails.CachedTokens, c4.Usage.PromptTokens; total-got >= 128 || got > total {
		t.Errorf("identical request cached %d of %d", got, total)
	}
	// Expired after CacheTTL of inactivity.
	clock.Advance(6 * time.Minute)
	if c := chat(t, url, chatBody("gpt-4o", paperText(), sysR, userR)); c.Usage.PromptTokensDetails.CachedTokens != 0 {
		t.Errorf("cache outlived its TTL: %+v", c.Usage)
	}
	// Short prompts are never cached.
	short := chatBody("gpt-4o", "short paper", "sys", "user")
	chat(t, url, short)
	if c := chat(t, url, short); c.Usage.PromptTokensDetails.CachedTokens != 0 {
		t.Errorf("short prompt cached: %+v", c.Usage)
	}
	if st := s.Stats(); st.Requests[fakeupstream.EndpointChatCompletions] != 7 || st.CacheReads != 3 {
		t.Errorf("stats %+v", st)
	}
}

func TestChatParameters(t *testing.T) {
	_, url := start(t, fakeupstream.Config{})
	sys, user := stagePrompts(t, papersum.StageSummarize, "", nil)
	body := chatBody("gpt-4o", paperText(), sys, user)
	body["max_tokens"] = 12
	c := chat(t, url, body)
	if c.Choices[0].FinishReason != "length" || c.Usage.CompletionTokens != 12 {
		t.Errorf("max_tokens: %s %d", c.Choices[0].FinishReason, c.Usage.CompletionTokens)
	}
	delete(body, "max_tokens")
	body["max_completion_tokens"] = 7
	if c := chat(t, url, body); c.Choices[0].FinishReason != "length" || c.Usage.CompletionTokens != 7 {
		t.Errorf("max_completion_tokens: %s %d", c.Choices[0].FinishReason, c.Usage.CompletionTokens)
	}
	// Content as parts, paper as its own part.
	parts := obj{"model": "gpt-4o", "messages": []any{
		obj{"role": "system", "content": sys},
		obj{"role": "user", "content": []any{obj{"type": "text", "text": paperText()}, obj{"type": "text", "text": user}}}}}
	c = chat(t, url, parts)
	if _, err := pipeline.ExtractSummary(papersum.StageSummarize, pipeline.TagSummary, c.Choices[0].Message.Content); err != nil {
		t.Errorf("parts: %v", err)
	}

	e := chatError(t, post(t, url, "/v1/chat/completions", obj{"model": "o3-mini", "max_tokens": 5,
		"messages": []any{obj{"role": "user", "content": "hi"}}}), 400, "invalid_request_error")
	if e.Error.Code == nil || *e.Error.Code != "unsupported_parameter" || e.Error.Param == nil || *e.Error.Param != "max_tokens" {
		t.Errorf("reasoning model max_tokens: %+v", e)
	}
	e = chatError(t, post(t, url, "/v1/chat/completions", obj{"model": "gpt-4o", "temperature": 0.3,
		"messages": []any{obj{"role": "user", "content": "hi"}}}, fakeupstream.ForceHeader, "temperature"), 400, "invalid_request_error")
	if !strings.Contains(e.Error.Message, "'temperature' does not support 0.3") {
		t.Errorf("temperature: %q", e.Error.Message)
	}
	chatError(t, post(t, url, "/v1/chat/completions", obj{"model": "gpt-4o", "messages": []any{obj{"role": "robot", "content": "hi"}}}), 400, "invalid_request_error")
	chatError(t, post(t, url, "/v1/chat/completions", obj{"model": "gpt-4o", "messages": []any{}}), 400, "invalid_request_error")
	chatError(t, post(t, url, "/v1/chat/completions", obj{"messages": []any{obj{"role": "user", "content": "hi"}}}), 400, "invalid_request_error")
	chatError(t, post(t, url, "/v1/chat/nothing", obj{}), 404, "invalid_request_error")
}

func TestForcedFaultsOpenAI(t *testing.T) {
	_, url := start(t, fakeupstream.Config{Faults: fakeupstream.Faults{RetryAfter: 3 * time.Second}})
	sys, user := stagePrompts(t, papersum.StageSummarize, "", nil)
	body := chatBody("gpt-4o", paperText(), sys, user)
	cases := []struct {
		fault   fakeupstream.Fault
		status  int
		errType string
		code    string
	}{
		{fakeupstream.FaultRateLimit, 429, "requests", "rate_limit_exceeded"},
		{fakeupstream.FaultOverloaded, 503, "server_error", ""},
		{fakeupstream.FaultServer, 500, "server_error", ""},
		{fakeupstream.FaultUnavailable, 503, "server_error", ""},
		{fakeupstream.FaultAuth, 401, "invalid_request_error", "invalid_api_key"},
		{fakeupstream.FaultContext, 400, "invalid_request_error", "context_length_exceeded"},
	}
	for _, tc := range cases {
		r := post(t, url, "/v1/chat/completions", body, fakeupstream.ForceHeader, string(tc.fault))
		e := chatError(t, r, tc.status, tc.errType)
		if (tc.code == "") != (e.Error.Code == nil) || (e.Error.Code != nil && *e.Error.Code != tc.code) {
			t.Errorf("%s: code %v, want %q", tc.fault, e.Error.Code, tc.code)
		}
		if tc.fault == fakeupstream.FaultRateLimit && (r.header.Get("retry-after") != "3" || r.header.Get("retry-after-ms") != "3000") {
			t.Errorf("retry-after headers %v", r.header)
		}
		if r.header.Get("x-request-id") == "" {
			t.Errorf("%s: no x-request-id", tc.fault)
		}
	}
	c := chat(t, url, body, fakeupstream.ForceHeader, "truncate")
	if c.Choices[0].FinishReason != "length" {
		t.Errorf("truncate: %s", c.Choices[0].FinishReason)
	}
	c = chat(t, url, body, fakeupstream.ForceHeader, "malformed")
	if _, err := pipeline.ExtractSummary(papersum.StageSummarize, pipeline.TagSummary, c.Choices[0].Message.Content); err == nil {
		t.Errorf("malformed reply parses: %q", c.Choices[0].Message.Content)
	}
	if _, err := doErr(context.Background(), http.MethodPost, url+"/v1/chat/completions", body, fakeupstream.ForceHeader, "reset"); err == nil {
		t.Error("reset: no error")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := doErr(ctx, http.MethodPost, url+"/v1/chat/completions", body, fakeupstream.ForceHeader, "hang"); err == nil {
		t.Error("hang: no error")
	}
}
