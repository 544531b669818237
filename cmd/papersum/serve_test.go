package main

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/httpapi"
	"github.com/papersum/papersum/sqlite"
	"github.com/papersum/papersum/webhook"
)

// syncBuffer is a bytes.Buffer that a server goroutine writes while the
// test reads it.
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

var listenLine = regexp.MustCompile(`papersum: listening on (http://\S+)`)

// waitListening returns the base URL a server printed to stderr once its
// start-up probe answers 200, failing the test if that does not happen in
// time or the server ends first. (The server listens before its
// dependencies are reached, so the line alone does not mean started.)
func waitListening(t *testing.T, stderr interface{ String() string }, exited <-chan struct{}) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if m := listenLine.FindStringSubmatch(stderr.String()); m != nil && probeStatus(m[1]+"/startupz") == http.StatusOK {
			return m[1]
		}
		select {
		case <-exited:
			t.Fatalf("server ended before listening:\n%s", stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("server did not listen within 30s:\n%s", stderr.String())
	return ""
}

// probeStatus is the status of GET url, 0 when it cannot be had.
func probeStatus(url string) int {
	resp, err := http.Get(url)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// testServer is a `papersum serve` running in-process through run().
type testServer struct {
	url    string
	stderr *syncBuffer
	stop   func() error
}

// startServe runs `papersum serve` on 127.0.0.1:0 with env and args until
// the test ends (or stop is called).
func startServe(t *testing.T, env map[string]string, args ...string) *testServer {
	t.Helper()
	full := map[string]string{"HOME": t.TempDir()}
	for k, v := range env {
		full[k] = v
	}
	ctx, cancel := context.WithCancel(context.Background())
	stderr := &syncBuffer{}
	exited := make(chan struct{})
	var runErr error
	argv := append([]string{"papersum", "serve", "--addr", "127.0.0.1:0", "--insecure-allow-private"}, args...)
	go func() {
		runErr = run(ctx, argv, func(k string) string { return full[k] }, strings.NewReader(""), io.Discard, stderr)
		close(exited)
	}()
	s := &testServer{stderr: stderr}
	var once sync.Once
	var stopErr error
	s.stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case <-exited:
				stopErr = runErr
			case <-time.After(60 * time.Second):
				stopErr = fmt.Errorf("server did not stop within 60s")
			}
		})
		return stopErr
	}
	t.Cleanup(func() {
		if err := s.stop(); err != nil {
			t.Errorf("serve: %v\n%s", err, stderr.String())
		}
	})
	s.url = waitListening(t, stderr, exited)
	return s
}

// createKey makes an API key in the store the flags name and returns it.
func createKey(t *testing.T, env map[string]string, team, scope string, storeArgs ...string) string {
	t.Helper()
	args := append([]string{"keys", "create", "--team", team, "--user", "u-" + team, "--scope", scope}, storeArgs...)
	r := runCLI(t, context.Background(), env, "", args...)
	if r.code != 0 {
		t.Fatalf("keys create: %v\n%s", r.err, r.stderr)
	}
	return strings.TrimSpace(r.stdout)
}

// paperText is a synthetic paper, different for every seed, long enough
// for the local engine.
func paperText(seed int) string {
	rng := rand.New(rand.NewPCG(uint64(seed), 7))
	nouns := []string{"parser", "corpus", "model", "treebank", "tagger", "lexicon", "grammar", "decoder",
		"alignment", "classifier", "feature", "annotation", "baseline", "evaluation", "dependency"}
	verbs := []string{"improves", "reduces", "extends", "predicts", "outperforms", "combines", "learns", "measures"}
	sentence := func() string {
		n := func() string { return nouns[rng.IntN(len(nouns))] }
		return fmt.Sprintf("The %s %s the %s of the %s by %d percent on the %s.", n(), verbs[rng.IntN(len(verbs))], n(), n(), 1+rng.IntN(40), n())
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Paper %d on %s methods\n\nAbstract\n\n", seed, nouns[seed%len(nouns)])
	for i := 0; i < 4; i++ {
		b.WriteString(sentence() + " ")
	}
	for _, sec := range []string{"1 Introduction", "2 Method", "3 Experiments", "4 Conclusion"} {
		fmt.Fprintf(&b, "\n\n%s\n\n", sec)
		for i := 0; i < 6; i++ {
			b.WriteString(sentence() + " ")
		}
	}
	return b.String()
}

// api makes one request and decodes a JSON answer into out (when not nil).
func api(t *testing.T, method, url, key string, body any, out any) (int, http.Header) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %d %s: %v", method, url, resp.StatusCode, data, err)
		}
	}
	return resp.StatusCode, resp.Header
}

type runView struct {
	ID        string             `json:"id"`
	Status    papersum.RunStatus `json:"status"`
	Summary   string             `json:"summary"`
	Cached    bool               `json:"cached"`
	CacheHits int                `json:"cache_hits"`
	Team      string             `json:"team"`
	Stages    []struct {
		Stage string `json:"stage"`
	} `json:"stages"`
}

// The whole service through run(): keys, submit with ?wait, cache hits,
// idempotency, teams, batches, callbacks, the inbound webhook, probes and
// metrics, then a clean shutdown.
func TestServeEndToEnd(t *testing.T) {
	db := filepath.Join(t.TempDir(), "s.db")
	callbackSecret, _ := webhook.NewSecret(crand.Reader)
	inboundSecret, _ := webhook.NewSecret(crand.Reader)
	env := map[string]string{"PAPERSUM_DB": db, "PAPERSUM_CALLBACK_SECRET": callbackSecret, "PAPERSUM_WEBHOOK_SECRET": inboundSecret}
	writer := createKey(t, env, "alpha", "write")
	other := createKey(t, env, "beta", "write")

	var hooksMu sync.Mutex
	var hooks []map[string]any
	cbKey, _ := webhook.ParseSecret(callbackSecret)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if _, err := webhook.Verify([][]byte{cbKey}, r.Header, body, time.Now(), webhook.DefaultTolerance); err != nil {
			t.Errorf("callback signature: %v", err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var m map[string]any
		_ = json.Unmarshal(body, &m)
		hooksMu.Lock()
		hooks = append(hooks, m)
		hooksMu.Unlock()
	}))
	defer receiver.Close()

	srv := startServe(t, env)
	base := srv.url

	for _, probe := range []string{"/api/v1/health", "/readyz", "/startupz"} {
		if code, _ := api(t, "GET", base+probe, "", nil, nil); code != 200 {
			t.Errorf("GET %s: %d", probe, code)
		}
	}
	if code, _ := api(t, "POST", base+"/api/v1/summaries", "", map[string]string{"text": paperText(1)}, nil); code != 401 {
		t.Errorf("submit without key: %d, want 401", code)
	}

	// ?wait returns the finished run; the same bytes again are a cache hit.
	var first runView
	code, _ := api(t, "POST", base+"/api/v1/summaries?wait=30s", writer,
		map[string]string{"text": paperText(1), "callback_url": receiver.URL + "/done"}, &first)
	if code != 200 || first.Status != papersum.RunSucceeded || len(first.Stages) != 3 || first.Summary == "" || first.Cached {
		t.Fatalf("wait submit: %d %+v", code, first)
	}
	var again runView
	code, _ = api(t, "POST", base+"/api/v1/summaries?wait=5s", writer, map[string]string{"text": paperText(1)}, &again)
	if code != 200 || !again.Cached || again.ID == first.ID || again.Summary != first.Summary || len(again.Stages) != 0 ||
		again.CacheHits != 1 {
		t.Fatalf("repeat submit is not a cache hit: %d %+v", code, again)
	}
	// Later hits are answered with the same run, which counts them.
	var third runView
	code, _ = api(t, "POST", base+"/api/v1/summaries?wait=5s", writer, map[string]string{"text": paperText(1)}, &third)
	if code != 200 || third.ID != again.ID || third.CacheHits != 2 {
		t.Fatalf("third submit: %d %+v, want run %s with 2 hits", code, third, again.ID)
	}

	// An idempotency key returns the first run.
	var a1, a2 struct {
		ID string `json:"id"`
	}
	body := map[string]string{"text": paperText(2), "idempotency_key": "req-2"}
	c1, _ := api(t, "POST", base+"/api/v1/summaries", writer, body, &a1)
	c2, _ := api(t, "POST", base+"/api/v1/summaries", writer, body, &a2)
	if c1 != 202 || a1.ID == "" || a2.ID != a1.ID || (c2 != 200 && c2 != 202) {
		t.Fatalf("idempotent submit: %d %s, %d %s", c1, a1.ID, c2, a2.ID)
	}
	if code, _ := api(t, "POST", base+"/api/v1/summaries", writer,
		map[string]string{"text": paperText(3), "idempotency_key": "req-2"}, nil); code != 409 {
		t.Errorf("key reused for another paper: %d, want 409", code)
	}

	// A URL off the fetch allowlist is refused before anything is stored:
	// it cannot be used as it is (422).
	if code, _ := api(t, "POST", base+"/api/v1/summaries", writer, map[string]string{"url": receiver.URL + "/paper.pdf"}, nil); code != 422 {
		t.Errorf("URL off the allowlist: %d, want 422", code)
	}

	// Teams see only their runs.
	if code, _ := api(t, "GET", base+"/api/v1/summaries/"+first.ID, other, nil, nil); code != 404 {
		t.Errorf("other team reads the run: %d, want 404", code)
	}
	var list struct {
		Items []runView `json:"items"`
	}
	if code, _ := api(t, "GET", base+"/api/v1/summaries", other, nil, &list); code != 200 || len(list.Items) != 0 {
		t.Errorf("other team lists %d runs (code %d)", len(list.Items), code)
	}

	// A batch reports progress until every run has finished.
	var batch struct {
		ID        string   `json:"id"`
		Status    string   `json:"status"`
		Total     int      `json:"total"`
		Succeeded int      `json:"succeeded"`
		RunIDs    []string `json:"run_ids"`
	}
	items := []map[string]string{{"text": paperText(10)}, {"text": paperText(11)}, {"text": paperText(12)}}
	if code, _ := api(t, "POST", base+"/api/v1/batches", writer,
		map[string]any{"items": items, "callback_url": receiver.URL + "/batch"}, &batch); code != 202 || batch.Total != 3 {
		t.Fatalf("create batch: %d %+v", code, batch)
	}
	deadline := time.Now().Add(30 * time.Second)
	for batch.Status != "finished" && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		api(t, "GET", base+"/api/v1/batches/"+batch.ID, writer, nil, &batch)
	}
	if batch.Status != "finished" || batch.Succeeded != 3 {
		t.Fatalf("batch: %+v", batch)
	}

	// The callback attempts of the run and of the batch are listed by the
	// API, to their own team only.
	type deliveries struct {
		Items []struct {
			WebhookID string `json:"webhook_id"`
			URL       string `json:"url"`
			Attempt   int    `json:"attempt"`
			Status    int    `json:"status"`
		} `json:"items"`
	}
	for _, path := range []string{"/api/v1/summaries/" + first.ID, "/api/v1/batches/" + batch.ID} {
		var got deliveries
		deadline := time.Now().Add(30 * time.Second)
		for len(got.Items) == 0 && time.Now().Before(deadline) {
			if code, _ := api(t, "GET", base+path+"/deliveries", writer, nil, &got); code != 200 {
				t.Fatalf("GET %s/deliveries: %d", path, code)
			}
			if len(got.Items) == 0 {
				time.Sleep(50 * time.Millisecond)
			}
		}
		if len(got.Items) != 1 || got.Items[0].Status != 200 || got.Items[0].Attempt != 1 || !strings.HasPrefix(got.Items[0].URL, receiver.URL) {
			t.Errorf("%s/deliveries: %+v", path, got)
		}
		if code, _ := api(t, "GET", base+path+"/deliveries", other, nil, nil); code != 404 {
			t.Errorf("other team reads %s/deliveries: %d, want 404", path, code)
		}
	}
	for _, id := range []string{"no-such-run", "bat_no-such-batch", strings.Repeat("x", 5000)} {
		if code, _ := api(t, "GET", base+"/api/v1/summaries/"+id+"/deliveries", writer, nil, nil); code != 404 {
			t.Errorf("deliveries of unknown %.20s: %d, want 404", id, code)
		}
	}

	// Signed inbound webhook: accepted once, a replay is ignored, a bad
	// signature is refused.
	inKey, _ := webhook.ParseSecret(inboundSecret)
	send := func(id string, key []byte, payload []byte) int {
		req, _ := http.NewRequest("POST", base+"/webhook/paper-published", bytes.NewReader(payload))
		now := time.Now()
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(webhook.HeaderID, id)
		req.Header.Set(webhook.HeaderTimestamp, fmt.Sprint(now.Unix()))
		req.Header.Set(webhook.HeaderSignature, webhook.Sign(key, id, now, payload))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	payload, _ := json.Marshal(map[string]any{"type": "paper.published", "data": map[string]string{"text": paperText(20)}})
	if c := send("msg_1", inKey, payload); c/100 != 2 {
		t.Errorf("signed webhook: %d", c)
	}
	if c := send("msg_1", inKey, payload); c/100 != 2 {
		t.Errorf("replayed webhook: %d", c)
	}
	if c := send("msg_2", []byte("wrong-secret-wrong-secret-wrong!"), payload); c != 401 {
		t.Errorf("badly signed webhook: %d, want 401", c)
	}
	admin := createKey(t, env, "ops", "admin")
	deadline = time.Now().Add(20 * time.Second)
	var webhookRuns struct {
		Items []runView `json:"items"`
	}
	webhookDone := 0
	for time.Now().Before(deadline) && webhookDone == 0 {
		api(t, "GET", base+"/api/v1/summaries?status=succeeded", admin, nil, &webhookRuns)
		for _, r := range webhookRuns.Items {
			if r.Team == "webhook" {
				webhookDone++
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	if webhookDone != 1 {
		t.Errorf("%d runs from the signed webhook, want exactly 1", webhookDone)
	}

	// The callbacks arrive: one for the run, one for the batch.
	deadline = time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		hooksMu.Lock()
		n := len(hooks)
		hooksMu.Unlock()
		if n >= 2 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	hooksMu.Lock()
	types := []string{}
	for _, h := range hooks {
		types = append(types, fmt.Sprint(h["type"]))
	}
	hooksMu.Unlock()
	if strings.Join(types, ",") != "summary.succeeded,batch.finished" && strings.Join(types, ",") != "batch.finished,summary.succeeded" {
		t.Errorf("callbacks received: %v", types)
	}

	// Metrics carry the pipeline and cache series.
	req, _ := http.NewRequest("GET", base+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+admin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"pipeline_requests_total", "pipeline_latency_seconds_bucket", "pipeline_tokens_total",
		"pipeline_cost_usd_total", "pipeline_quality_score", "pipeline_cache_hits_total", "pipeline_queue_depth",
		`store_commit_requests_count{kind="submit",outcome="ok"}`, "store_commit_duration_seconds"} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	if err := srv.stop(); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if !strings.Contains(srv.stderr.String(), `"msg":"stopped"`) {
		t.Errorf("no clean stop in the log:\n%s", srv.stderr.String())
	}

	// Every callback attempt is recorded with its answer.
	store, err := sqlite.Open(context.Background(), db, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	dels, err := store.Deliveries(context.Background(), first.ID)
	if err != nil || len(dels) != 1 || dels[0].Status != 200 || dels[0].URL != receiver.URL+"/done" || dels[0].Attempt != 1 {
		t.Errorf("deliveries of %s: %+v (%v)", first.ID, dels, err)
	}
}

var metricsLine = regexp.MustCompile(`papersum: metrics on (http://\S+/metrics)`)

// --metrics-addr serves /metrics without a key on a listener of its own,
// while the API's /metrics keeps asking for one; the OpenAPI document is
// public on the API's listener.
func TestServeMetricsAddrAndPublicOpenAPI(t *testing.T) {
	env := map[string]string{"PAPERSUM_DB": filepath.Join(t.TempDir(), "s.db")}
	reader := createKey(t, env, "ops", "read")
	srv := startServe(t, env, "--metrics-addr", "127.0.0.1:0")
	m := metricsLine.FindStringSubmatch(srv.stderr.String())
	if m == nil {
		t.Fatalf("no metrics address in the log:\n%s", srv.stderr.String())
	}
	get := func(url, key string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", url, nil)
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	// A request through the API first, so that its metrics have a series.
	if code, _ := get(srv.url+"/api/v1/health", ""); code != 200 {
		t.Fatalf("health: %d", code)
	}
	code, body := get(m[1], "")
	if code != 200 || !strings.Contains(body, "go_goroutines") || !strings.Contains(body, "pipeline_queue_depth") {
		t.Errorf("metrics listener without a key: %d %.300s", code, body)
	}
	if code, _ := get(srv.url+"/metrics", ""); code != 401 {
		t.Errorf("the API's /metrics without a key: %d, want 401", code)
	}
	if code, body := get(srv.url+"/metrics", reader); code != 200 || !strings.Contains(body, "go_goroutines") {
		t.Errorf("the API's /metrics with a read key: %d", code)
	}
	// The metrics listener serves nothing else.
	base := strings.TrimSuffix(m[1], "/metrics")
	for _, path := range []string{"/api/v1/summaries", "/api/v1/openapi.json", "/readyz"} {
		if code, _ := get(base+path, reader); code != 404 {
			t.Errorf("metrics listener %s: %d, want 404", path, code)
		}
	}
	code, body = get(srv.url+"/api/v1/openapi.json", "")
	if code != 200 || body != string(httpapi.OpenAPI()) {
		t.Errorf("OpenAPI document without a key: %d (%d bytes)", code, len(body))
	}

	// An address that cannot be listened on is a clear error.
	other := map[string]string{"PAPERSUM_DB": filepath.Join(t.TempDir(), "other.db")}
	r := runCLI(t, context.Background(), other, "", "serve", "--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:99999")
	if r.code != 1 || r.err == nil || !strings.Contains(r.err.Error(), "--metrics-addr") || strings.Contains(r.stderr, "listening on") {
		t.Errorf("bad --metrics-addr: exit %d, %v\n%s", r.code, r.err, r.stderr)
	}
}
