package fakeupstream_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/llm/llmtest/fakeupstream"
)

// TestConcurrent sends many requests in parallel to every endpoint with
// faults on; run it with -race. Every request is counted once, and the
// answered ones add up in the token counters.
func TestConcurrent(t *testing.T) {
	s, url := start(t, fakeupstream.Config{Seed: 3, Faults: fakeupstream.Faults{
		RateLimit429: 0.1, Overloaded529: 0.1, ConnectionReset: 0.05, MalformedXML: 0.1, Truncate: 0.1}})
	sys, user := stagePrompts(t, papersum.StageSummarize, "", nil)
	anth := anthropicBody(sonnet, paperText(), "5m", sys, user, 1024)
	oai := chatBody("gpt-4o", paperText(), sys, user)
	const workers, each = 32, 8
	var wg sync.WaitGroup
	errs := make(chan string, workers*each)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				var r result
				var err error
				switch (w + i) % 3 {
				case 0:
					r, err = doErr(context.Background(), http.MethodPost, url+"/v1/messages", anth)
				case 1:
					r, err = doErr(context.Background(), http.MethodPost, url+"/v1/chat/completions", oai)
				default:
					r, err = doErr(context.Background(), http.MethodPost, url+"/v1/messages/batches",
						obj{"requests": []any{obj{"custom_id": "a", "params": anth}}})
					if err == nil && r.status == 200 {
						r, err = doErr(context.Background(), http.MethodGet, url+"/v1/messages/batches/"+batchID(r.body), nil)
					}
				}
				if err != nil && !strings.Contains(err.Error(), "reset") && !strings.Contains(err.Error(), "EOF") {
					errs <- err.Error()
				}
				if err == nil && r.status != 200 && r.status != 429 && r.status != 529 && r.status != 503 {
					errs <- string(r.body)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	st := s.Stats()
	total := 0
	for _, n := range st.Requests {
		total += n
	}
	if total < workers*each {
		t.Errorf("%d requests counted, sent at least %d", total, workers*each)
	}
	if st.CacheReads == 0 || st.OutputTokens == 0 || len(st.Faults) == 0 {
		t.Errorf("stats %+v", st)
	}
}

func batchID(body []byte) string {
	s := string(body)
	i := strings.Index(s, `"id":"`)
	if i < 0 {
		return ""
	}
	s = s[i+6:]
	return s[:strings.IndexByte(s, '"')]
}

// TestListenAndServe runs the server the way the dev command does.
func TestListenAndServe(t *testing.T) {
	s := fakeupstream.New(fakeupstream.Config{Faults: fakeupstream.Faults{Hang: 1, HangMax: time.Hour}})
	ctx, cancel := context.WithCancel(context.Background())
	urls := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- s.ListenAndServe(ctx, "127.0.0.1:0", func(u string) { urls <- u }) }()
	url := <-urls
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("url %q", url)
	}
	// A hanging request must not keep shutdown waiting for an hour.
	hung := make(chan error, 1)
	go func() {
		_, err := doErr(context.Background(), http.MethodPost, url+"/v1/chat/completions", chatBody("gpt-4o", "p", "s", "u"))
		hung <- err
	}()
	if r := post(t, url, "/v1/chat/completions", chatBody("gpt-4o", "p", "s", "u"), fakeupstream.ForceHeader, "none"); r.status != 200 {
		t.Errorf("status %d", r.status)
	}
	// Shut down once the hang is in progress: a connection whose request
	// has not been read yet is one that Shutdown waits 5s for, which a
	// loaded machine can make happen after a fixed sleep.
	for deadline := time.Now().Add(10 * time.Second); s.Stats().Faults[fakeupstream.FaultHang] == 0; {
		if time.Now().After(deadline) {
			t.Fatal("the hanging request never arrived")
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("ListenAndServe: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("shutdown did not finish")
	}
	<-hung
	if err := s.ListenAndServe(context.Background(), "256.0.0.1:1", nil); err == nil {
		t.Error("bad address accepted")
	}
}
