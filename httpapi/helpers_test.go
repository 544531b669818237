package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/apikey"
	"github.com/papersum/papersum/ratelimit"
)

// t0 is the fixed time of the tests' clocks.
var t0 = time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)

type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

// keyStore is a papersum.KeyStore in a map, enough to drive the real
// apikey.Authenticator.
type keyStore struct {
	mu     sync.Mutex
	byHash map[string]*papersum.APIKey
	// fail, when set, is returned by every lookup: a database outage.
	fail error
}

func (s *keyStore) CreateKey(_ context.Context, k *papersum.APIKey, hash []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := *k
	s.byHash[string(hash)] = &c
	return nil
}

func (s *keyStore) KeyByHash(_ context.Context, hash []byte) (*papersum.APIKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return nil, s.fail
	}
	k, ok := s.byHash[string(hash)]
	if !ok {
		return nil, papersum.Errorf(papersum.ENOTFOUND, "no key")
	}
	c := *k
	return &c, nil
}

func (s *keyStore) KeyByID(_ context.Context, id string) (*papersum.APIKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range s.byHash {
		if k.ID == id {
			c := *k
			return &c, nil
		}
	}
	return nil, papersum.Errorf(papersum.ENOTFOUND, "no key %s", id)
}

func (s *keyStore) RevokeKey(_ context.Context, id string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range s.byHash {
		if k.ID == id {
			k.RevokedAt = &at
			return nil
		}
	}
	return papersum.Errorf(papersum.ENOTFOUND, "no key %s", id)
}

func (s *keyStore) ListKeys(context.Context, string) ([]*papersum.APIKey, error) { return nil, nil }

// fakeSummaries keeps runs in memory. Runs in done are finished; Wait on
// any other run blocks until its context ends.
type fakeSummaries struct {
	mu      sync.Mutex
	runs    map[string]*papersum.Run
	order   []string // creation order, oldest first
	byKey   map[string]string
	reqs    []papersum.SubmitRequest
	filters []papersum.RunFilter
	// submitErr, getErr... make the methods fail.
	submitErr, getErr, listErr, cancelErr error
	// finishOnSubmit makes submitted runs finished at once.
	finishOnSubmit bool
	n              int
}

func newFakeSummaries() *fakeSummaries {
	return &fakeSummaries{runs: map[string]*papersum.Run{}, byKey: map[string]string{}}
}

func (f *fakeSummaries) add(run *papersum.Run) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.runs[run.ID] = run
	f.order = append(f.order, run.ID)
}

func (f *fakeSummaries) Submit(_ context.Context, req papersum.SubmitRequest) (papersum.SubmitResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reqs = append(f.reqs, req)
	if f.submitErr != nil {
		return papersum.SubmitResult{}, f.submitErr
	}
	if id, ok := f.byKey[req.Team+"\x00"+req.IdempotencyKey]; ok && req.IdempotencyKey != "" {
		return papersum.SubmitResult{RunID: id, Status: f.runs[id].Status, Deduplicated: true}, nil
	}
	f.n++
	run := &papersum.Run{ID: fmt.Sprintf("run-%d", f.n), Status: papersum.RunRunning, Title: req.Title,
		Team: req.Team, User: req.User, CreatedAt: t0}
	if f.finishOnSubmit {
		finish(run)
	}
	f.runs[run.ID] = run
	f.order = append(f.order, run.ID)
	if req.IdempotencyKey != "" {
		f.byKey[req.Team+"\x00"+req.IdempotencyKey] = run.ID
	}
	return papersum.SubmitResult{RunID: run.ID, Status: run.Status}, nil
}

func finish(run *papersum.Run) {
	end := t0.Add(time.Minute)
	run.Status, run.FinishedAt, run.Summary = papersum.RunSucceeded, &end, "A short summary."
	run.Scores = &papersum.Scores{Accuracy: 8, Completeness: 7, Clarity: 9, Coherence: 8}
	run.Stages = []papersum.StageResult{{Stage: papersum.StageSummarize, Provider: "local", Model: "extractive",
		Usage: papersum.Usage{InputTokens: 100, OutputTokens: 20}, CostUSD: 0.01, Latency: time.Second,
		StopReason: papersum.StopEnd, Raw: "raw", Output: "A short summary.", StartedAt: t0}}
}

func (f *fakeSummaries) Get(_ context.Context, id string) (*papersum.Run, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.getErr != nil {
		return nil, f.getErr
	}
	run, ok := f.runs[id]
	if !ok {
		return nil, papersum.Errorf(papersum.ENOTFOUND, "no run %s", id)
	}
	return run, nil
}

func (f *fakeSummaries) List(_ context.Context, flt papersum.RunFilter) ([]*papersum.Run, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.filters = append(f.filters, flt)
	if f.listErr != nil {
		return nil, f.listErr
	}
	var out []*papersum.Run
	started := flt.Before == ""
	for i := len(f.order) - 1; i >= 0; i-- {
		run := f.runs[f.order[i]]
		if !started {
			started = run.ID == flt.Before
			continue
		}
		if flt.Status != "" && run.Status != flt.Status || flt.PaperID != "" && run.PaperID != flt.PaperID {
			continue
		}
		if len(out) == flt.Limit {
			break
		}
		out = append(out, run)
	}
	if !started {
		return nil, papersum.Errorf(papersum.ENOTFOUND, "no run %s", flt.Before)
	}
	return out, nil
}

func (f *fakeSummaries) Cancel(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cancelErr != nil {
		return f.cancelErr
	}
	run, ok := f.runs[id]
	switch {
	case !ok:
		return papersum.Errorf(papersum.ENOTFOUND, "no run %s", id)
	case run.Status != papersum.RunRunning:
		return papersum.Errorf(papersum.ECONFLICT, "run %s has finished", id)
	}
	return nil
}

func (f *fakeSummaries) Wait(ctx context.Context, id string) (*papersum.Run, error) {
	f.mu.Lock()
	run, ok := f.runs[id]
	f.mu.Unlock()
	if !ok {
		return nil, papersum.Errorf(papersum.ENOTFOUND, "no run %s", id)
	}
	if run.Status != papersum.RunRunning {
		return run, nil
	}
	<-ctx.Done()
	return nil, ctx.Err()
}

func (f *fakeSummaries) lastReq(t *testing.T) papersum.SubmitRequest {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.reqs) == 0 {
		t.Fatal("Submit was not called")
	}
	return f.reqs[len(f.reqs)-1]
}

func (f *fakeSummaries) submits() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.reqs)
}

type fakeBatches struct {
	mu      sync.Mutex
	reqs    []papersum.SubmissionBatchRequest
	batches map[string]papersum.SubmissionBatchStatus
	err     error
}

func (f *fakeBatches) CreateBatch(_ context.Context, req papersum.SubmissionBatchRequest) (papersum.SubmissionBatchStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reqs = append(f.reqs, req)
	if f.err != nil {
		return papersum.SubmissionBatchStatus{}, f.err
	}
	st := papersum.SubmissionBatchStatus{ID: fmt.Sprintf("batch-%d", len(f.reqs)), Status: "running", Total: len(req.Items),
		Queued: len(req.Items), CreatedAt: t0}
	for i := range req.Items {
		st.RunIDs = append(st.RunIDs, fmt.Sprintf("%s-run-%d", st.ID, i))
	}
	f.batches[st.ID] = st
	return st, nil
}

func (f *fakeBatches) GetBatch(_ context.Context, id string) (papersum.SubmissionBatchStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	st, ok := f.batches[id]
	if !ok {
		return papersum.SubmissionBatchStatus{}, papersum.Errorf(papersum.ENOTFOUND, "no batch %s", id)
	}
	return st, nil
}

// fakeLimiter answers every Allow with decision.
type fakeLimiter struct {
	decision ratelimit.Decision
	err      error
}

func (l fakeLimiter) Allow(context.Context, string, time.Time, ratelimit.Cost) (ratelimit.Decision, error) {
	return l.decision, l.err
}
func (fakeLimiter) Record(context.Context, string, time.Time, int64) error { return nil }
func (fakeLimiter) Stats() ratelimit.Stats                                 { return ratelimit.Stats{} }

// env is a server over fakes, with one API key of each scope.
type env struct {
	t       *testing.T
	h       http.Handler
	deps    Deps
	sums    *fakeSummaries
	batches *fakeBatches
	keys    *keyStore
	auth    *apikey.Authenticator
	logs    *syncBuffer
	// read, write and admin are the plaintexts of keys of that scope.
	read, write, admin string
	// checks are what Readiness returns.
	checksMu sync.Mutex
	checks   []Check
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a
// logger.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newEnv builds a server; edit changes its Deps before NewServer.
func newEnv(t *testing.T, edit ...func(*Deps)) *env {
	t.Helper()
	e := &env{t: t, sums: newFakeSummaries(), batches: &fakeBatches{batches: map[string]papersum.SubmissionBatchStatus{}},
		keys: &keyStore{byHash: map[string]*papersum.APIKey{}}, logs: &syncBuffer{}}
	clock := fixedClock{t0}
	var err error
	e.auth, err = apikey.NewAuthenticator(e.keys, apikey.Options{Clock: clock, CacheTTL: -1})
	if err != nil {
		t.Fatal(err)
	}
	issue := func(scope papersum.Scope) string {
		p, _, err := e.auth.Issue(context.Background(), "team-a", "ada", scope, 0)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	e.read, e.write, e.admin = issue(papersum.ScopeRead), issue(papersum.ScopeWrite), issue(papersum.ScopeAdmin)
	lim, err := ratelimit.NewMemory(ratelimit.MemoryConfig{Limits: func(string) ratelimit.Limits { return ratelimit.Limits{} }})
	if err != nil {
		t.Fatal(err)
	}
	e.deps = Deps{
		Summaries: e.sums,
		Batches:   e.batches,
		Readiness: func(context.Context) []Check {
			e.checksMu.Lock()
			defer e.checksMu.Unlock()
			return slices.Clone(e.checks)
		},
		Auth:    e.auth,
		Limiter: lim,
		Clock:   clock,
		Logger:  slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	for _, f := range edit {
		f(&e.deps)
	}
	e.h, err = NewServer(e.deps)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) setChecks(c ...Check) {
	e.checksMu.Lock()
	defer e.checksMu.Unlock()
	e.checks = c
}

// req builds a request with key (none when "") and a body of ctype.
func req(method, target, key, ctype string, body io.Reader) *http.Request {
	r := httptest.NewRequest(method, target, body)
	if key != "" {
		r.Header.Set("Authorization", "Bearer "+key)
	}
	if ctype != "" {
		r.Header.Set("Content-Type", ctype)
	}
	return r
}

// do serves r and checks the answer against the OpenAPI document.
func (e *env) do(r *http.Request) *httptest.ResponseRecorder {
	e.t.Helper()
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	checkResponse(e.t, r, w)
	return w
}

// json sends v as a JSON body.
func (e *env) json(method, target, key string, v any) *httptest.ResponseRecorder {
	e.t.Helper()
	var body io.Reader
	if v != nil {
		b, err := json.Marshal(v)
		if err != nil {
			e.t.Fatal(err)
		}
		body = bytes.NewReader(b)
	}
	return e.do(req(method, target, key, "application/json", body))
}

// wantStatus fails unless w has status code.
func wantStatus(t *testing.T, w *httptest.ResponseRecorder, code int) {
	t.Helper()
	if w.Code != code {
		t.Fatalf("status %d, want %d; body %s", w.Code, code, w.Body)
	}
}

// wantError checks an error answer: status, code, request ID and JSON
// content type. It returns the message.
func wantError(t *testing.T, w *httptest.ResponseRecorder, status int, code string) string {
	t.Helper()
	wantStatus(t, w, status)
	if ct := w.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	var b errorBody
	dec := json.NewDecoder(w.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		t.Fatalf("error body: %v", err)
	}
	if b.Error.Code != code {
		t.Errorf("code %q, want %q (message %q)", b.Error.Code, code, b.Error.Message)
	}
	if b.Error.RequestID == "" || b.Error.RequestID != w.Header().Get(headerRequestID) {
		t.Errorf("request_id %q, header %q", b.Error.RequestID, w.Header().Get(headerRequestID))
	}
	return b.Error.Message
}

func decodeBody[T any](t *testing.T, w *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Fatalf("decode %T: %v; body %s", v, err, w.Body)
	}
	return v
}

// pdf is the smallest body that passes for a PDF.
var pdf = []byte("%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")

var errSecret = errors.New(`pq: password authentication failed for user "papersum" at 10.1.2.3:5432`)

func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }
