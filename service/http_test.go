package service

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/fetch"
	"github.com/papersum/papersum/httpapi"
	"github.com/papersum/papersum/ingest"
	"github.com/papersum/papersum/ratelimit"
	"github.com/papersum/papersum/webhook"
)

// teamAuth authenticates "Bearer <team>" as a write key of that team, so
// that the tests can act as several teams without a key store.
type teamAuth struct{}

func (teamAuth) Authenticate(_ context.Context, header string) (*papersum.APIKey, error) {
	team := strings.TrimPrefix(header, "Bearer ")
	if team == "" || team == header {
		return nil, papersum.Errorf(papersum.EUNAUTHORIZED, "missing API key")
	}
	return &papersum.APIKey{ID: "key-" + team, Team: team, User: "u-" + team, Scope: papersum.ScopeWrite}, nil
}

// api is the service behind the real HTTP API on a test server.
type api struct {
	*harness
	url    string
	secret []byte // the inbound webhook's key
}

// newAPI serves h's service through httpapi, with the inbound webhook
// signed by a new secret.
func newAPI(t *testing.T, h *harness) *api {
	t.Helper()
	secret, err := webhook.NewSecret(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	key, _ := webhook.ParseSecret(secret)
	recv, err := webhook.NewReceiver(webhook.ReceiverConfig{Secrets: [][]byte{key},
		Seen: webhook.NewMemorySeenStore(papersum.SystemClock{}), Handle: webhook.PaperPublishedHandler(h.svc, "")})
	if err != nil {
		t.Fatal(err)
	}
	lim, err := ratelimit.NewMemory(ratelimit.MemoryConfig{Limits: func(string) ratelimit.Limits { return ratelimit.Limits{} }})
	if err != nil {
		t.Fatal(err)
	}
	handler, err := httpapi.NewServer(httpapi.Deps{Summaries: h.svc, Batches: h.svc, Deliveries: h.svc,
		Auth: teamAuth{}, Limiter: lim, Webhook: recv,
		Readiness: func(context.Context) []httpapi.Check { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	return &api{harness: h, url: srv.URL, secret: key}
}

// call sends body (JSON unless ctype says otherwise) as team and returns
// the status and the body.
func (a *api) call(t *testing.T, method, path, team, ctype string, body []byte) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, a.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if team != "" {
		req.Header.Set("Authorization", "Bearer "+team)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, data
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type apiError struct {
	Error struct {
		Code, Message, Reason string
	} `json:"error"`
}

// The example body the OpenAPI document shows for the inbound webhook is
// what the receiver takes: signed and posted as it is, it is accepted and
// its paper is summarized.
func TestWebhookOpenAPIExample(t *testing.T) {
	a := newAPI(t, newHarness(t, false))
	var doc struct {
		Paths map[string]struct {
			Post struct {
				RequestBody struct {
					Content map[string]struct {
						Example json.RawMessage `json:"example"`
					} `json:"content"`
				} `json:"requestBody"`
			} `json:"post"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(httpapi.OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	example := doc.Paths["/webhook/paper-published"].Post.RequestBody.Content["application/json"].Example
	if len(example) == 0 {
		t.Fatal("the document has no example body for the webhook")
	}
	send := func(id string) (int, []byte) {
		req, _ := http.NewRequest("POST", a.url+"/webhook/paper-published", bytes.NewReader(example))
		now := time.Now()
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(webhook.HeaderID, id)
		req.Header.Set(webhook.HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
		req.Header.Set(webhook.HeaderSignature, webhook.Sign(a.secret, id, now, example))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, body
	}
	code, body := send("msg_example")
	if code != http.StatusOK || !bytes.Contains(body, []byte(`"accepted"`)) {
		t.Fatalf("the documented example: %d %s", code, body)
	}
	var runs []*papersum.Run
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		var err error
		if runs, err = a.store.ListRuns(context.Background(), papersum.RunFilter{Team: "webhook"}); err != nil {
			t.Fatal(err)
		}
		if len(runs) == 1 && runs[0].Status.Finished() {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(runs) != 1 || runs[0].Status != papersum.RunSucceeded || runs[0].Title != "Fast parsing" {
		t.Fatalf("runs of the webhook: %+v", runs)
	}
	// The same event under another webhook-id is the same paper again,
	// not an error; a redelivery of the first is acknowledged.
	if code, body := send("msg_example"); code != http.StatusOK || !bytes.Contains(body, []byte(`"duplicate"`)) {
		t.Errorf("redelivery: %d %s", code, body)
	}
}

// Every route that takes an ID answers a 100,000-character one with a
// short 404 that quotes an excerpt of it, never the whole.
func TestLongIDsAreQuotedByExcerpt(t *testing.T) {
	a := newAPI(t, newHarness(t, false))
	long := strings.Repeat("x", 100000)
	leak := strings.Repeat("x", papersum.ExcerptRunes+1)
	for _, rt := range []struct{ method, path string }{
		{"GET", "/api/v1/summaries/" + long},
		{"DELETE", "/api/v1/summaries/" + long},
		{"GET", "/api/v1/summaries/" + long + "/deliveries"},
		{"GET", "/api/v1/batches/" + long},
		{"GET", "/api/v1/batches/bat_" + long},
		{"GET", "/api/v1/batches/" + long + "/deliveries"},
		{"GET", "/api/v1/batches/bat_" + long + "/deliveries"},
	} {
		code, body := a.call(t, rt.method, rt.path, "team-a", "", nil)
		if code != http.StatusNotFound || len(body) > 512 || bytes.Contains(body, []byte(leak)) {
			t.Errorf("%s %.40s...: %d, %d bytes: %.300s", rt.method, rt.path, code, len(body), body)
		}
		var e apiError
		if json.Unmarshal(body, &e) != nil || !strings.Contains(e.Error.Message, strings.Repeat("x", 20)+"…") {
			t.Errorf("%s %.40s...: message %q does not quote an excerpt", rt.method, rt.path, e.Error.Message)
		}
	}
	// The service's own errors quote by excerpt too, whatever transport
	// carries them.
	ctx := papersum.NewContextWithCaller(context.Background(), &papersum.APIKey{Team: "team-a", Scope: papersum.ScopeWrite})
	for name, err := range map[string]error{
		"get":    func() error { _, err := a.svc.Get(ctx, long); return err }(),
		"cancel": a.svc.Cancel(ctx, long),
		"batch":  func() error { _, err := a.svc.GetBatch(ctx, "bat_"+long); return err }(),
		"deliveries": func() error {
			_, err := a.svc.Deliveries(ctx, long)
			return err
		}(),
		"config": func() error {
			_, err := a.svc.Submit(ctx, papersum.SubmitRequest{Text: paper(1), Config: long})
			return err
		}(),
		"callback": func() error {
			_, err := a.svc.Submit(ctx, papersum.SubmitRequest{Text: paper(1), CallbackURL: long})
			return err
		}(),
	} {
		if err == nil || len(papersum.ErrorMessage(err)) > 200 {
			t.Errorf("%s: %d-byte message (%v)", name, len(papersum.ErrorMessage(err)), err == nil)
		}
	}
}

// A cursor that is not a run of the listing is a bad request.
func TestCursorGarbage(t *testing.T) {
	a := newAPI(t, newHarness(t, false))
	for _, c := range []string{"garbage", "run_does_not_exist"} {
		code, body := a.call(t, "GET", "/api/v1/summaries?cursor="+c, "team-a", "", nil)
		if code != http.StatusBadRequest || !bytes.Contains(body, []byte("cursor")) {
			t.Errorf("cursor %s: %d %s", c, code, body)
		}
	}
}

// fakeResolver maps host names to addresses, or fails like DNS.
type fakeResolver map[string]string

func (r fakeResolver) LookupIPAddr(_ context.Context, host string) ([]net.IPAddr, error) {
	a, ok := r[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, Server: "10.9.8.7:53", IsNotFound: true}
	}
	return []net.IPAddr{{IP: net.ParseIP(a)}}, nil
}

// Every kind of failed fetch answers through HTTP with its status, code
// and reason: 422 when the URL cannot be used, 502 when the remote side
// failed; never 503, and never an internal address.
func TestFetchFailuresThroughHTTP(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/paper.txt":
			fmt.Fprint(w, paper(7))
		case "/binary.bin":
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Write(bytes.Repeat([]byte{0, 1, 2, 0xff}, 256))
		case "/big":
			w.Write(bytes.Repeat([]byte("word "), 4000))
		case "/slow":
			<-r.Context().Done()
		case "/down":
			w.WriteHeader(http.StatusServiceUnavailable)
		default:
			http.NotFound(w, r)
		}
	}))
	defer upstream.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closedPort := closed.Listener.Addr().(*net.TCPAddr).Port
	closed.Close()
	port := upstream.Listener.Addr().(*net.TCPAddr).Port

	fetcher, err := fetch.New(fetch.Config{
		AllowedHosts:         []string{"papers.test"},
		AllowedPorts:         []int{port, closedPort},
		Resolver:             fakeResolver{"papers.test": "127.0.0.1", "gone.papers.test": "127.0.0.1"},
		AllowPrivateForTests: func(ip net.IP) bool { return ip.IsLoopback() },
		MaxBytes:             10000,
		// Long enough for a loopback fetch on a loaded machine, short
		// enough for the /slow case to wait it out twice.
		Timeout: time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	a := newAPI(t, newHarnessWith(t, func(c *Config) { c.Fetcher = fetcher }))
	at := func(host string, port int, path string) string {
		return "http://" + net.JoinHostPort(host, strconv.Itoa(port)) + path
	}
	for _, tc := range []struct {
		url    string
		status int
		code   string
		reason papersum.FetchReason
	}{
		{at("nowhere.papers.test", port, "/paper.txt"), 502, "fetch_failed", papersum.FetchDNS},
		{at("gone.papers.test", closedPort, "/paper.txt"), 502, "fetch_failed", papersum.FetchConnectionRefused},
		{at("papers.test", port, "/slow"), 502, "fetch_failed", papersum.FetchTimeout},
		{at("papers.test", port, "/down"), 502, "fetch_failed", papersum.FetchUpstreamError},
		{at("papers.test", port, "/missing"), 422, "url_unusable", papersum.FetchNotAPaper},
		{at("papers.test", port, "/binary.bin"), 422, "url_unusable", papersum.FetchNotAPaper},
		{at("papers.test", port, "/big"), 422, "url_unusable", papersum.FetchTooLarge},
		{at("evil.example", port, "/paper.txt"), 422, "url_unusable", papersum.FetchNotAllowed},
		{"ftp://papers.test/paper.txt", 422, "url_unusable", papersum.FetchNotAllowed},
		{at("papers.test", 1, "/paper.txt"), 422, "url_unusable", papersum.FetchNotAllowed},
	} {
		code, body := a.call(t, "POST", "/api/v1/summaries", "team-a", "application/json", mustJSON(t, map[string]string{"url": tc.url}))
		var e apiError
		_ = json.Unmarshal(body, &e)
		if code != tc.status || e.Error.Code != tc.code || e.Error.Reason != string(tc.reason) {
			t.Errorf("%s: %d %s, want %d %s %s", tc.url, code, body, tc.status, tc.code, tc.reason)
		}
		if bytes.Contains(body, []byte("10.9.8.7")) || bytes.Contains(body, []byte("dial tcp")) || e.Error.Message == "" {
			t.Errorf("%s: message %q", tc.url, e.Error.Message)
		}
		// A batch with the item fails the same way, naming the item.
		code, body = a.call(t, "POST", "/api/v1/batches", "team-a", "application/json",
			mustJSON(t, map[string]any{"items": []map[string]string{{"text": paper(8)}, {"url": tc.url}}}))
		if code != tc.status || !bytes.Contains(body, []byte("item 1")) {
			t.Errorf("batch with %s: %d %s", tc.url, code, body)
		}
	}
	// A URL that works is summarized.
	code, body := a.call(t, "POST", "/api/v1/summaries?wait=20s", "team-a", "application/json",
		mustJSON(t, map[string]string{"url": at("papers.test", port, "/paper.txt")}))
	if code != http.StatusOK || !bytes.Contains(body, []byte(`"succeeded"`)) {
		t.Errorf("a good URL: %d %.300s", code, body)
	}
	if runs, _ := a.store.ListRuns(context.Background(), papersum.RunFilter{}); len(runs) != 1 {
		t.Errorf("%d runs stored; only the good URL should have made one", len(runs))
	}
}

// Text, Markdown and LaTeX files, raw or as the multipart file, are read
// as the CLI reads a file of that name, and summarized.
func TestTextUploadsThroughHTTP(t *testing.T) {
	a := newAPI(t, newHarness(t, false))
	md := "# A Markdown study\n\n## Abstract\n\n" + paper(21) + "\n\n## Results\n\n" + paper(22)
	tex := `\documentclass{article}\title{A LaTeX study}\begin{document}\maketitle\begin{abstract}` + paper(23) +
		`\end{abstract}\section{Results}` + paper(24) + `\end{document}`
	txt := paper(25)
	multipartFile := func(name, ctype, data string) ([]byte, string) {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		h := make(map[string][]string)
		h["Content-Disposition"] = []string{fmt.Sprintf(`form-data; name="file"; filename=%q`, name)}
		if ctype != "" {
			h["Content-Type"] = []string{ctype}
		}
		p, _ := mw.CreatePart(h)
		io.WriteString(p, data)
		mw.Close()
		return b.Bytes(), mw.FormDataContentType()
	}
	mpMD, mpMDType := multipartFile("study.md", "", md)
	mpTeX, mpTeXType := multipartFile("study.tex", "application/octet-stream", tex)
	for _, tc := range []struct {
		name, ctype string
		body        []byte
		data, as    string // the file, and the name the CLI would read it under
	}{
		{"raw text/plain", "text/plain", []byte(txt), txt, "paper.txt"},
		{"raw text/markdown", "text/markdown", []byte(md), md, "paper.md"},
		{"raw application/x-tex", "application/x-tex", []byte(tex), tex, "paper.tex"},
		{"multipart .md", mpMDType, mpMD, md, "paper.md"},
		{"multipart .tex", mpTeXType, mpTeX, tex, "paper.tex"},
	} {
		code, body := a.call(t, "POST", "/api/v1/summaries?wait=20s", "team-a", tc.ctype, tc.body)
		var run struct {
			Status  string `json:"status"`
			PaperID string `json:"paper_id"`
			Title   string `json:"title"`
		}
		_ = json.Unmarshal(body, &run)
		want, err := ingest.Parse(context.Background(), tc.as, []byte(tc.data), ingest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if code != http.StatusOK || run.Status != "succeeded" || run.PaperID != want.ID || run.Title != want.Title {
			t.Errorf("%s: %d %+v, want paper %s %q as the CLI reads it", tc.name, code, run, want.ID, want.Title)
		}
	}
}

// countRuns is the number of rows in the store's runs table, every team's.
func countRuns(t *testing.T, h *harness) int {
	t.Helper()
	var n int
	if err := h.store.SQL().QueryRow(`SELECT count(*) FROM runs`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Identical submissions answered from the cache grow the store by one run
// per team (and title), whatever their number: every hit of a team is
// answered with the same cached run, which counts them. Another team's
// hit gets a run of its own and cannot read the first team's.
func TestCacheHitsDoNotGrowTheStore(t *testing.T) {
	a := newAPI(t, newHarness(t, true))
	text := mustJSON(t, map[string]string{"text": paper(30)})
	type runView struct {
		ID        string     `json:"id"`
		Status    string     `json:"status"`
		Cached    bool       `json:"cached"`
		CacheHits int        `json:"cache_hits"`
		LastHitAt *time.Time `json:"last_hit_at"`
		Team      string     `json:"team"`
		Summary   string     `json:"summary"`
		Totals    struct {
			CostUSD float64 `json:"cost_usd"`
		} `json:"totals"`
	}
	submit := func(team string, body []byte) runView {
		t.Helper()
		code, data := a.call(t, "POST", "/api/v1/summaries?wait=20s", team, "application/json", body)
		var v runView
		if err := json.Unmarshal(data, &v); err != nil || code != http.StatusOK {
			t.Fatalf("submit as %s: %d %.300s", team, code, data)
		}
		return v
	}
	first := submit("team-a", text)
	if first.Cached || first.Status != "succeeded" {
		t.Fatalf("first submission: %+v", first)
	}
	calls := a.model.calls.Load()
	before := countRuns(t, a.harness)

	// 200 identical submissions, 10 at a time, as a load test sends them.
	const n, workers = 200, 10
	ids := make(chan string, n)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range n / workers {
				v := submit("team-a", text)
				if !v.Cached || v.Summary != first.Summary || v.Totals.CostUSD != 0 || v.Team != "team-a" {
					t.Errorf("worker %d: not a cache hit: %+v", w, v)
				}
				ids <- v.ID
			}
		}()
	}
	wg.Wait()
	close(ids)
	var hitID string
	for id := range ids {
		if hitID == "" {
			hitID = id
		}
		if id != hitID {
			t.Fatalf("hits answered with runs %s and %s, want one", hitID, id)
		}
	}
	if got := countRuns(t, a.harness); got != before+1 {
		t.Fatalf("%d identical hits grew the store from %d to %d runs, want one more", n, before, got)
	}
	if a.model.calls.Load() != calls {
		t.Error("a cache hit called the model")
	}
	code, data := a.call(t, "GET", "/api/v1/summaries/"+hitID, "team-a", "", nil)
	var hit runView
	_ = json.Unmarshal(data, &hit)
	if code != http.StatusOK || hit.CacheHits != n || hit.LastHitAt == nil || hit.ID == first.ID {
		t.Fatalf("the hits' run: %d %+v", code, hit)
	}

	// Team B's hit is its own run; team A's stays invisible to it.
	b := submit("team-b", text)
	if !b.Cached || b.ID == hitID || b.CacheHits != 1 || b.Team != "team-b" {
		t.Fatalf("team B's hit: %+v", b)
	}
	if code, _ := a.call(t, "GET", "/api/v1/summaries/"+hitID, "team-b", "", nil); code != http.StatusNotFound {
		t.Errorf("team B reads team A's cached run: %d", code)
	}
	// Another title is another answer, so another run; the same title
	// again is that run.
	titled := mustJSON(t, map[string]string{"text": paper(30), "title": "My title"})
	t1, t2 := submit("team-a", titled), submit("team-a", titled)
	if t1.ID == hitID || t2.ID != t1.ID || t2.CacheHits != 2 {
		t.Errorf("titled hits: %+v %+v", t1, t2)
	}
	if got := countRuns(t, a.harness); got != before+3 {
		t.Errorf("store has %d runs, want %d", got, before+3)
	}
}
