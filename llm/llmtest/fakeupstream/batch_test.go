package fakeupstream_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/llm/llmtest/fakeupstream"
	"github.com/papersum/papersum/llm/local"
	"github.com/papersum/papersum/pipeline"
)

type batchResp struct {
	ID                string  `json:"id"`
	Type              string  `json:"type"`
	ProcessingStatus  string  `json:"processing_status"`
	EndedAt           *string `json:"ended_at"`
	CreatedAt         string  `json:"created_at"`
	ExpiresAt         string  `json:"expires_at"`
	ArchivedAt        *string `json:"archived_at"`
	CancelInitiatedAt *string `json:"cancel_initiated_at"`
	ResultsURL        *string `json:"results_url"`
	RequestCounts     struct {
		Processing int `json:"processing"`
		Succeeded  int `json:"succeeded"`
		Errored    int `json:"errored"`
		Canceled   int `json:"canceled"`
		Expired    int `json:"expired"`
	} `json:"request_counts"`
}

type resultLine struct {
	CustomID string `json:"custom_id"`
	Result   struct {
		Type    string          `json:"type"`
		Message json.RawMessage `json:"message"`
		Error   *errResp        `json:"error"`
	} `json:"result"`
}

func batchOf(t *testing.T, r result) batchResp {
	t.Helper()
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	var b batchResp
	strict(t, r.body, &b)
	return b
}

func results(t *testing.T, url, id string) []resultLine {
	t.Helper()
	r := get(t, url, "/v1/messages/batches/"+id+"/results")
	if r.status != 200 {
		t.Fatalf("results: %d %s", r.status, r.body)
	}
	var out []resultLine
	sc := bufio.NewScanner(bytes.NewReader(r.body))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var l resultLine
		strict(t, sc.Bytes(), &l)
		out = append(out, l)
	}
	return out
}

func TestBatchLifecycle(t *testing.T) {
	clock := newClock()
	s, url := start(t, fakeupstream.Config{Clock: clock, BatchProcessingDelay: time.Hour})
	sys, user := stagePrompts(t, papersum.StageSummarize, "", nil)
	sysC, userC := stagePrompts(t, papersum.StageCritique, "ABSA uses 61% less memory than full attention.", nil)
	reqs := []any{
		obj{"custom_id": "run1-summarize", "params": anthropicBody(sonnet, paperText(), "5m", sys, user, 1024)},
		obj{"custom_id": "run1-critique", "params": anthropicBody(sonnet, paperText(), "5m", sysC, userC, 1024)},
		obj{"custom_id": "overloaded", "params": anthropicBody(sonnet, paperText(), "5m", sys, user, 1024)},
		obj{"custom_id": "late", "params": anthropicBody(sonnet, paperText(), "5m", sys, user, 1024)},
		obj{"custom_id": "badmodel", "params": anthropicBody("gpt-4o", "p", "", sys, user, 1024)},
	}
	b := batchOf(t, post(t, url, "/v1/messages/batches", obj{"requests": reqs},
		fakeupstream.BatchFaultsHeader, "overloaded=529, late=expired"))
	if !strings.HasPrefix(b.ID, "msgbatch_") || b.Type != "message_batch" || b.ProcessingStatus != "in_progress" ||
		b.RequestCounts.Processing != 5 || b.ResultsURL != nil || b.EndedAt != nil || b.ArchivedAt != nil {
		t.Fatalf("created %+v", b)
	}
	created, _ := time.Parse(time.RFC3339Nano, b.CreatedAt)
	expires, _ := time.Parse(time.RFC3339Nano, b.ExpiresAt)
	if !created.Equal(clock.Now()) || expires.Sub(created) != 24*time.Hour {
		t.Errorf("created %s expires %s", b.CreatedAt, b.ExpiresAt)
	}
	anthropicError(t, get(t, url, "/v1/messages/batches/"+b.ID+"/results"), 400, "invalid_request_error")

	clock.Advance(59 * time.Minute)
	if b := batchOf(t, get(t, url, "/v1/messages/batches/"+b.ID)); b.ProcessingStatus != "in_progress" {
		t.Fatalf("ended early: %+v", b)
	}
	clock.Advance(time.Minute)
	b = batchOf(t, get(t, url, "/v1/messages/batches/"+b.ID))
	c := b.RequestCounts
	if b.ProcessingStatus != "ended" || c.Processing != 0 || c.Succeeded != 2 || c.Errored != 2 || c.Expired != 1 ||
		b.EndedAt == nil || b.ResultsURL == nil || *b.ResultsURL != url+"/v1/messages/batches/"+b.ID+"/results" {
		t.Fatalf("ended %+v", b)
	}

	lines := results(t, url, b.ID)
	if len(lines) != 5 {
		t.Fatalf("%d result lines", len(lines))
	}
	byID := map[string]resultLine{}
	for _, l := range lines {
		byID[l.CustomID] = l
	}
	var m1, m2 msgResp
	strict(t, byID["run1-summarize"].Result.Message, &m1)
	strict(t, byID["run1-critique"].Result.Message, &m2)
	if _, err := pipeline.ExtractSummary(papersum.StageSummarize, pipeline.TagSummary, m1.text()); err != nil {
		t.Error(err)
	}
	if _, err := pipeline.ExtractCritique(m2.text()); err != nil {
		t.Error(err)
	}
	paper := local.EstimateTokens(paperText())
	if m1.Usage.ServiceTier != "batch" || m1.Usage.CacheCreationInputTokens != paper || m2.Usage.CacheReadInputTokens != paper {
		t.Errorf("batch usage %+v / %+v", m1.Usage, m2.Usage)
	}
	if e := byID["overloaded"].Result; e.Type != "errored" || e.Error == nil || e.Error.Type != "error" || e.Error.Error.Type != "overloaded_error" {
		t.Errorf("overloaded item %+v", e)
	}
	if e := byID["badmodel"].Result; e.Type != "errored" || e.Error.Error.Type != "not_found_error" {
		t.Errorf("badmodel item %+v", e)
	}
	if e := byID["late"].Result; e.Type != "expired" || e.Message != nil || e.Error != nil {
		t.Errorf("late item %+v", e)
	}
	// Results do not change when fetched again.
	if again := results(t, url, b.ID); len(again) != 5 || string(again[0].Result.Message) != string(lines[0].Result.Message) {
		t.Error("results changed between fetches")
	}

	var list struct {
		Data    []batchResp `json:"data"`
		HasMore bool        `json:"has_more"`
		FirstID *string     `json:"first_id"`
		LastID  *string     `json:"last_id"`
	}
	r := get(t, url, "/v1/messages/batches?limit=10")
	strict(t, r.body, &list)
	if len(list.Data) != 1 || list.Data[0].ID != b.ID || list.HasMore || *list.FirstID != b.ID {
		t.Errorf("list %s", r.body)
	}
	st := s.Stats()
	if st.BatchItems != 5 || st.Requests[fakeupstream.EndpointBatchCreate] != 1 || st.Requests[fakeupstream.EndpointBatchResults] != 3 {
		t.Errorf("stats %+v", st)
	}
}

func TestBatchCancel(t *testing.T) {
	clock := newClock()
	_, url := start(t, fakeupstream.Config{Clock: clock, BatchProcessingDelay: time.Hour})
	body := obj{"model": sonnet, "max_tokens": 10, "messages": []any{obj{"role": "user", "content": "Hi"}}}
	b := batchOf(t, post(t, url, "/v1/messages/batches", obj{"requests": []any{obj{"custom_id": "a", "params": body}, obj{"custom_id": "b", "params": body}}}))
	b = batchOf(t, post(t, url, "/v1/messages/batches/"+b.ID+"/cancel", nil))
	if b.ProcessingStatus != "canceling" || b.CancelInitiatedAt == nil {
		t.Fatalf("cancel %+v", b)
	}
	b = batchOf(t, get(t, url, "/v1/messages/batches/"+b.ID))
	if b.ProcessingStatus != "ended" || b.RequestCounts.Canceled != 2 {
		t.Fatalf("after cancel %+v", b)
	}
	for _, l := range results(t, url, b.ID) {
		if l.Result.Type != "canceled" {
			t.Errorf("%s: %s", l.CustomID, l.Result.Type)
		}
	}
}

func TestBatchFaultsAndValidation(t *testing.T) {
	_, url := start(t, fakeupstream.Config{Faults: fakeupstream.Faults{Server500: 1, RejectTemperatureModels: []string{}}})
	body := obj{"model": sonnet, "max_tokens": 10, "messages": []any{obj{"role": "user", "content": "Hi"}}}
	one := func(id string) obj { return obj{"custom_id": id, "params": body} }

	// Random faults apply per item, in item order; with a rate of 1 every
	// item errors, and a reset item or a hang item maps as documented.
	b := batchOf(t, post(t, url, "/v1/messages/batches", obj{"requests": []any{one("a"), one("b"), one("c"), one("d")}},
		fakeupstream.BatchFaultsHeader, "b=reset,c=hang,d=none"))
	types := map[string]string{}
	for _, l := range results(t, url, b.ID) {
		types[l.CustomID] = l.Result.Type
		if l.CustomID == "a" && l.Result.Error.Error.Type != "api_error" {
			t.Errorf("a: %+v", l.Result.Error)
		}
	}
	if types["a"] != "errored" || types["b"] != "errored" || types["c"] != "expired" || types["d"] != "succeeded" {
		t.Errorf("types %v", types)
	}

	cases := []struct {
		name    string
		body    any
		headers []string
		status  int
		errType string
	}{
		{"duplicate custom_id", obj{"requests": []any{one("x"), one("x")}}, nil, 400, "invalid_request_error"},
		{"bad custom_id", obj{"requests": []any{one("has space")}}, nil, 400, "invalid_request_error"},
		{"no requests", obj{"requests": []any{}}, nil, 400, "invalid_request_error"},
		{"bad params", obj{"requests": []any{obj{"custom_id": "a", "params": obj{"model": sonnet}}}}, nil, 400, "invalid_request_error"},
		{"unknown field", obj{"requests": []any{one("a")}, "foo": 1}, nil, 400, "invalid_request_error"},
		{"forced 529 on the call", obj{"requests": []any{one("a")}}, []string{fakeupstream.ForceHeader, "529"}, 529, "overloaded_error"},
		{"bad batch faults header", obj{"requests": []any{one("a")}}, []string{fakeupstream.BatchFaultsHeader, "a=teapot"}, 400, "invalid_request_error"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			anthropicError(t, post(t, url, "/v1/messages/batches", tc.body, tc.headers...), tc.status, tc.errType)
		})
	}
	e := anthropicError(t, get(t, url, "/v1/messages/batches/msgbatch_nope"), 404, "not_found_error")
	if !strings.Contains(e.Error.Message, "msgbatch_nope") {
		t.Errorf("message %q", e.Error.Message)
	}
	anthropicError(t, get(t, url, "/v1/messages/batches/msgbatch_nope/results"), 404, "not_found_error")
	anthropicError(t, post(t, url, "/v1/messages/batches/msgbatch_nope/cancel", nil), 404, "not_found_error")
	anthropicError(t, get(t, url, "/v1/messages/batches/"+b.ID, fakeupstream.ForceHeader, "429"), 429, "rate_limit_error")
}
