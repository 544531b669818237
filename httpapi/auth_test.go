package httpapi

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/ratelimit"
)

func TestAuthentication(t *testing.T) {
	e := newEnv(t)
	revoked, k, err := e.auth.Issue(context.Background(), "team-a", "bob", papersum.ScopeAdmin, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.auth.Revoke(context.Background(), k.ID); err != nil {
		t.Fatal(err)
	}
	unknown := "psk_0123456789abcdef_" + strings.Repeat("A", 43)
	for _, tc := range []struct {
		name, header, challenge string
	}{
		{"missing", "", `Bearer realm="papersum"`},
		{"malformed", "Bearer nope", `Bearer realm="papersum", error="invalid_token"`},
		{"unknown", "Bearer " + unknown, `Bearer realm="papersum", error="invalid_token"`},
		{"revoked", "Bearer " + revoked, `Bearer realm="papersum", error="invalid_token"`},
		{"wrong scheme", "Basic " + e.read, `Bearer realm="papersum", error="invalid_token"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := req("GET", "/api/v1/summaries", "", "", nil)
			if tc.header != "" {
				r.Header.Set("Authorization", tc.header)
			}
			w := e.do(r)
			msg := wantError(t, w, http.StatusUnauthorized, "unauthorized")
			if got := w.Header().Get("WWW-Authenticate"); got != tc.challenge {
				t.Errorf("WWW-Authenticate %q, want %q", got, tc.challenge)
			}
			if strings.Contains(msg, strings.Repeat("A", 43)) || (tc.header != "" && strings.Contains(msg, revoked[22:])) {
				t.Errorf("message %q echoes the key's secret", msg)
			}
		})
	}
	t.Run("X-API-Key", func(t *testing.T) {
		r := req("GET", "/api/v1/summaries", "", "", nil)
		r.Header.Set("X-API-Key", e.read)
		wantStatus(t, e.do(r), http.StatusOK)
	})
	t.Run("store outage is 503, not 401, and not leaked", func(t *testing.T) {
		e.keys.mu.Lock()
		e.keys.fail = &papersum.Error{Code: papersum.EUNAVAILABLE, Err: errSecret}
		e.keys.mu.Unlock()
		defer func() { e.keys.mu.Lock(); e.keys.fail = nil; e.keys.mu.Unlock() }()
		w := e.do(req("GET", "/api/v1/summaries", e.read, "", nil))
		msg := wantError(t, w, http.StatusServiceUnavailable, "unavailable")
		if strings.Contains(msg, "10.1.2.3") || strings.Contains(w.Body.String(), "password") {
			t.Errorf("internal detail leaked: %s", w.Body)
		}
		if w.Header().Get("WWW-Authenticate") != "" {
			t.Error("an outage must not challenge the client for another key")
		}
		if !strings.Contains(e.logs.String(), "10.1.2.3") {
			t.Error("the cause was not logged")
		}
	})
}

func TestScopes(t *testing.T) {
	e := newEnv(t)
	e.sums.add(&papersum.Run{ID: "r1", Status: papersum.RunRunning, CreatedAt: t0})
	for _, tc := range []struct {
		method, path, key string
		want              int
	}{
		{"GET", "/api/v1/summaries/r1", e.read, http.StatusOK},
		{"GET", "/api/v1/summaries", e.read, http.StatusOK},
		{"DELETE", "/api/v1/summaries/r1", e.read, http.StatusForbidden},
		{"DELETE", "/api/v1/summaries/r1", e.write, http.StatusNoContent},
		{"POST", "/api/v1/summaries", e.read, http.StatusForbidden},
		{"POST", "/api/v1/summaries", e.write, http.StatusAccepted},
		{"POST", "/api/v1/summaries", e.admin, http.StatusAccepted},
		{"POST", "/api/v1/batches", e.read, http.StatusForbidden},
		{"POST", "/api/v1/batches", e.write, http.StatusAccepted},
		{"GET", "/api/v1/openapi.json", e.read, http.StatusOK},
	} {
		var body any
		switch tc.path {
		case "/api/v1/summaries":
			if tc.method == "POST" {
				body = map[string]string{"text": "A paper."}
			}
		case "/api/v1/batches":
			body = map[string]any{"items": []map[string]string{{"text": "A paper."}}}
		}
		w := e.json(tc.method, tc.path, tc.key, body)
		if w.Code != tc.want {
			t.Errorf("%s %s: %d, want %d; %s", tc.method, tc.path, w.Code, tc.want, w.Body)
		}
		if tc.want == http.StatusForbidden {
			if got := w.Header().Get("WWW-Authenticate"); !strings.Contains(got, `error="insufficient_scope", scope="write"`) {
				t.Errorf("WWW-Authenticate %q", got)
			}
		}
	}
	if n := e.sums.submits(); n != 2 {
		t.Errorf("Submit called %d times, want 2 (forbidden requests must not reach it)", n)
	}
}

func TestRateLimit(t *testing.T) {
	t.Run("memory limiter", func(t *testing.T) {
		lim, err := ratelimit.NewMemory(ratelimit.MemoryConfig{Limits: func(string) ratelimit.Limits {
			return ratelimit.Limits{RequestsPerMinute: 2}
		}})
		if err != nil {
			t.Fatal(err)
		}
		e := newEnv(t, func(d *Deps) { d.Limiter = lim })
		for i := range 2 {
			w := e.do(req("GET", "/api/v1/summaries", e.read, "", nil))
			wantStatus(t, w, http.StatusOK)
			if got := w.Header().Get("X-RateLimit-Remaining"); got != []string{"1", "0"}[i] {
				t.Errorf("request %d: X-RateLimit-Remaining %q", i, got)
			}
		}
		w := e.do(req("GET", "/api/v1/summaries", e.read, "", nil))
		wantError(t, w, http.StatusTooManyRequests, "rate_limited")
		if got := w.Header().Get("Retry-After"); got != "30" {
			t.Errorf("Retry-After %q, want 30 (one request of 2/min refills in 30s)", got)
		}
		// Another key has its own bucket.
		wantStatus(t, e.do(req("GET", "/api/v1/summaries", e.write, "", nil)), http.StatusOK)
		// Probes are never limited.
		wantStatus(t, e.do(req("GET", "/api/v1/health", "", "", nil)), http.StatusOK)
	})
	t.Run("rounds up", func(t *testing.T) {
		for _, tc := range []struct {
			d    time.Duration
			want string
		}{{1200 * time.Millisecond, "2"}, {time.Second, "1"}, {time.Microsecond, "1"}, {0, "1"}, {59*time.Second + 1, "60"}} {
			e := newEnv(t, func(d *Deps) {
				d.Limiter = fakeLimiter{decision: ratelimit.Decision{Allowed: false, RetryAfter: tc.d}}
			})
			w := e.do(req("POST", "/api/v1/summaries", e.write, "application/json", strings.NewReader(`{"text":"x"}`)))
			wantError(t, w, http.StatusTooManyRequests, "rate_limited")
			if got := w.Header().Get("Retry-After"); got != tc.want {
				t.Errorf("RetryAfter %s: Retry-After %q, want %q", tc.d, got, tc.want)
			}
			if e.sums.submits() != 0 {
				t.Error("a limited request reached Submit")
			}
		}
	})
	t.Run("limiter error is internal", func(t *testing.T) {
		e := newEnv(t, func(d *Deps) {
			d.Limiter = fakeLimiter{err: papersum.Errorf(papersum.EINVALID, "rate limit: negative limits")}
		})
		msg := wantError(t, e.do(req("GET", "/api/v1/summaries", e.read, "", nil)), http.StatusInternalServerError, "internal")
		if strings.Contains(msg, "negative") {
			t.Errorf("message %q leaks the cause", msg)
		}
	})
}
