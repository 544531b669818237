package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/papersum/papersum/internal/faultproxy"
	"github.com/papersum/papersum/internal/pgtest"
	"github.com/papersum/papersum/internal/redistest"
)

// waitingServe is `papersum serve` through run() that the test watches
// while it starts: unlike startServe it does not wait for the start to
// finish, and it keeps run's error.
type waitingServe struct {
	url    string
	stderr *syncBuffer
	exited chan struct{}
	err    error
	cancel context.CancelFunc
}

func startWaitingServe(t *testing.T, env map[string]string, args ...string) *waitingServe {
	t.Helper()
	full := map[string]string{"HOME": t.TempDir()}
	for k, v := range env {
		full[k] = v
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &waitingServe{stderr: &syncBuffer{}, exited: make(chan struct{}), cancel: cancel}
	argv := append([]string{"papersum", "serve", "--addr", "127.0.0.1:0", "--insecure-allow-private"}, args...)
	go func() {
		s.err = run(ctx, argv, func(k string) string { return full[k] }, strings.NewReader(""), io.Discard, s.stderr)
		close(s.exited)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-s.exited:
		case <-time.After(60 * time.Second):
			t.Error("serve did not stop within 60s")
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if m := listenLine.FindStringSubmatch(s.stderr.String()); m != nil {
			s.url = m[1]
			return s
		}
		select {
		case <-s.exited:
			t.Fatalf("serve ended before listening: %v\n%s", s.err, s.stderr)
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatalf("serve did not listen within 30s:\n%s", s.stderr)
	return nil
}

// wait waits for serve to end and returns run's error.
func (s *waitingServe) wait(t *testing.T, within time.Duration) error {
	t.Helper()
	select {
	case <-s.exited:
		return s.err
	case <-time.After(within):
		t.Fatalf("serve still running after %s:\n%s", within, s.stderr)
		return nil
	}
}

// get returns the status and body of GET path.
func (s *waitingServe) get(t *testing.T, path string) (int, string) {
	t.Helper()
	return getURL(t, s.url+path)
}

func getURL(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// eventually polls cond until it holds, failing after within.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// closedAddr is a loopback address where nothing listens.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestServeGivesUpOnPostgresWithExit69: with nothing listening where the
// database should be, serve retries, logs each attempt's cause, and exits
// 69 after --startup-timeout with a line that names the cause.
func TestServeGivesUpOnPostgresWithExit69(t *testing.T) {
	dbURL := "postgres://postgres@" + closedAddr(t) + "/test?connect_timeout=2"
	s := startWaitingServe(t, nil, "--database-url", dbURL, "--startup-timeout", "1s")
	err := s.wait(t, 30*time.Second)
	if code := exitCode(err); code != exitUnavailable {
		t.Fatalf("exit code %d (%v), want %d", code, err, exitUnavailable)
	}
	line := errorLine(err)
	for _, want := range []string{"database", "--startup-timeout 1s", "connection refused"} {
		if !strings.Contains(line, want) {
			t.Errorf("error line %q lacks %q", line, want)
		}
	}
	if !strings.Contains(s.stderr.String(), `"cause":"connection refused"`) {
		t.Errorf("no attempt logged with its cause:\n%s", s.stderr)
	}
}

// TestServeWaitingProbesAndCleanStop: while serve waits for the database,
// liveness answers 200, /startupz and /readyz 503 with what is missing and
// why; a signal then ends serve at once, as a normal stop (exit 0).
func TestServeWaitingProbesAndCleanStop(t *testing.T) {
	dbURL := "postgres://postgres@" + closedAddr(t) + "/test?connect_timeout=2"
	s := startWaitingServe(t, nil, "--database-url", dbURL, "--startup-timeout", "1h")
	if code, body := s.get(t, "/api/v1/health"); code != http.StatusOK {
		t.Errorf("health while waiting: %d %s", code, body)
	}
	for _, p := range []string{"/startupz", "/readyz"} {
		eventually(t, 10*time.Second, p+" names the cause", func() bool {
			code, body := s.get(t, p)
			return code == http.StatusServiceUnavailable && strings.Contains(body, `"status":"starting"`) &&
				strings.Contains(body, `{"name":"store","status":"failing","reason":"connection refused"}`) &&
				strings.Contains(body, `{"name":"workers","status":"failing","reason":"not started"}`)
		})
	}
	s.cancel()
	if err := s.wait(t, 10*time.Second); err != nil {
		t.Fatalf("serve stopped while waiting: %v, want nil", err)
	}
}

func TestStartupTimeoutFlag(t *testing.T) {
	for _, v := range []string{"0", "500ms", "2d", "soon"} {
		r := runCLI(t, context.Background(), nil, "", "serve", "--startup-timeout", v)
		if r.code != exitUsage || !strings.Contains(r.err.Error(), "--startup-timeout") {
			t.Errorf("--startup-timeout %s: exit %d, %v", v, r.code, r.err)
		}
	}
	r := runCLI(t, context.Background(), nil, "", "serve", "--ratelimit-fallback", "maybe")
	if r.code != exitUsage || !strings.Contains(r.err.Error(), "local, open, closed") {
		t.Errorf("--ratelimit-fallback maybe: exit %d, %v", r.code, r.err)
	}
	help := runCLI(t, context.Background(), nil, "", "serve", "--help")
	for _, want := range []string{"--startup-timeout", "(default 2m0s)", "--ratelimit-fallback", "69", "degraded"} {
		if !strings.Contains(help.stdout, want) {
			t.Errorf("serve --help lacks %q", want)
		}
	}
}

// pgBehindProxy returns a database URL of the test Postgres, in a schema
// of the test's own, that goes through a proxy the test cuts and
// restores; the proxy starts cut when down is set.
func pgBehindProxy(t *testing.T, down bool) (string, string, *faultproxy.Proxy) {
	t.Helper()
	raw := pgtest.URL(t)
	schema := pgtest.Schema(t, raw)
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "5432")
	}
	p := faultproxy.New(t, host, down)
	u.Host = p.Addr()
	q := u.Query()
	q.Set("sslmode", "disable")
	q.Set("connect_timeout", "2")
	u.RawQuery = q.Encode()
	return u.String(), schema, p
}

// TestServeWaitsForPostgres: Postgres is down when serve starts; serve
// waits, says why, and proceeds (migrations, workers) as soon as it is
// back, then serves summaries.
func TestServeWaitsForPostgres(t *testing.T) {
	dbURL, schema, proxy := pgBehindProxy(t, true)
	s := startWaitingServe(t, nil, "--database-url", dbURL, "--database-schema", schema, "--startup-timeout", "2m")
	if code, _ := s.get(t, "/api/v1/health"); code != http.StatusOK {
		t.Errorf("health while waiting: %d", code)
	}
	eventually(t, 10*time.Second, "startupz says what is missing", func() bool {
		code, body := s.get(t, "/startupz")
		return code == http.StatusServiceUnavailable && strings.Contains(body, `"reason":"connection refused"`) &&
			strings.Contains(body, `{"name":"workers","status":"failing","reason":"not started"}`)
	})
	if code, _ := s.get(t, "/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("readyz while waiting: %d", code)
	}
	proxy.Restore()
	eventually(t, 30*time.Second, "startupz 200 once Postgres is back", func() bool {
		code, _ := s.get(t, "/startupz")
		return code == http.StatusOK
	})
	if code, body := s.get(t, "/readyz"); code != http.StatusOK {
		t.Errorf("readyz after start: %d %s", code, body)
	}
	env := map[string]string{}
	key := createKey(t, env, "alpha", "write", "--database-url", dbURL, "--database-schema", schema)
	var run runView
	if code, _ := api(t, "POST", s.url+"/api/v1/summaries?wait=30s", key, map[string]string{"text": paperText(11)}, &run); code != http.StatusOK || run.Status != "succeeded" {
		t.Fatalf("summary after the wait: %d %+v", code, run)
	}
}

// TestServePostgresOutageAnswers: Postgres goes away under a started
// serve: the store's 503 carries Retry-After, /readyz names the store and,
// once a lease renewal fails, the workers; all recover when it is back.
// The lease renews every 5s, so this waits for it; PAPERSUM_FAULT_TESTS
// runs it (CI sets it).
func TestServePostgresOutageAnswers(t *testing.T) {
	if os.Getenv("PAPERSUM_FAULT_TESTS") == "" {
		t.Skip("PAPERSUM_FAULT_TESTS not set: waits for a lease renewal (5s)")
	}
	dbURL, schema, proxy := pgBehindProxy(t, false)
	key := createKey(t, map[string]string{}, "alpha", "write", "--database-url", dbURL, "--database-schema", schema)
	srv := startServe(t, nil, "--database-url", dbURL, "--database-schema", schema)
	proxy.Cut()
	eventually(t, 20*time.Second, "readyz reports the workers failing", func() bool {
		code, body := getURL(t, srv.url+"/readyz")
		return code == http.StatusServiceUnavailable && strings.Contains(body, `{"name":"workers","status":"failing","reason":"not fetching jobs"}`) &&
			strings.Contains(body, `"name":"store","status":"failing"`)
	})
	req, _ := http.NewRequest("GET", srv.url+"/api/v1/summaries", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "5" {
		t.Errorf("store outage: %d, Retry-After %q; want 503 with 5", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	proxy.Restore()
	eventually(t, 30*time.Second, "readyz ready once Postgres is back", func() bool {
		code, _ := getURL(t, srv.url+"/readyz")
		return code == http.StatusOK
	})
}

// redisBehindProxy returns a Redis URL of the test Redis through a proxy,
// cut when down is set.
func redisBehindProxy(t *testing.T, down bool) (string, *faultproxy.Proxy) {
	t.Helper()
	direct := redistest.Client(t)
	p := faultproxy.New(t, direct.Options().Addr, down)
	return "redis://" + p.Addr() + "/" + strconv.Itoa(direct.Options().DB), p
}

// metricValue reads one series of /metrics (served without a key on the
// metrics listener), 0 when absent.
func metricValue(t *testing.T, metricsURL, series string) float64 {
	t.Helper()
	_, body := getURL(t, metricsURL)
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindStringSubmatch(body)
	if m == nil {
		return 0
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestServeRedisDownAtStart: Redis down when serve starts is what Redis
// down later is: serve starts, /readyz says degraded (200), degraded
// decisions are counted, go-redis's own lines are structured, and Redis is
// used again once it is back.
func TestServeRedisDownAtStart(t *testing.T) {
	redisURL, proxy := redisBehindProxy(t, true)
	db := filepath.Join(t.TempDir(), "s.db")
	env := map[string]string{"PAPERSUM_DB": db}
	key := createKey(t, env, "alpha", "write")
	srv := startServe(t, env, "--redis-url", redisURL, "--metrics-addr", "127.0.0.1:0")
	metricsURL := metricsLine.FindStringSubmatch(srv.stderr.String())[1]

	code, body := getURL(t, srv.url+"/readyz")
	if code != http.StatusOK || !strings.Contains(body, `"status":"degraded"`) ||
		!strings.Contains(body, `{"name":"redis","status":"degraded","reason":"connection refused"}`) {
		t.Errorf("readyz with Redis down: %d %s", code, body)
	}
	var run runView
	if code, _ := api(t, "POST", srv.url+"/api/v1/summaries?wait=30s", key, map[string]string{"text": paperText(21)}, &run); code != http.StatusOK {
		t.Fatalf("submit with Redis down: %d", code)
	}
	cacheMiss := `pipeline_degraded_decisions_total{component="cache",policy="miss"}`
	limitLocal := `pipeline_degraded_decisions_total{component="ratelimit",policy="local"}`
	if v := metricValue(t, metricsURL, limitLocal); v < 1 {
		t.Errorf("%s = %v, want at least 1", limitLocal, v)
	}
	if v := metricValue(t, metricsURL, cacheMiss); v < 1 {
		t.Errorf("%s = %v, want at least 1", cacheMiss, v)
	}
	if !strings.Contains(srv.stderr.String(), `"component":"go-redis"`) {
		t.Errorf("go-redis's own log lines are not in the structured log:\n%s", srv.stderr)
	}

	proxy.Restore()
	eventually(t, 20*time.Second, "readyz ready once Redis is back", func() bool {
		code, body := getURL(t, srv.url+"/readyz")
		return code == http.StatusOK && strings.Contains(body, `"status":"ready"`)
	})
	before := metricValue(t, metricsURL, limitLocal)
	if code, _ := api(t, "POST", srv.url+"/api/v1/summaries?wait=30s", key, map[string]string{"text": paperText(22)}, &run); code != http.StatusOK {
		t.Fatalf("submit with Redis back: %d", code)
	}
	if after := metricValue(t, metricsURL, limitLocal); after != before {
		t.Errorf("degraded limiter decisions went from %v to %v with Redis back", before, after)
	}
}

// TestServeRateLimitFallbackPolicies runs each --ratelimit-fallback with
// Redis cut, through the API: a key of 2 requests a minute makes 3.
func TestServeRateLimitFallbackPolicies(t *testing.T) {
	for _, tc := range []struct {
		policy string
		want   [3]int
	}{
		{"local", [3]int{200, 200, 429}},
		{"open", [3]int{200, 200, 200}},
		{"closed", [3]int{503, 503, 503}},
	} {
		t.Run(tc.policy, func(t *testing.T) {
			redisURL, _ := redisBehindProxy(t, true)
			db := filepath.Join(t.TempDir(), "s.db")
			env := map[string]string{"PAPERSUM_DB": db}
			key := createKey(t, env, "alpha", "read")
			srv := startServe(t, env, "--redis-url", redisURL, "--rate-limit-rpm", "2", "--ratelimit-fallback", tc.policy)
			var got [3]int
			var retryAfter string
			for i := range got {
				req, _ := http.NewRequest("GET", srv.url+"/api/v1/summaries", nil)
				req.Header.Set("Authorization", "Bearer "+key)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				got[i] = resp.StatusCode
				retryAfter = resp.Header.Get("Retry-After")
			}
			if got != tc.want {
				t.Errorf("statuses %v, want %v", got, tc.want)
			}
			if tc.policy == "closed" && retryAfter != "5" {
				t.Errorf("closed: Retry-After %q, want 5", retryAfter)
			}
		})
	}
}
