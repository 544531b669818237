package main

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/httpapi"
	"github.com/papersum/papersum/llm/llmtest/fakeupstream"
)

// downableUpstream is the fake upstream behind a switch: while down, every
// request has its connection reset, as a killed server's are.
type downableUpstream struct {
	fake *fakeupstream.Server
	down atomic.Bool
}

func (u *downableUpstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !u.down.Load() {
		u.fake.ServeHTTP(w, r)
		return
	}
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// The model API down while a batch is in flight, through `papersum serve`
// on each store: runs that used up their in-call retries wait in the queue
// (queued, with why and until when; none shows as running or failed) and
// all finish, each with one result per stage and one paid answer per
// stage, once the API is back, whether the circuit breaker had opened or
// not; with the API down past --run-deadline, every run fails with a
// transient class and the deadline in its error. It waits out the
// service's first wait between attempts (5s), so it runs where the
// service's store tests run (TEST_DATABASE_URL set, as in CI).
func TestServeModelAPIOutage(t *testing.T) {
	url := os.Getenv("TEST_DATABASE_URL")
	if url == "" || testing.Short() {
		t.Skip("TEST_DATABASE_URL is not set (this end-to-end test waits ~5s between attempts; CI runs it)")
	}
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			storeArgs := func(t *testing.T) []string {
				if backend == "sqlite" {
					return []string{"--db", filepath.Join(t.TempDir(), "faults.db")}
				}
				return []string{"--database-url", url, "--database-schema", pgTestSchema(t, url)}
			}
			t.Run("down then back", func(t *testing.T) {
				t.Parallel()
				modelOutage(t, storeArgs(t), false)
			})
			t.Run("down past the deadline", func(t *testing.T) {
				t.Parallel()
				modelOutage(t, storeArgs(t), true)
			})
		})
	}
}

func modelOutage(t *testing.T, storeArgs []string, pastDeadline bool) {
	const papers = 6
	up := &downableUpstream{fake: fakeupstream.New(fakeupstream.Config{Seed: 11, Latency: 5 * time.Millisecond})}
	srv := httptest.NewServer(up)
	t.Cleanup(srv.Close)
	t.Cleanup(up.fake.Close)
	cfg := writeConfig(t, fmt.Sprintf(`
providers:
  anthropic: {base_url: %q}
retry: {max_attempts: 2, base_delay: 5ms, max_delay: 5ms}
breaker: {failures: 3, open_timeout: 50ms}
stages:
  summarize: {provider: anthropic, model: claude-haiku-4-5}
  critique:  {provider: anthropic, model: claude-haiku-4-5}
  revise:    {provider: anthropic, model: claude-haiku-4-5}
`, srv.URL))
	env := map[string]string{"ANTHROPIC_API_KEY": "test-key"}
	key := createKey(t, env, "faults", "write", storeArgs...)
	args := append([]string{"--config", cfg, "--workers", "2", "--rate-limit-rpm", "0"}, storeArgs...)
	if pastDeadline {
		args = append(args, "--run-deadline", "2s")
	}
	s := startServe(t, env, args...)

	up.down.Store(true)
	items := make([]map[string]string, papers)
	for i := range items {
		items[i] = map[string]string{"text": paperText(2000 + i)}
	}
	var batch struct {
		ID        string `json:"id"`
		Status    string `json:"status"`
		Succeeded int    `json:"succeeded"`
		Failed    int    `json:"failed"`
	}
	if code, _ := api(t, "POST", s.url+"/api/v1/batches", key, map[string]any{"items": items}, &batch); code != 202 {
		t.Fatalf("create batch: %d\n%s", code, s.stderr.String())
	}
	list := func() []httpapi.RunJSON {
		var page struct {
			Items []httpapi.RunJSON `json:"items"`
		}
		if code, _ := api(t, "GET", s.url+"/api/v1/summaries?limit=100", key, nil, &page); code != 200 {
			t.Fatalf("list: %d", code)
		}
		return page.Items
	}
	deadline := time.Now().Add(60 * time.Second)
	if !pastDeadline {
		// Every run waits once, shown as queued, before the API is back.
		for {
			runs, waiting := list(), 0
			for _, r := range runs {
				switch {
				case r.Waiting != nil && r.Status == string(papersum.RunQueued):
					waiting++
				case r.Waiting != nil:
					t.Fatalf("run %s shows %s with a wait", r.ID, r.Status)
				case papersum.RunStatus(r.Status).Finished():
					t.Fatalf("run %s ended %s while the API was down: %s", r.ID, r.Status, r.Error)
				}
			}
			if waiting == papers {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d of %d runs waiting\n%s", waiting, papers, s.stderr.String())
			}
			time.Sleep(10 * time.Millisecond)
		}
		up.down.Store(false)
	}
	back := time.Now()
	for batch.Status != "finished" {
		if time.Now().After(deadline) {
			t.Fatalf("batch not finished: %+v\n%s", batch, s.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
		api(t, "GET", s.url+"/api/v1/batches/"+batch.ID, key, nil, &batch)
	}
	t.Logf("batch finished %s after the API came back (or after submission, when it stayed down)", time.Since(back).Round(10*time.Millisecond))
	runs := list()
	if len(runs) != papers {
		t.Fatalf("%d runs, want %d", len(runs), papers)
	}
	if pastDeadline {
		if batch.Failed != papers {
			t.Fatalf("batch %+v: want every run failed at its deadline", batch)
		}
		for _, r := range runs {
			if !papersum.TransientClass(papersum.Class(r.ErrorClass)) || !strings.Contains(r.Error, "gave up at the run deadline") ||
				!strings.Contains(r.Error, "2s after the run first started") || r.Waits < 1 {
				t.Errorf("run %s: class %q, waits %d, error %q; want a transient class and the deadline", r.ID, r.ErrorClass, r.Waits, r.Error)
			}
		}
		if n := len(up.fake.Answers()); n != 0 {
			t.Errorf("the API, down all along, answered %d calls", n)
		}
		return
	}
	if batch.Succeeded != papers || batch.Failed != 0 {
		t.Fatalf("batch %+v: want every run succeeded", batch)
	}
	for _, r := range runs {
		perStage := map[string]int{}
		for _, st := range r.Stages {
			perStage[st.Stage]++
		}
		if len(r.Stages) != 3 || perStage["summarize"] != 1 || perStage["critique"] != 1 || perStage["revise"] != 1 {
			t.Errorf("run %s: stages %v, want one of each", r.ID, perStage)
		}
		t.Logf("run %s waits %d", r.ID, r.Waits)
		if r.Waits < 1 || r.Waiting != nil || r.RepeatedCalls != 0 {
			t.Errorf("run %s: waits %d, waiting %+v, repeated %d", r.ID, r.Waits, r.Waiting, r.RepeatedCalls)
		}
	}
	if n := len(up.fake.Answers()); n != 3*papers {
		t.Errorf("the API answered (and billed) %d calls, want %d", n, 3*papers)
	}
}
