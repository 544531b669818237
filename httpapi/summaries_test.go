package httpapi

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/papersum/papersum"
)

func TestSubmitJSON(t *testing.T) {
	e := newEnv(t)
	t.Run("text", func(t *testing.T) {
		w := e.json("POST", "/api/v1/summaries", e.write, map[string]string{
			"text": "Abstract. We study things.", "title": "Things", "config": "claude",
			"callback_url": "https://example.com/hook"})
		wantStatus(t, w, http.StatusAccepted)
		got := decodeBody[submitted](t, w)
		if got.ID == "" || got.Status != "running" || got.Deduplicated || got.Location != "/api/v1/summaries/"+got.ID {
			t.Errorf("body %+v", got)
		}
		if w.Header().Get("Location") != got.Location {
			t.Errorf("Location %q", w.Header().Get("Location"))
		}
		r := e.sums.lastReq(t)
		want := papersum.SubmitRequest{Text: "Abstract. We study things.", Title: "Things", Config: "claude",
			CallbackURL: "https://example.com/hook", Team: "team-a", User: "ada", KeyID: r.KeyID}
		if r.KeyID == "" || r.Text != want.Text || r.Title != want.Title || r.Config != want.Config ||
			r.CallbackURL != want.CallbackURL || r.Team != want.Team || r.User != want.User || r.URL != "" || r.File != nil {
			t.Errorf("Submit got %+v", r)
		}
	})
	t.Run("url", func(t *testing.T) {
		w := e.json("POST", "/api/v1/summaries", e.write, map[string]string{"url": " https://arxiv.org/abs/1706.03762 "})
		wantStatus(t, w, http.StatusAccepted)
		if r := e.sums.lastReq(t); r.URL != "https://arxiv.org/abs/1706.03762" || r.Text != "" {
			t.Errorf("Submit got %+v", r)
		}
	})
	t.Run("charset", func(t *testing.T) {
		w := e.do(req("POST", "/api/v1/summaries", e.write, "application/json; charset=UTF-8", strings.NewReader(`{"text":"x"}`)))
		wantStatus(t, w, http.StatusAccepted)
		w = e.do(req("POST", "/api/v1/summaries", e.write, "application/json; charset=latin1", strings.NewReader(`{"text":"x"}`)))
		wantError(t, w, http.StatusUnsupportedMediaType, "unsupported_media_type")
	})
	for _, tc := range []struct {
		name, body, want string
	}{
		{"empty body", ``, "empty"},
		{"unknown field", `{"text":"x","titel":"y"}`, `unknown field "titel"`},
		{"wrong type", `{"text":5}`, "text must be a string"},
		{"syntax", `{"text":`, "not complete JSON"},
		{"garbage", `{"text" "x"}`, "not valid JSON"},
		{"two values", `{"text":"x"}{"text":"y"}`, "exactly one JSON value"},
		{"neither", `{"title":"t"}`, "one of text, url"},
		{"both", `{"text":"x","url":"https://a.example/p"}`, "only one"},
		{"blank text", `{"text":"   "}`, "blank"},
		{"bad callback", `{"text":"x","callback_url":"ftp://x/y"}`, "callback_url"},
		{"relative callback", `{"text":"x","callback_url":"/hook"}`, "callback_url"},
		{"long title", `{"text":"x","title":"` + strings.Repeat("t", maxTitleLen+1) + `"}`, "title"},
		{"bad idempotency key", `{"text":"x","idempotency_key":"a b"}`, "idempotency key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := e.sums.submits()
			w := e.do(req("POST", "/api/v1/summaries", e.write, "application/json", strings.NewReader(tc.body)))
			if msg := wantError(t, w, http.StatusBadRequest, "invalid_request"); !strings.Contains(msg, tc.want) {
				t.Errorf("message %q, want it to mention %q", msg, tc.want)
			}
			if e.sums.submits() != n {
				t.Error("an invalid request reached Submit")
			}
		})
	}
	t.Run("unknown query parameter", func(t *testing.T) {
		w := e.do(req("POST", "/api/v1/summaries?wiat=30s", e.write, "application/json", strings.NewReader(`{"text":"x"}`)))
		wantError(t, w, http.StatusBadRequest, "invalid_request")
	})
}

func TestSubmitMediaTypesAndLimits(t *testing.T) {
	e := newEnv(t, func(d *Deps) { d.MaxBodyBytes = 100 })
	for _, ct := range []string{"", "image/png", "application/x-www-form-urlencoded", "application/json;;;"} {
		w := e.do(req("POST", "/api/v1/summaries", e.write, ct, strings.NewReader(`{"text":"x"}`)))
		wantError(t, w, http.StatusUnsupportedMediaType, "unsupported_media_type")
	}
	big := `{"text":"` + strings.Repeat("x", 200) + `"}`
	t.Run("JSON over limit with Content-Length", func(t *testing.T) {
		w := e.do(req("POST", "/api/v1/summaries", e.write, "application/json", strings.NewReader(big)))
		wantError(t, w, http.StatusRequestEntityTooLarge, "payload_too_large")
	})
	t.Run("JSON over limit, chunked", func(t *testing.T) {
		r := req("POST", "/api/v1/summaries", e.write, "application/json", strings.NewReader(big))
		r.ContentLength = -1
		wantError(t, e.do(r), http.StatusRequestEntityTooLarge, "payload_too_large")
	})
	t.Run("PDF over limit", func(t *testing.T) {
		body := append(append([]byte{}, pdf...), bytes.Repeat([]byte("x"), 200)...)
		r := req("POST", "/api/v1/summaries", e.write, "application/pdf", bytes.NewReader(body))
		r.ContentLength = -1
		wantError(t, e.do(r), http.StatusRequestEntityTooLarge, "payload_too_large")
	})
	t.Run("multipart over limit", func(t *testing.T) {
		body, ct := multipartBody(t, map[string]string{}, append(append([]byte{}, pdf...), bytes.Repeat([]byte("x"), 200)...), "application/pdf")
		r := req("POST", "/api/v1/summaries", e.write, ct, body)
		r.ContentLength = -1
		wantError(t, e.do(r), http.StatusRequestEntityTooLarge, "payload_too_large")
	})
	if e.sums.submits() != 0 {
		t.Error("a refused request reached Submit")
	}
}

// multipartBody builds a form with fields and, when file is not nil, a
// "file" part of content type ctype.
func multipartBody(t *testing.T, fields map[string]string, file []byte, ctype string) (*bytes.Buffer, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if file != nil {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="file"; filename="paper.pdf"`)
		if ctype != "" {
			h.Set("Content-Type", ctype)
		}
		p, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = p.Write(file)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return &b, mw.FormDataContentType()
}

func TestSubmitMultipart(t *testing.T) {
	e := newEnv(t)
	body, ct := multipartBody(t, map[string]string{"title": "A PDF", "config": "local", "idempotency_key": "k-1"}, pdf, "application/pdf")
	w := e.do(req("POST", "/api/v1/summaries", e.write, ct, body))
	wantStatus(t, w, http.StatusAccepted)
	r := e.sums.lastReq(t)
	if !bytes.Equal(r.File, pdf) || r.FileName != "paper.pdf" || r.Title != "A PDF" || r.Config != "local" ||
		r.IdempotencyKey != "k-1" || r.Text != "" || r.Team != "team-a" {
		t.Errorf("Submit got %+v", r)
	}
	for _, tc := range []struct {
		name   string
		fields map[string]string
		file   []byte
		ctype  string
		status int
	}{
		{"no file", map[string]string{"title": "x"}, nil, "", http.StatusBadRequest},
		{"not a PDF", nil, []byte("hello"), "application/pdf", http.StatusBadRequest},
		{"empty file", nil, []byte{}, "application/pdf", http.StatusBadRequest},
		{"unknown field", map[string]string{"text": "x"}, pdf, "application/pdf", http.StatusBadRequest},
		{"wrong part type", nil, pdf, "image/png", http.StatusUnsupportedMediaType},
		{"octet-stream part", nil, pdf, "application/octet-stream", http.StatusAccepted},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body, ct := multipartBody(t, tc.fields, tc.file, tc.ctype)
			w := e.do(req("POST", "/api/v1/summaries", e.write, ct, body))
			wantStatus(t, w, tc.status)
		})
	}
	t.Run("no boundary", func(t *testing.T) {
		w := e.do(req("POST", "/api/v1/summaries", e.write, "multipart/form-data", strings.NewReader("x")))
		wantError(t, w, http.StatusBadRequest, "invalid_request")
	})
}

func TestSubmitRawPDF(t *testing.T) {
	e := newEnv(t)
	r := req("POST", "/api/v1/summaries?title=Raw&config=local&callback_url=https://example.com/h", e.write, "application/pdf", bytes.NewReader(pdf))
	r.Header.Set("Content-Disposition", `attachment; filename="raw.pdf"`)
	r.Header.Set("Idempotency-Key", "raw-1")
	wantStatus(t, e.do(r), http.StatusAccepted)
	got := e.sums.lastReq(t)
	if !bytes.Equal(got.File, pdf) || got.FileName != "raw.pdf" || got.Title != "Raw" || got.Config != "local" ||
		got.CallbackURL != "https://example.com/h" || got.IdempotencyKey != "raw-1" {
		t.Errorf("Submit got %+v", got)
	}
	wantError(t, e.do(req("POST", "/api/v1/summaries", e.write, "application/pdf", nil)), http.StatusBadRequest, "invalid_request")
	wantError(t, e.do(req("POST", "/api/v1/summaries", e.write, "application/pdf", strings.NewReader("not a pdf"))), http.StatusBadRequest, "invalid_request")
	wantError(t, e.do(req("POST", "/api/v1/summaries?bogus=1", e.write, "application/pdf", bytes.NewReader(pdf))), http.StatusBadRequest, "invalid_request")
}

func TestIdempotency(t *testing.T) {
	e := newEnv(t)
	first := e.json("POST", "/api/v1/summaries", e.write, map[string]string{"text": "x", "idempotency_key": "abc"})
	wantStatus(t, first, http.StatusAccepted)
	if first.Header().Get(headerReplayed) != "" {
		t.Error("first request marked as replayed")
	}
	r := req("POST", "/api/v1/summaries", e.write, "application/json", strings.NewReader(`{"text":"x"}`))
	r.Header.Set("Idempotency-Key", "abc")
	again := e.do(r)
	wantStatus(t, again, http.StatusAccepted)
	a, b := decodeBody[submitted](t, first), decodeBody[submitted](t, again)
	if a.ID != b.ID || !b.Deduplicated || again.Header().Get(headerReplayed) != "true" {
		t.Errorf("replay: %+v then %+v, header %q", a, b, again.Header().Get(headerReplayed))
	}
	r = req("POST", "/api/v1/summaries", e.write, "application/json", strings.NewReader(`{"text":"x","idempotency_key":"other"}`))
	r.Header.Set("Idempotency-Key", "abc")
	wantError(t, e.do(r), http.StatusBadRequest, "invalid_request")
	e.sums.submitErr = papersum.Errorf(papersum.ECONFLICT, "idempotency key abc was used for another request")
	msg := wantError(t, e.json("POST", "/api/v1/summaries", e.write, map[string]string{"text": "y", "idempotency_key": "abc"}), http.StatusConflict, "conflict")
	if !strings.Contains(msg, "idempotency key abc") {
		t.Errorf("message %q", msg)
	}
}

func TestParseWait(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		bad  bool
	}{
		{"", 0, false}, {"0", 0, false}, {"30s", 30 * time.Second, false}, {"45", 45 * time.Second, false},
		{"1m", time.Minute, false}, {"2h", time.Minute, false}, {"999999999999999999999", time.Minute, false},
		{"120", time.Minute, false}, {"1.5s", 1500 * time.Millisecond, false},
		{"-1s", 0, true}, {"-5", 0, true}, {"soon", 0, true}, {"30x", 0, true},
	} {
		got, err := parseWait(tc.in, time.Minute)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("parseWait(%q) = %s, %v; want %s, error %v", tc.in, got, err, tc.want, tc.bad)
		}
	}
}

func TestSubmitWait(t *testing.T) {
	t.Run("finished in time", func(t *testing.T) {
		e := newEnv(t)
		e.sums.finishOnSubmit = true
		w := e.json("POST", "/api/v1/summaries?wait=30s", e.write, map[string]string{"text": "x"})
		wantStatus(t, w, http.StatusOK)
		run := decodeBody[RunJSON](t, w)
		if run.Status != "succeeded" || run.Summary == "" || run.Schema != SchemaRun || run.Totals.CostUSD != 0.01 {
			t.Errorf("run %+v", run)
		}
		if w.Header().Get("Content-Location") != "/api/v1/summaries/"+run.ID {
			t.Errorf("Content-Location %q", w.Header().Get("Content-Location"))
		}
	})
	t.Run("not finished in time", func(t *testing.T) {
		e := newEnv(t)
		start := time.Now()
		w := e.json("POST", "/api/v1/summaries?wait=50ms", e.write, map[string]string{"text": "x"})
		wantStatus(t, w, http.StatusAccepted)
		if el := time.Since(start); el < 50*time.Millisecond {
			t.Errorf("answered after %s, before the wait was over", el)
		}
		if got := decodeBody[submitted](t, w); w.Header().Get("Location") != "/api/v1/summaries/"+got.ID {
			t.Errorf("Location %q for %+v", w.Header().Get("Location"), got)
		}
	})
	t.Run("capped by MaxWait", func(t *testing.T) {
		e := newEnv(t, func(d *Deps) { d.MaxWait = 20 * time.Millisecond })
		start := time.Now()
		wantStatus(t, e.json("POST", "/api/v1/summaries?wait=1h", e.write, map[string]string{"text": "x"}), http.StatusAccepted)
		if el := time.Since(start); el > 5*time.Second {
			t.Errorf("waited %s despite MaxWait 20ms", el)
		}
	})
	t.Run("shutdown ends waits", func(t *testing.T) {
		stop := make(chan struct{})
		e := newEnv(t, func(d *Deps) { d.Stopping = stop; d.MaxWait = time.Hour })
		go func() { time.Sleep(20 * time.Millisecond); close(stop) }()
		start := time.Now()
		wantStatus(t, e.json("POST", "/api/v1/summaries?wait=1h", e.write, map[string]string{"text": "x"}), http.StatusAccepted)
		if el := time.Since(start); el > 5*time.Second {
			t.Errorf("waited %s after shutdown began", el)
		}
		w := e.do(req("GET", "/readyz", "", "", nil))
		wantStatus(t, w, http.StatusServiceUnavailable)
		if got := decodeBody[probeBody](t, w); got.Status != "stopping" {
			t.Errorf("readyz %+v", got)
		}
	})
	t.Run("bad wait", func(t *testing.T) {
		e := newEnv(t)
		wantError(t, e.json("POST", "/api/v1/summaries?wait=soon", e.write, map[string]string{"text": "x"}), http.StatusBadRequest, "invalid_request")
		if e.sums.submits() != 0 {
			t.Error("Submit was called")
		}
	})
	t.Run("client gone", func(t *testing.T) {
		e := newEnv(t)
		ctx, cancel := context.WithCancel(context.Background())
		r := req("POST", "/api/v1/summaries?wait=30s", e.write, "application/json", strings.NewReader(`{"text":"x"}`)).WithContext(ctx)
		go func() { time.Sleep(20 * time.Millisecond); cancel() }()
		w := newRecorder()
		e.h.ServeHTTP(w, r)
		if w.Code != statusClientClosed {
			t.Errorf("status %d, want %d", w.Code, statusClientClosed)
		}
	})
}

func TestGetSummary(t *testing.T) {
	e := newEnv(t)
	run := &papersum.Run{ID: "r1", PaperID: "p1", Title: "T", CreatedAt: t0, Team: "team-a"}
	finish(run)
	e.sums.add(run)
	w := e.do(req("GET", "/api/v1/summaries/r1", e.read, "", nil))
	wantStatus(t, w, http.StatusOK)
	got := decodeBody[RunJSON](t, w)
	want := NewRunJSON(run)
	if got.ID != want.ID || got.Status != want.Status || got.Scores == nil || got.Scores.Overall != want.Scores.Overall ||
		len(got.Stages) != 1 || got.Totals != want.Totals {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	wantError(t, e.do(req("GET", "/api/v1/summaries/nope", e.read, "", nil)), http.StatusNotFound, "not_found")
	wantError(t, e.do(req("GET", "/api/v1/summaries/r1?x=1", e.read, "", nil)), http.StatusBadRequest, "invalid_request")
}

func TestListSummaries(t *testing.T) {
	e := newEnv(t)
	for i := range 5 {
		run := &papersum.Run{ID: string(rune('a' + i)), PaperID: "p", Status: papersum.RunRunning, CreatedAt: t0.Add(time.Duration(i) * time.Second)}
		if i%2 == 0 {
			finish(run)
		}
		e.sums.add(run)
	}
	page := func(q string) listBody {
		t.Helper()
		w := e.do(req("GET", "/api/v1/summaries"+q, e.read, "", nil))
		wantStatus(t, w, http.StatusOK)
		return decodeBody[listBody](t, w)
	}
	ids := func(b listBody) string {
		var s []string
		for _, it := range b.Items {
			s = append(s, it.ID)
		}
		return strings.Join(s, ",")
	}
	p1 := page("?limit=2")
	if ids(p1) != "e,d" || p1.NextCursor == nil || *p1.NextCursor != "d" {
		t.Fatalf("page 1: %s, cursor %v", ids(p1), p1.NextCursor)
	}
	p2 := page("?limit=2&cursor=" + *p1.NextCursor)
	if ids(p2) != "c,b" || p2.NextCursor == nil {
		t.Fatalf("page 2: %s", ids(p2))
	}
	p3 := page("?limit=2&cursor=" + *p2.NextCursor)
	if ids(p3) != "a" || p3.NextCursor != nil {
		t.Fatalf("page 3: %s, cursor %v", ids(p3), p3.NextCursor)
	}
	// A page that ends exactly at the last run has no next cursor.
	if p := page("?limit=5"); ids(p) != "e,d,c,b,a" || p.NextCursor != nil {
		t.Errorf("exact page: %s, %v", ids(p), p.NextCursor)
	}
	if p := page("?status=succeeded&paper_id=p"); ids(p) != "e,c,a" {
		t.Errorf("filtered: %s", ids(p))
	}
	e.sums.mu.Lock()
	last := e.sums.filters[len(e.sums.filters)-1]
	e.sums.mu.Unlock()
	if last.Status != papersum.RunSucceeded || last.PaperID != "p" || last.Limit != defaultListLimit+1 {
		t.Errorf("filter passed on: %+v", last)
	}
	if p := page(""); p.Items == nil || len(p.Items) != 5 {
		t.Errorf("default page: %+v", p)
	}
	e2 := newEnv(t)
	w := e2.do(req("GET", "/api/v1/summaries", e2.read, "", nil))
	if strings.TrimSpace(w.Body.String()) != `{"items":[],"next_cursor":null}` {
		t.Errorf("empty list: %s", w.Body)
	}
	for _, q := range []string{"?limit=0", "?limit=201", "?limit=x", "?sort=asc"} {
		wantError(t, e.do(req("GET", "/api/v1/summaries"+q, e.read, "", nil)), http.StatusBadRequest, "invalid_request")
	}
	// A cursor that names no run is the client's bad input, not a
	// missing resource; a long one is quoted by an excerpt.
	for _, c := range []string{"zz", "garbage", strings.Repeat("c", 100000)} {
		msg := wantError(t, e.do(req("GET", "/api/v1/summaries?cursor="+c, e.read, "", nil)), http.StatusBadRequest, "invalid_request")
		if !strings.Contains(msg, "cursor") || strings.Contains(msg, strings.Repeat("c", papersum.ExcerptRunes+1)) {
			t.Errorf("cursor %.10s...: message %.200q", c, msg)
		}
	}
}

func TestCancelSummary(t *testing.T) {
	e := newEnv(t)
	e.sums.add(&papersum.Run{ID: "live", Status: papersum.RunRunning, CreatedAt: t0})
	done := &papersum.Run{ID: "done", CreatedAt: t0}
	finish(done)
	e.sums.add(done)
	w := e.do(req("DELETE", "/api/v1/summaries/live", e.write, "", nil))
	wantStatus(t, w, http.StatusNoContent)
	if w.Body.Len() != 0 {
		t.Errorf("body %q", w.Body)
	}
	wantError(t, e.do(req("DELETE", "/api/v1/summaries/done", e.write, "", nil)), http.StatusConflict, "conflict")
	wantError(t, e.do(req("DELETE", "/api/v1/summaries/nope", e.write, "", nil)), http.StatusNotFound, "not_found")
}

func TestListRefusesUnknownStatus(t *testing.T) {
	e := newEnv(t)
	resp := e.do(req("GET", "/api/v1/summaries?status=done", e.read, "", nil))
	if resp.Code != 400 {
		t.Fatalf("status=done: %d, want 400", resp.Code)
	}
}
