package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/papersum/papersum"
)

// senderFixture is a Sender on a fake clock and sleep that records its
// attempts.
type senderFixture struct {
	s     *Sender
	clock *fakeClock
	sleep *fakeSleep
	mu    sync.Mutex
	atts  []Attempt
}

func newSenderFixture(t *testing.T, mod func(*SenderConfig)) *senderFixture {
	t.Helper()
	f := &senderFixture{clock: newFakeClock()}
	f.sleep = &fakeSleep{clock: f.clock}
	cfg := SenderConfig{
		Secret: testKey,
		Client: &http.Client{},
		Clock:  f.clock,
		Sleep:  f.sleep.Sleep,
		Record: func(ctx context.Context, a Attempt) {
			if ctx.Err() != nil {
				t.Errorf("Record got a cancelled context")
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			f.atts = append(f.atts, a)
		},
	}
	if mod != nil {
		mod(&cfg)
	}
	s, err := NewSender(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f.s = s
	return f
}

func (f *senderFixture) attempts() []Attempt {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Attempt(nil), f.atts...)
}

// statusServer answers each request with the next code of codes (the last
// one repeating), after checking the signature with Verify on clock's time.
type statusServer struct {
	*httptest.Server
	mu     sync.Mutex
	codes  []int
	n      int
	times  []string
	bodies [][]byte
	errs   []error
}

func newStatusServer(t *testing.T, clock *fakeClock, codes ...int) *statusServer {
	t.Helper()
	s := &statusServer{codes: codes}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		_, err := Verify([][]byte{testKey}, r.Header, body, clock.Now(), DefaultTolerance)
		s.mu.Lock()
		code := s.codes[min(s.n, len(s.codes)-1)]
		s.n++
		s.times = append(s.times, r.Header.Get(HeaderTimestamp))
		s.bodies = append(s.bodies, body)
		s.errs = append(s.errs, err)
		s.mu.Unlock()
		if err != nil {
			code = http.StatusUnauthorized
		}
		if code >= 300 && code < 400 {
			w.Header().Set("Location", "/elsewhere")
		}
		w.WriteHeader(code)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *statusServer) requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

type completion struct {
	Type  string `json:"type"`
	RunID string `json:"run_id"`
}

var payload = completion{Type: "run.completed", RunID: "run_42"}

func TestSenderSuccess(t *testing.T) {
	f := newSenderFixture(t, nil)
	srv := newStatusServer(t, f.clock, 204)
	if err := f.s.Deliver(context.Background(), srv.URL+"/callback", "msg_run_42", payload); err != nil {
		t.Fatal(err)
	}
	if srv.errs[0] != nil {
		t.Fatalf("receiver could not verify: %v", srv.errs[0])
	}
	var got completion
	if err := json.Unmarshal(srv.bodies[0], &got); err != nil || got != payload {
		t.Errorf("body = %s (%v)", srv.bodies[0], err)
	}
	atts := f.attempts()
	if len(atts) != 1 {
		t.Fatalf("attempts = %+v", atts)
	}
	a := atts[0]
	if a.N != 1 || a.Status != 204 || a.Err != nil || a.Retry || a.ID != "msg_run_42" ||
		a.URL != srv.URL+"/callback" || !a.At.Equal(f.clock.Now()) {
		t.Errorf("attempt = %+v", a)
	}
	if w := f.sleep.list(); len(w) != 0 {
		t.Errorf("slept %v", w)
	}
}

func TestSenderRetriesThenSucceeds(t *testing.T) {
	f := newSenderFixture(t, nil)
	srv := newStatusServer(t, f.clock, 503, 502, 200)
	start := f.clock.Now()
	if err := f.s.Deliver(context.Background(), srv.URL, "msg_1", payload); err != nil {
		t.Fatal(err)
	}
	if w := f.sleep.list(); !equalDurations(w, 30*time.Second, 60*time.Second) {
		t.Errorf("waits = %v, want [30s 60s]", w)
	}
	atts := f.attempts()
	if len(atts) != 3 {
		t.Fatalf("%d attempts, want 3", len(atts))
	}
	wantStatuses := []int{503, 502, 200}
	wantAt := []time.Duration{0, 30 * time.Second, 90 * time.Second}
	for i, a := range atts {
		if a.N != i+1 || a.Status != wantStatuses[i] || a.ID != "msg_1" || !a.At.Equal(start.Add(wantAt[i])) {
			t.Errorf("attempt %d = %+v", i+1, a)
		}
		if (a.Err == nil) != (i == 2) || a.Retry != (i < 2) {
			t.Errorf("attempt %d: Err = %v, Retry = %v", i+1, a.Err, a.Retry)
		}
		// Each attempt carries its own timestamp and verifies on its own.
		if srv.times[i] != strconv.FormatInt(start.Add(wantAt[i]).Unix(), 10) || srv.errs[i] != nil {
			t.Errorf("attempt %d: timestamp %s, verify %v", i+1, srv.times[i], srv.errs[i])
		}
	}
}

func TestSenderGivesUp(t *testing.T) {
	f := newSenderFixture(t, nil)
	srv := newStatusServer(t, f.clock, 500)
	err := f.s.Deliver(context.Background(), srv.URL+"/cb?token=s3cret", "msg_1", payload)
	if papersum.ErrorCode(err) != papersum.EUNAVAILABLE || !strings.Contains(err.Error(), "failed after 4 attempts") {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error leaks the query: %v", err)
	}
	if w := f.sleep.list(); !equalDurations(w, 30*time.Second, 60*time.Second, 120*time.Second) {
		t.Errorf("waits = %v, want [30s 1m0s 2m0s]", w)
	}
	atts := f.attempts()
	if len(atts) != 4 || srv.requests() != 4 {
		t.Fatalf("%d attempts, %d requests; want 4", len(atts), srv.requests())
	}
	for i, a := range atts {
		if a.N != i+1 || a.Status != 500 || a.Err == nil || a.Retry != (i < 3) {
			t.Errorf("attempt %d = %+v", i+1, a)
		}
	}
}

func TestSenderPermanentFailures(t *testing.T) {
	for _, code := range []int{400, 401, 403, 404, 410, 422, 301, 302, 307} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			f := newSenderFixture(t, nil)
			srv := newStatusServer(t, f.clock, code)
			err := f.s.Deliver(context.Background(), srv.URL, "msg_1", payload)
			if papersum.ErrorCode(err) != papersum.EINVALID || !strings.Contains(err.Error(), strconv.Itoa(code)) {
				t.Fatalf("err = %v", err)
			}
			// One request: no retry, and a redirect is not followed.
			if atts := f.attempts(); len(atts) != 1 || atts[0].Retry || srv.requests() != 1 {
				t.Errorf("attempts = %+v, requests = %d", atts, srv.requests())
			}
			if w := f.sleep.list(); len(w) != 0 {
				t.Errorf("slept %v", w)
			}
		})
	}
}

func TestSenderRetryableStatuses(t *testing.T) {
	for _, code := range []int{408, 429, 500, 502, 503, 504} {
		f := newSenderFixture(t, nil)
		srv := newStatusServer(t, f.clock, code, 200)
		if err := f.s.Deliver(context.Background(), srv.URL, "msg_1", payload); err != nil {
			t.Errorf("%d: %v", code, err)
		}
		if n := len(f.attempts()); n != 2 {
			t.Errorf("%d: %d attempts, want 2", code, n)
		}
	}
}

func TestSenderConnectionErrors(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	f := newSenderFixture(t, nil)
	err := f.s.Deliver(context.Background(), closed.URL, "msg_1", payload)
	if papersum.ErrorCode(err) != papersum.EUNAVAILABLE {
		t.Fatalf("err = %v", err)
	}
	atts := f.attempts()
	if len(atts) != 4 {
		t.Fatalf("%d attempts, want 4", len(atts))
	}
	for _, a := range atts {
		if a.Status != 0 || a.Err == nil {
			t.Errorf("attempt = %+v", a)
		}
	}
}

func TestSenderTimeoutIsRetried(t *testing.T) {
	var n atomic.Int32
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			select { // hang until the sender gives up on this attempt
			case <-r.Context().Done():
			case <-release:
			}
			return
		}
		w.WriteHeader(200)
	}))
	defer srv.Close()
	defer close(release)
	f := newSenderFixture(t, func(c *SenderConfig) { c.Timeout = 100 * time.Millisecond })
	if err := f.s.Deliver(context.Background(), srv.URL, "msg_1", payload); err != nil {
		t.Fatal(err)
	}
	atts := f.attempts()
	if len(atts) != 2 || atts[0].Status != 0 || !errors.Is(atts[0].Err, context.DeadlineExceeded) || !atts[0].Retry {
		t.Errorf("attempts = %+v", atts)
	}
}

// TestSenderPolicyRefusalIsFinal uses a client whose dialer refuses the
// address the way the fetch package's SSRF-safe dialer does.
func TestSenderPolicyRefusalIsFinal(t *testing.T) {
	var dials atomic.Int32
	client := &http.Client{Transport: &http.Transport{
		DialContext: func(context.Context, string, string) (net.Conn, error) {
			dials.Add(1)
			return nil, papersum.Errorf(papersum.EINVALID, "address 10.0.0.1 is not public")
		},
	}}
	f := newSenderFixture(t, func(c *SenderConfig) { c.Client = client })
	err := f.s.Deliver(context.Background(), "http://internal.example/cb", "msg_1", payload)
	if papersum.ErrorCode(err) != papersum.EINVALID || !strings.Contains(err.Error(), "is not public") {
		t.Fatalf("err = %v", err)
	}
	if dials.Load() != 1 || len(f.attempts()) != 1 {
		t.Errorf("dials = %d, attempts = %d; want 1 and 1", dials.Load(), len(f.attempts()))
	}
}

func TestSenderCancelledWhileWaiting(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	f := newSenderFixture(t, nil)
	srv := newStatusServer(t, f.clock, 503)
	f.s.cfg.Record = func(context.Context, Attempt) { cancel() }
	err := f.s.Deliver(ctx, srv.URL, "msg_1", payload)
	if papersum.ErrorCode(err) != papersum.EUNAVAILABLE || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if srv.requests() != 1 {
		t.Errorf("%d requests after cancel, want 1", srv.requests())
	}
}

func TestSenderInvalidInput(t *testing.T) {
	f := newSenderFixture(t, nil)
	for _, tt := range []struct {
		url, id string
		payload any
	}{
		{"ftp://example.com/", "msg_1", payload},
		{"/relative", "msg_1", payload},
		{"https://example.com/", "msg.1", payload},
		{"https://example.com/", "", payload},
		{"https://example.com/", "msg_1", make(chan int)},
	} {
		if err := f.s.Deliver(context.Background(), tt.url, tt.id, tt.payload); papersum.ErrorCode(err) != papersum.EINVALID {
			t.Errorf("Deliver(%s, %q) err = %v, want EINVALID", tt.url, tt.id, err)
		}
	}
	if n := len(f.attempts()); n != 0 {
		t.Errorf("%d attempts for invalid input", n)
	}
}

func TestNewSenderValidates(t *testing.T) {
	for name, cfg := range map[string]SenderConfig{
		"no secret":    {Client: &http.Client{}},
		"short secret": {Secret: []byte("short"), Client: &http.Client{}},
		"no client":    {Secret: testKey},
		"attempts":     {Secret: testKey, Client: &http.Client{}, MaxAttempts: -1},
		"delay":        {Secret: testKey, Client: &http.Client{}, FirstDelay: -time.Second},
	} {
		if _, err := NewSender(cfg); papersum.ErrorCode(err) != papersum.EINVALID {
			t.Errorf("%s: err = %v, want EINVALID", name, err)
		}
	}
	// The caller's client keeps its own redirect policy.
	c := &http.Client{}
	if _, err := NewSender(SenderConfig{Secret: testKey, Client: c}); err != nil || c.CheckRedirect != nil {
		t.Errorf("NewSender changed the caller's client (err %v)", err)
	}
}

// TestRoundTrip sends through the Sender to a Receiver: a failed handling
// is retried and handled, and a replay of the delivered request is
// acknowledged without handling.
func TestRoundTrip(t *testing.T) {
	rf := newReceiverFixture(t, nil)
	var mu sync.Mutex
	var last *http.Request
	var lastBody []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		last, lastBody = r.Clone(context.Background()), body
		mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
		rf.rc.ServeHTTP(w, r)
	}))
	defer srv.Close()
	sf := newSenderFixture(t, func(c *SenderConfig) {
		c.Clock = rf.clock
		c.Sleep = (&fakeSleep{clock: rf.clock}).Sleep
	})

	rf.failWith(errors.New("transient"))
	if err := sf.s.Deliver(context.Background(), srv.URL+"/webhook/paper-published", "msg_rt", payload); err != nil {
		t.Fatal(err)
	}
	atts := sf.attempts()
	if len(atts) != 2 || atts[0].Status != 500 || atts[1].Status != 200 {
		t.Fatalf("attempts = %+v", atts)
	}
	if n := rf.calls.Load(); n != 2 {
		t.Fatalf("Handle called %d times, want 2 (one failure, one success)", n)
	}

	replay := func() *http.Response {
		mu.Lock()
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/webhook/paper-published", bytes.NewReader(lastBody))
		req.Header = last.Header.Clone()
		mu.Unlock()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if resp := replay(); resp.StatusCode != 200 {
		t.Errorf("replay: status %d, want 200", resp.StatusCode)
	}
	if n := rf.calls.Load(); n != 2 {
		t.Errorf("replay was handled: %d calls", n)
	}
	// Once the tolerance has passed, the captured request is refused
	// outright.
	rf.clock.Advance(6 * time.Minute)
	if resp := replay(); resp.StatusCode != 401 {
		t.Errorf("late replay: status %d, want 401", resp.StatusCode)
	}
	// A new delivery of the same id (the sender retrying much later) is
	// acknowledged as a duplicate.
	if err := sf.s.Deliver(context.Background(), srv.URL+"/webhook/paper-published", "msg_rt", payload); err != nil {
		t.Fatal(err)
	}
	if n := rf.calls.Load(); n != 2 {
		t.Errorf("redelivery was handled: %d calls", n)
	}
}

func equalDurations(got []time.Duration, want ...time.Duration) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}
