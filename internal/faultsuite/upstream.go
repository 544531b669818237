package faultsuite

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"regexp"
	"syscall"
	"time"

	"github.com/papersum/papersum/llm/llmtest/fakeupstream"
)

// upstreamChildEnv carries the settings of a fake upstream child process
// (JSON of upstreamChild) from Upstream.Start to RunUpstreamChild.
const upstreamChildEnv = "PAPERSUM_FAULTSUITE_UPSTREAM"

type upstreamChild struct {
	Addr    string        `json:"addr"`
	Latency time.Duration `json:"latency"`
	Log     string        `json:"log"`
}

// Upstream is the fake model API (fakeupstream) in a child process: the
// test binary itself, run again by Start with RunUpstreamChild in its
// TestMain. A child process can be killed with SIGKILL or stopped with
// SIGTERM and started again on the same port, which an in-process
// server cannot show.
//
// Every answer the fake gives to POST /v1/messages (status 200 with a
// body) is appended to a log file as it is written, before the response
// leaves the process, so the count survives kill -9 and restarts: it is
// what a provider would bill, and more answers than stored stage results
// are repeated paid calls.
type Upstream struct {
	// Port is where it listens, the same after every restart.
	Port    int
	exe     string
	env     []string
	proc    *Process
	answers string
}

// StartUpstream starts exe (a test binary whose TestMain calls
// RunUpstreamChild) as the fake upstream on a free port, answering every
// call after latency, and logging answers under dir.
func StartUpstream(exe, dir string, latency time.Duration) (*Upstream, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	u := &Upstream{Port: port, exe: exe, answers: dir + "/answers.log"}
	cfg, _ := json.Marshal(upstreamChild{Addr: fmt.Sprintf("127.0.0.1:%d", port), Latency: latency, Log: u.answers})
	u.env = []string{upstreamChildEnv + "=" + string(cfg)}
	return u, u.Start()
}

// URL is the base URL papersum's providers.anthropic.base_url names.
func (u *Upstream) URL() string { return fmt.Sprintf("http://127.0.0.1:%d", u.Port) }

var upstreamReady = regexp.MustCompile(`fake upstream listening on (\S+)`)

// Start starts the child (again) on its port and waits until it listens.
func (u *Upstream) Start() error {
	p, err := Start(u.exe, u.env, "-test.run=^$")
	if err != nil {
		return err
	}
	u.proc = p
	_, err = p.WaitOutput(60*time.Second, func(out string) string {
		if m := upstreamReady.FindStringSubmatch(out); m != nil {
			return m[1]
		}
		return ""
	})
	if err != nil {
		p.Kill()
	}
	return err
}

// Signal sends sig to the child and waits for it to end.
func (u *Upstream) Signal(sig syscall.Signal) error {
	if u.proc == nil {
		return nil
	}
	return u.proc.Signal(sig, time.Minute)
}

// Answers is how many calls the fake has answered since the first Start,
// across restarts.
func (u *Upstream) Answers() (int, error) {
	b, err := os.ReadFile(u.answers)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	return bytes.Count(b, []byte("\n")), err
}

// RunUpstreamChild runs the fake upstream when this process was started
// by Upstream.Start, until SIGTERM or SIGINT, and then exits; it returns
// at once otherwise. Call it first in TestMain.
func RunUpstreamChild() {
	v := os.Getenv(upstreamChildEnv)
	if v == "" {
		return
	}
	var c upstreamChild
	if err := json.Unmarshal([]byte(v), &c); err != nil {
		fmt.Fprintln(os.Stderr, "bad "+upstreamChildEnv+":", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serveUpstream(ctx, c); err != nil {
		fmt.Fprintln(os.Stderr, "fake upstream:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// serveUpstream serves the fake until ctx ends, shutting down as
// fakeupstream's Serve does (end its waits, then let requests in flight
// finish), with the answer log around the handler.
func serveUpstream(ctx context.Context, c upstreamChild) error {
	log, err := os.OpenFile(c.Log, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	defer log.Close()
	srv := fakeupstream.New(fakeupstream.Config{Seed: 1, Latency: c.Latency})
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "fake upstream listening on http://%s\n", ln.Addr())
	hs := &http.Server{Handler: logAnswers(srv, log), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	srv.Close()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = hs.Shutdown(sctx)
	if e := <-errc; !errors.Is(e, http.ErrServerClosed) && err == nil {
		err = e
	}
	return err
}

// logAnswers appends a line to log for every answer of /v1/messages
// (status 200 with a body). The line is written when the handler
// returns, before net/http flushes the buffered response, so no answer
// reaches the client unlogged. *os.File writes are unbuffered, so the
// line survives SIGKILL.
//
// The line names the paper ("Fault paper N", the suite's titles) and the
// stage the request was for, so that a repeated call can be traced to
// its run in serve's log.
func logAnswers(h http.Handler, log *os.File) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body []byte
		if r.URL.Path == "/v1/messages" && r.Body != nil {
			body, _ = io.ReadAll(io.LimitReader(r.Body, 1<<20))
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		rec := &countingWriter{ResponseWriter: w}
		h.ServeHTTP(rec, r)
		if r.URL.Path == "/v1/messages" && rec.status == http.StatusOK && rec.bytes > 0 {
			_, _ = fmt.Fprintf(log, "answer %s %s\n", paperOf(body), stageOf(body))
		}
	})
}

var paperTitle = regexp.MustCompile(`Fault paper \d+`)

// paperOf is the suite's title of the paper a request carries, "-" when
// it has none.
func paperOf(body []byte) string {
	if m := paperTitle.Find(body); m != nil {
		return string(bytes.ReplaceAll(m, []byte(" "), []byte("_")))
	}
	return "-"
}

// stageOf tells the stage of a request by its system prompt's words
// (pipeline/prompts): "-" when none matches.
func stageOf(body []byte) string {
	switch {
	case bytes.Contains(body, []byte("strict reviewer")):
		return "critique"
	case bytes.Contains(body, []byte("You revise summaries")):
		return "revise"
	case bytes.Contains(body, []byte("You write faithful")):
		return "summarize"
	}
	return "-"
}

// countingWriter remembers the status and the body size a handler wrote.
type countingWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (c *countingWriter) WriteHeader(code int) {
	if c.status == 0 {
		c.status = code
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *countingWriter) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	n, err := c.ResponseWriter.Write(b)
	c.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the connection (the fake
// hijacks it to inject resets).
func (c *countingWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }
