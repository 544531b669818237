package anthropic

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/ingest"
	"github.com/papersum/papersum/llm/llmtest/fakeupstream"
	"github.com/papersum/papersum/llm/local"
	"github.com/papersum/papersum/pipeline"
)

// The tests in this file run the adapter against llmtest/fakeupstream, the
// project's wire-faithful fake of the Anthropic API: strict request
// validation, real prompt-cache accounting, faults and batches.

// headerTransport adds fixed headers to every request: how a test forces a
// fault of the fake (fakeupstream.ForceHeader) through the adapter.
type headerTransport struct {
	headers map[string]string
	base    http.RoundTripper
}

func (h headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	for k, v := range h.headers {
		r.Header.Set(k, v)
	}
	return h.base.RoundTrip(r)
}

// fake starts a fake upstream and returns it with a Client on it whose
// requests carry headers (key, value, ...).
func fake(t *testing.T, cfg fakeupstream.Config, headers ...string) (*fakeupstream.Server, *Client) {
	t.Helper()
	s := fakeupstream.New(cfg)
	url, stop := s.Start()
	t.Cleanup(stop)
	h := map[string]string{}
	for i := 0; i+1 < len(headers); i += 2 {
		h[headers[i]] = headers[i+1]
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	c, err := New(Config{APIKey: testKey, BaseURL: url, Capabilities: testCaps,
		HTTPClient: &http.Client{Transport: headerTransport{headers: h, base: tr}}})
	if err != nil {
		t.Fatal(err)
	}
	return s, c
}

// samplePaper is the fake's sample paper as papersum sends it.
var samplePaper = sync.OnceValue(func() string {
	p, err := ingest.Parse(context.Background(), "paper.md", []byte(fakeupstream.SamplePaper()), ingest.Options{})
	if err != nil {
		panic(err)
	}
	return p.Text()
})

// stageRequest renders the pipeline's real prompt for stage into a request
// in the layout of a run.
func stageRequest(t *testing.T, stage papersum.Stage, ttl, draft string, crit *papersum.Critique) *papersum.Request {
	t.Helper()
	pr, err := pipeline.DefaultPrompts()
	if err != nil {
		t.Fatal(err)
	}
	sys, user, err := pr[stage].Render(pipeline.PromptData{Title: "Adaptive Block Sparse Attention for Long Scientific Documents",
		TargetWords: 120, MaxWords: pipeline.MaxWords(120), Draft: draft, Critique: crit})
	if err != nil {
		t.Fatal(err)
	}
	return &papersum.Request{Model: "claude-sonnet-4-5", System: sys, Prompt: user, MaxTokens: 1024,
		Paper: &papersum.Document{Text: samplePaper(), Cacheable: true, CacheTTL: ttl},
		Task:  papersum.Task{Stage: stage}}
}

// TestFakeThreeStages runs summarize, critique and revise through the
// adapter and checks that the first stage writes the paper to the cache
// and the later two read it: the point of the request layout.
func TestFakeThreeStages(t *testing.T) {
	for _, ttl := range []string{"5m", "1h"} {
		t.Run(ttl, func(t *testing.T) {
			_, c := fake(t, fakeupstream.Config{APIKey: testKey})
			ctx := background(t)
			paper := local.EstimateTokens(samplePaper())

			r1, err := c.Generate(ctx, stageRequest(t, papersum.StageSummarize, ttl, "", nil))
			if err != nil {
				t.Fatal(err)
			}
			draft, err := pipeline.ExtractSummary(papersum.StageSummarize, pipeline.TagSummary, r1.Text)
			if err != nil {
				t.Fatalf("summary: %v\n%s", err, r1.Text)
			}
			want := papersum.Usage{CacheCreation5mTokens: paper}
			if ttl == "1h" {
				want = papersum.Usage{CacheCreation1hTokens: paper}
			}
			u := r1.Usage
			if u.CacheCreation5mTokens != want.CacheCreation5mTokens || u.CacheCreation1hTokens != want.CacheCreation1hTokens ||
				u.CacheReadTokens != 0 || u.InputTokens == 0 || u.OutputTokens == 0 {
				t.Errorf("summarize usage %+v, want %d paper tokens written at %s", u, paper, ttl)
			}
			if r1.Provider != ProviderName || r1.Model != "claude-sonnet-4-5" || r1.StopReason != papersum.StopEnd {
				t.Errorf("summarize response %+v", r1)
			}

			r2, err := c.Generate(ctx, stageRequest(t, papersum.StageCritique, ttl, draft, nil))
			if err != nil {
				t.Fatal(err)
			}
			crit, err := pipeline.ExtractCritique(r2.Text)
			if err != nil {
				t.Fatalf("critique: %v\n%s", err, r2.Text)
			}
			r3, err := c.Generate(ctx, stageRequest(t, papersum.StageRevise, ttl, draft, crit))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := pipeline.ExtractSummary(papersum.StageRevise, pipeline.TagRevisedSummary, r3.Text); err != nil {
				t.Fatalf("revise: %v\n%s", err, r3.Text)
			}
			for i, r := range []*papersum.Response{r2, r3} {
				if r.Usage.CacheReadTokens != paper || r.Usage.CacheCreation5mTokens+r.Usage.CacheCreation1hTokens != 0 {
					t.Errorf("stage %d usage %+v, want the %d paper tokens read from cache", i+2, r.Usage, paper)
				}
			}
		})
	}
}

// TestFakeFaults forces each of the fake's faults and checks the class the
// adapter gives it.
func TestFakeFaults(t *testing.T) {
	for _, tc := range []struct {
		fault      fakeupstream.Fault
		timeout    time.Duration
		class      papersum.Class
		status     int
		retryAfter float64
		stop       papersum.StopReason // for faults that answer 200
	}{
		{fault: fakeupstream.FaultRateLimit, class: papersum.ClassRateLimit, status: 429, retryAfter: 2},
		{fault: fakeupstream.FaultOverloaded, class: papersum.ClassOverloaded, status: 529},
		{fault: fakeupstream.FaultServer, class: papersum.ClassServer, status: 500},
		{fault: fakeupstream.FaultUnavailable, class: papersum.ClassOverloaded, status: 503},
		{fault: fakeupstream.FaultHang, timeout: 100 * time.Millisecond, class: papersum.ClassTimeout},
		{fault: fakeupstream.FaultReset, class: papersum.ClassConnection},
		{fault: fakeupstream.FaultTemperature, class: papersum.ClassInvalidRequest, status: 400},
		{fault: fakeupstream.FaultAuth, class: papersum.ClassAuth, status: 401},
		{fault: fakeupstream.FaultContext, class: papersum.ClassContextTooLarge, status: 400},
		{fault: fakeupstream.FaultMalformed, stop: papersum.StopEnd},
		{fault: fakeupstream.FaultTruncate, stop: papersum.StopMaxTokens},
		{fault: fakeupstream.FaultNone, stop: papersum.StopEnd},
	} {
		t.Run(string(tc.fault), func(t *testing.T) {
			s, c := fake(t, fakeupstream.Config{}, fakeupstream.ForceHeader, string(tc.fault))
			req := stageRequest(t, papersum.StageSummarize, "5m", "", nil)
			req.Timeout = tc.timeout
			resp, err := c.Generate(background(t), req)
			if n := s.Stats().Requests[fakeupstream.EndpointMessages]; n != 1 {
				t.Errorf("%d requests reached the fake, want 1", n)
			}
			if tc.class == "" {
				if err != nil || resp.StopReason != tc.stop {
					t.Fatalf("got %+v, %v; want stop %q", resp, err, tc.stop)
				}
				return
			}
			var pe *papersum.ProviderError
			if !errors.As(err, &pe) {
				t.Fatalf("got %v", err)
			}
			if pe.Class != tc.class || pe.Status != tc.status || pe.RetryAfterSeconds != tc.retryAfter {
				t.Errorf("class %q status %d retry-after %v; want %q %d %v (%v)", pe.Class, pe.Status, pe.RetryAfterSeconds,
					tc.class, tc.status, tc.retryAfter, err)
			}
		})
	}
}

// TestFakeTemperature checks against the fake's model rules that a
// temperature reaches a model that takes one and is dropped for one that
// rejects it (the fake answers 400 if it arrives).
func TestFakeTemperature(t *testing.T) {
	for _, model := range []string{"claude-sonnet-4-5", "claude-opus-4-7", "claude-opus-4-7-unknown-snapshot"} {
		_, c := fake(t, fakeupstream.Config{})
		req := stageRequest(t, papersum.StageSummarize, "", "", nil)
		req.Model = model
		req.Temperature = ptr(0.2)
		if _, err := c.Generate(background(t), req); err != nil {
			t.Errorf("%s: %v", model, err)
		}
	}
}

func TestFakeAuth(t *testing.T) {
	_, c := fake(t, fakeupstream.Config{APIKey: "sk-ant-other"})
	_, err := c.Generate(background(t), stageRequest(t, papersum.StageSummarize, "", "", nil))
	var pe *papersum.ProviderError
	if !errors.As(err, &pe) || pe.Class != papersum.ClassAuth || pe.Status != 401 || pe.Retryable() {
		t.Errorf("got %v", err)
	}
}

// TestFakeBatch runs a batch through the fake: two stages of a run, an
// overloaded item, an expired one and a canceled one.
func TestFakeBatch(t *testing.T) {
	clock := &stepClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	s, c := fake(t, fakeupstream.Config{Clock: clock, BatchProcessingDelay: time.Hour},
		fakeupstream.BatchFaultsHeader, "busy=529,late=expired,stopped=canceled")
	ctx := background(t)
	sum := stageRequest(t, papersum.StageSummarize, "5m", "", nil)
	crit := stageRequest(t, papersum.StageCritique, "5m", "ABSA uses 61% less memory than full attention.", nil)
	id, err := c.SubmitBatch(ctx, []papersum.MessageBatchRequest{
		{CustomID: "run1-summarize", Request: sum},
		{CustomID: "run1-critique", Request: crit},
		{CustomID: "busy", Request: sum},
		{CustomID: "late", Request: sum},
		{CustomID: "stopped", Request: sum},
	})
	if err != nil {
		t.Fatal(err)
	}
	st, err := c.BatchStatus(ctx, id)
	if err != nil || st.Ended || st.Processing != 5 || st.ID != id {
		t.Fatalf("status %+v, %v", st, err)
	}
	if _, err := c.BatchResults(ctx, id); papersum.ClassOf(err) != papersum.ClassInvalidRequest {
		t.Errorf("results of a batch in progress: %v", err)
	}
	clock.advance(time.Hour)
	st, err = c.BatchStatus(ctx, id)
	if err != nil || st != (papersum.MessageBatchStatus{ID: id, Ended: true, Succeeded: 2, Errored: 1, Expired: 1, Canceled: 1}) {
		t.Fatalf("status %+v, %v", st, err)
	}
	res, err := c.BatchResults(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]papersum.MessageBatchResult{}
	for _, r := range res {
		byID[r.CustomID] = r
	}
	if len(byID) != 5 {
		t.Fatalf("results %+v", res)
	}
	paper := local.EstimateTokens(samplePaper())
	if r := byID["run1-summarize"]; r.Err != nil || r.Response.Usage.CacheCreation5mTokens != paper {
		t.Errorf("summarize %+v", r)
	} else if _, err := pipeline.ExtractSummary(papersum.StageSummarize, pipeline.TagSummary, r.Response.Text); err != nil {
		t.Error(err)
	}
	if r := byID["run1-critique"]; r.Err != nil || r.Response.Usage.CacheReadTokens != paper {
		t.Errorf("critique %+v", r)
	}
	for id, class := range map[string]papersum.Class{"busy": papersum.ClassOverloaded, "late": papersum.ClassServer, "stopped": papersum.ClassInvalidRequest} {
		if got := papersum.ClassOf(byID[id].Err); got != class {
			t.Errorf("%s: class %q, want %q (%v)", id, got, class, byID[id].Err)
		}
	}
	if n := s.Stats().Requests[fakeupstream.EndpointBatchCreate]; n != 1 {
		t.Errorf("%d batch creations", n)
	}
}

// stepClock is a papersum.Clock that moves only when told.
type stepClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *stepClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}
