package llm

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/papersum/papersum"
)

func newBreakers(t testing.TB, cfg BreakerConfig) *Breakers {
	t.Helper()
	b, err := NewBreakers(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func stateOf(t testing.TB, b *Breakers, provider, model string) BreakerState {
	t.Helper()
	for _, s := range b.States() {
		if s.Provider == provider && s.Model == model {
			return s
		}
	}
	t.Fatalf("no breaker for %s/%s", provider, model)
	return BreakerState{}
}

func TestBreakerCountsOnlyInfrastructure(t *testing.T) {
	tests := []struct {
		class papersum.Class
		trips bool
	}{
		{papersum.ClassRateLimit, true},
		{papersum.ClassOverloaded, true},
		{papersum.ClassServer, true},
		{papersum.ClassTimeout, true},
		{papersum.ClassConnection, true},
		{papersum.ClassAuth, false},
		{papersum.ClassInvalidRequest, false},
		{papersum.ClassContextTooLarge, false},
		{papersum.ClassTruncated, false},
		{papersum.ClassParse, false},
	}
	if len(tests) != len(papersum.Classes) {
		t.Fatalf("table covers %d classes, papersum has %d", len(tests), len(papersum.Classes))
	}
	for _, tt := range tests {
		t.Run(string(tt.class), func(t *testing.T) {
			b := newBreakers(t, BreakerConfig{ConsecutiveFailures: 5, OpenTimeout: time.Hour})
			m := script("m", fail(tt.class))
			w := b.Wrap("anthropic", "claude-opus-4-5", m)
			for i := range 4 {
				if _, err := w.Generate(context.Background(), newRequest()); papersum.ClassOf(err) != tt.class {
					t.Fatalf("call %d: err %v", i, err)
				}
			}
			if s := stateOf(t, b, "anthropic", "claude-opus-4-5"); s.State != CircuitClosed {
				t.Fatalf("after 4 failures: %s", s.State)
			}
			w.Generate(context.Background(), newRequest())
			s := stateOf(t, b, "anthropic", "claude-opus-4-5")
			if tt.trips != (s.State == CircuitOpen) {
				t.Fatalf("after 5 %s: state %s", tt.class, s.State)
			}
			_, err := w.Generate(context.Background(), newRequest())
			if !tt.trips {
				if errors.Is(err, ErrCircuitOpen) || m.NCalls() != 6 || s.Counts.TotalSuccesses != 5 {
					t.Fatalf("err %v, calls %d, counts %+v; want the call made and counted a success",
						err, m.NCalls(), s.Counts)
				}
				return
			}
			if m.NCalls() != 5 {
				t.Errorf("the open circuit let a call through: %d calls", m.NCalls())
			}
			var pe *papersum.ProviderError
			if !errors.As(err, &pe) || pe.Class != papersum.ClassOverloaded || !errors.Is(err, ErrCircuitOpen) ||
				pe.Provider != "anthropic" || pe.Model != "claude-opus-4-5" {
				t.Fatalf("refusal = %#v", err)
			}
			if !strings.Contains(err.Error(), "circuit open for anthropic/claude-opus-4-5") {
				t.Errorf("refusal message %q", err)
			}
			// The refusal says when a probe may go through: the rest of
			// the hour the circuit stays open.
			if pe.RetryAfterSeconds <= 3500 || pe.RetryAfterSeconds > 3600 {
				t.Errorf("refusal RetryAfterSeconds %v, want the rest of the open timeout (about 3600)", pe.RetryAfterSeconds)
			}
		})
	}
}

func TestBreakerSuccessResetsFailures(t *testing.T) {
	b := newBreakers(t, BreakerConfig{ConsecutiveFailures: 3, OpenTimeout: time.Hour})
	// Two infrastructure failures, a bad request (the server answered),
	// two more: never three in a row.
	m := script("m", fail(papersum.ClassServer), fail(papersum.ClassServer), fail(papersum.ClassInvalidRequest),
		fail(papersum.ClassServer), fail(papersum.ClassServer), step{}, fail(papersum.ClassServer))
	w := b.Wrap("p", "m", m)
	for range 7 {
		w.Generate(context.Background(), newRequest())
	}
	s := stateOf(t, b, "p", "m")
	if s.State != CircuitClosed || s.Counts.TotalFailures != 5 || s.Counts.ConsecutiveFailures != 1 {
		t.Fatalf("state %+v", s)
	}
}

func TestBreakerNotCounted(t *testing.T) {
	b := newBreakers(t, BreakerConfig{ConsecutiveFailures: 1, OpenTimeout: time.Hour})
	plain := errors.New("not a provider error")
	w := b.Wrap("p", "m", script("m", step{err: plain}))
	if _, err := w.Generate(context.Background(), newRequest()); err != plain {
		t.Fatalf("err = %v, want the model's error unchanged", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	wc := b.Wrap("p", "m", &cancelling{cancel: cancel})
	_, err := wc.Generate(ctx, newRequest())
	if papersum.ClassOf(err) != papersum.ClassConnection {
		t.Fatalf("err = %v", err)
	}
	s := stateOf(t, b, "p", "m")
	if s.State != CircuitClosed || s.Counts.TotalExclusions != 2 || s.Counts.TotalFailures != 0 {
		t.Fatalf("state %+v; want both calls excluded", s)
	}
}

// TestBreakerHalfOpen runs on wall time: gobreaker reads time.Now.
func TestBreakerHalfOpen(t *testing.T) {
	const openFor = 20 * time.Millisecond
	var logs bytes.Buffer
	var mu sync.Mutex
	var changes []string
	b := newBreakers(t, BreakerConfig{ConsecutiveFailures: 2, OpenTimeout: openFor,
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
		OnStateChange: func(p, m string, from, to CircuitState) {
			mu.Lock()
			changes = append(changes, string(from)+">"+string(to))
			mu.Unlock()
		}})
	m := script("m", fail(papersum.ClassOverloaded), fail(papersum.ClassOverloaded),
		fail(papersum.ClassServer), step{})
	w := b.Wrap("openai", "gpt", m)
	ctx := context.Background()
	w.Generate(ctx, newRequest())
	w.Generate(ctx, newRequest())
	if s := stateOf(t, b, "openai", "gpt"); s.State != CircuitOpen {
		t.Fatalf("state %s, want open", s.State)
	}
	time.Sleep(openFor + 10*time.Millisecond)
	if s := stateOf(t, b, "openai", "gpt"); s.State != CircuitHalfOpen {
		t.Fatalf("state %s, want half-open", s.State)
	}
	// The probe fails: open again.
	if _, err := w.Generate(ctx, newRequest()); papersum.ClassOf(err) != papersum.ClassServer || errors.Is(err, ErrCircuitOpen) {
		t.Fatalf("probe err = %v", err)
	}
	if s := stateOf(t, b, "openai", "gpt"); s.State != CircuitOpen {
		t.Fatalf("after a failed probe: %s, want open", s.State)
	}
	time.Sleep(openFor + 10*time.Millisecond)
	// The probe succeeds: closed.
	if _, err := w.Generate(ctx, newRequest()); err != nil {
		t.Fatalf("probe err = %v", err)
	}
	if s := stateOf(t, b, "openai", "gpt"); s.State != CircuitClosed {
		t.Fatalf("after a good probe: %s, want closed", s.State)
	}
	mu.Lock()
	got := strings.Join(changes, " ")
	mu.Unlock()
	if want := "closed>open open>half-open half-open>open open>half-open half-open>closed"; got != want {
		t.Errorf("changes %q, want %q", got, want)
	}
	if !strings.Contains(logs.String(), "level=WARN msg=\"circuit breaker state change\" provider=openai model=gpt from=closed to=open") {
		t.Errorf("logs:\n%s", logs.String())
	}
}

// TestBreakerHalfOpenProbeLimit: while a probe is in flight, a second
// call is refused as if open.
func TestBreakerHalfOpenProbeLimit(t *testing.T) {
	const openFor = 10 * time.Millisecond
	b := newBreakers(t, BreakerConfig{ConsecutiveFailures: 1, OpenTimeout: openFor})
	probe := &gate{entered: make(chan struct{}), release: make(chan struct{})}
	w := b.Wrap("p", "m", script("m", fail(papersum.ClassServer)))
	w.Generate(context.Background(), newRequest())
	time.Sleep(openFor + 10*time.Millisecond)
	wp := b.Wrap("p", "m", probe)
	done := make(chan error)
	go func() {
		_, err := wp.Generate(context.Background(), newRequest())
		done <- err
	}()
	<-probe.entered
	_, err := wp.Generate(context.Background(), newRequest())
	if !errors.Is(err, ErrCircuitOpen) || papersum.ClassOf(err) != papersum.ClassOverloaded ||
		!strings.Contains(err.Error(), "half-open for p/m") {
		t.Fatalf("second call during the probe: %v", err)
	}
	// The probe decides soon: come back in a second, not after a backoff.
	var pe *papersum.ProviderError
	if errors.As(err, &pe); pe.RetryAfterSeconds != 1 {
		t.Errorf("half-open refusal RetryAfterSeconds %v, want 1", pe.RetryAfterSeconds)
	}
	close(probe.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if s := stateOf(t, b, "p", "m"); s.State != CircuitClosed {
		t.Fatalf("state %s, want closed", s.State)
	}
}

// gate answers once released, after signalling that it was entered.
type gate struct {
	entered, release chan struct{}
}

func (g *gate) Generate(ctx context.Context, _ *papersum.Request) (*papersum.Response, error) {
	close(g.entered)
	<-g.release
	return &papersum.Response{Text: "ok"}, nil
}

func TestBreakersRegistry(t *testing.T) {
	b := newBreakers(t, BreakerConfig{ConsecutiveFailures: 1, OpenTimeout: time.Hour})
	if len(b.States()) != 0 {
		t.Fatal("new registry is not empty")
	}
	bad := b.Wrap("openai", "gpt-5", script("m", fail(papersum.ClassServer)))
	// The same provider/model wrapped again shares the breaker.
	good := b.Wrap("openai", "gpt-5", script("m"))
	other := b.Wrap("anthropic", "claude-sonnet-4-5", script("m"))
	b.Wrap("anthropic", "claude-haiku-4-5", script("m"))
	bad.Generate(context.Background(), newRequest())
	if _, err := good.Generate(context.Background(), newRequest()); !errors.Is(err, ErrCircuitOpen) {
		t.Fatalf("shared breaker not open: %v", err)
	}
	if _, err := other.Generate(context.Background(), newRequest()); err != nil {
		t.Fatalf("another model's breaker affected: %v", err)
	}
	want := []BreakerState{
		{Provider: "anthropic", Model: "claude-haiku-4-5", State: CircuitClosed},
		{Provider: "anthropic", Model: "claude-sonnet-4-5", State: CircuitClosed,
			Counts: BreakerCounts{Requests: 1, TotalSuccesses: 1, ConsecutiveSuccesses: 1}},
		{Provider: "openai", Model: "gpt-5", State: CircuitOpen},
	}
	got := b.States()
	if len(got) != len(want) {
		t.Fatalf("States() = %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("States()[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestBreakerRefusalsAreDistinct(t *testing.T) {
	b := newBreakers(t, BreakerConfig{ConsecutiveFailures: 1, OpenTimeout: time.Hour})
	w := b.Wrap("p", "m", script("m", fail(papersum.ClassServer)))
	w.Generate(context.Background(), newRequest())
	_, e1 := w.Generate(context.Background(), newRequest())
	_, e2 := w.Generate(context.Background(), newRequest())
	p1 := e1.(*papersum.ProviderError)
	p1.Stage = papersum.StageCritique // as the pipeline does
	if p2 := e2.(*papersum.ProviderError); p1 == p2 || p2.Stage != "" {
		t.Fatal("refusals share one error value")
	}
}

func TestBreakerConfig(t *testing.T) {
	if _, err := NewBreakers(BreakerConfig{OpenTimeout: -time.Second}); papersum.ErrorCode(err) != papersum.EINVALID {
		t.Errorf("negative open timeout: %v", err)
	}
	d := BreakerConfig{}.withDefaults()
	if d.ConsecutiveFailures != 5 || d.OpenTimeout != 30*time.Second || d.HalfOpenMaxRequests != 1 {
		t.Errorf("defaults = %+v", d)
	}
}

func TestBreakerConcurrent(t *testing.T) {
	b := newBreakers(t, BreakerConfig{ConsecutiveFailures: 3, OpenTimeout: time.Millisecond})
	var wg sync.WaitGroup
	for g := range 20 {
		wg.Go(func() {
			m := script("m", fail(papersum.ClassServer), step{}, fail(papersum.ClassInvalidRequest))
			w := b.Wrap("p", []string{"a", "b"}[g%2], m)
			for range 200 {
				w.Generate(context.Background(), newRequest())
				b.States()
			}
		})
	}
	wg.Wait()
	if n := len(b.States()); n != 2 {
		t.Fatalf("%d breakers, want 2", n)
	}
}
