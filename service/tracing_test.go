package service

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/httpapi"
	"github.com/papersum/papersum/llm/local"
	"github.com/papersum/papersum/pipeline"
	"github.com/papersum/papersum/queue"
	"github.com/papersum/papersum/ratelimit"
	"github.com/papersum/papersum/sqlite"
	"github.com/papersum/papersum/telemetry"
)

// TestOneTracePerRunAcrossTheQueue submits a paper over HTTP and lets a
// queue worker run it: the HTTP server span, the submission, the job, the
// run, its stages, the model calls and the store commits form one trace,
// each span a child of the one that caused it, the job joining the
// request's trace through the traceparent stored in its args.
func TestOneTracePerRunAcrossTheQueue(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "s.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	model := telemetry.NewGenAIModel(local.New(local.Config{}), telemetry.GenAIConfig{Provider: "papersum.local", TracerProvider: tp})
	stages := map[papersum.Stage]pipeline.StageModel{}
	for _, s := range papersum.Stages {
		stages[s] = pipeline.StageModel{Provider: "local", Model: "local", Client: model, MaxTokens: 1024}
	}
	runner, err := pipeline.NewRunner(pipeline.RunnerConfig{Stages: stages, Store: store, Pricer: freePricer{}, ConfigHash: "cfg", TracerProvider: tp})
	if err != nil {
		t.Fatal(err)
	}
	var svc *Service
	q, err := queue.New(ctx, queue.Config{Driver: queue.SQLite(store.SQL()), Workers: 2, TracerProvider: tp,
		Handler: func(ctx context.Context, id string) error { return svc.Work(ctx, id) }})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	jobs, err := queue.JobsOf[*sql.Tx](q)
	if err != nil {
		t.Fatal(err)
	}
	if svc, err = New(Config{Store: store, Submissions: papersum.BindJobs(store, jobs), Queue: q,
		Runners: map[string]*pipeline.Runner{"": runner}, WaitPoll: 20 * time.Millisecond, TracerProvider: tp}); err != nil {
		t.Fatal(err)
	}
	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = q.Stop(sctx)
		svc.Close()
	})
	lim, err := ratelimit.NewMemory(ratelimit.MemoryConfig{Limits: func(string) ratelimit.Limits { return ratelimit.Limits{} }})
	if err != nil {
		t.Fatal(err)
	}
	api, err := httpapi.NewServer(httpapi.Deps{Summaries: svc, Batches: svc, Deliveries: svc, Auth: teamAuth{}, Limiter: lim,
		Readiness: func(context.Context) []httpapi.Check { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(otelhttp.NewHandler(api, "papersum.http", otelhttp.WithTracerProvider(tp)))
	t.Cleanup(srv.Close)

	req, _ := http.NewRequest("POST", srv.URL+"/api/v1/summaries", strings.NewReader(paper(7)))
	req.Header.Set("Content-Type", "text/plain")
	req.Header.Set("Authorization", "Bearer team-a")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var sub struct {
		ID string `json:"id"`
	}
	err = json.NewDecoder(resp.Body).Decode(&sub)
	resp.Body.Close()
	if err != nil || resp.StatusCode/100 != 2 || sub.ID == "" {
		t.Fatalf("submit: status %d, %+v, %v", resp.StatusCode, sub, err)
	}
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	run, err := svc.Wait(wctx, sub.ID)
	if err != nil || run.Status != papersum.RunSucceeded {
		t.Fatalf("run: %+v, %v", run, err)
	}
	// The job's span ends after Work returns: wait for it.
	spans := waitSpans(t, exp, queue.SpanWork)

	byName := map[string][]tracetest.SpanStub{}
	byID := map[trace.SpanID]tracetest.SpanStub{}
	for _, s := range spans {
		byName[s.Name] = append(byName[s.Name], s)
		byID[s.SpanContext.SpanID()] = s
	}
	one := func(name string) tracetest.SpanStub {
		t.Helper()
		if len(byName[name]) != 1 {
			names := make([]string, 0, len(spans))
			for _, s := range spans {
				names = append(names, s.Name)
			}
			t.Fatalf("want one span %q, got %d; spans: %v", name, len(byName[name]), names)
		}
		return byName[name][0]
	}
	parentOf := func(s tracetest.SpanStub) string {
		p, ok := byID[s.Parent.SpanID()]
		if !ok {
			return ""
		}
		return p.Name
	}
	root := byName["POST"]
	if len(root) == 0 {
		root = byName["papersum.http"]
	}
	if len(root) != 1 || root[0].SpanKind != trace.SpanKindServer {
		t.Fatalf("want one HTTP server span, got %+v", root)
	}
	traceID := root[0].SpanContext.TraceID()
	for _, s := range spans {
		if s.SpanContext.TraceID() != traceID {
			// Every span of the run is in the request's trace.
			t.Errorf("span %q is in trace %s, not the request's %s", s.Name, s.SpanContext.TraceID(), traceID)
		}
	}
	for child, parent := range map[string]string{
		SpanSubmit:                               root[0].Name,
		SpanIngest:                               SpanSubmit,
		SpanCommit:                               SpanSubmit,
		queue.SpanWork:                           SpanCommit,
		pipeline.SpanRun:                         queue.SpanWork,
		pipeline.SpanStage + " summarize":        pipeline.SpanRun,
		pipeline.SpanStage + " critique":         pipeline.SpanRun,
		pipeline.SpanStage + " revise":           pipeline.SpanRun,
		pipeline.SpanStoreCommit + " finish_run": pipeline.SpanRun,
	} {
		if got := parentOf(one(child)); got != parent {
			t.Errorf("span %q: parent %q, want %q", child, got, parent)
		}
	}
	if k := one(queue.SpanWork).SpanKind; k != trace.SpanKindConsumer {
		t.Errorf("job span kind %v, want consumer", k)
	}
	// Three model calls (one per stage), each a GenAI client span under
	// its stage; the scorer's call is not traced.
	calls := byName["chat local"]
	if len(calls) != 3 {
		t.Fatalf("want 3 model-call spans, got %d", len(calls))
	}
	for _, c := range calls {
		if p := parentOf(c); !strings.HasPrefix(p, pipeline.SpanStage+" ") {
			t.Errorf("model call's parent %q, want a stage span", p)
		}
		if c.SpanKind != trace.SpanKindClient {
			t.Errorf("model call kind %v, want client", c.SpanKind)
		}
	}
	// The critique stage carries the scores as evaluation events.
	crit := one(pipeline.SpanStage + " critique")
	var evals []string
	for _, e := range crit.Events {
		if e.Name == telemetry.EventEvaluationResult {
			evals = append(evals, attrOf(e.Attributes, "gen_ai.evaluation.name").AsString())
		}
	}
	if strings.Join(evals, ",") != "accuracy,completeness,clarity,coherence,overall" {
		t.Errorf("critique evaluation events: %v", evals)
	}
	if got := attrOf(one(pipeline.SpanRun).Attributes, "papersum.run.id").AsString(); got != sub.ID {
		t.Errorf("run span's run id %q, want %q", got, sub.ID)
	}
}

func attrOf(kv []attribute.KeyValue, key string) attribute.Value {
	for _, a := range kv {
		if string(a.Key) == key {
			return a.Value
		}
	}
	return attribute.Value{}
}

// waitSpans waits until a span called name has ended and returns every
// span ended by then.
func waitSpans(t *testing.T, exp *tracetest.InMemoryExporter, name string) tracetest.SpanStubs {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		spans := exp.GetSpans()
		for _, s := range spans {
			if s.Name == name {
				return spans
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no span %q within 20s; %d spans", name, len(spans))
		}
		time.Sleep(10 * time.Millisecond)
	}
}
