package main

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/httpapi"
)

// The steps of serve are a type the tests reuse without a listener or a
// process: open a server on a fresh store with the flags' defaults, call
// its API in process, then run it until its context ends, which drains
// and stops it, and close it.
func TestServerOpenRunClose(t *testing.T) {
	vars := map[string]string{"PAPERSUM_DB": filepath.Join(t.TempDir(), "s.db"), "HOME": t.TempDir()}
	key := createKey(t, vars, "alpha", "write")
	e := &env{getenv: func(k string) string { return vars[k] }, stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard}
	g := &globalFlags{}
	f := &serveFlags{}
	fl := pflag.NewFlagSet("serve", pflag.ContinueOnError)
	f.register(fl)
	if err := fl.Parse([]string{"--workers", "2", "--shutdown-timeout", "10s"}); err != nil {
		t.Fatal(err)
	}
	cfg, err := loadConfig(g, e.getenv)
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.DiscardHandler)
	deps, err := newPipelineDeps(cfg, e, logger)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	progress := newStartProgress()
	s, err := startServer(ctx, e, g, f, cfg, deps, logger, progress)
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	starting, err := httpapi.NewStarting(httpapi.StartingConfig{Checks: progress.checks, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(starting)
	defer ts.Close()
	s.http = ts.Config
	errc := make(chan error, 1)
	done := make(chan error, 1)
	go func() { done <- s.run(ctx, starting, errc, nil) }()

	// run hands the API to the listener; until then it answers 503.
	eventually(t, 10*time.Second, "the API is served", func() bool {
		code, _ := api(t, "GET", ts.URL+"/readyz", "", nil, nil)
		return code == 200
	})
	var got runView
	code, _ := api(t, "POST", ts.URL+"/api/v1/summaries?wait=30s", key, map[string]string{"text": paperText(3)}, &got)
	if code != 200 || got.Status != papersum.RunSucceeded || got.Summary == "" {
		t.Fatalf("submit through the opened server: %d %+v", code, got)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("run did not return after its context ended")
	}
	if s.queue.Running() {
		t.Error("the queue still runs after run returned")
	}
}
