package httpapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/ratelimit"
	"github.com/papersum/papersum/telemetry"
	"github.com/papersum/papersum/webhook"
	"github.com/prometheus/client_golang/prometheus"
)

func TestNewServerValidates(t *testing.T) {
	e := newEnv(t)
	for name, edit := range map[string]func(*Deps){
		"no Summaries":   func(d *Deps) { d.Summaries = nil },
		"no Batches":     func(d *Deps) { d.Batches = nil },
		"no Readiness":   func(d *Deps) { d.Readiness = nil },
		"no Auth":        func(d *Deps) { d.Auth = nil },
		"no Limiter":     func(d *Deps) { d.Limiter = nil },
		"negative body":  func(d *Deps) { d.MaxBodyBytes = -1 },
		"negative wait":  func(d *Deps) { d.MaxWait = -1 },
		"negative items": func(d *Deps) { d.MaxBatchItems = -1 },
	} {
		d := e.deps
		edit(&d)
		if _, err := NewServer(d); papersum.ErrorCode(err) != papersum.EINVALID {
			t.Errorf("%s: %v, want EINVALID", name, err)
		}
	}
}

func TestBatches(t *testing.T) {
	e := newEnv(t, func(d *Deps) { d.MaxBatchItems = 3 })
	w := e.json("POST", "/api/v1/batches", e.write, map[string]any{
		"items":  []map[string]string{{"url": "https://arxiv.org/abs/1"}, {"text": "A paper.", "title": "T"}},
		"config": "claude", "idempotency_key": "b-1"})
	wantStatus(t, w, http.StatusAccepted)
	st := decodeBody[papersum.SubmissionBatchStatus](t, w)
	if st.ID == "" || st.Total != 2 || st.Queued != 2 || len(st.RunIDs) != 2 || w.Header().Get("Location") != "/api/v1/batches/"+st.ID {
		t.Errorf("batch %+v, Location %q", st, w.Header().Get("Location"))
	}
	e.batches.mu.Lock()
	got := e.batches.reqs[0]
	e.batches.mu.Unlock()
	if got.Config != "claude" || got.IdempotencyKey != "b-1" || got.Team != "team-a" || got.User != "ada" || len(got.Items) != 2 {
		t.Errorf("Create got %+v", got)
	}

	e.batches.mu.Lock()
	st.Succeeded, st.Queued, st.Running, st.CostUSD = 1, 0, 1, 0.25
	e.batches.batches[st.ID] = st
	e.batches.mu.Unlock()
	w = e.do(req("GET", "/api/v1/batches/"+st.ID, e.read, "", nil))
	wantStatus(t, w, http.StatusOK)
	if got := decodeBody[papersum.SubmissionBatchStatus](t, w); got.Succeeded != 1 || got.Running != 1 || got.CostUSD != 0.25 {
		t.Errorf("progress %+v", got)
	}
	wantError(t, e.do(req("GET", "/api/v1/batches/nope", e.read, "", nil)), http.StatusNotFound, "not_found")

	for name, body := range map[string]string{
		"no items":      `{"items":[]}`,
		"too many":      `{"items":[{"text":"a"},{"text":"b"},{"text":"c"},{"text":"d"}]}`,
		"empty item":    `{"items":[{"title":"t"}]}`,
		"both":          `{"items":[{"text":"a","url":"https://x.example/p"}]}`,
		"unknown field": `{"items":[{"text":"a"}],"priority":1}`,
		"unknown item":  `{"items":[{"text":"a","pdf":"x"}]}`,
		"bad callback":  `{"items":[{"text":"a"}],"callback_url":"nope"}`,
		"empty":         ``,
	} {
		w := e.do(req("POST", "/api/v1/batches", e.write, "application/json", strings.NewReader(body)))
		wantError(t, w, http.StatusBadRequest, "invalid_request")
		_ = name
	}
	wantError(t, e.do(req("POST", "/api/v1/batches", e.write, "application/pdf", bytes.NewReader(pdf))), http.StatusUnsupportedMediaType, "unsupported_media_type")
	e.batches.err = papersum.Errorf(papersum.EUNAVAILABLE, "queue down")
	wantError(t, e.json("POST", "/api/v1/batches", e.write, map[string]any{"items": []map[string]string{{"text": "a"}}}), http.StatusServiceUnavailable, "unavailable")
}

func TestProbes(t *testing.T) {
	e := newEnv(t)
	e.setChecks(Check{Name: "store"}, Check{Name: "migrations", Err: errSecret}, Check{Name: "workers"})
	w := e.do(req("GET", "/api/v1/health", "", "", nil))
	wantStatus(t, w, http.StatusOK)

	w = e.do(req("GET", "/startupz", "", "", nil))
	wantStatus(t, w, http.StatusServiceUnavailable)
	w = e.do(req("GET", "/readyz", "", "", nil))
	wantStatus(t, w, http.StatusServiceUnavailable)
	body := w.Body.String()
	if !strings.Contains(body, `{"name":"migrations","status":"failing"}`) || strings.Contains(body, "10.1.2.3") {
		t.Errorf("readyz %s", body)
	}
	if !strings.Contains(e.logs.String(), "10.1.2.3") {
		t.Error("failing check not logged")
	}

	e.setChecks(Check{Name: "store"}, Check{Name: "migrations"})
	wantStatus(t, e.do(req("GET", "/readyz", "", "", nil)), http.StatusOK)
	wantStatus(t, e.do(req("GET", "/startupz", "", "", nil)), http.StatusOK)
	// Once started, always started; readiness goes on checking.
	e.setChecks(Check{Name: "store", Err: errors.New("down")})
	wantStatus(t, e.do(req("GET", "/startupz", "", "", nil)), http.StatusOK)
	wantStatus(t, e.do(req("GET", "/readyz", "", "", nil)), http.StatusServiceUnavailable)

	// A key is ignored, not required, and a bad one does not fail a probe.
	wantStatus(t, e.do(req("GET", "/api/v1/health", "garbage", "", nil)), http.StatusOK)
	// HEAD works as for any GET.
	wantStatus(t, e.do(req("HEAD", "/api/v1/health", "", "", nil)), http.StatusOK)

	t.Run("timeout", func(t *testing.T) {
		e := newEnv(t, func(d *Deps) {
			d.ReadyTimeout = 1
			d.Readiness = func(ctx context.Context) []Check {
				<-ctx.Done()
				return []Check{{Name: "store", Err: ctx.Err()}}
			}
		})
		wantStatus(t, e.do(req("GET", "/readyz", "", "", nil)), http.StatusServiceUnavailable)
	})
}

func TestRoutingErrors(t *testing.T) {
	e := newEnv(t)
	w := e.do(req("PUT", "/api/v1/summaries/r1", e.write, "", nil))
	wantError(t, w, http.StatusMethodNotAllowed, "method_not_allowed")
	if got := w.Header().Get("Allow"); got != "DELETE, GET, HEAD" {
		t.Errorf("Allow %q", got)
	}
	w = e.do(req("GET", "/api/v1/batches", e.read, "", nil))
	wantError(t, w, http.StatusMethodNotAllowed, "method_not_allowed")
	if got := w.Header().Get("Allow"); got != "POST" {
		t.Errorf("Allow %q", got)
	}
	wantError(t, e.do(req("GET", "/api/v2/summaries", e.read, "", nil)), http.StatusNotFound, "not_found")
	wantError(t, e.do(req("GET", "/api/v1/summaries/", e.read, "", nil)), http.StatusNotFound, "not_found")
	// Metrics and webhooks are off in this server.
	wantError(t, e.do(req("GET", "/metrics", e.read, "", nil)), http.StatusNotFound, "not_found")
	wantError(t, e.do(req("POST", "/webhook/paper-published", "", "application/json", strings.NewReader("{}"))), http.StatusNotFound, "not_found")
}

func TestRequestID(t *testing.T) {
	n := 0
	e := newEnv(t, func(d *Deps) { d.NewRequestID = func() string { n++; return fmt.Sprintf("gen-%d", n) } })
	r := req("GET", "/api/v1/summaries/nope", e.read, "", nil)
	r.Header.Set("X-Request-ID", "client-id_1.2:3")
	w := e.do(r)
	if got := wantError(t, w, http.StatusNotFound, "not_found"); got == "" {
		t.Error("no message")
	}
	if w.Header().Get("X-Request-ID") != "client-id_1.2:3" {
		t.Errorf("X-Request-ID %q", w.Header().Get("X-Request-ID"))
	}
	for _, bad := range []string{"", "has space", "new\nline", strings.Repeat("x", 129), `quote"`} {
		r := req("GET", "/api/v1/health", "", "", nil)
		r.Header.Set("X-Request-ID", bad)
		w := e.do(r)
		if got := w.Header().Get("X-Request-ID"); !strings.HasPrefix(got, "gen-") {
			t.Errorf("X-Request-ID %q for client ID %q", got, bad)
		}
	}
	if !strings.Contains(e.logs.String(), `"request_id":"client-id_1.2:3"`) {
		t.Error("request ID not logged")
	}
	// The default generator gives distinct IDs.
	if a, b := randomID(), randomID(); a == b || len(a) != 32 {
		t.Errorf("randomID %q %q", a, b)
	}
}

// panicky panics on Get, to test recovery.
type panicky struct{ *fakeSummaries }

func (panicky) Get(context.Context, string) (*papersum.Run, error) { panic("boom: secret state") }

func TestErrorsDoNotLeak(t *testing.T) {
	e := newEnv(t)
	for name, err := range map[string]error{
		"plain error":   errSecret,
		"wrapped":       fmt.Errorf("get run: %w", errSecret),
		"internal code": &papersum.Error{Code: papersum.EINTERNAL, Message: "sqlite: database is locked at /var/lib/papersum.db", Err: errSecret},
		"unavailable":   &papersum.Error{Code: papersum.EUNAVAILABLE, Message: "postgres at 10.1.2.3 refused", Err: errSecret},
		"provider":      &papersum.ProviderError{Class: papersum.ClassServer, Provider: "anthropic", Message: "upstream 10.1.2.3 said 502"},
	} {
		e.sums.mu.Lock()
		e.sums.getErr = err
		e.sums.mu.Unlock()
		w := e.do(req("GET", "/api/v1/summaries/x", e.read, "", nil))
		if w.Code < 500 {
			t.Errorf("%s: status %d", name, w.Code)
		}
		for _, s := range []string{"10.1.2.3", "password", "sqlite", "/var/lib", "anthropic"} {
			if strings.Contains(w.Body.String(), s) {
				t.Errorf("%s: body leaks %q: %s", name, s, w.Body)
			}
		}
	}
	t.Run("client errors keep their message", func(t *testing.T) {
		e.sums.mu.Lock()
		e.sums.getErr = &papersum.Error{Code: papersum.EINVALID, Message: "run IDs are 26 characters", Err: errSecret}
		e.sums.mu.Unlock()
		msg := wantError(t, e.do(req("GET", "/api/v1/summaries/x", e.read, "", nil)), http.StatusBadRequest, "invalid_request")
		if msg != "run IDs are 26 characters" {
			t.Errorf("message %q", msg)
		}
	})
	t.Run("panic", func(t *testing.T) {
		e := newEnv(t, func(d *Deps) { d.Summaries = panicky{newFakeSummaries()} })
		w := e.do(req("GET", "/api/v1/summaries/x", e.read, "", nil))
		if msg := wantError(t, w, http.StatusInternalServerError, "internal"); strings.Contains(msg, "boom") {
			t.Errorf("message %q", msg)
		}
		if !strings.Contains(e.logs.String(), "boom: secret state") {
			t.Error("panic not logged")
		}
	})
}

func TestMetricsAndWebhook(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := telemetry.NewMetrics(reg, telemetry.Config{Routes: Routes()})
	if err != nil {
		t.Fatal(err)
	}
	secret := bytes.Repeat([]byte("k"), 32)
	var handled []string
	var mu sync.Mutex
	rc, err := webhook.NewReceiver(webhook.ReceiverConfig{
		Secrets: [][]byte{secret}, Seen: webhook.NewMemorySeenStore(fixedClock{t0}), Clock: fixedClock{t0},
		Handle: func(_ context.Context, id string, _ []byte) error {
			mu.Lock()
			defer mu.Unlock()
			handled = append(handled, id)
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	lim := fakeLimiter{decision: ratelimit.Decision{Allowed: false, RetryAfter: 1}}
	e := newEnv(t, func(d *Deps) {
		d.Metrics, d.MetricsHandler, d.Webhook = m, telemetry.Handler(reg), rc
	})
	wantStatus(t, e.do(req("GET", "/api/v1/summaries", e.read, "", nil)), http.StatusOK)
	wantStatus(t, e.do(req("GET", "/metrics", "", "", nil)), http.StatusUnauthorized)
	w := e.do(req("GET", "/metrics", e.read, "", nil))
	wantStatus(t, w, http.StatusOK)
	if !strings.Contains(w.Body.String(), `route="GET /api/v1/summaries"`) {
		t.Errorf("request not counted by route:\n%s", w.Body)
	}

	body := []byte(`{"type":"paper.published","data":{"url":"https://arxiv.org/abs/1"}}`)
	send := func(sig string) *httptest.ResponseRecorder {
		r := req("POST", "/webhook/paper-published", "", "application/json", bytes.NewReader(body))
		r.Header.Set(webhook.HeaderID, "msg_1")
		r.Header.Set(webhook.HeaderTimestamp, fmt.Sprint(t0.Unix()))
		r.Header.Set(webhook.HeaderSignature, sig)
		return e.do(r)
	}
	wantStatus(t, send("v1,bm9wZQ=="), http.StatusUnauthorized)
	wantStatus(t, send(webhook.Sign(secret, "msg_1", t0, body)), http.StatusOK)
	mu.Lock()
	if len(handled) != 1 || handled[0] != "msg_1" {
		t.Errorf("handled %v", handled)
	}
	mu.Unlock()

	// 429s are counted.
	e2 := newEnv(t, func(d *Deps) { d.Metrics, d.Limiter = m, lim })
	wantStatus(t, e2.do(req("GET", "/api/v1/summaries", e2.read, "", nil)), http.StatusTooManyRequests)
	w = e.do(req("GET", "/metrics", e.read, "", nil))
	if !strings.Contains(w.Body.String(), `scope="key"} 1`) {
		t.Errorf("rejection not counted:\n%s", w.Body)
	}
}

// TestParallel runs many requests of every kind at once; with -race it
// checks that handlers share no unguarded state.
func TestParallel(t *testing.T) {
	lim, err := ratelimit.NewMemory(ratelimit.MemoryConfig{Limits: func(string) ratelimit.Limits {
		return ratelimit.Limits{RequestsPerMinute: 100000}
	}})
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	m, err := telemetry.NewMetrics(reg, telemetry.Config{Routes: Routes()})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, func(d *Deps) { d.Limiter, d.Metrics, d.MetricsHandler = lim, m, telemetry.Handler(reg) })
	e.setChecks(Check{Name: "store"})
	e.sums.finishOnSubmit = true
	srv := httptest.NewServer(e.h)
	defer srv.Close()
	const workers, each = 16, 25
	var wg sync.WaitGroup
	errs := make(chan string, workers*each)
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range each {
				var r *http.Request
				switch (i + j) % 7 {
				case 0:
					r, _ = http.NewRequest("POST", srv.URL+"/api/v1/summaries?wait=1s", strings.NewReader(`{"text":"x","idempotency_key":"k`+fmt.Sprint(j%5)+`"}`))
					r.Header.Set("Content-Type", "application/json")
				case 1:
					r, _ = http.NewRequest("GET", srv.URL+"/api/v1/summaries?limit=3", nil)
				case 2:
					r, _ = http.NewRequest("GET", srv.URL+"/api/v1/summaries/run-1", nil)
				case 3:
					r, _ = http.NewRequest("POST", srv.URL+"/api/v1/batches", strings.NewReader(`{"items":[{"text":"x"}]}`))
					r.Header.Set("Content-Type", "application/json")
				case 4:
					r, _ = http.NewRequest("GET", srv.URL+"/readyz", nil)
				case 5:
					r, _ = http.NewRequest("GET", srv.URL+"/metrics", nil)
				case 6:
					r, _ = http.NewRequest("GET", srv.URL+"/api/v1/summaries/nope", nil)
				}
				r.Header.Set("Authorization", "Bearer "+e.write)
				resp, err := http.DefaultClient.Do(r)
				if err != nil {
					errs <- err.Error()
					continue
				}
				resp.Body.Close()
				if resp.StatusCode >= 500 || resp.Header.Get("X-Request-ID") == "" {
					errs <- fmt.Sprintf("%s %s: %d", r.Method, r.URL.Path, resp.StatusCode)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
