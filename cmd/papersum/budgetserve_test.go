package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/llm/llmtest/fakeupstream"
	"github.com/papersum/papersum/webhook"
)

// TestServeBudgetRefusesWithoutCuttingRuns runs serve on a priced model
// whose upstream holds the second stage's call: while the first run is
// held mid-run with its first stage already over the team's day budget, a
// new submission of the team is refused with 402 and a body naming the
// budget, spend, limit and reset; another team is not refused; the held
// run, released, finishes all three stages. Its finish sends each soft
// threshold's signed budget.threshold event once and sets
// pipeline_budget_used_ratio{team} on /metrics.
func TestServeBudgetRefusesWithoutCuttingRuns(t *testing.T) {
	fake := fakeupstream.New(fakeupstream.Config{Seed: 3})
	var calls atomic.Int64
	held, release := make(chan struct{}), make(chan struct{})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 2 {
			close(held)
			<-release
		}
		fake.ServeHTTP(w, r)
	}))
	defer up.Close()
	var releaseOnce sync.Once
	defer releaseOnce.Do(func() { close(release) })

	secret, err := webhook.NewSecret(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	key, _ := webhook.ParseSecret(secret)
	var mu sync.Mutex
	var events []map[string]any
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if _, err := webhook.Verify([][]byte{key}, r.Header, body, time.Now(), webhook.DefaultTolerance); err != nil {
			t.Errorf("budget webhook: %v", err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var ev struct {
			Type string         `json:"type"`
			Data map[string]any `json:"data"`
		}
		if err := json.Unmarshal(body, &ev); err != nil || ev.Type != "budget.threshold" {
			t.Errorf("budget webhook body %s: %v", body, err)
		}
		mu.Lock()
		events = append(events, ev.Data)
		mu.Unlock()
	}))
	defer hook.Close()

	cfg := writeConfig(t, fmt.Sprintf(`
providers:
  anthropic: {base_url: %q}
stages:
  summarize: {provider: anthropic, model: claude-sonnet-4-5}
  critique:  {provider: anthropic, model: claude-sonnet-4-5}
  revise:    {provider: anthropic, model: claude-sonnet-4-5}
budget:
  webhook_url: %q
`, up.URL, hook.URL))
	env := map[string]string{"PAPERSUM_DB": filepath.Join(t.TempDir(), "b.db"), "PAPERSUM_CONFIG": cfg, "ANTHROPIC_API_KEY": "k",
		"PAPERSUM_BUDGET_WEBHOOK_SECRET": secret}
	physics := createKey(t, env, "physics", "write")
	nlp := createKey(t, env, "nlp", "write")
	if r := runCLI(t, context.Background(), env, "", "budgets", "set", "--team", "physics", "--period", "day", "--limit-usd", "0.000001"); r.code != 0 {
		t.Fatalf("budgets set: %v", r.err)
	}
	srv := startServe(t, env, "--metrics-addr", "127.0.0.1:0")
	m := metricsLine.FindStringSubmatch(srv.stderr.String())
	if m == nil {
		t.Fatalf("no metrics address in the log:\n%s", srv.stderr.String())
	}

	// Nothing spent yet: accepted.
	var a runRecord
	if code, _ := api(t, "POST", srv.url+"/api/v1/summaries", physics, map[string]string{"text": paperText(1)}, &a); code != http.StatusAccepted {
		t.Fatalf("first submit: %d", code)
	}
	select {
	case <-held:
	case <-time.After(30 * time.Second):
		t.Fatal("the run never reached its second stage")
	}
	// The first stage's cost is in the store once the run shows it.
	deadline := time.Now().Add(30 * time.Second)
	for {
		var got struct {
			Stages []json.RawMessage `json:"stages"`
		}
		api(t, "GET", srv.url+"/api/v1/summaries/"+a.ID, physics, nil, &got)
		if len(got.Stages) >= 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the first stage was never stored")
		}
		time.Sleep(20 * time.Millisecond)
	}

	var refused struct {
		Error struct {
			Code   string `json:"code"`
			Budget struct {
				Scope    string    `json:"scope"`
				ID       string    `json:"id"`
				Period   string    `json:"period"`
				LimitUSD float64   `json:"limit_usd"`
				SpentUSD float64   `json:"spent_usd"`
				ResetsAt time.Time `json:"resets_at"`
			} `json:"budget"`
		} `json:"error"`
	}
	code, hdr := api(t, "POST", srv.url+"/api/v1/summaries", physics, map[string]string{"text": paperText(2)}, &refused)
	now := time.Now().UTC()
	b := refused.Error.Budget
	if code != http.StatusPaymentRequired || refused.Error.Code != "budget_exceeded" || b.Scope != "team" || b.ID != "physics" ||
		b.Period != "day" || b.LimitUSD != 0.000001 || b.SpentUSD <= b.LimitUSD ||
		!b.ResetsAt.Equal(time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, time.UTC)) || hdr.Get("Retry-After") == "" {
		t.Fatalf("over budget: %d %+v (Retry-After %q)", code, refused, hdr.Get("Retry-After"))
	}
	code, _ = api(t, "POST", srv.url+"/api/v1/batches", physics, map[string]any{"items": []map[string]string{{"text": paperText(3)}}}, nil)
	if code != http.StatusPaymentRequired {
		t.Fatalf("batch over budget: %d", code)
	}
	var mid runRecord
	api(t, "GET", srv.url+"/api/v1/summaries/"+a.ID, physics, nil, &mid)
	if mid.Status.Finished() {
		t.Fatalf("the held run is %s", mid.Status)
	}

	// The held run finishes every stage.
	releaseOnce.Do(func() { close(release) })
	var done struct {
		Status papersum.RunStatus `json:"status"`
		Stages []json.RawMessage  `json:"stages"`
	}
	deadline = time.Now().Add(60 * time.Second)
	for {
		api(t, "GET", srv.url+"/api/v1/summaries/"+a.ID, physics, nil, &done)
		if done.Status.Finished() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the released run never finished")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if done.Status != papersum.RunSucceeded || len(done.Stages) != 3 {
		t.Fatalf("the run in flight was cut: %s with %d stages", done.Status, len(done.Stages))
	}
	// Another team is not limited; its run finishes.
	if r := submit(t, srv, nlp, 4); r.Status != papersum.RunSucceeded {
		t.Fatalf("nlp: %+v", r)
	}

	// Thresholds: each once; the gauge on /metrics.
	deadline = time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		n := len(events)
		mu.Unlock()
		if n >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d budget.threshold events, want 3", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	mu.Lock()
	got := map[float64]bool{}
	for _, e := range events {
		got[e["threshold"].(float64)] = true
		if e["used_percent"].(float64) <= 100 || e["run_id"] != a.ID {
			t.Errorf("event %v", e)
		}
	}
	mu.Unlock()
	if len(events) != 3 || !got[50] || !got[80] || !got[95] {
		t.Fatalf("events %v", events)
	}
	ss := parseExposition(t, getBody(t, m[1]))
	if v := sum(ss, "pipeline_budget_used_ratio", map[string]string{"team": "physics", "period": "day"}); v <= 1 {
		t.Fatalf("pipeline_budget_used_ratio{team=physics} = %v, want > 1", v)
	}
	if r := runCLI(t, context.Background(), env, "", "budgets", "list", "--format", "json"); r.code != 0 || !jsonHas(r.stdout, "physics") {
		t.Fatalf("budgets list: %d %s", r.code, r.stdout)
	}
}

func jsonHas(s, sub string) bool {
	var v []map[string]any
	if json.Unmarshal([]byte(s), &v) != nil {
		return false
	}
	for _, e := range v {
		if e["id"] == sub && e["spent_usd"].(float64) > 0 {
			return true
		}
	}
	return false
}
