package llmtest

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/ingest"
	"github.com/papersum/papersum/llm/llmtest/fakeupstream"
	"github.com/papersum/papersum/pipeline"
)

// Options tune Exercise to the adapter under test. The zero Options suit an
// adapter of the Anthropic Messages API without prompt caching.
type Options struct {
	// Model is the model name of ordinary calls. Default
	// "claude-sonnet-4-5", whose minimum cacheable length (1024 tokens)
	// the suite's paper exceeds.
	Model string
	// TemperatureRejectingModel is a model the fake rejects temperature
	// for. Default "claude-opus-4-7" (see fakeupstream.Faults). The
	// invalid_request scenario sets a temperature on a request to it, so
	// the adapter under test must be configured to send it (an adapter
	// that drops temperatures for models it does not know fails the
	// scenario with a message saying so).
	TemperatureRejectingModel string
	// SupportsCaching says that the adapter marks the paper cacheable (or
	// the API caches automatically) and reports cache reads: the critique
	// and revise stages must then report CacheReadTokens > 0.
	SupportsCaching bool
	// Config is the base configuration of every fake the suite starts
	// (Seed, Latency, APIKey...). Each scenario sets its own Faults,
	// ContextWindow and, for the auth scenario, APIKey.
	Config fakeupstream.Config
	// Skip names scenarios to leave out (the names of the subtests, e.g.
	// "batch"), for an adapter that cannot support them. Say why where
	// the option is set.
	Skip []string
}

func (o Options) withDefaults() Options {
	if o.Model == "" {
		o.Model = "claude-sonnet-4-5"
	}
	if o.TemperatureRejectingModel == "" {
		o.TemperatureRejectingModel = "claude-opus-4-7"
	}
	return o
}

// suite is one run of Exercise.
type suite struct {
	newModel func(t *testing.T, baseURL string) papersum.Model
	opts     Options
}

// fake starts a fake upstream with cfg for the test and returns it with a
// model under test connected to it.
func (s *suite) fake(t *testing.T, cfg fakeupstream.Config) (*fakeupstream.Server, papersum.Model) {
	t.Helper()
	srv := fakeupstream.New(cfg)
	url, stop := srv.Start()
	t.Cleanup(stop)
	return srv, s.newModel(t, url)
}

// Exercise runs the conformance scenarios against the adapter that
// newModel builds for a fake upstream at baseURL:
//
//   - stages: one call per stage; each reply follows its output contract
//     and reports usage that matches what the fake counted;
//   - caching: the three stages of a run share the paper's cache entry
//     (with SupportsCaching);
//   - errors: rate_limit (with RetryAfterSeconds), overloaded, server,
//     timeout (a request timeout and a caller deadline shorter than a
//     hang), connection (reset), auth, invalid_request (a rejected
//     temperature), context_too_large, and server for an empty 200 (a
//     malformed response body), each from exactly one request;
//   - truncated: a cut reply comes back as a Response with StopReason
//     StopMaxTokens, not as an error;
//   - malformed: a reply that breaks the contract comes back as it is;
//   - repair: a request with Turns is answered in the first turn's
//     contract;
//   - batch: when the model implements papersum.Batcher, a batch runs to
//     its results, and failed items carry classified errors.
func Exercise(t *testing.T, newModel func(t *testing.T, baseURL string) papersum.Model, opts Options) {
	s := &suite{newModel: newModel, opts: opts.withDefaults()}
	scenarios := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"stages", s.stages},
		{"caching", s.caching},
		{"errors", s.failures},
		{"truncated", s.truncated},
		{"malformed", s.malformed},
		{"repair", s.repair},
		{"batch", s.batch},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			if slices.Contains(s.opts.Skip, sc.name) {
				t.Skip("skipped by Options.Skip")
			}
			sc.run(t)
		})
	}
}

// paper is the suite's paper, ingested as papersum ingests it.
var paper = sync.OnceValues(func() (*papersum.Paper, error) {
	return ingest.Parse(context.Background(), "paper.md", []byte(fakeupstream.SamplePaper()), ingest.Options{})
})

// targetWords is the summary length the suite asks for.
const targetWords = 120

// request builds the request of stage exactly as the pipeline does.
func (s *suite) request(t *testing.T, stage papersum.Stage, draft string, crit *papersum.Critique) *papersum.Request {
	t.Helper()
	p, err := paper()
	if err != nil {
		t.Fatal(err)
	}
	prompts, err := pipeline.DefaultPrompts()
	if err != nil {
		t.Fatal(err)
	}
	system, user, err := prompts[stage].Render(pipeline.PromptData{Title: p.Title, TargetWords: targetWords,
		MaxWords: pipeline.MaxWords(targetWords), Draft: draft, Critique: crit})
	if err != nil {
		t.Fatal(err)
	}
	return &papersum.Request{
		Model: s.opts.Model, System: system, Prompt: user, MaxTokens: 1024,
		Paper: &papersum.Document{Text: p.Text(), Cacheable: true, CacheTTL: "5m"},
		Task:  papersum.Task{Stage: stage, Paper: p, TargetWords: targetWords, Draft: draft, Critique: crit},
	}
}

// generate calls m and fails the test on an error.
func generate(t *testing.T, m papersum.Model, req *papersum.Request) *papersum.Response {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := m.Generate(ctx, req)
	if err != nil {
		t.Fatalf("%s: %v", req.Task.Stage, err)
	}
	if resp == nil || resp.Text == "" {
		t.Fatalf("%s: empty response %+v", req.Task.Stage, resp)
	}
	return resp
}

// runStages runs the three stages on m and returns their responses.
func (s *suite) runStages(t *testing.T, m papersum.Model) []*papersum.Response {
	t.Helper()
	r1 := generate(t, m, s.request(t, papersum.StageSummarize, "", nil))
	draft, err := pipeline.ExtractSummary(papersum.StageSummarize, pipeline.TagSummary, r1.Text)
	if err != nil {
		t.Fatalf("summarize reply: %v\n%s", err, r1.Text)
	}
	r2 := generate(t, m, s.request(t, papersum.StageCritique, draft, nil))
	crit, err := pipeline.ExtractCritique(r2.Text)
	if err != nil {
		t.Fatalf("critique reply: %v\n%s", err, r2.Text)
	}
	r3 := generate(t, m, s.request(t, papersum.StageRevise, draft, crit))
	if _, err := pipeline.ExtractSummary(papersum.StageRevise, pipeline.TagRevisedSummary, r3.Text); err != nil {
		t.Fatalf("revise reply: %v\n%s", err, r3.Text)
	}
	return []*papersum.Response{r1, r2, r3}
}

// stages checks one call per stage, stop reasons, names and usage.
func (s *suite) stages(t *testing.T) {
	srv, m := s.fake(t, s.opts.Config)
	resps := s.runStages(t, m)
	var sum papersum.Usage
	for i, r := range resps {
		if r.StopReason != papersum.StopEnd {
			t.Errorf("stage %d: StopReason %q, want %q", i+1, r.StopReason, papersum.StopEnd)
		}
		if r.Provider == "" || r.Model == "" {
			t.Errorf("stage %d: Provider %q Model %q; both must name who answered", i+1, r.Provider, r.Model)
		}
		if r.Usage.InputTokens <= 0 || r.Usage.OutputTokens <= 0 {
			t.Errorf("stage %d: usage %+v", i+1, r.Usage)
		}
		sum = sum.Add(r.Usage)
	}
	// The adapter reports exactly what the upstream counted.
	st := srv.Stats()
	if sum.InputTokens != st.InputTokens || sum.OutputTokens != st.OutputTokens ||
		sum.CacheReadTokens != st.CacheReadTokens || sum.CacheCreation5mTokens+sum.CacheCreation1hTokens != st.CacheWriteTokens {
		t.Errorf("reported usage %+v; the upstream counted input %d, output %d, cache read %d, cache write %d",
			sum, st.InputTokens, st.OutputTokens, st.CacheReadTokens, st.CacheWriteTokens)
	}
}

// caching checks that stages 2 and 3 read the paper from the cache.
func (s *suite) caching(t *testing.T) {
	if !s.opts.SupportsCaching {
		t.Skip("the adapter does not support prompt caching (Options.SupportsCaching)")
	}
	_, m := s.fake(t, s.opts.Config)
	resps := s.runStages(t, m)
	for i, r := range resps[1:] {
		if r.Usage.CacheReadTokens <= 0 {
			t.Errorf("stage %d: CacheReadTokens %d, want > 0 (usage %+v)", i+2, r.Usage.CacheReadTokens, r.Usage)
		}
	}
	if resps[0].Usage.CacheReadTokens != 0 {
		t.Errorf("stage 1 read %d tokens from an empty cache", resps[0].Usage.CacheReadTokens)
	}
}

// errorCase is one failure scenario.
type errorCase struct {
	name string
	// cfg changes the scenario's fake.
	cfg func(c *fakeupstream.Config)
	// req changes the request.
	req func(r *papersum.Request)
	// ctxTimeout, when set, is the caller's deadline.
	ctxTimeout time.Duration
	classes    []papersum.Class
	status     int
}

func (s *suite) failures(t *testing.T) {
	retryAfter := 1500 * time.Millisecond
	cases := []errorCase{
		{name: "rate_limit", cfg: func(c *fakeupstream.Config) { c.Faults.RateLimit429 = 1; c.Faults.RetryAfter = retryAfter },
			classes: []papersum.Class{papersum.ClassRateLimit}, status: 429},
		{name: "overloaded", cfg: func(c *fakeupstream.Config) { c.Faults.Overloaded529 = 1 },
			classes: []papersum.Class{papersum.ClassOverloaded}},
		{name: "server", cfg: func(c *fakeupstream.Config) { c.Faults.Server500 = 1 },
			classes: []papersum.Class{papersum.ClassServer}, status: 500},
		// 503 has no documented meaning at Anthropic; overloaded and
		// server are both retryable readings of it.
		{name: "unavailable", cfg: func(c *fakeupstream.Config) { c.Faults.Unavailable503 = 1 },
			classes: []papersum.Class{papersum.ClassOverloaded, papersum.ClassServer}, status: 503},
		{name: "timeout_request", cfg: func(c *fakeupstream.Config) { c.Faults.Hang = 1; c.Faults.HangMax = 20 * time.Second },
			req: func(r *papersum.Request) { r.Timeout = 300 * time.Millisecond }, classes: []papersum.Class{papersum.ClassTimeout}},
		{name: "timeout_caller", cfg: func(c *fakeupstream.Config) { c.Faults.Hang = 1; c.Faults.HangMax = 20 * time.Second },
			ctxTimeout: 300 * time.Millisecond, classes: []papersum.Class{papersum.ClassTimeout}},
		{name: "connection", cfg: func(c *fakeupstream.Config) { c.Faults.ConnectionReset = 1 },
			classes: []papersum.Class{papersum.ClassConnection}},
		{name: "auth", cfg: func(c *fakeupstream.Config) { c.APIKey = "llmtest-key-the-adapter-does-not-have" },
			classes: []papersum.Class{papersum.ClassAuth}, status: 401},
		{name: "invalid_request", req: func(r *papersum.Request) {
			r.Model = s.opts.TemperatureRejectingModel
			temp := 0.3
			r.Temperature = &temp
		}, classes: []papersum.Class{papersum.ClassInvalidRequest}, status: 400},
		{name: "context_too_large", cfg: func(c *fakeupstream.Config) { c.ContextWindow = 100 },
			classes: []papersum.Class{papersum.ClassContextTooLarge}, status: 400},
		// A 200 with an empty body and no Content-Type (a proxy, a server
		// dying mid-answer): the server's fault, retryable, never
		// invalid_request (which no layer retries).
		{name: "empty_body", cfg: func(c *fakeupstream.Config) { c.Script = []fakeupstream.Fault{fakeupstream.FaultEmptyBody} },
			classes: []papersum.Class{papersum.ClassServer}, status: 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := s.opts.Config
			cfg.Faults = fakeupstream.Faults{RejectTemperatureModels: []string{s.opts.TemperatureRejectingModel}}
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			srv, m := s.fake(t, cfg)
			req := s.request(t, papersum.StageSummarize, "", nil)
			if tc.req != nil {
				tc.req(req)
			}
			ctx := context.Background()
			if tc.ctxTimeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.ctxTimeout)
				defer cancel()
			}
			t0 := time.Now()
			resp, err := m.Generate(ctx, req)
			elapsed := time.Since(t0)
			if err == nil {
				if tc.name == "invalid_request" {
					t.Fatalf("no error; the adapter must send the temperature to %s for this scenario (configure its model capabilities so); response %+v",
						s.opts.TemperatureRejectingModel, resp)
				}
				t.Fatalf("no error; response %+v", resp)
			}
			// One layer owns retries: the adapter sends one request.
			defer func() {
				st := srv.Stats()
				if n := st.Requests[fakeupstream.EndpointMessages] + st.Requests[fakeupstream.EndpointChatCompletions]; n != 1 {
					t.Errorf("the upstream saw %d requests; adapters must turn SDK retries off", n)
				}
			}()
			var pe *papersum.ProviderError
			if tc.name == "timeout_caller" {
				// The caller's own deadline: the error must match it with
				// errors.Is, so the retry layer stops at once. Whether it
				// is also a ProviderError is the adapter's choice; if it
				// is, its class is timeout.
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("the caller's deadline error is not in the chain: %v", err)
				}
				if !errors.As(err, &pe) {
					return
				}
			}
			if !errors.As(err, &pe) {
				t.Fatalf("error %v (%T) is not a *papersum.ProviderError", err, err)
			}
			classes := tc.classes
			if tc.name == "overloaded" && srv.Stats().Requests[fakeupstream.EndpointChatCompletions] > 0 {
				// OpenAI has no 529: its overload is a 503, which may
				// read either way.
				classes = []papersum.Class{papersum.ClassOverloaded, papersum.ClassServer}
			}
			if !slices.Contains(classes, pe.Class) {
				t.Errorf("class %q, want one of %v (error: %v)", pe.Class, classes, err)
			}
			if tc.status != 0 && pe.Status != tc.status {
				t.Errorf("Status %d, want %d", pe.Status, tc.status)
			}
			if pe.Retryable() != slices.Contains([]papersum.Class{papersum.ClassRateLimit, papersum.ClassOverloaded,
				papersum.ClassServer, papersum.ClassTimeout, papersum.ClassConnection}, pe.Class) {
				t.Errorf("Retryable %v for class %s", pe.Retryable(), pe.Class)
			}
			if tc.name == "rate_limit" && (pe.RetryAfterSeconds < retryAfter.Seconds() || pe.RetryAfterSeconds > 2) {
				t.Errorf("RetryAfterSeconds %v; the upstream sent retry-after-ms 1500 and retry-after 2", pe.RetryAfterSeconds)
			}
			if (tc.name == "timeout_request" || tc.name == "timeout_caller") && elapsed > 10*time.Second {
				t.Errorf("the call took %v; the deadline was 300ms", elapsed)
			}
		})
	}
}

// truncated checks that a cut reply is a Response, not an error, both
// when max_tokens cuts it and when the upstream stops early.
func (s *suite) truncated(t *testing.T) {
	_, m := s.fake(t, s.opts.Config)
	req := s.request(t, papersum.StageSummarize, "", nil)
	req.MaxTokens = 16
	if r := generate(t, m, req); r.StopReason != papersum.StopMaxTokens {
		t.Errorf("max_tokens 16: StopReason %q, want %q", r.StopReason, papersum.StopMaxTokens)
	}
	cfg := s.opts.Config
	cfg.Faults = fakeupstream.Faults{Truncate: 1}
	_, m = s.fake(t, cfg)
	if r := generate(t, m, s.request(t, papersum.StageSummarize, "", nil)); r.StopReason != papersum.StopMaxTokens {
		t.Errorf("truncated reply: StopReason %q, want %q", r.StopReason, papersum.StopMaxTokens)
	}
}

// malformed checks that output breaking the contract is returned as it
// is: classifying it is the pipeline's job (ClassParse).
func (s *suite) malformed(t *testing.T) {
	cfg := s.opts.Config
	cfg.Faults = fakeupstream.Faults{MalformedXML: 1}
	_, m := s.fake(t, cfg)
	r := generate(t, m, s.request(t, papersum.StageSummarize, "", nil))
	if _, err := pipeline.ExtractSummary(papersum.StageSummarize, pipeline.TagSummary, r.Text); papersum.ClassOf(err) != papersum.ClassParse {
		t.Errorf("malformed reply %q parsed (err %v)", r.Text, err)
	}
	if r.StopReason != papersum.StopEnd {
		t.Errorf("StopReason %q", r.StopReason)
	}
}

// repair sends the turns the pipeline sends after a malformed answer.
func (s *suite) repair(t *testing.T) {
	_, m := s.fake(t, s.opts.Config)
	req := s.request(t, papersum.StageCritique, "ABSA is a sparse attention mechanism that uses 61% less memory than full attention.", nil)
	req.Turns = []papersum.Turn{
		{Role: papersum.RoleAssistant, Text: "The summary is accurate but leaves out the results."},
		{Role: papersum.RoleUser, Text: "Your answer did not follow the required form. Answer again in exactly the <critique> form and nothing else."},
	}
	r := generate(t, m, req)
	if _, err := pipeline.ExtractCritique(r.Text); err != nil {
		t.Errorf("repair reply: %v\n%s", err, r.Text)
	}
}

// batch runs a batch through a Batcher: three stage-1 requests succeed,
// and with every item overloaded each result carries a classified error.
func (s *suite) batch(t *testing.T) {
	_, m := s.fake(t, s.opts.Config)
	b, ok := m.(papersum.MessageBatcher)
	if !ok {
		t.Skip("the model does not implement papersum.Batcher")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ids := []string{"paper-1-summarize", "paper-2-summarize", "paper-3-summarize"}
	var reqs []papersum.MessageBatchRequest
	for _, id := range ids {
		reqs = append(reqs, papersum.MessageBatchRequest{CustomID: id, Request: s.request(t, papersum.StageSummarize, "", nil)})
	}
	results := runBatch(t, ctx, b, reqs)
	for _, id := range ids {
		r, ok := results[id]
		if !ok {
			t.Errorf("no result for %s", id)
			continue
		}
		if r.Err != nil || r.Response == nil {
			t.Errorf("%s: %v", id, r.Err)
			continue
		}
		if _, err := pipeline.ExtractSummary(papersum.StageSummarize, pipeline.TagSummary, r.Response.Text); err != nil {
			t.Errorf("%s: %v", id, err)
		}
	}

	cfg := s.opts.Config
	cfg.Faults = fakeupstream.Faults{Overloaded529: 1}
	_, m = s.fake(t, cfg)
	results = runBatch(t, ctx, m.(papersum.MessageBatcher), reqs[:1])
	if r := results[ids[0]]; r.Response != nil || papersum.ClassOf(r.Err) != papersum.ClassOverloaded {
		t.Errorf("overloaded item: response %v, error %v (class %q)", r.Response, r.Err, papersum.ClassOf(r.Err))
	}
}

// runBatch submits reqs, polls until the batch ends and returns its
// results by custom ID.
func runBatch(t *testing.T, ctx context.Context, b papersum.MessageBatcher, reqs []papersum.MessageBatchRequest) map[string]papersum.MessageBatchResult {
	t.Helper()
	id, err := b.SubmitBatch(ctx, reqs)
	if err != nil || id == "" {
		t.Fatalf("SubmitBatch: %q %v", id, err)
	}
	for {
		st, err := b.BatchStatus(ctx, id)
		if err != nil {
			t.Fatalf("BatchStatus: %v", err)
		}
		if st.Ended {
			if total := st.Succeeded + st.Errored + st.Canceled + st.Expired; total != len(reqs) || st.Processing != 0 {
				t.Errorf("ended status %+v for %d requests", st, len(reqs))
			}
			break
		}
		select {
		case <-ctx.Done():
			t.Fatal("batch did not end")
		case <-time.After(20 * time.Millisecond):
		}
	}
	res, err := b.BatchResults(ctx, id)
	if err != nil {
		t.Fatalf("BatchResults: %v", err)
	}
	out := map[string]papersum.MessageBatchResult{}
	for _, r := range res {
		out[r.CustomID] = r
	}
	if len(out) != len(reqs) {
		t.Errorf("%d results for %d requests", len(out), len(reqs))
	}
	return out
}
