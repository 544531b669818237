package httpapi

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/ratelimit"
)

// TestReadyzDegraded: a degraded check (Redis down) keeps /readyz at 200
// and says "degraded", with the check's reason; a failing one still
// makes it 503.
func TestReadyzDegraded(t *testing.T) {
	e := newEnv(t)
	e.setChecks(Check{Name: "store"}, Check{Name: "redis", Err: errors.New("dial tcp 10.1.2.3:6379: connection refused"), Reason: "connection refused", Degraded: true})
	w := e.do(req("GET", "/readyz", "", "", nil))
	wantStatus(t, w, http.StatusOK)
	body := w.Body.String()
	if !strings.Contains(body, `"status":"degraded"`) || !strings.Contains(body, `{"name":"redis","status":"degraded","reason":"connection refused"}`) {
		t.Errorf("readyz %s", body)
	}
	if strings.Contains(body, "10.1.2.3") {
		t.Errorf("the error leaked into the probe: %s", body)
	}
	wantStatus(t, e.do(req("GET", "/startupz", "", "", nil)), http.StatusOK)

	e.setChecks(Check{Name: "store", Err: errors.New("down"), Reason: "connection refused"},
		Check{Name: "redis", Err: errors.New("down"), Degraded: true})
	w = e.do(req("GET", "/readyz", "", "", nil))
	wantStatus(t, w, http.StatusServiceUnavailable)
	if !strings.Contains(w.Body.String(), `"status":"not_ready"`) {
		t.Errorf("readyz %s", w.Body)
	}
}

// TestUnavailableRetryAfter: every 503 says when to come back.
func TestUnavailableRetryAfter(t *testing.T) {
	e := newEnv(t, func(d *Deps) { d.UnavailableRetryAfter = 7 * time.Second })
	e.keys.mu.Lock()
	e.keys.fail = papersum.Errorf(papersum.EUNAVAILABLE, "postgres: lost the connection")
	e.keys.mu.Unlock()
	w := e.do(req("GET", "/api/v1/summaries", e.read, "", nil))
	wantError(t, w, http.StatusServiceUnavailable, "unavailable")
	if got := w.Header().Get("Retry-After"); got != "7" {
		t.Errorf("Retry-After %q, want 7", got)
	}

	e = newEnv(t)
	e.batches.err = papersum.Errorf(papersum.EUNAVAILABLE, "store down")
	w = e.json("POST", "/api/v1/batches", e.write, map[string]any{"items": []map[string]string{{"text": "a"}}})
	wantError(t, w, http.StatusServiceUnavailable, "unavailable")
	if got := w.Header().Get("Retry-After"); got != "5" {
		t.Errorf("Retry-After %q, want the default 5", got)
	}
}

// TestLimiterFailClosed: a degraded refusal (the limiter's store is down
// and its policy refuses) is the server's fault: 503 with the limiter's
// Retry-After, not 429.
func TestLimiterFailClosed(t *testing.T) {
	e := newEnv(t, func(d *Deps) {
		d.Limiter = fakeLimiter{decision: ratelimit.Decision{Allowed: false, Degraded: true, FailedClosed: true, RetryAfter: 2 * time.Second}}
	})
	w := e.do(req("GET", "/api/v1/summaries", e.read, "", nil))
	wantError(t, w, http.StatusServiceUnavailable, "unavailable")
	if got := w.Header().Get("Retry-After"); got != "2" {
		t.Errorf("Retry-After %q, want 2", got)
	}
	// A refusal of the per-process fallback is a rate limit: 429.
	e = newEnv(t, func(d *Deps) {
		d.Limiter = fakeLimiter{decision: ratelimit.Decision{Allowed: false, Degraded: true, RetryAfter: 2 * time.Second}}
	})
	wantError(t, e.do(req("GET", "/api/v1/summaries", e.read, "", nil)), http.StatusTooManyRequests, "rate_limited")
	// A degraded decision that allows goes through.
	e = newEnv(t, func(d *Deps) {
		d.Limiter = fakeLimiter{decision: ratelimit.Decision{Allowed: true, Degraded: true, RemainingRequests: -1}}
	})
	wantStatus(t, e.do(req("GET", "/api/v1/summaries", e.read, "", nil)), http.StatusOK)
}

func TestStarting(t *testing.T) {
	checks := []Check{{Name: "store", Err: errors.New("dial tcp 10.1.2.3:5432: connect: connection refused"), Reason: "connection refused"},
		{Name: "workers", Err: errors.New("not started"), Reason: "not started"}}
	s, err := NewStarting(StartingConfig{Checks: func() []Check { return checks }, Hold: time.Millisecond, RetryAfter: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	do := func(r *http.Request) *httptest.ResponseRecorder {
		t.Helper()
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		checkResponse(t, r, w)
		return w
	}
	wantStatus(t, do(req("GET", "/api/v1/health", "", "", nil)), http.StatusOK)
	for _, path := range []string{"/readyz", "/startupz"} {
		w := do(req("GET", path, "", "", nil))
		wantStatus(t, w, http.StatusServiceUnavailable)
		body := w.Body.String()
		if !strings.Contains(body, `"status":"starting"`) || !strings.Contains(body, `{"name":"store","status":"failing","reason":"connection refused"}`) || strings.Contains(body, "10.1.2.3") {
			t.Errorf("%s: %s", path, body)
		}
	}
	w := do(req("GET", "/api/v1/summaries", "psk_x", "", nil))
	wantError(t, w, http.StatusServiceUnavailable, "unavailable")
	if w.Header().Get("Retry-After") != "3" || w.Header().Get("X-Request-ID") == "" {
		t.Errorf("headers %v", w.Header())
	}

	// A request held during start-up is served once the API is ready.
	held, err := NewStarting(StartingConfig{Checks: func() []Check { return checks }, Hold: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan *httptest.ResponseRecorder)
	go func() {
		w := httptest.NewRecorder()
		held.ServeHTTP(w, req("GET", "/api/v1/summaries", "", "", nil))
		done <- w
	}()
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	held.Ready(api)
	if w := <-done; w.Code != http.StatusTeapot {
		t.Errorf("held request answered %d, want the API's", w.Code)
	}
	w = httptest.NewRecorder()
	held.ServeHTTP(w, req("GET", "/readyz", "", "", nil))
	if w.Code != http.StatusTeapot {
		t.Errorf("after Ready the probes are the API's; got %d", w.Code)
	}
}
