package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
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

var testKey = bytes.Repeat([]byte("k"), 32)

// receiverFixture is a Receiver over a MemorySeenStore whose Handle
// counts calls and fails while failNext is set.
type receiverFixture struct {
	rc       *Receiver
	clock    *fakeClock
	seen     *MemorySeenStore
	calls    atomic.Int32
	mu       sync.Mutex
	failNext error // returned by the next Handle call, then cleared
}

func (f *receiverFixture) failWith(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failNext = err
}

func newReceiverFixture(t *testing.T, mod func(*ReceiverConfig)) *receiverFixture {
	t.Helper()
	f := &receiverFixture{clock: newFakeClock()}
	f.seen = NewMemorySeenStore(f.clock)
	cfg := ReceiverConfig{
		Secrets: [][]byte{testKey},
		Seen:    f.seen,
		Clock:   f.clock,
		Handle: func(_ context.Context, id string, body []byte) error {
			f.calls.Add(1)
			f.mu.Lock()
			defer f.mu.Unlock()
			err := f.failNext
			f.failNext = nil
			return err
		},
	}
	if mod != nil {
		mod(&cfg)
	}
	rc, err := NewReceiver(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f.rc = rc
	return f
}

// signedRequest builds a POST signed with key at ts.
func signedRequest(key []byte, id string, ts time.Time, body []byte) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/webhook/paper-published", bytes.NewReader(body))
	r.Header.Set(HeaderID, id)
	r.Header.Set(HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	r.Header.Set(HeaderSignature, Sign(key, id, ts, body))
	return r
}

func (f *receiverFixture) serve(r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	f.rc.ServeHTTP(w, r)
	return w
}

func wantStatus(t *testing.T, w *httptest.ResponseRecorder, code int, bodyPart string) {
	t.Helper()
	if w.Code != code {
		t.Errorf("status = %d, want %d (body %s)", w.Code, code, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	if !json.Valid(w.Body.Bytes()) {
		t.Errorf("body is not JSON: %s", w.Body)
	}
	if !strings.Contains(w.Body.String(), bodyPart) {
		t.Errorf("body = %s, want it to contain %s", w.Body, bodyPart)
	}
}

const paperBody = `{"type":"paper.published","data":{"arxiv_id":"2401.00001"}}`

func TestReceiverAcceptsOnceAndIgnoresDuplicates(t *testing.T) {
	f := newReceiverFixture(t, nil)
	now := f.clock.Now()
	wantStatus(t, f.serve(signedRequest(testKey, "msg_1", now, []byte(paperBody))), 200, `"status":"accepted"`)
	// An exact replay, and a sender's retry with a fresh timestamp.
	wantStatus(t, f.serve(signedRequest(testKey, "msg_1", now, []byte(paperBody))), 200, `"status":"duplicate"`)
	f.clock.Advance(time.Minute)
	wantStatus(t, f.serve(signedRequest(testKey, "msg_1", f.clock.Now(), []byte(paperBody))), 200, `"status":"duplicate"`)
	if n := f.calls.Load(); n != 1 {
		t.Errorf("Handle called %d times, want 1", n)
	}
	wantStatus(t, f.serve(signedRequest(testKey, "msg_2", f.clock.Now(), []byte(paperBody))), 200, `"id":"msg_2"`)
	if n := f.calls.Load(); n != 2 {
		t.Errorf("Handle called %d times, want 2", n)
	}
}

func TestReceiverRefusesBadSignatures(t *testing.T) {
	f := newReceiverFixture(t, nil)
	now := f.clock.Now()
	body := []byte(paperBody)
	cases := map[string]*http.Request{
		"wrong key":  signedRequest(bytes.Repeat([]byte("x"), 32), "msg_1", now, body),
		"too old":    signedRequest(testKey, "msg_1", now.Add(-6*time.Minute), body),
		"too new":    signedRequest(testKey, "msg_1", now.Add(6*time.Minute), body),
		"no headers": httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body)),
		"tampered": func() *http.Request {
			r := signedRequest(testKey, "msg_1", now, body)
			r.Body = io.NopCloser(strings.NewReader(strings.Replace(paperBody, "00001", "00002", 1)))
			return r
		}(),
	}
	for name, r := range cases {
		t.Run(name, func(t *testing.T) {
			wantStatus(t, f.serve(r), http.StatusUnauthorized, `"code":"unauthorized"`)
		})
	}
	if n := f.calls.Load(); n != 0 {
		t.Errorf("Handle called %d times", n)
	}
	// A refused request must not mark its id: the genuine one still works.
	wantStatus(t, f.serve(signedRequest(testKey, "msg_1", now, body)), 200, "accepted")
}

func TestReceiverRotatedSecrets(t *testing.T) {
	oldKey := bytes.Repeat([]byte("o"), 32)
	f := newReceiverFixture(t, func(c *ReceiverConfig) { c.Secrets = [][]byte{testKey, oldKey} })
	wantStatus(t, f.serve(signedRequest(oldKey, "msg_old", f.clock.Now(), []byte(paperBody))), 200, "accepted")
	wantStatus(t, f.serve(signedRequest(testKey, "msg_new", f.clock.Now(), []byte(paperBody))), 200, "accepted")
}

func TestReceiverBodies(t *testing.T) {
	f := newReceiverFixture(t, func(c *ReceiverConfig) { c.MaxBody = 100 })
	now := f.clock.Now()

	wantStatus(t, f.serve(signedRequest(testKey, "msg_bad", now, []byte(`{"type":`))), 400, "not valid JSON")
	wantStatus(t, f.serve(signedRequest(testKey, "msg_empty", now, nil)), 400, "not valid JSON")

	big := []byte(`{"pad":"` + strings.Repeat("a", 200) + `"}`)
	wantStatus(t, f.serve(signedRequest(testKey, "msg_big", now, big)), 413, "too_large")
	// Without Content-Length the limit holds on the bytes read.
	r := signedRequest(testKey, "msg_big2", now, big)
	r.ContentLength = -1
	r.Body = io.NopCloser(bytes.NewReader(big))
	wantStatus(t, f.serve(r), 413, "too_large")

	exact := []byte(`{"pad":"` + strings.Repeat("a", 100-10) + `"}`)
	if len(exact) != 100 {
		t.Fatalf("exact body is %d bytes", len(exact))
	}
	wantStatus(t, f.serve(signedRequest(testKey, "msg_exact", now, exact)), 200, "accepted")
	if n := f.calls.Load(); n != 1 {
		t.Errorf("Handle called %d times, want 1", n)
	}
}

func TestReceiverMethod(t *testing.T) {
	f := newReceiverFixture(t, nil)
	w := f.serve(httptest.NewRequest(http.MethodGet, "/", nil))
	wantStatus(t, w, 405, "method_not_allowed")
	if w.Header().Get("Allow") != "POST" {
		t.Errorf("Allow = %q", w.Header().Get("Allow"))
	}
}

func TestReceiverHandlerFailure(t *testing.T) {
	f := newReceiverFixture(t, nil)
	now := f.clock.Now()
	body := []byte(paperBody)

	f.failWith(errors.New("database is down at 10.0.0.5"))
	w := f.serve(signedRequest(testKey, "msg_1", now, body))
	wantStatus(t, w, 500, `"message":"internal error"`)
	if strings.Contains(w.Body.String(), "10.0.0.5") {
		t.Errorf("internal detail leaked: %s", w.Body)
	}
	// The id was forgotten, so the sender's retry is handled.
	wantStatus(t, f.serve(signedRequest(testKey, "msg_1", now, body)), 200, "accepted")

	f.failWith(papersum.Errorf(papersum.EINVALID, "unknown arXiv id 9999.99999"))
	wantStatus(t, f.serve(signedRequest(testKey, "msg_2", now, body)), 400, "unknown arXiv id 9999.99999")
	if n := f.calls.Load(); n != 3 {
		t.Errorf("Handle called %d times, want 3", n)
	}
}

// failingSeen is a SeenStore whose backend is down.
type failingSeen struct{}

func (failingSeen) MarkSeen(context.Context, string, time.Time) (bool, error) {
	return false, errors.New("redis: connection refused")
}
func (failingSeen) Forget(context.Context, string) error { return nil }

func TestReceiverSeenStoreFailure(t *testing.T) {
	f := newReceiverFixture(t, func(c *ReceiverConfig) { c.Seen = failingSeen{} })
	wantStatus(t, f.serve(signedRequest(testKey, "msg_1", f.clock.Now(), []byte(paperBody))), 503, "unavailable")
	if n := f.calls.Load(); n != 0 {
		t.Errorf("Handle called %d times", n)
	}
}

func TestNewReceiverValidates(t *testing.T) {
	handle := func(context.Context, string, []byte) error { return nil }
	seen := NewMemorySeenStore(nil)
	for name, cfg := range map[string]ReceiverConfig{
		"no secrets":   {Seen: seen, Handle: handle},
		"short secret": {Secrets: [][]byte{[]byte("short")}, Seen: seen, Handle: handle},
		"no seen":      {Secrets: [][]byte{testKey}, Handle: handle},
		"no handle":    {Secrets: [][]byte{testKey}, Seen: seen},
		"short memory": {Secrets: [][]byte{testKey}, Seen: seen, Handle: handle, SeenFor: 9 * time.Minute},
		"negative":     {Secrets: [][]byte{testKey}, Seen: seen, Handle: handle, MaxBody: -1},
	} {
		if _, err := NewReceiver(cfg); papersum.ErrorCode(err) != papersum.EINVALID {
			t.Errorf("%s: err = %v, want EINVALID", name, err)
		}
	}
}

func TestMemorySeenStore(t *testing.T) {
	clock := newFakeClock()
	m := NewMemorySeenStore(clock)
	ctx := context.Background()
	mark := func(id string, ttl time.Duration) bool {
		t.Helper()
		first, err := m.MarkSeen(ctx, id, clock.Now().Add(ttl))
		if err != nil {
			t.Fatal(err)
		}
		return first
	}
	if !mark("a", time.Hour) || mark("a", time.Hour) {
		t.Fatal("a: want first then duplicate")
	}
	if !mark("b", 10*time.Minute) {
		t.Fatal("b: want first")
	}
	clock.Advance(10 * time.Minute)
	if !mark("b", time.Hour) {
		t.Error("b: expired entry still seen")
	}
	if mark("a", time.Hour) {
		t.Error("a: unexpired entry forgotten")
	}
	if err := m.Forget(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if !mark("a", time.Minute) {
		t.Error("a: forgotten entry still seen")
	}
	// Expired entries are swept, so memory does not grow without bound.
	clock.Advance(2 * time.Hour)
	mark("c", time.Minute)
	if n := m.Len(); n != 1 {
		t.Errorf("Len = %d after sweep, want 1", n)
	}
}

func TestMemorySeenStoreConcurrent(t *testing.T) {
	m := NewMemorySeenStore(newFakeClock())
	var firsts atomic.Int32
	done := make(chan struct{})
	for range 32 {
		go func() {
			defer func() { done <- struct{}{} }()
			if first, _ := m.MarkSeen(context.Background(), "same", time.Unix(2_000_000_000, 0)); first {
				firsts.Add(1)
			}
		}()
	}
	for range 32 {
		<-done
	}
	if n := firsts.Load(); n != 1 {
		t.Errorf("%d callers saw the id first, want 1", n)
	}
}
