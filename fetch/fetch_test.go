package fetch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/papersum/papersum"
)

// fakeResolver answers from a fixed table and never touches DNS.
type fakeResolver map[string][]string

func (r fakeResolver) LookupIPAddr(_ context.Context, host string) ([]net.IPAddr, error) {
	ss, ok := r[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	out := make([]net.IPAddr, len(ss))
	for i, s := range ss {
		out[i] = net.IPAddr{IP: net.ParseIP(s)}
	}
	return out, nil
}

// only127001 is the AllowPrivateForTests hook the tests use: it admits the
// httptest server's address and nothing else.
func only127001(ip net.IP) bool { return ip.Equal(net.IPv4(127, 0, 0, 1)) }

// dialLog records every address that reached the dialer's Control hook.
type dialLog struct {
	mu    sync.Mutex
	addrs []string
}

func (l *dialLog) record(_, address string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.addrs = append(l.addrs, address)
}

func (l *dialLog) list() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.addrs...)
}

func port(t *testing.T, srv *httptest.Server) int {
	t.Helper()
	return srv.Listener.Addr().(*net.TCPAddr).Port
}

// testResolver maps papers.test and its subdomains to the loopback server,
// and meta.papers.test to the cloud metadata address.
var testResolver = fakeResolver{
	"papers.test":        {"127.0.0.1"},
	"mirror.papers.test": {"127.0.0.1"},
	"meta.papers.test":   {"169.254.169.254"},
	"v6.papers.test":     {"::1"},
	"mapped.papers.test": {"::ffff:127.0.0.1"},
	"mixed.papers.test":  {"127.0.0.1", "10.0.0.7"},
}

// newTestFetcher returns a Fetcher for papers.test on srv's port that may
// reach 127.0.0.1 only, and the log of its dials.
func newTestFetcher(t *testing.T, srv *httptest.Server, mod func(*Config)) (*Fetcher, *dialLog) {
	t.Helper()
	cfg := Config{
		AllowedHosts:         []string{"papers.test"},
		AllowedPorts:         []int{port(t, srv)},
		Resolver:             testResolver,
		AllowPrivateForTests: only127001,
		Timeout:              5 * time.Second,
	}
	if mod != nil {
		mod(&cfg)
	}
	f, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	log := &dialLog{}
	f.dialer.observe = log.record
	return f, log
}

func testURL(t *testing.T, srv *httptest.Server, host, path string) string {
	t.Helper()
	return "http://" + net.JoinHostPort(host, strconv.Itoa(port(t, srv))) + path
}

// wantErr checks err's code and that its message contains want.
func wantErr(t *testing.T, err error, code, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("err = nil, want %s error containing %q", code, want)
	}
	if got := papersum.ErrorCode(err); got != code {
		t.Errorf("code = %s, want %s (err: %v)", got, code, err)
	}
	if msg := papersum.ErrorMessage(err); !strings.Contains(msg, want) {
		t.Errorf("message = %q, want it to contain %q", msg, want)
	}
}

func TestFetch(t *testing.T) {
	var ua atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ua.Store(r.UserAgent())
		w.Header().Set("Content-Type", "application/pdf")
		fmt.Fprint(w, "%PDF-1.5 paper")
	}))
	defer srv.Close()
	f, log := newTestFetcher(t, srv, nil)

	doc, err := f.Fetch(context.Background(), testURL(t, srv, "papers.test", "/pdf/2401.00001"))
	if err != nil {
		t.Fatal(err)
	}
	if string(doc.Body) != "%PDF-1.5 paper" || doc.ContentType != "application/pdf" {
		t.Errorf("doc = %q %q", doc.Body, doc.ContentType)
	}
	if want := testURL(t, srv, "papers.test", "/pdf/2401.00001"); doc.FinalURL != want {
		t.Errorf("FinalURL = %s, want %s", doc.FinalURL, want)
	}
	if ua.Load() != DefaultUserAgent {
		t.Errorf("User-Agent = %v", ua.Load())
	}
	if got := log.list(); len(got) != 1 || got[0] != "127.0.0.1:"+strconv.Itoa(port(t, srv)) {
		t.Errorf("dials = %v", got)
	}
}

func TestCheckURL(t *testing.T) {
	f, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	ok := []string{
		"https://arxiv.org/abs/2401.00001",
		"http://export.arxiv.org/api/query?id_list=2401.00001",
		"https://www.arxiv.org/pdf/2401.00001", // subdomain of arxiv.org
		"HTTPS://ArXiv.Org./pdf/2401.00001",    // case and trailing dot
		"https://arxiv.org:443/pdf/2401.00001",
	}
	for _, u := range ok {
		if _, err := f.checkURL(u); err != nil {
			t.Errorf("checkURL(%s) = %v, want ok", u, err)
		}
	}
	bad := []struct{ url, want string }{
		{"https://example.com/x", "host example.com is not allowed; allowed: arxiv.org, export.arxiv.org"},
		{"https://evilarxiv.org/x", "host evilarxiv.org is not allowed"},
		{"https://arxiv.org.evil.com/x", "host arxiv.org.evil.com is not allowed"},
		{"http://127.0.0.1/x", "host 127.0.0.1 is not allowed"},
		{"http://localhost/x", "host localhost is not allowed"},
		{"http://169.254.169.254/latest/meta-data/", "host 169.254.169.254 is not allowed"},
		{"http://[::1]/x", "host ::1 is not allowed"},
		{"file:///etc/passwd", `URL scheme "file" is not allowed`},
		{"ftp://arxiv.org/pub", `URL scheme "ftp" is not allowed`},
		{"gopher://arxiv.org/", `URL scheme "gopher" is not allowed`},
		{"javascript:alert(1)", `URL scheme "javascript" is not allowed`},
		{"data:text/plain,hello", `URL scheme "data" is not allowed`},
		{"//arxiv.org/abs/1", `URL scheme "" is not allowed`},
		{"https://user:pw@arxiv.org/x", "user information"},
		{"https://arxiv.org@evil.com/x", "user information"},
		{"https://arxiv.org:8443/x", "port 8443 is not allowed"},
		{"http://arxiv.org:22/x", "port 22 is not allowed"},
		{"https:///x", "has no host"},
		{"http://arxiv.org:99999999999999999999/x", "port"},
		{"https://arxiv.org/%zz", "invalid URL"},
	}
	for _, tt := range bad {
		_, err := f.checkURL(tt.url)
		wantErr(t, err, papersum.EINVALID, tt.want)
	}
}

func TestCheckURLRefusesNonPublicLiterals(t *testing.T) {
	// Even when an IP literal is on the allowlist, a non-public one is
	// refused at URL-check time, before any connection.
	lits := []string{"169.254.169.254", "127.0.0.1", "::1", "::ffff:127.0.0.1", "0.0.0.0", "10.1.2.3", "fe80::1"}
	f, err := New(Config{AllowedHosts: lits})
	if err != nil {
		t.Fatal(err)
	}
	for _, lit := range lits {
		u := "http://" + net.JoinHostPort(lit, "80") + "/"
		_, err := f.checkURL(u)
		wantErr(t, err, papersum.EINVALID, "address "+lit+" is not public")
	}
}

// TestRedirects proves that every hop is re-checked: the origin server
// (allowed) redirects to targets that must be refused, and none of them is
// ever dialled.
func TestRedirects(t *testing.T) {
	var otherHits atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		otherHits.Add(1)
		fmt.Fprint(w, "internal secret")
	}))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/to":
			http.Redirect(w, r, r.URL.Query().Get("u"), http.StatusFound)
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusMovedPermanently)
		default:
			fmt.Fprint(w, "paper")
		}
	}))
	defer srv.Close()
	p := strconv.Itoa(port(t, srv))
	own := "127.0.0.1:" + p

	refused := []struct{ target, want string }{
		// Another loopback port (a different internal service).
		{"http://papers.test:" + strconv.Itoa(port(t, other)) + "/", "port " + strconv.Itoa(port(t, other)) + " is not allowed"},
		// Other loopback hosts.
		{"http://127.0.0.1:" + p + "/", "host 127.0.0.1 is not allowed"},
		{"http://127.0.0.2:" + p + "/", "host 127.0.0.2 is not allowed"},
		{"http://localhost:" + p + "/", "host localhost is not allowed"},
		{"http://[::1]:" + p + "/", "host ::1 is not allowed"},
		// Cloud metadata, by literal and by an allowed name resolving to it.
		{"http://169.254.169.254/latest/meta-data/", "host 169.254.169.254 is not allowed"},
		{"http://meta.papers.test:" + p + "/latest/meta-data/", "address 169.254.169.254 is not public"},
		// Disallowed hosts and schemes.
		{"https://example.com/", "host example.com is not allowed"},
		{"file:///etc/passwd", `URL scheme "file" is not allowed`},
		{"ftp://papers.test/x", `URL scheme "ftp" is not allowed`},
		{"gopher://papers.test:" + p + "/", `URL scheme "gopher" is not allowed`},
		{"http://user:pw@papers.test:" + p + "/", "user information"},
	}
	for _, tt := range refused {
		t.Run(tt.target, func(t *testing.T) {
			f, log := newTestFetcher(t, srv, nil)
			_, err := f.Fetch(context.Background(), testURL(t, srv, "papers.test", "/to?u="+url.QueryEscape(tt.target)))
			wantErr(t, err, papersum.EINVALID, tt.want)
			for _, a := range log.list() {
				if a != own {
					t.Errorf("dialled %s; only %s may be dialled", a, own)
				}
			}
		})
	}
	if n := otherHits.Load(); n != 0 {
		t.Errorf("the other loopback server got %d requests", n)
	}

	t.Run("metadata literal on the allowlist is still refused before dialling", func(t *testing.T) {
		f, log := newTestFetcher(t, srv, func(c *Config) {
			c.AllowedHosts = append(c.AllowedHosts, "169.254.169.254")
			c.AllowedPorts = append(c.AllowedPorts, 80)
		})
		_, err := f.Fetch(context.Background(), testURL(t, srv, "papers.test", "/to?u="+url.QueryEscape("http://169.254.169.254/latest/meta-data/")))
		wantErr(t, err, papersum.EINVALID, "address 169.254.169.254 is not public")
		if got := log.list(); len(got) != 1 || got[0] != own {
			t.Errorf("dials = %v, want only %s", got, own)
		}
	})

	t.Run("allowed hop is followed", func(t *testing.T) {
		f, _ := newTestFetcher(t, srv, nil)
		target := testURL(t, srv, "mirror.papers.test", "/paper")
		doc, err := f.Fetch(context.Background(), testURL(t, srv, "papers.test", "/to?u="+url.QueryEscape(target)))
		if err != nil {
			t.Fatal(err)
		}
		if doc.FinalURL != target || string(doc.Body) != "paper" {
			t.Errorf("doc = %s %q", doc.FinalURL, doc.Body)
		}
	})

	t.Run("redirect loop stops", func(t *testing.T) {
		f, _ := newTestFetcher(t, srv, func(c *Config) { c.MaxRedirects = 3 })
		_, err := f.Fetch(context.Background(), testURL(t, srv, "papers.test", "/loop"))
		wantErr(t, err, papersum.EINVALID, "stopped after 3 redirects")
	})
}

// TestResolvedAddresses covers names that resolve to addresses that must
// not be dialled: the check is on the resolved IP, not the name.
func TestResolvedAddresses(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	tests := []struct {
		host    string
		private func(net.IP) bool
		want    string
	}{
		{"papers.test", nil, "address 127.0.0.1 is not public"},
		{"v6.papers.test", only127001, "address ::1 is not public"},
		{"mapped.papers.test", nil, "address 127.0.0.1 is not public"},
		{"meta.papers.test", only127001, "address 169.254.169.254 is not public"},
		// One private answer spoils the name, even if another is allowed.
		{"mixed.papers.test", only127001, "address 10.0.0.7 is not public"},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			f, log := newTestFetcher(t, srv, func(c *Config) { c.AllowPrivateForTests = tt.private })
			_, err := f.Fetch(context.Background(), testURL(t, srv, tt.host, "/"))
			wantErr(t, err, papersum.EINVALID, tt.want)
			if got := log.list(); len(got) != 0 {
				t.Errorf("dialled %v", got)
			}
		})
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("server got %d requests", n)
	}
}

func TestIPv6LiteralsRefused(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	for _, lit := range []string{"::1", "::ffff:127.0.0.1", "::ffff:7f00:1", "0:0:0:0:0:0:0:1"} {
		t.Run(lit, func(t *testing.T) {
			// The literal is on the allowlist and the 127.0.0.1 escape
			// hatch is off: only the address policy stands in the way.
			f, log := newTestFetcher(t, srv, func(c *Config) {
				c.AllowedHosts = []string{lit}
				c.AllowPrivateForTests = nil
			})
			_, err := f.Fetch(context.Background(), testURL(t, srv, lit, "/"))
			wantErr(t, err, papersum.EINVALID, "is not public")
			if got := log.list(); len(got) != 0 {
				t.Errorf("dialled %v", got)
			}
		})
	}
}

func TestSizeLimit(t *testing.T) {
	const limit = 1024
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		body := bytes.Repeat([]byte("a"), n)
		if r.URL.Path == "/chunked" {
			// Flushing before the body is complete forces chunked
			// encoding: no Content-Length for the client to check.
			for i := 0; i < n; i += 100 {
				w.Write(body[i:min(i+100, n)])
				w.(http.Flusher).Flush()
			}
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(n))
		w.Write(body)
	}))
	defer srv.Close()
	f, _ := newTestFetcher(t, srv, func(c *Config) { c.MaxBytes = limit })

	for _, path := range []string{"/cl", "/chunked"} {
		for _, n := range []int{0, limit - 1, limit} {
			doc, err := f.Fetch(context.Background(), testURL(t, srv, "papers.test", fmt.Sprintf("%s?n=%d", path, n)))
			if err != nil {
				t.Errorf("%s n=%d: %v", path, n, err)
			} else if len(doc.Body) != n {
				t.Errorf("%s n=%d: got %d bytes", path, n, len(doc.Body))
			}
		}
		for _, n := range []int{limit + 1, 10 * limit} {
			_, err := f.Fetch(context.Background(), testURL(t, srv, "papers.test", fmt.Sprintf("%s?n=%d", path, n)))
			wantErr(t, err, papersum.EINVALID, "larger than 1 KiB")
		}
	}
}

func TestDefaultSizeMessage(t *testing.T) {
	f, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse("https://arxiv.org/pdf/1?token=secret")
	err = f.tooLarge(u)
	wantErr(t, err, papersum.EINVALID, "document at https://arxiv.org/pdf/1 is larger than 50 MiB")
	if strings.Contains(err.Error(), "secret") {
		t.Errorf("message leaks the query: %v", err)
	}
}

// TestTimeouts covers a server that trickles its body (slowloris) and one
// that never sends headers: both must end at Config.Timeout.
func TestTimeouts(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow-body" {
			w.Header().Set("Content-Length", "1000")
			w.WriteHeader(http.StatusOK)
			for {
				w.Write([]byte("x"))
				w.(http.Flusher).Flush()
				select {
				case <-time.After(20 * time.Millisecond):
				case <-r.Context().Done():
					return
				case <-release:
					return
				}
			}
		}
		select { // slow headers
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	f, _ := newTestFetcher(t, srv, func(c *Config) { c.Timeout = 200 * time.Millisecond })
	for _, path := range []string{"/slow-body", "/slow-headers"} {
		start := time.Now()
		_, err := f.Fetch(context.Background(), testURL(t, srv, "papers.test", path))
		wantErr(t, err, papersum.EUNAVAILABLE, "timed out after 200ms")
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("%s took %s", path, d)
		}
	}
}

func TestCancelled(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	defer srv.Close()
	f, _ := newTestFetcher(t, srv, nil)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err := f.Fetch(ctx, testURL(t, srv, "papers.test", "/"))
	wantErr(t, err, papersum.EUNAVAILABLE, "was cancelled")
}

func TestStatusAndConnectionErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/"))
		w.WriteHeader(code)
	}))
	defer srv.Close()
	f, _ := newTestFetcher(t, srv, nil)
	for code, want := range map[int]papersum.FetchReason{404: papersum.FetchNotAPaper, 403: papersum.FetchNotAPaper,
		429: papersum.FetchUpstreamError, 500: papersum.FetchUpstreamError, 503: papersum.FetchUpstreamError} {
		_, err := f.Fetch(context.Background(), testURL(t, srv, "papers.test", "/"+strconv.Itoa(code)))
		wantReason(t, err, want, "server answered "+strconv.Itoa(code))
		var fe *papersum.FetchError
		if errors.As(err, &fe) && fe.Status != code {
			t.Errorf("%d: FetchError.Status = %d", code, fe.Status)
		}
	}

	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close() // nothing listens on its port any more
	f, _ = newTestFetcher(t, closed, nil)
	_, err := f.Fetch(context.Background(), testURL(t, closed, "papers.test", "/"))
	wantReason(t, err, papersum.FetchConnectionRefused, "refused the connection")

	_, err = f.Fetch(context.Background(), testURL(t, closed, "unknown.papers.test", "/"))
	wantReason(t, err, papersum.FetchDNS, "host name unknown.papers.test could not be resolved")
}

// wantReason checks that err is a fetch failure with reason, the code
// that goes with it and a message containing want, and that the message
// shows nothing of the cause (the resolver, the local address).
func wantReason(t *testing.T, err error, reason papersum.FetchReason, want string) {
	t.Helper()
	code := papersum.EINVALID
	if reason.RemoteFault() {
		code = papersum.EUNAVAILABLE
	}
	wantErr(t, err, code, want)
	var fe *papersum.FetchError
	if !errors.As(err, &fe) {
		t.Fatalf("%v carries no FetchError", err)
	}
	if fe.Reason != reason {
		t.Errorf("reason = %s, want %s (%v)", fe.Reason, reason, err)
	}
	if msg := papersum.ErrorMessage(err); strings.Contains(msg, "dial") || strings.Contains(msg, "lookup") ||
		strings.Contains(msg, "127.0.0.1:") {
		t.Errorf("message shows internals: %q", msg)
	}
}

// TestReasons gives the reason of every failure that the other tests
// cover by message.
func TestReasons(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		switch r.URL.Path {
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		case "/off-list":
			http.Redirect(w, r, "http://evil.example/", http.StatusFound)
		case "/big":
			w.Write(bytes.Repeat([]byte("a"), 2048))
		case "/slow":
			<-r.Context().Done()
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	defer srv.Close()
	// The time limit is short only for the fetch that must run into it,
	// so that a loaded machine cannot make the others time out.
	f, _ := newTestFetcher(t, srv, func(c *Config) { c.MaxBytes = 1024 })
	slow, _ := newTestFetcher(t, srv, func(c *Config) { c.Timeout = 300 * time.Millisecond })
	ctx := context.Background()
	_, err := slow.Fetch(ctx, testURL(t, srv, "papers.test", "/slow"))
	wantReason(t, err, papersum.FetchTimeout, "timed out after 300ms")
	for _, tc := range []struct {
		url    string
		reason papersum.FetchReason
		want   string
	}{
		{"ftp://papers.test/x", papersum.FetchNotAllowed, "scheme"},
		{"http://evil.example/x", papersum.FetchNotAllowed, "host evil.example is not allowed"},
		{"http://u:p@papers.test/x", papersum.FetchNotAllowed, "user information"},
		{"http://papers.test:1/x", papersum.FetchNotAllowed, "port 1 is not allowed"},
		{"http://%zz", papersum.FetchInvalidURL, "invalid URL"},
		{"http:///path", papersum.FetchInvalidURL, "has no host"},
		{testURL(t, srv, "meta.papers.test", "/"), papersum.FetchNotAllowed, "is not public"},
		{testURL(t, srv, "papers.test", "/loop"), papersum.FetchTooManyRedirects, "redirects"},
		{testURL(t, srv, "papers.test", "/off-list"), papersum.FetchNotAllowed, "host evil.example is not allowed"},
		{testURL(t, srv, "papers.test", "/big"), papersum.FetchTooLarge, "larger than 1 KiB"},
		{testURL(t, srv, "nowhere.papers.test", "/"), papersum.FetchDNS, "could not be resolved"},
	} {
		_, err := f.Fetch(ctx, tc.url)
		wantReason(t, err, tc.reason, tc.want)
	}
	// A URL as long as a user may send is named by an excerpt only.
	for _, u := range []string{testURL(t, srv, "papers.test", "/"+strings.Repeat("p", 5000)),
		"http://" + strings.Repeat("h", 5000) + ".example/", "http://%zz" + strings.Repeat("z", 5000)} {
		_, err := f.Fetch(ctx, u)
		if msg := papersum.ErrorMessage(err); err == nil || len(msg) > 300 {
			t.Errorf("message of %d bytes (%v)", len(msg), err == nil)
		}
	}
}

// TestDialerControl checks the last line of defence directly: the Control
// hook refuses a non-public or wrong-port address whatever resolved it.
func TestDialerControl(t *testing.T) {
	d, err := NewDialer(DialerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for _, addr := range []string{"169.254.169.254:80", "127.0.0.1:443", "[::1]:443", "[::ffff:127.0.0.1]:80", "[fe80::1%eth0]:80", "10.0.0.1:80"} {
		wantErr(t, d.control("tcp", addr, nil), papersum.EINVALID, "is not public")
	}
	wantErr(t, d.control("tcp", "8.8.8.8:22", nil), papersum.EINVALID, "port 22 is not allowed")
	if err := d.control("tcp", "8.8.8.8:443", nil); err != nil {
		t.Errorf("public address refused: %v", err)
	}
}

func TestDialerRefusesBeforeConnecting(t *testing.T) {
	d, err := NewDialer(DialerConfig{Resolver: testResolver})
	if err != nil {
		t.Fatal(err)
	}
	log := &dialLog{}
	d.observe = log.record
	for _, addr := range []string{"papers.test:80", "meta.papers.test:80", "127.0.0.1:80", "[::1]:443"} {
		_, err := d.DialContext(context.Background(), "tcp", addr)
		wantErr(t, err, papersum.EINVALID, "is not public")
	}
	_, err = d.DialContext(context.Background(), "tcp", "papers.test:22")
	wantErr(t, err, papersum.EINVALID, "port 22 is not allowed")
	_, err = d.DialContext(context.Background(), "udp", "papers.test:53")
	wantErr(t, err, papersum.EINVALID, "network udp is not allowed")
	if got := log.list(); len(got) != 0 {
		t.Errorf("dialled %v", got)
	}
}

func TestNewValidates(t *testing.T) {
	for _, cfg := range []Config{
		{MaxBytes: -1},
		{Timeout: -time.Second},
		{MaxRedirects: -1},
		{AllowedHosts: []string{"https://arxiv.org"}},
		{AllowedHosts: []string{"arxiv.org:443"}},
		{AllowedHosts: []string{" "}},
		{AllowedPorts: []int{0}},
		{AllowedPorts: []int{70000}},
	} {
		if _, err := New(cfg); papersum.ErrorCode(err) != papersum.EINVALID {
			t.Errorf("New(%+v) err = %v, want EINVALID", cfg, err)
		}
	}
}

func TestFormatBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 bytes", 100: "100 bytes", 1024: "1 KiB", 1536: "1536 bytes",
		50 << 20: "50 MiB", 3 << 10: "3 KiB", 1<<20 + 1024: "1025 KiB"} {
		if got := formatBytes(n); got != want {
			t.Errorf("formatBytes(%d) = %q, want %q", n, got, want)
		}
	}
}
