package llm

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/papersum/papersum"
)

func newChain(t testing.TB, links ...Link) *Chain {
	t.Helper()
	c, err := NewChain(nil, links...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestChainFallsBackOnTheRightClasses(t *testing.T) {
	open := &papersum.ProviderError{Class: papersum.ClassOverloaded, Provider: "anthropic",
		Model: "claude-opus-4-5", Err: ErrCircuitOpen}
	overloaded := perr(papersum.ClassOverloaded)
	overloaded.Status = 529
	tests := []struct {
		name     string
		err      error
		fallback bool
		why      string
	}{
		{"rate_limit", perr(papersum.ClassRateLimit), true, "rate_limit"},
		{"overloaded", overloaded, true, "overloaded (529)"},
		{"timeout", perr(papersum.ClassTimeout), true, "timeout"},
		{"server", perr(papersum.ClassServer), true, "server"},
		{"connection", perr(papersum.ClassConnection), true, "connection"},
		{"circuit open", open, true, "circuit open"},
		{"auth", perr(papersum.ClassAuth), false, ""},
		{"invalid_request", perr(papersum.ClassInvalidRequest), false, ""},
		{"context_too_large", perr(papersum.ClassContextTooLarge), false, ""},
		{"parse", perr(papersum.ClassParse), false, ""},
		{"truncated", perr(papersum.ClassTruncated), false, ""},
		{"no class", errors.New("bug"), false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			first := script("opus", step{err: tt.err})
			second := script("sonnet")
			c := newChain(t, Link{"anthropic", "claude-opus-4-5", first},
				Link{"anthropic", "claude-sonnet-4-5", second})
			resp, err := c.Generate(context.Background(), newRequest())
			if !tt.fallback {
				if err != tt.err || second.NCalls() != 0 {
					t.Fatalf("err = %v, second link called %d times; want the error at once", err, second.NCalls())
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := "claude-opus-4-5: " + tt.why + " → claude-sonnet-4-5"
			if resp.FallbackReason != want || resp.Provider != "anthropic" || resp.Model != "claude-sonnet-4-5" ||
				resp.Text != "answer from sonnet" {
				t.Fatalf("resp = %+v, want FallbackReason %q", resp, want)
			}
		})
	}
}

func TestChainFirstAnswers(t *testing.T) {
	first := script("opus")
	c := newChain(t, Link{"anthropic", "claude-opus-4-5", first}, Link{"local", "local", script("local")})
	resp, err := c.Generate(context.Background(), newRequest())
	if err != nil {
		t.Fatal(err)
	}
	if resp.FallbackReason != "" || resp.Provider != "anthropic" || resp.Model != "claude-opus-4-5" {
		t.Fatalf("resp = %+v", resp)
	}
}

// TestChainKeepsAdapterNames: an adapter that names the exact model that
// answered (a dated snapshot) is not overwritten.
func TestChainKeepsAdapterNames(t *testing.T) {
	m := modelFunc(func(ctx context.Context, req *papersum.Request) (*papersum.Response, error) {
		return &papersum.Response{Text: "x", Provider: "anthropic", Model: req.Model + "-20250929"}, nil
	})
	c := newChain(t, Link{"anthropic", "a", script("a", fail(papersum.ClassServer))}, Link{"anthropic", "b", m})
	resp, err := c.Generate(context.Background(), newRequest())
	if err != nil || resp.Model != "b-20250929" || resp.FallbackReason != "a: server → b" {
		t.Fatalf("resp %+v, err %v", resp, err)
	}
}

type modelFunc func(ctx context.Context, req *papersum.Request) (*papersum.Response, error)

func (f modelFunc) Generate(ctx context.Context, req *papersum.Request) (*papersum.Response, error) {
	return f(ctx, req)
}

func TestChainSetsModelPerLink(t *testing.T) {
	a := script("a", fail(papersum.ClassOverloaded))
	b := script("b", fail(papersum.ClassRateLimit))
	l := script("local")
	c := newChain(t, Link{"anthropic", "claude-opus-4-5", a}, Link{"anthropic", "claude-sonnet-4-5", b},
		Link{"local", "local", l})
	req := newRequest()
	req.Model = "claude-opus-4-5"
	resp, err := c.Generate(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if got := a.Calls()[0].Model + " " + b.Calls()[0].Model + " " + l.Calls()[0].Model; got != "claude-opus-4-5 claude-sonnet-4-5 local" {
		t.Errorf("models sent: %s", got)
	}
	if req.Model != "claude-opus-4-5" {
		t.Errorf("the caller's request was modified: %s", req.Model)
	}
	if want := "claude-opus-4-5: overloaded → claude-sonnet-4-5: rate_limit → local"; resp.FallbackReason != want {
		t.Errorf("FallbackReason %q, want %q", resp.FallbackReason, want)
	}
	if resp.Provider != "local" || resp.Model != "local" {
		t.Errorf("answered by %s/%s", resp.Provider, resp.Model)
	}
}

func TestChainAllFail(t *testing.T) {
	last := perr(papersum.ClassTimeout)
	c := newChain(t,
		Link{"anthropic", "claude-opus-4-5", script("a", fail(papersum.ClassOverloaded))},
		Link{"openai", "gpt-5", script("b", step{err: &papersum.ProviderError{Class: papersum.ClassRateLimit, Status: 429}})},
		Link{"local", "local", script("c", step{err: last})})
	_, err := c.Generate(context.Background(), newRequest())
	var pe *papersum.ProviderError
	if !errors.As(err, &pe) || pe.Class != papersum.ClassTimeout {
		t.Fatalf("err = %#v; want the last link's timeout", err)
	}
	want := "every model of the fallback chain failed: claude-opus-4-5: overloaded → gpt-5: rate_limit (429) → local: timeout"
	if !strings.Contains(err.Error(), want) {
		t.Errorf("err %q\nwant it to contain %q", err, want)
	}
	if last.Message != "scripted timeout" {
		t.Errorf("the link's error was modified: %q", last.Message)
	}
}

func TestChainLaterHardFailure(t *testing.T) {
	c := newChain(t,
		Link{"anthropic", "claude-opus-4-5", script("a", fail(papersum.ClassOverloaded))},
		Link{"anthropic", "claude-haiku-4-5", script("b", fail(papersum.ClassContextTooLarge))},
		Link{"local", "local", script("c")})
	_, err := c.Generate(context.Background(), newRequest())
	if papersum.ClassOf(err) != papersum.ClassContextTooLarge ||
		!strings.Contains(err.Error(), "after falling back: claude-opus-4-5: overloaded") {
		t.Fatalf("err = %v", err)
	}
}

func TestChainSingleLink(t *testing.T) {
	e := perr(papersum.ClassOverloaded)
	c := newChain(t, Link{"p", "m", script("m", step{err: e})})
	if _, err := c.Generate(context.Background(), newRequest()); err != e {
		t.Fatalf("err = %v, want the link's error as is", err)
	}
}

func TestChainCancellation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	second := script("b")
	c := newChain(t, Link{"p", "a", &cancelling{cancel: cancel}}, Link{"p", "b", second})
	_, err := c.Generate(ctx, newRequest())
	if !errors.Is(err, context.Canceled) || second.NCalls() != 0 {
		t.Fatalf("err = %v, second link called %d times", err, second.NCalls())
	}
}

func TestChainDuplicateModelNames(t *testing.T) {
	c := newChain(t, Link{"vllm-a", "llama", script("a", fail(papersum.ClassConnection))},
		Link{"vllm-b", "llama", script("b")})
	resp, err := c.Generate(context.Background(), newRequest())
	if err != nil || resp.FallbackReason != "vllm-a/llama: connection → vllm-b/llama" {
		t.Fatalf("resp %+v, err %v", resp, err)
	}
}

func TestNewChainValidation(t *testing.T) {
	for _, links := range [][]Link{nil, {{Provider: "p", Model: "m"}}, {{Provider: "p", Client: script("m")}}} {
		if _, err := NewChain(nil, links...); papersum.ErrorCode(err) != papersum.EINVALID {
			t.Errorf("NewChain(%v) err = %v", links, err)
		}
	}
}

// stack is the documented wiring over scripted adapters.
type stack struct {
	harness  *retryHarness
	breakers *Breakers
	chain    *Chain
}

func newStack(t testing.TB, bcfg BreakerConfig, rcfg RetryConfig, links ...Link) *stack {
	t.Helper()
	s := &stack{harness: newRetryHarness(), breakers: newBreakers(t, bcfg)}
	var wrapped []Link
	for _, l := range links {
		cfg := rcfg
		cfg.Provider = l.Provider
		cfg.Rand = rand.New(rand.NewPCG(3, 4))
		r := s.harness.retrier(t, l.Client, cfg)
		wrapped = append(wrapped, Link{l.Provider, l.Model, s.breakers.Wrap(l.Provider, l.Model, r)})
	}
	s.chain = newChain(t, wrapped...)
	return s
}

// TestStack runs the documented wiring: opus overloaded on every call is
// retried, then skipped for sonnet; after five such requests its circuit
// opens and later requests skip it without calling it or waiting.
func TestStack(t *testing.T) {
	e := perr(papersum.ClassOverloaded)
	e.Status = 529
	opus := script("opus", step{err: e})
	sonnet := script("sonnet")
	s := newStack(t, BreakerConfig{ConsecutiveFailures: 5, OpenTimeout: time.Hour}, RetryConfig{MaxAttempts: 3},
		Link{"anthropic", "claude-opus-4-5", opus}, Link{"anthropic", "claude-sonnet-4-5", sonnet})
	for i := range 5 {
		resp, err := s.chain.Generate(context.Background(), newRequest())
		if err != nil {
			t.Fatal(err)
		}
		if want := "claude-opus-4-5: overloaded (529) → claude-sonnet-4-5"; resp.FallbackReason != want {
			t.Fatalf("request %d: FallbackReason %q", i, resp.FallbackReason)
		}
	}
	if opus.NCalls() != 15 || len(s.harness.sleeper.Waits()) != 10 {
		t.Fatalf("opus calls %d, waits %d; want 15, 10", opus.NCalls(), len(s.harness.sleeper.Waits()))
	}
	resp, err := s.chain.Generate(context.Background(), newRequest())
	if err != nil || resp.FallbackReason != "claude-opus-4-5: circuit open → claude-sonnet-4-5" {
		t.Fatalf("resp %+v, err %v", resp, err)
	}
	if opus.NCalls() != 15 || len(s.harness.sleeper.Waits()) != 10 {
		t.Fatalf("the open circuit still called opus (%d) or waited (%d)", opus.NCalls(), len(s.harness.sleeper.Waits()))
	}
	st := s.breakers.States()
	if len(st) != 2 || st[0].Model != "claude-opus-4-5" || st[0].State != CircuitOpen || st[1].State != CircuitClosed {
		t.Fatalf("States() = %+v", st)
	}
}

func TestStackConcurrent(t *testing.T) {
	opus := script("opus", fail(papersum.ClassServer), step{}, fail(papersum.ClassRateLimit),
		fail(papersum.ClassRateLimit), fail(papersum.ClassRateLimit), step{})
	s := newStack(t, BreakerConfig{ConsecutiveFailures: 2, OpenTimeout: time.Millisecond}, RetryConfig{MaxAttempts: 2},
		Link{"anthropic", "claude-opus-4-5", opus}, Link{"local", "local", script("local")})
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			for range 50 {
				resp, err := s.chain.Generate(context.Background(), newRequest())
				if err != nil {
					t.Error(err)
					return
				}
				if resp.Provider == "local" && !strings.HasPrefix(resp.FallbackReason, "claude-opus-4-5: ") {
					t.Errorf("fallback without a reason: %+v", resp)
				}
			}
			s.breakers.States()
		})
	}
	wg.Wait()
}
