package fakeupstream_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/llm/llmtest/fakeupstream"
	"github.com/papersum/papersum/pipeline"
)

func TestForcedFaultsAnthropic(t *testing.T) {
	s, url := start(t, fakeupstream.Config{Faults: fakeupstream.Faults{RetryAfter: 1500 * time.Millisecond}})
	sys, user := stagePrompts(t, papersum.StageSummarize, "", nil)
	body := anthropicBody(sonnet, paperText(), "5m", sys, user, 1024)
	cases := []struct {
		fault   fakeupstream.Fault
		status  int
		errType string
	}{
		{fakeupstream.FaultRateLimit, 429, "rate_limit_error"},
		{fakeupstream.FaultOverloaded, 529, "overloaded_error"},
		{fakeupstream.FaultServer, 500, "api_error"},
		{fakeupstream.FaultUnavailable, 503, "api_error"},
		{fakeupstream.FaultAuth, 401, "authentication_error"},
		{fakeupstream.FaultTemperature, 400, "invalid_request_error"},
		{fakeupstream.FaultContext, 400, "invalid_request_error"},
	}
	for _, tc := range cases {
		t.Run(string(tc.fault), func(t *testing.T) {
			r := post(t, url, "/v1/messages", body, fakeupstream.ForceHeader, string(tc.fault))
			e := anthropicError(t, r, tc.status, tc.errType)
			switch tc.fault {
			case fakeupstream.FaultRateLimit:
				if r.header.Get("retry-after") != "2" || r.header.Get("retry-after-ms") != "1500" {
					t.Errorf("retry-after %q, retry-after-ms %q", r.header.Get("retry-after"), r.header.Get("retry-after-ms"))
				}
			case fakeupstream.FaultContext:
				if !tooLongRE.MatchString(e.Error.Message) {
					t.Errorf("message %q", e.Error.Message)
				}
			case fakeupstream.FaultTemperature:
				if e.Error.Message != "temperature is not supported for this model" {
					t.Errorf("message %q", e.Error.Message)
				}
			}
		})
	}

	t.Run("malformed", func(t *testing.T) {
		kinds := map[string]bool{}
		for i := 0; i < 12; i++ {
			m := message(t, url, body, fakeupstream.ForceHeader, "malformed")
			if _, err := pipeline.ExtractSummary(papersum.StageSummarize, pipeline.TagSummary, m.text()); papersum.ClassOf(err) != papersum.ClassParse {
				t.Fatalf("malformed reply parses: %v\n%s", err, m.text())
			}
			kinds[fmt.Sprint(strings.Contains(m.text(), "<summary>"))] = true
		}
		if len(kinds) != 2 {
			t.Errorf("only one malformed variant in 12 draws: %v", kinds)
		}
		sysC, userC := stagePrompts(t, papersum.StageCritique, "A draft.", nil)
		m := message(t, url, anthropicBody(sonnet, paperText(), "5m", sysC, userC, 1024), fakeupstream.ForceHeader, "malformed")
		if _, err := pipeline.ExtractCritique(m.text()); papersum.ClassOf(err) != papersum.ClassParse {
			t.Errorf("malformed critique parses: %v\n%s", err, m.text())
		}
	})

	t.Run("truncate", func(t *testing.T) {
		whole := message(t, url, body)
		m := message(t, url, body, fakeupstream.ForceHeader, "truncate")
		if m.StopReason != "max_tokens" || len(m.text()) >= len(whole.text()) || !strings.HasPrefix(whole.text(), m.text()) {
			t.Errorf("truncated %q (%s) of %q", m.text(), m.StopReason, whole.text())
		}
	})

	t.Run("reset", func(t *testing.T) {
		_, err := doErr(context.Background(), http.MethodPost, url+"/v1/messages", body, fakeupstream.ForceHeader, "reset")
		if err == nil {
			t.Fatal("no error from a reset connection")
		}
	})

	t.Run("hang", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		t0 := time.Now()
		_, err := doErr(ctx, http.MethodPost, url+"/v1/messages", body, fakeupstream.ForceHeader, "hang")
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("hang: %v", err)
		}
		if d := time.Since(t0); d > 5*time.Second {
			t.Errorf("client waited %v", d)
		}
	})

	t.Run("none", func(t *testing.T) {
		_, url := start(t, fakeupstream.Config{Faults: fakeupstream.Faults{Server500: 1}})
		if r := post(t, url, "/v1/messages", body, fakeupstream.ForceHeader, "none"); r.status != 200 {
			t.Errorf("forced none: %d", r.status)
		}
		if r := post(t, url, "/v1/messages", body); r.status != 500 {
			t.Errorf("rate 1: %d", r.status)
		}
	})

	st := s.Stats()
	for _, f := range []fakeupstream.Fault{fakeupstream.FaultRateLimit, fakeupstream.FaultOverloaded, fakeupstream.FaultServer,
		fakeupstream.FaultUnavailable, fakeupstream.FaultAuth, fakeupstream.FaultContext, fakeupstream.FaultReset, fakeupstream.FaultHang, fakeupstream.FaultTruncate} {
		if st.Faults[f] != 1 {
			t.Errorf("Stats.Faults[%s] = %d, want 1", f, st.Faults[f])
		}
	}
	if st.Faults[fakeupstream.FaultMalformed] != 13 || st.Statuses[529] != 1 || st.Statuses[429] != 1 {
		t.Errorf("stats %+v", st)
	}
}

// TestHangMax checks that a hang ends with 504 timeout_error after HangMax
// when the client waits longer, using an injected sleep that records what
// it was asked to wait.
func TestHangMax(t *testing.T) {
	var mu sync.Mutex
	var slept []time.Duration
	_, url := start(t, fakeupstream.Config{
		Latency: 3 * time.Second,
		Faults:  fakeupstream.Faults{HangMax: 42 * time.Second},
		Sleep: func(ctx context.Context, d time.Duration) error {
			mu.Lock()
			slept = append(slept, d)
			mu.Unlock()
			return ctx.Err()
		},
	})
	r := post(t, url, "/v1/messages", obj{"model": sonnet, "max_tokens": 10, "messages": []any{obj{"role": "user", "content": "Hi"}}},
		fakeupstream.ForceHeader, "hang")
	anthropicError(t, r, 504, "timeout_error")
	mu.Lock()
	defer mu.Unlock()
	if !reflect.DeepEqual(slept, []time.Duration{3 * time.Second, 42 * time.Second}) {
		t.Errorf("slept %v, want latency then HangMax", slept)
	}
}

// TestLatencyHonoursCancellation uses the real sleep: a client that gives
// up ends the wait.
func TestLatencyHonoursCancellation(t *testing.T) {
	s, url := start(t, fakeupstream.Config{Latency: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := doErr(ctx, http.MethodPost, url+"/v1/messages", obj{"model": sonnet})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v", err)
	}
	// The handler returns once the client is gone; Close does not wait a
	// minute (the test would time out).
	s.Close()
}

// sequence sends n requests one after another and returns their statuses.
func sequence(t *testing.T, url, path string, body any, n int) []int {
	t.Helper()
	out := make([]int, n)
	for i := range out {
		r, err := doErr(context.Background(), http.MethodPost, url+path, body)
		if err != nil {
			out[i] = -1 // reset
			continue
		}
		out[i] = r.status
	}
	return out
}

func TestFaultsDeterministicBySeed(t *testing.T) {
	faults := fakeupstream.Faults{RateLimit429: 0.15, Overloaded529: 0.15, Server500: 0.1, Unavailable503: 0.1,
		ConnectionReset: 0.1, Truncate: 0.1, RetryAfter: time.Millisecond}
	body := obj{"model": sonnet, "max_tokens": 100, "messages": []any{obj{"role": "user", "content": "Hi"}}}
	run := func(seed int64, path string, b any) ([]int, fakeupstream.Stats) {
		s, url := start(t, fakeupstream.Config{Seed: seed, Faults: faults})
		return sequence(t, url, path, b, 80), s.Stats()
	}
	a, sa := run(7, "/v1/messages", body)
	b, sb := run(7, "/v1/messages", body)
	c, _ := run(8, "/v1/messages", body)
	if !reflect.DeepEqual(a, b) || !reflect.DeepEqual(sa.Faults, sb.Faults) {
		t.Errorf("same seed, different faults:\n%v\n%v", a, b)
	}
	if reflect.DeepEqual(a, c) {
		t.Errorf("seeds 7 and 8 gave the same faults: %v", a)
	}
	seen := map[int]int{}
	for _, st := range a {
		seen[st]++
	}
	for _, st := range []int{200, 429, 529, 500, 503, -1} {
		if seen[st] == 0 {
			t.Errorf("status %d never drawn in 80 requests: %v", st, seen)
		}
	}
	if sa.Faults[fakeupstream.FaultTruncate] == 0 {
		t.Errorf("truncate never drawn: %v", sa.Faults)
	}
	// The OpenAI endpoint draws from the same sequence.
	o, _ := run(7, "/v1/chat/completions", chatBody("gpt-4o", "paper", "sys", "Hi"))
	for i := range a {
		if (a[i] == 200) != (o[i] == 200) {
			t.Fatalf("request %d: anthropic %d, openai %d", i, a[i], o[i])
		}
	}
}

func TestConfigValidate(t *testing.T) {
	bad := []fakeupstream.Config{
		{Faults: fakeupstream.Faults{RateLimit429: 0.6, Server500: 0.6}},
		{Faults: fakeupstream.Faults{Hang: -0.1}},
		{Faults: fakeupstream.Faults{Truncate: 1.5}},
		{Latency: -time.Second},
		{ContextWindow: -1},
		{MinCacheableTokens: map[string]int64{"x": -1}},
	}
	for _, c := range bad {
		if c.Validate() == nil {
			t.Errorf("%+v: no error", c)
		}
	}
	if err := (fakeupstream.Config{}).Validate(); err != nil {
		t.Errorf("zero config: %v", err)
	}
	defer func() {
		if recover() == nil {
			t.Error("New accepted an invalid config")
		}
	}()
	fakeupstream.New(bad[0])
}

// TestNoHangMax: with NoHangMax a hang never answers. It ends only when
// the client gives up (or the server closes), serves no token, and is
// counted as a hang.
func TestNoHangMax(t *testing.T) {
	s, url := start(t, fakeupstream.Config{Faults: fakeupstream.Faults{Hang: 1, HangMax: fakeupstream.NoHangMax}})
	body := obj{"model": sonnet, "max_tokens": 10, "messages": []any{obj{"role": "user", "content": "Hi"}}}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := doErr(ctx, http.MethodPost, url+"/v1/messages", body)
		errc <- err
	}()
	// The client gives up once the hang is in progress, however long that
	// takes to happen; until then no answer may have come.
	for s.Stats().Faults[fakeupstream.FaultHang] == 0 {
		select {
		case err := <-errc:
			t.Fatalf("the hanging request ended before the client gave up: %v", err)
		case <-time.After(time.Millisecond):
		}
	}
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want the client's cancellation", err)
	}
	st := s.Stats()
	if len(s.Answers()) != 0 || st.InputTokens+st.OutputTokens != 0 || st.Statuses[504] != 0 {
		t.Errorf("a hang served something: answers %v, stats %+v", s.Answers(), st)
	}
	if err := (fakeupstream.Config{Faults: fakeupstream.Faults{HangMax: fakeupstream.NoHangMax}}).Validate(); err != nil {
		t.Errorf("NoHangMax refused: %v", err)
	}
}

// TestScript: the first requests get the scripted faults in order, a
// client's forced fault wins over its entry, "" leaves a request to the
// rates, and the rates' draws for later requests do not move.
func TestScript(t *testing.T) {
	body := obj{"model": sonnet, "max_tokens": 10, "messages": []any{obj{"role": "user", "content": "Hi"}}}
	statuses := func(url string, n int, forceAt int) []int {
		var out []int
		for i := range n {
			var h []string
			if i == forceAt {
				h = []string{fakeupstream.ForceHeader, "529"}
			}
			out = append(out, post(t, url, "/v1/messages", body, h...).status)
		}
		return out
	}
	rates := fakeupstream.Faults{RateLimit429: 0.3, Server500: 0.3}
	_, plain := start(t, fakeupstream.Config{Seed: 7, Faults: rates})
	want := statuses(plain, 8, -1)
	_, url := start(t, fakeupstream.Config{Seed: 7, Faults: rates,
		Script: []fakeupstream.Fault{fakeupstream.FaultServer, "", fakeupstream.FaultRateLimit, fakeupstream.FaultNone}})
	got := statuses(url, 8, 2)
	want[0], want[2], want[3] = 500, 529, 200
	if !slices.Equal(got, want) {
		t.Fatalf("statuses %v, want %v", got, want)
	}
	// OpenAI's endpoint takes from the same script.
	_, url = start(t, fakeupstream.Config{Script: []fakeupstream.Fault{fakeupstream.FaultOverloaded}})
	if r := post(t, url, "/v1/chat/completions", chatBody("gpt-4o", "p", "s", "u")); r.status != 503 {
		t.Errorf("scripted overload on chat completions: %d", r.status)
	}
	if err := (fakeupstream.Config{Script: []fakeupstream.Fault{"boom"}}).Validate(); err == nil {
		t.Error("an unknown scripted fault was accepted")
	}
}

// TestAnswers: every answered request is logged with the tokens its usage
// block reported, and the log adds up to the counters.
func TestAnswers(t *testing.T) {
	s, url := start(t, fakeupstream.Config{Faults: fakeupstream.Faults{Server500: 0.5}, Seed: 3})
	sys, user := stagePrompts(t, papersum.StageSummarize, "", nil)
	var want []fakeupstream.Answer
	for range 6 {
		r := post(t, url, "/v1/messages", anthropicBody(sonnet, paperText(), "5m", sys, user, 400))
		if r.status != 200 {
			continue
		}
		var m msgResp
		strict(t, r.body, &m)
		want = append(want, fakeupstream.Answer{Model: sonnet, Input: m.Usage.InputTokens, CacheWrite5m: m.Usage.CacheCreation.Ephemeral5m,
			CacheWrite1h: m.Usage.CacheCreation.Ephemeral1h, CacheRead: m.Usage.CacheReadInputTokens, Output: m.Usage.OutputTokens})
	}
	got := s.Answers()
	if len(want) == 0 || !slices.Equal(got, want) {
		t.Fatalf("answers %+v, want %+v", got, want)
	}
	st := s.Stats()
	var sum int64
	for _, a := range got {
		sum += a.Input + a.CacheWrite5m + a.CacheWrite1h + a.CacheRead + a.Output
	}
	if sum != st.InputTokens+st.CacheWriteTokens+st.CacheReadTokens+st.OutputTokens {
		t.Errorf("answers add up to %d tokens, the counters to %+v", sum, st)
	}
}

// TestShutdownAnswersRequestsInFlight: when the server shuts down (Serve's
// context ends, as on SIGTERM, or Close), a request waiting out its
// latency or a hang gets an error status of its API, never the empty 200
// that a handler returning without writing would give.
func TestShutdownAnswersRequestsInFlight(t *testing.T) {
	chat := chatBody("gpt-4o", "p", "s", "u")
	msg := obj{"model": sonnet, "max_tokens": 10, "messages": []any{obj{"role": "user", "content": "Hi"}}}
	cases := []struct {
		name, path, endpoint string
		body                 any
		cfg                  fakeupstream.Config
	}{
		{"messages latency", "/v1/messages", fakeupstream.EndpointMessages, msg, fakeupstream.Config{Latency: time.Hour}},
		{"messages hang", "/v1/messages", fakeupstream.EndpointMessages, msg,
			fakeupstream.Config{Faults: fakeupstream.Faults{Hang: 1, HangMax: fakeupstream.NoHangMax}}},
		{"chat latency", "/v1/chat/completions", fakeupstream.EndpointChatCompletions, chat, fakeupstream.Config{Latency: time.Hour}},
		{"chat hang", "/v1/chat/completions", fakeupstream.EndpointChatCompletions, chat,
			fakeupstream.Config{Faults: fakeupstream.Faults{Hang: 1, HangMax: fakeupstream.NoHangMax}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := fakeupstream.New(tc.cfg)
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			ctx, stop := context.WithCancel(context.Background())
			served := make(chan error, 1)
			go func() { served <- s.Serve(ctx, ln) }()
			defer func() {
				stop()
				<-served
			}()
			type answer struct {
				r   result
				err error
			}
			answers := make(chan answer, 1)
			go func() {
				r, err := doErr(context.Background(), http.MethodPost, "http://"+ln.Addr().String()+tc.path, tc.body)
				answers <- answer{r, err}
			}()
			// Shut down once the request is in flight (in its latency
			// wait, or in its hang once the fault is drawn).
			deadline := time.Now().Add(10 * time.Second)
			for st := s.Stats(); st.Requests[tc.endpoint] == 0 || (tc.cfg.Faults.Hang > 0 && st.Faults[fakeupstream.FaultHang] == 0); st = s.Stats() {
				if time.Now().After(deadline) {
					t.Fatal("the request never reached the server")
				}
				time.Sleep(time.Millisecond)
			}
			stop()
			a := <-answers
			if a.err != nil {
				return // a reset connection is also how a real server fails
			}
			if a.r.status < 500 {
				t.Fatalf("request in flight at shutdown got %d %q; want an error status or a reset", a.r.status, a.r.body)
			}
			if len(a.r.body) == 0 || !json.Valid(a.r.body) {
				t.Errorf("error answer without a JSON error body: %q", a.r.body)
			}
		})
	}
}

// TestEmptyBodyFault: FaultEmptyBody answers 200 with no body and no
// Content-Type on both endpoints.
func TestEmptyBodyFault(t *testing.T) {
	_, url := start(t, fakeupstream.Config{})
	msg := obj{"model": sonnet, "max_tokens": 10, "messages": []any{obj{"role": "user", "content": "Hi"}}}
	for path, body := range map[string]any{"/v1/messages": msg, "/v1/chat/completions": chatBody("gpt-4o", "p", "s", "u")} {
		r := post(t, url, path, body, fakeupstream.ForceHeader, string(fakeupstream.FaultEmptyBody))
		if r.status != http.StatusOK || len(r.body) != 0 || r.header.Get("Content-Type") != "" {
			t.Errorf("%s: %d %q Content-Type %q; want an empty 200 without a type", path, r.status, r.body, r.header.Get("Content-Type"))
		}
	}
}
