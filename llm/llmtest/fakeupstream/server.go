package fakeupstream

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/papersum/papersum/llm/local"
)

// Server is the fake upstream. It is an http.Handler and safe for
// concurrent use.
type Server struct {
	cfg     Config
	dice    *dice
	cache   *promptCache
	engine  *local.Engine
	papers  papers
	batches batches
	handler http.Handler
	ids     atomic.Uint64
	// lat is the current Latency (SetLatency changes it).
	lat atomic.Int64

	// stop ends hangs when the server shuts down, so that closing a test
	// server never waits for HangMax.
	stop     chan struct{}
	stopOnce sync.Once

	mu      sync.Mutex
	stats   Stats
	answers []Answer
	script  int // how many Script entries were used
}

// New returns a Server for cfg; zero fields take their defaults. It panics
// when cfg.Validate fails: a fake that silently ignored a test's fault
// rates would make the test pass for the wrong reason. Validate
// configuration that comes from a user before calling New.
func New(cfg Config) *Server {
	if err := cfg.Validate(); err != nil {
		panic(err)
	}
	cfg = cfg.withDefaults()
	s := &Server{
		cfg:    cfg,
		dice:   newDice(cfg.Seed),
		cache:  newPromptCache(cfg.MaxCacheEntries),
		engine: local.New(local.Config{}),
		stop:   make(chan struct{}),
	}
	s.batches.m = make(map[string]*batch)
	s.stats = newStats()
	s.lat.Store(int64(cfg.Latency))
	s.handler = s.routes()
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
}

// Start serves s on a new loopback httptest server and returns its base
// URL (no trailing slash, no /v1) and a function that shuts it down. The
// server speaks HTTP/1.1, so connection resets can be injected.
func (s *Server) Start() (baseURL string, closeFn func()) {
	ts := httptest.NewUnstartedServer(s)
	ts.Start()
	return ts.URL, func() {
		s.Close()
		ts.CloseClientConnections()
		ts.Close()
	}
}

// Close ends every hang in progress and makes later hangs return at once.
// It does not close listeners; Start's close function and Serve do that.
func (s *Server) Close() {
	s.stopOnce.Do(func() { close(s.stop) })
}

// Serve serves s on ln until ctx is done, then shuts down, ending hangs
// and waiting up to five seconds for requests in flight.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.Close()
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	err := hs.Shutdown(sctx)
	if e := <-errc; !errors.Is(e, http.ErrServerClosed) && err == nil {
		err = e
	}
	return err
}

// ListenAndServe listens on addr ("127.0.0.1:0" picks a free port), calls
// onListen with the base URL it is bound to (for a command to print), and
// serves until ctx is done.
func (s *Server) ListenAndServe(ctx context.Context, addr string, onListen func(baseURL string)) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("fake upstream: listen on %s: %w", addr, err)
	}
	if onListen != nil {
		onListen("http://" + ln.Addr().String())
	}
	return s.Serve(ctx, ln)
}

// Endpoint names, the keys of Stats.Requests.
const (
	EndpointMessages        = "messages"
	EndpointChatCompletions = "chat_completions"
	EndpointBatchCreate     = "batch_create"
	EndpointBatchRetrieve   = "batch_retrieve"
	EndpointBatchList       = "batch_list"
	EndpointBatchCancel     = "batch_cancel"
	EndpointBatchResults    = "batch_results"
	EndpointOther           = "other"
)

// Stats counts what the server did since it was created.
type Stats struct {
	// Requests counts HTTP requests by endpoint (the Endpoint constants).
	Requests map[string]int
	// Statuses counts HTTP responses by status code. Requests that got no
	// response (resets, hangs and waits the client gave up on) count as 0.
	Statuses map[int]int
	// Faults counts injected or forced faults by kind, batch items
	// included.
	Faults map[Fault]int
	// BatchItems counts requests processed inside batches.
	BatchItems int
	// CacheWrites and CacheReads count answered requests that wrote to or
	// read from the prompt cache; the token fields sum their tokens.
	CacheWrites, CacheReads           int
	CacheWriteTokens, CacheReadTokens int64
	// InputTokens counts input tokens that were neither written to nor read
	// from the cache; OutputTokens counts output tokens. Both only over
	// answered (200 or succeeded) requests.
	InputTokens, OutputTokens int64
}

func newStats() Stats {
	return Stats{Requests: map[string]int{}, Statuses: map[int]int{}, Faults: map[Fault]int{}}
}

// Stats returns a snapshot of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Requests = maps.Clone(s.stats.Requests)
	st.Statuses = maps.Clone(s.stats.Statuses)
	st.Faults = maps.Clone(s.stats.Faults)
	return st
}

// count updates the counters under the lock.
func (s *Server) count(f func(st *Stats)) {
	s.mu.Lock()
	f(&s.stats)
	s.mu.Unlock()
}

// Answer is one answered request (status 200, or a succeeded batch
// item) and the tokens it served, as its usage block reported them.
type Answer struct {
	// Model is the model the request named; Batch is true for a batch
	// item.
	Model string
	Batch bool
	// Input counts the input tokens neither written to nor read from the
	// cache, CacheWrite5m and CacheWrite1h those written (by lifetime),
	// CacheRead those read; Output counts output tokens.
	Input, CacheWrite5m, CacheWrite1h, CacheRead, Output int64
}

// Answers returns every answered request in the order answered: what a
// real provider would bill, whether or not the client was still waiting
// when the answer was written.
func (s *Server) Answers() []Answer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.answers)
}

// nextScripted returns the Script entry of the next request, or "" once
// the script is used up.
func (s *Server) nextScripted() Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.script >= len(s.cfg.Script) {
		return ""
	}
	s.script++
	return s.cfg.Script[s.script-1]
}

// countUsage records the tokens of one answered request to model.
func (s *Server) countUsage(model string, batch bool, u cacheUsage, output int64) {
	s.count(func(st *Stats) {
		st.InputTokens += u.input
		st.OutputTokens += output
		if w := u.write5m + u.write1h; w > 0 {
			st.CacheWrites++
			st.CacheWriteTokens += w
		}
		if u.read > 0 {
			st.CacheReads++
			st.CacheReadTokens += u.read
		}
	})
	s.mu.Lock()
	s.answers = append(s.answers, Answer{Model: model, Batch: batch, Input: u.input, CacheWrite5m: u.write5m,
		CacheWrite1h: u.write1h, CacheRead: u.read, Output: output})
	s.mu.Unlock()
}

// nextID returns a new sequence number for IDs. IDs are counters, not
// random, so they never consume the fault generator's numbers.
func (s *Server) nextID() uint64 { return s.ids.Add(1) }

// statusRecorder remembers the status a handler wrote, for Stats.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (sr *statusRecorder) WriteHeader(code int) {
	if sr.status == 0 {
		sr.status = code
	}
	sr.ResponseWriter.WriteHeader(code)
}

func (sr *statusRecorder) Write(b []byte) (int, error) {
	if sr.status == 0 {
		sr.status = http.StatusOK
	}
	return sr.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection to hijack it.
func (sr *statusRecorder) Unwrap() http.ResponseWriter { return sr.ResponseWriter }

// endpoint wraps h to count its requests and statuses.
func (s *Server) endpoint(name string, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.count(func(st *Stats) { st.Requests[name]++ })
		sr := &statusRecorder{ResponseWriter: w}
		h(sr, r)
		s.count(func(st *Stats) { st.Statuses[sr.status]++ })
	})
}

// writeJSON writes v as the JSON body of a response with status.
// HTML is not escaped: the APIs write "<summary>" as it is, not as
// "\u003csummary\u003e".
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// reset hijacks the request's connection and closes it with a TCP reset,
// so the client sees a connection error and no response.
func reset(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// HTTP/2 cannot be hijacked; abort the stream instead.
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// hang waits out a Hang fault: HangMax, or with NoHangMax until the
// request or the server ends. It reports whether HangMax passed, so that
// the hang is answered (504).
func (s *Server) hang(ctx context.Context) bool {
	if s.cfg.Faults.HangMax >= 0 {
		return s.wait(ctx, s.cfg.Faults.HangMax) == nil
	}
	select {
	case <-ctx.Done():
	case <-s.stop:
	}
	return false
}

// ifClosing calls answer when Close has cut a request short while its
// client is still waiting. A real server going down answers such a request
// with an error status (or its connection is reset); it never sends the
// empty 200 that net/http writes for a handler that returns without
// writing, which a client would take for an answer.
func (s *Server) ifClosing(ctx context.Context, answer func()) {
	select {
	case <-s.stop:
		if ctx.Err() == nil {
			answer()
		}
	default:
	}
}

// shuttingDown is the error of a request in flight when the server
// closes: 503, the status of a server that cannot answer now, with the
// error type of the API that speaks it.
func shuttingDown(errType string) *apiError {
	return &apiError{status: http.StatusServiceUnavailable, errType: errType, message: "the server is shutting down"}
}

// emptyOK writes FaultEmptyBody: a 200 with no Content-Type and no body.
func emptyOK(w http.ResponseWriter) {
	w.Header()["Content-Type"] = nil // keep net/http from sniffing one
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
}

// wait sleeps d unless the request or the server ends first.
func (s *Server) wait(ctx context.Context, d time.Duration) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-s.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	return s.cfg.Sleep(ctx, d)
}

//go:embed testdata/paper.md
var samplePaper string

// SamplePaper returns a made-up research paper in Markdown, about 2,000
// tokens long once ingested: long enough to be cached by the Sonnet
// family (1024) and too short for Haiku 3 (2048) or Opus 4.5 (4096). It
// belongs to the papersum project and is free to use in tests.
func SamplePaper() string { return samplePaper }

// SetLatency changes the latency added to every later request (Config.Latency
// at start): a test steps it up to inject a slowdown into a running
// pipeline.
func (s *Server) SetLatency(d time.Duration) { s.lat.Store(int64(d)) }

func (s *Server) latency() time.Duration { return time.Duration(s.lat.Load()) }
