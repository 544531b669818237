package anthropic

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/papersum/papersum"
)

// batchServer is a documented Message Batches API in miniature: create,
// retrieve (in_progress once, then ended) and JSONL results.
type batchServer struct {
	mu       sync.Mutex
	created  []byte // body of the create request
	gets     int
	results  string
	paths    []string
	messages [][]byte // bodies of POST /v1/messages
}

const batchObject = `{"id":"msgbatch_013Zva2CMHLNnXjNJJKqJ2EF","type":"message_batch","processing_status":%q,
  "request_counts":{"processing":%d,"succeeded":%d,"errored":%d,"canceled":%d,"expired":%d},
  "ended_at":null,"created_at":"2026-03-01T12:00:00.000000Z","expires_at":"2026-03-02T12:00:00.000000Z",
  "archived_at":null,"cancel_initiated_at":null,"results_url":null}`

func (s *batchServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.paths = append(s.paths, r.Method+" "+r.URL.Path)
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.Method == "POST" && r.URL.Path == "/v1/messages":
		s.messages = append(s.messages, body)
		io.WriteString(w, cannedMessage)
	case r.Method == "POST" && r.URL.Path == "/v1/messages/batches":
		s.created = body
		io.WriteString(w, fmt.Sprintf(batchObject, "in_progress", 5, 0, 0, 0, 0))
	case r.Method == "GET" && r.URL.Path == "/v1/messages/batches/msgbatch_013Zva2CMHLNnXjNJJKqJ2EF":
		s.gets++
		if s.gets == 1 {
			io.WriteString(w, fmt.Sprintf(batchObject, "in_progress", 5, 0, 0, 0, 0))
		} else {
			io.WriteString(w, fmt.Sprintf(batchObject, "ended", 0, 2, 1, 1, 1))
		}
	case r.Method == "GET" && r.URL.Path == "/v1/messages/batches/msgbatch_013Zva2CMHLNnXjNJJKqJ2EF/results":
		if s.gets < 2 {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, apiErrorBody("invalid_request_error", "Batch msgbatch_013Zva2CMHLNnXjNJJKqJ2EF has not ended"))
			return
		}
		w.Header().Set("Content-Type", "application/x-jsonl")
		io.WriteString(w, s.results)
	default:
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, apiErrorBody("not_found_error", "Not found"))
	}
}

// batchResults is a documented results file: one line per result type.
var batchResults = strings.Join([]string{
	`{"custom_id":"paper-1-summarize","result":{"type":"succeeded","message":` + compact(cannedMessage) + `}}`,
	`{"custom_id":"paper-2-summarize","result":{"type":"succeeded","message":{"id":"msg_2","type":"message","role":"assistant","model":"claude-haiku-4-5-20251001","content":[{"type":"text","text":"cut"}],"stop_reason":"max_tokens","stop_sequence":null,"usage":{"input_tokens":5,"output_tokens":9,"cache_creation_input_tokens":77,"cache_read_input_tokens":0}}}}`,
	`{"custom_id":"paper-3-summarize","result":{"type":"errored","error":{"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 250000 tokens > 200000 maximum"},"request_id":"req_3"}}}`,
	`{"custom_id":"paper-4-summarize","result":{"type":"errored","error":{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}}}`,
	`{"custom_id":"paper-5-summarize","result":{"type":"expired"}}`,
	`{"custom_id":"paper-6-summarize","result":{"type":"canceled"}}`,
	`{"custom_id":"paper-7-summarize","result":{"type":"reticulated"}}`,
}, "\n") + "\n"

func compact(s string) string {
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		panic(err)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func TestBatchLifecycle(t *testing.T) {
	srv := &batchServer{results: batchResults}
	c := serve(t, srv)
	ctx := background(t)

	reqs := []papersum.MessageBatchRequest{
		{CustomID: "paper-1-summarize", Request: baseRequest()},
		{CustomID: "paper-2-summarize", Request: func() *papersum.Request {
			r := baseRequest()
			r.Model = "claude-haiku-4-5"
			r.Temperature = ptr(0.5)
			r.Paper.CacheTTL = "1h"
			r.Turns = []papersum.Turn{{Role: papersum.RoleAssistant, Text: "<summary>"}, {Role: papersum.RoleUser, Text: "go on"}}
			return r
		}()},
	}
	reqs[0].Request.Temperature = ptr(0.3) // claude-sonnet-4-5 takes a temperature
	id, err := c.SubmitBatch(ctx, reqs)
	if err != nil {
		t.Fatal(err)
	}
	if id != "msgbatch_013Zva2CMHLNnXjNJJKqJ2EF" {
		t.Errorf("id %q", id)
	}

	// Each batch request's params are exactly what Generate sends.
	var created struct {
		Requests []struct {
			CustomID string          `json:"custom_id"`
			Params   json.RawMessage `json:"params"`
		} `json:"requests"`
	}
	if err := json.Unmarshal(srv.created, &created); err != nil {
		t.Fatalf("create body %s: %v", srv.created, err)
	}
	if len(created.Requests) != len(reqs) {
		t.Fatalf("%d requests in the batch, want %d", len(created.Requests), len(reqs))
	}
	for i, r := range reqs {
		if _, err := c.Generate(ctx, r.Request); err != nil {
			t.Fatal(err)
		}
		viaBatch, viaGenerate := jsonMap(t, created.Requests[i].Params), jsonMap(t, srv.messages[i])
		if len(viaBatch) < 4 {
			t.Fatalf("request %d: params %s", i, created.Requests[i].Params)
		}
		if created.Requests[i].CustomID != r.CustomID || !reflect.DeepEqual(viaBatch, viaGenerate) {
			t.Errorf("request %d: batch params\n%s\ndiffer from Generate's body\n%s", i, created.Requests[i].Params, srv.messages[i])
		}
	}
	if _, ok := jsonMap(t, created.Requests[1].Params)["temperature"]; ok {
		t.Error("temperature sent in a batch for a model without known support")
	}
	if jsonMap(t, created.Requests[0].Params)["temperature"] != 0.3 {
		t.Error("temperature missing in a batch for a model that takes one")
	}

	// Results before the end are refused by the API.
	if _, err := c.BatchResults(ctx, id); papersum.ClassOf(err) != papersum.ClassInvalidRequest {
		t.Errorf("results before the end: %v", err)
	}
	st, err := c.BatchStatus(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if st != (papersum.MessageBatchStatus{ID: id, Processing: 5}) {
		t.Errorf("status %+v", st)
	}
	st, err = c.BatchStatus(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if st != (papersum.MessageBatchStatus{ID: id, Ended: true, Succeeded: 2, Errored: 1, Canceled: 1, Expired: 1}) {
		t.Errorf("status %+v", st)
	}

	res, err := c.BatchResults(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 7 {
		t.Fatalf("%d results, want 7", len(res))
	}
	want := []struct {
		id        string
		class     papersum.Class
		retryable bool
		msg       string
	}{
		{id: "paper-1-summarize"},
		{id: "paper-2-summarize"},
		{"paper-3-summarize", papersum.ClassContextTooLarge, false, "prompt is too long"},
		{"paper-4-summarize", papersum.ClassOverloaded, true, "Overloaded"},
		{"paper-5-summarize", papersum.ClassServer, true, "expired"},
		{"paper-6-summarize", papersum.ClassInvalidRequest, false, "canceled"},
		{"paper-7-summarize", papersum.ClassServer, true, "reticulated"},
	}
	for i, w := range want {
		r := res[i]
		if r.CustomID != w.id {
			t.Errorf("result %d: id %q, want %q", i, r.CustomID, w.id)
		}
		if w.class == "" {
			if r.Err != nil || r.Response == nil {
				t.Errorf("%s: %+v", w.id, r)
			}
			continue
		}
		var pe *papersum.ProviderError
		if !errors.As(r.Err, &pe) || pe.Class != w.class || pe.Retryable() != w.retryable ||
			!strings.Contains(pe.Message, w.msg) || pe.Provider != ProviderName || r.Response != nil {
			t.Errorf("%s: %+v, want class %s with %q", w.id, r.Err, w.class, w.msg)
		}
	}
	r0 := res[0].Response
	if r0.Text != "<summary>Hello world</summary>" || r0.StopReason != papersum.StopEnd || r0.Model != "claude-sonnet-4-5-20250929" ||
		r0.Usage != (papersum.Usage{InputTokens: 12, OutputTokens: 7, CacheCreation5mTokens: 100, CacheCreation1hTokens: 200, CacheReadTokens: 40}) {
		t.Errorf("result 0: %+v", r0)
	}
	// Without the split, cache writes of a batch result count as 5m.
	r1 := res[1].Response
	if r1.StopReason != papersum.StopMaxTokens || r1.Usage != (papersum.Usage{InputTokens: 5, OutputTokens: 9, CacheCreation5mTokens: 77}) {
		t.Errorf("result 1: %+v", r1)
	}

	if _, err := c.BatchStatus(ctx, "msgbatch_nope"); papersum.ClassOf(err) != papersum.ClassInvalidRequest {
		t.Errorf("unknown batch: %v", err)
	}
}

func TestSubmitBatchValidates(t *testing.T) {
	ok := func(id string) papersum.MessageBatchRequest {
		return papersum.MessageBatchRequest{CustomID: id, Request: baseRequest()}
	}
	bad := baseRequest()
	bad.Prompt = ""
	for name, reqs := range map[string][]papersum.MessageBatchRequest{
		"empty":           nil,
		"no custom ID":    {ok("")},
		"bad custom ID":   {ok("a b")},
		"long custom ID":  {ok(strings.Repeat("x", 65))},
		"repeated ID":     {ok("a"), ok("b"), ok("a")},
		"invalid request": {ok("a"), {CustomID: "b", Request: bad}},
		"nil request":     {{CustomID: "a"}},
	} {
		t.Run(name, func(t *testing.T) {
			rec := &recorder{answer: jsonAnswer(200, "{}")}
			c := serve(t, rec)
			_, err := c.SubmitBatch(background(t), reqs)
			if papersum.ClassOf(err) != papersum.ClassInvalidRequest || rec.count() != 0 {
				t.Errorf("err %v after %d requests", err, rec.count())
			}
		})
	}
	c := serve(t, &recorder{answer: jsonAnswer(200, "{}")})
	for _, f := range []func() error{
		func() error { _, err := c.BatchStatus(background(t), ""); return err },
		func() error { _, err := c.BatchResults(background(t), ""); return err },
	} {
		if papersum.ClassOf(f()) != papersum.ClassInvalidRequest {
			t.Error("empty batch ID accepted")
		}
	}
}

func TestBatchErrors(t *testing.T) {
	t.Run("create rate limited", func(t *testing.T) {
		rec := &recorder{answer: jsonAnswer(429, apiErrorBody("rate_limit_error", "slow down"), "retry-after", "4")}
		c := serve(t, rec)
		_, err := c.SubmitBatch(background(t), []papersum.MessageBatchRequest{{CustomID: "a", Request: baseRequest()}})
		var pe *papersum.ProviderError
		if !errors.As(err, &pe) || pe.Class != papersum.ClassRateLimit || pe.RetryAfterSeconds != 4 || pe.Model != "claude-sonnet-4-5" || rec.count() != 1 {
			t.Errorf("got %v after %d requests", err, rec.count())
		}
	})
	t.Run("malformed results line", func(t *testing.T) {
		srv := &batchServer{results: `{"custom_id":"a","result":{"type":"expired"}}` + "\n{not json\n", gets: 2}
		c := serve(t, srv)
		_, err := c.BatchResults(background(t), "msgbatch_013Zva2CMHLNnXjNJJKqJ2EF")
		if papersum.ClassOf(err) != papersum.ClassServer {
			t.Errorf("got %v", err)
		}
	})
	t.Run("malformed succeeded message", func(t *testing.T) {
		srv := &batchServer{results: `{"custom_id":"a","result":{"type":"succeeded","message":{"hello":1}}}` + "\n", gets: 2}
		c := serve(t, srv)
		res, err := c.BatchResults(background(t), "msgbatch_013Zva2CMHLNnXjNJJKqJ2EF")
		if err != nil || len(res) != 1 || papersum.ClassOf(res[0].Err) != papersum.ClassServer {
			t.Errorf("got %+v, %v", res, err)
		}
	})
	t.Run("empty results", func(t *testing.T) {
		srv := &batchServer{results: "", gets: 2}
		c := serve(t, srv)
		res, err := c.BatchResults(background(t), "msgbatch_013Zva2CMHLNnXjNJJKqJ2EF")
		if err != nil || len(res) != 0 {
			t.Errorf("got %+v, %v", res, err)
		}
	})
}

func jsonMap(t *testing.T, raw []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}
