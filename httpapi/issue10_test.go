package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strings"
	"testing"

	"github.com/papersum/papersum"
)

// A JSON body of the wrong type names the body, not an empty field.
func TestSubmitJSONBodyNotAnObject(t *testing.T) {
	e := newEnv(t)
	for body, want := range map[string]string{
		`[{"text":"x"}]`: "the request body must be an object, not an array",
		`"text"`:         "the request body must be an object, not a string",
		`42`:             "the request body must be an object, not a number",
		`true`:           "the request body must be an object, not a boolean",
	} {
		msg := wantError(t, e.do(req("POST", "/api/v1/summaries", e.write, "application/json", strings.NewReader(body))),
			http.StatusBadRequest, "invalid_request")
		if msg != want {
			t.Errorf("%s: message %q, want %q", body, msg, want)
		}
	}
	msg := wantError(t, e.do(req("POST", "/api/v1/batches", e.write, "application/json", strings.NewReader(`[]`))),
		http.StatusBadRequest, "invalid_request")
	if msg != "the request body must be an object, not an array" {
		t.Errorf("batch: %q", msg)
	}
	msg = wantError(t, e.do(req("POST", "/api/v1/batches", e.write, "application/json", strings.NewReader(`{"items":{}}`))),
		http.StatusBadRequest, "invalid_request")
	if msg != "field items must be an array, not an object" {
		t.Errorf("batch items: %q", msg)
	}
}

// Every piece of user input that an error message quotes is cut to an
// excerpt: a 100,000-character name, value or path gives a short answer.
func TestErrorsQuoteInputByExcerpt(t *testing.T) {
	e := newEnv(t)
	long := strings.Repeat("x", 100000)
	leak := strings.Repeat("x", papersum.ExcerptRunes+1)
	for name, r := range map[string]*http.Request{
		"unknown route":       req("GET", "/api/v1/"+long, e.read, "", nil),
		"unknown query":       req("GET", "/api/v1/summaries?"+long+"=1", e.read, "", nil),
		"status filter":       req("GET", "/api/v1/summaries?status="+long, e.read, "", nil),
		"cursor":              req("GET", "/api/v1/summaries?cursor="+long, e.read, "", nil),
		"wait":                req("POST", "/api/v1/summaries?wait="+long, e.write, "application/json", strings.NewReader(`{"text":"x"}`)),
		"unknown JSON field":  req("POST", "/api/v1/summaries", e.write, "application/json", strings.NewReader(`{"`+long+`":1}`)),
		"nested field type":   req("POST", "/api/v1/batches", e.write, "application/json", strings.NewReader(`{"items":[{"text":1}],"config":"`+long+`"}`)),
		"content type":        req("POST", "/api/v1/summaries", e.write, "application/"+long, strings.NewReader("x")),
		"charset":             req("POST", "/api/v1/summaries", e.write, "application/json; charset="+long, strings.NewReader("x")),
		"malformed type":      req("POST", "/api/v1/summaries", e.write, "a/b; "+long, strings.NewReader("x")),
		"method":              req(strings.ToUpper(long[:5000]), "/api/v1/summaries", e.write, "", nil),
		"run ID":              req("GET", "/api/v1/summaries/"+long, e.read, "", nil),
		"run ID cancel":       req("DELETE", "/api/v1/summaries/"+long, e.write, "", nil),
		"batch ID":            req("GET", "/api/v1/batches/"+long, e.read, "", nil),
		"form field":          multipartRequest(t, e.write, long, "x"),
		"raw file query":      req("POST", "/api/v1/summaries?"+long+"=1", e.write, "text/plain", strings.NewReader("x")),
		"unknown part type":   multipartFile(t, e.write, "paper.pdf", "image/"+long, pdf),
		"idempotency key len": req("POST", "/api/v1/summaries", e.write, "application/json", strings.NewReader(`{"text":"x","idempotency_key":"`+long+`"}`)),
	} {
		w := httpRecord(e, r)
		if w.Code < 400 {
			t.Errorf("%s: status %d", name, w.Code)
		}
		if strings.Contains(w.Body.String(), leak) || w.Body.Len() > 2048 {
			t.Errorf("%s: %d-byte answer quotes the input: %.200s", name, w.Body.Len(), w.Body)
		}
	}
}

// httpRecord serves r without the OpenAPI check of e.do: some of these
// requests (a 5000-letter method) have no operation to check against.
func httpRecord(e *env, r *http.Request) *httptest.ResponseRecorder {
	w := newRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

func multipartRequest(t *testing.T, key, field, value string) *http.Request {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	if err := mw.WriteField(field, value); err != nil {
		t.Fatal(err)
	}
	mw.Close()
	return req("POST", "/api/v1/summaries", key, mw.FormDataContentType(), &b)
}

// multipartFile is a form with the file part only, named name, of
// content type ctype ("" for none).
func multipartFile(t *testing.T, key, name, ctype string, data []byte) *http.Request {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	h := textproto.MIMEHeader{}
	disp := `form-data; name="file"`
	if name != "" {
		disp += fmt.Sprintf("; filename=%q", name)
	}
	h.Set("Content-Disposition", disp)
	if ctype != "" {
		h.Set("Content-Type", ctype)
	}
	p, err := mw.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	p.Write(data)
	mw.Close()
	return req("POST", "/api/v1/summaries", key, mw.FormDataContentType(), &b)
}

// Text, Markdown and LaTeX files are taken raw and as the multipart
// file, by media type or by file name extension, and named so that the
// service reads them in that format, as the CLI does.
func TestSubmitTextFiles(t *testing.T) {
	e := newEnv(t)
	text := []byte("A study\n\nAbstract\n\nWe study things and find them.")
	tex := []byte(`\documentclass{article}\begin{document}\section{Intro}We study things.\end{document}`)
	type sent struct {
		name string
		r    *http.Request
		file []byte
		want string // the FileName Submit gets
	}
	raw := func(ctype, disposition string, body []byte) *http.Request {
		r := req("POST", "/api/v1/summaries?title=T", e.write, ctype, bytes.NewReader(body))
		if disposition != "" {
			r.Header.Set("Content-Disposition", disposition)
		}
		return r
	}
	for _, tc := range []sent{
		{"raw text/plain", raw("text/plain; charset=utf-8", "", text), text, "upload.txt"},
		{"raw text/markdown", raw("text/markdown", "", text), text, "upload.md"},
		{"raw text/x-markdown", raw("text/x-markdown", "", text), text, "upload.md"},
		{"raw application/x-tex", raw("application/x-tex", "", tex), tex, "upload.tex"},
		{"raw text/x-tex", raw("text/x-tex", "", tex), tex, "upload.tex"},
		{"raw octet-stream named .md", raw("application/octet-stream", `attachment; filename="notes.md"`, text), text, "notes.md"},
		{"raw octet-stream PDF", raw("application/octet-stream", "", pdf), pdf, "upload.pdf"},
		{"raw name wins over type", raw("text/plain", `attachment; filename="paper.tex"`, tex), tex, "paper.tex"},
		{"multipart .txt", multipartFile(t, e.write, "paper.txt", "text/plain", text), text, "paper.txt"},
		{"multipart .md octet-stream", multipartFile(t, e.write, "paper.md", "application/octet-stream", text), text, "paper.md"},
		{"multipart .tex no type", multipartFile(t, e.write, "dir/paper.tex", "", tex), tex, "paper.tex"},
		{"multipart markdown unnamed", multipartFile(t, e.write, "", "text/markdown", text), text, "upload.md"},
		{"multipart odd name, typed", multipartFile(t, e.write, "paper.v2", "application/x-tex", tex), tex, "upload.tex"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantStatus(t, e.do(tc.r), http.StatusAccepted)
			got := e.sums.lastReq(t)
			if !bytes.Equal(got.File, tc.file) || got.FileName != tc.want || got.Text != "" || got.URL != "" {
				t.Errorf("Submit got file %q named %q, want %q", got.File, got.FileName, tc.want)
			}
		})
	}
	for _, tc := range []struct {
		name   string
		r      *http.Request
		status int
		want   string
	}{
		{"empty text", raw("text/plain", "", []byte(" \n ")), http.StatusBadRequest, "empty"},
		{"octet-stream, unknown format", raw("application/octet-stream", "", text), http.StatusBadRequest, "format"},
		{"octet-stream, unknown name", raw("application/octet-stream", `attachment; filename="a.docx"`, text), http.StatusBadRequest, "format"},
		{"named .pdf, not a PDF", raw("application/octet-stream", `attachment; filename="a.pdf"`, text), http.StatusBadRequest, "not a PDF"},
		{"image", raw("image/png", "", text), http.StatusUnsupportedMediaType, "text/markdown"},
		{"multipart unknown format", multipartFile(t, e.write, "", "", text), http.StatusBadRequest, "format"},
		{"multipart image part", multipartFile(t, e.write, "a.png", "image/png", text), http.StatusUnsupportedMediaType, "image/png"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := e.sums.submits()
			code := map[int]string{http.StatusBadRequest: "invalid_request", http.StatusUnsupportedMediaType: "unsupported_media_type"}[tc.status]
			if msg := wantError(t, e.do(tc.r), tc.status, code); !strings.Contains(msg, tc.want) {
				t.Errorf("message %q, want it to mention %q", msg, tc.want)
			}
			if e.sums.submits() != n {
				t.Error("a refused file reached Submit")
			}
		})
	}
}

// A paper sent as JSON text has the limit of a paper sent as a file: the
// default body limit, not a smaller one of its own.
func TestSubmitJSONTextHasTheFileLimit(t *testing.T) {
	e := newEnv(t)
	text := strings.Repeat("We study a thing. ", (3<<20)/18) // 3 MiB: over the old 1 MiB JSON cap
	w := e.json("POST", "/api/v1/summaries", e.write, map[string]string{"text": text})
	wantStatus(t, w, http.StatusAccepted)
	if got := e.sums.lastReq(t); len(got.Text) != len(text) {
		t.Errorf("Submit got %d bytes of text, want %d", len(got.Text), len(text))
	}
	small := newEnv(t, func(d *Deps) { d.MaxBodyBytes = 1000 })
	body := `{"text":"` + strings.Repeat("x", 1000) + `"}`
	wantError(t, small.do(req("POST", "/api/v1/summaries", small.write, "application/json", strings.NewReader(body))),
		http.StatusRequestEntityTooLarge, "payload_too_large")
	wantError(t, small.do(req("POST", "/api/v1/summaries", small.write, "text/plain", strings.NewReader(strings.Repeat("x", 1001)))),
		http.StatusRequestEntityTooLarge, "payload_too_large")
}

// A failed fetch of the paper's URL is answered by its reason: 422 when
// the URL cannot be used, 502 when the remote side failed, the reason and
// the fetcher's message in the body either way.
func TestFetchFailures(t *testing.T) {
	e := newEnv(t)
	for reason, status := range map[papersum.FetchReason]int{
		papersum.FetchInvalidURL: 422, papersum.FetchNotAllowed: 422, papersum.FetchTooManyRedirects: 422,
		papersum.FetchTooLarge: 422, papersum.FetchNotAPaper: 422,
		papersum.FetchDNS: 502, papersum.FetchConnectionRefused: 502, papersum.FetchConnectionFailed: 502,
		papersum.FetchTimeout: 502, papersum.FetchUpstreamError: 502,
	} {
		code := papersum.EINVALID
		if reason.RemoteFault() {
			code = papersum.EUNAVAILABLE
		}
		msg := "fetching https://arxiv.org/abs/1: " + string(reason)
		e.sums.mu.Lock()
		e.sums.submitErr = &papersum.Error{Code: code, Message: msg,
			Err: &papersum.FetchError{Reason: reason, Err: errSecret}}
		e.sums.mu.Unlock()
		w := e.json("POST", "/api/v1/summaries", e.write, map[string]string{"url": "https://arxiv.org/abs/1"})
		body := w.Body.Bytes()
		wantCode := map[int]string{422: "url_unusable", 502: "fetch_failed"}[status]
		if got := wantError(t, w, status, wantCode); got != msg {
			t.Errorf("%s: message %q, want %q", reason, got, msg)
		}
		var b struct {
			Error struct {
				Reason string `json:"reason"`
			} `json:"error"`
		}
		_ = json.Unmarshal(body, &b)
		if b.Error.Reason != string(reason) {
			t.Errorf("%s: reason %q", reason, b.Error.Reason)
		}
		if bytes.Contains(body, []byte("10.1.2.3")) {
			t.Errorf("%s: the cause leaks: %s", reason, body)
		}
		// A batch item's fetch failure is answered the same way.
		e.batches.mu.Lock()
		e.batches.err = &papersum.Error{Code: code, Message: "item 0: " + msg, Err: e.sums.submitErr}
		e.batches.mu.Unlock()
		w = e.json("POST", "/api/v1/batches", e.write, map[string]any{"items": []map[string]string{{"url": "https://arxiv.org/abs/1"}}})
		wantError(t, w, status, wantCode)
	}
	// Any other unavailability keeps its generic 503.
	e.sums.mu.Lock()
	e.sums.submitErr = &papersum.Error{Code: papersum.EUNAVAILABLE, Message: "queue down", Err: errSecret}
	e.sums.mu.Unlock()
	if msg := wantError(t, e.json("POST", "/api/v1/summaries", e.write, map[string]string{"text": "x"}), 503, "unavailable"); strings.Contains(msg, "queue") {
		t.Errorf("503 message %q", msg)
	}
}
