package httpapi

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/papersum/papersum"
)

// Limits of request fields. They are far above any honest value and
// exist so that a field cannot be used to make the service store or log
// megabytes.
const (
	maxTitleLen          = 1000
	maxConfigLen         = 200
	maxURLLen            = 2048
	maxIdempotencyKeyLen = 255
	// maxFormValue bounds a multipart text field.
	maxFormValue = 64 << 10
	// maxListLimit bounds one page of a listing.
	maxListLimit     = 200
	defaultListLimit = 50
)

// headerReplayed tells a client that its request matched an earlier one
// by idempotency key and the answer is the earlier request's (the name
// Stripe and others use).
const headerReplayed = "Idempotent-Replayed"

// submitJSON is the JSON form of a submit request.
type submitJSON struct {
	Text           string `json:"text"`
	URL            string `json:"url"`
	Title          string `json:"title"`
	Config         string `json:"config"`
	CallbackURL    string `json:"callback_url"`
	IdempotencyKey string `json:"idempotency_key"`
}

// submitted is the body of a 202 answer to a submit.
type submitted struct {
	ID           string `json:"id"`
	Status       string `json:"status"`
	Deduplicated bool   `json:"deduplicated"`
	// Location is the URL to poll, the Location header again for clients
	// that do not read headers.
	Location string `json:"location"`
}

// listBody is a page of runs.
type listBody struct {
	Items []RunJSON `json:"items"`
	// NextCursor is null on the last page.
	NextCursor *string `json:"next_cursor"`
}

func summaryLocation(id string) string { return "/api/v1/summaries/" + url.PathEscape(id) }

// handleSubmit starts a summary from JSON (text or URL), a multipart file
// upload or a raw file body (PDF, plain text, Markdown or LaTeX), and
// with ?wait= waits for it.
func (s *server) handleSubmit() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The cheap checks come before the body, which may be 50 MiB.
		wait, err := parseWait(r.URL.Query().Get("wait"), s.deps.MaxWait)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		mt, _, err := mediaType(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		var req papersum.SubmitRequest
		switch mt {
		case "application/json":
			err = s.parseSubmitJSON(w, r, &req)
		case "multipart/form-data":
			err = s.parseSubmitMultipart(w, r, &req)
		default:
			if _, ok := fileTypes[mt]; ok {
				err = s.parseSubmitFile(w, r, &req, mt)
			} else {
				err = unsupported(mt, submitMediaTypes...)
			}
		}
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if req.IdempotencyKey, err = idempotencyKey(r, req.IdempotencyKey); err != nil {
			s.writeError(w, r, err)
			return
		}
		if err := validateSubmit(&req); err != nil {
			s.writeError(w, r, err)
			return
		}
		key := papersum.CallerFromContext(r.Context())
		req.Team, req.User, req.KeyID = key.Team, key.User, key.ID
		res, err := s.deps.Summaries.Submit(r.Context(), req)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		loc := summaryLocation(res.RunID)
		if res.Deduplicated {
			w.Header().Set(headerReplayed, "true")
		}
		if wait > 0 {
			run, err := s.wait(r, res.RunID, wait)
			if err != nil {
				s.writeError(w, r, err)
				return
			}
			if run != nil {
				w.Header().Set("Content-Location", loc)
				encode(w, http.StatusOK, NewRunJSON(run))
				return
			}
		}
		w.Header().Set("Location", loc)
		encode(w, http.StatusAccepted, submitted{ID: res.RunID, Status: string(res.Status), Deduplicated: res.Deduplicated, Location: loc})
	})
}

// wait waits up to d for run id to finish. It returns the run when it
// finished in time, nil when it did not (or shutdown began), and an error
// only when the client went away. A failing Wait is logged and treated as
// "not finished": the run was accepted, and a 5xx would tell the client
// to submit it again.
func (s *server) wait(r *http.Request, id string, d time.Duration) (*papersum.Run, error) {
	ctx, cancel := context.WithTimeout(r.Context(), d)
	defer cancel()
	if s.deps.Stopping != nil {
		go func() {
			select {
			case <-s.deps.Stopping:
				cancel()
			case <-ctx.Done():
			}
		}()
	}
	run, err := s.deps.Summaries.Wait(ctx, id)
	switch {
	case r.Context().Err() != nil:
		return nil, r.Context().Err()
	case err == nil && run != nil:
		return run, nil
	case err != nil && ctx.Err() == nil:
		s.log.Warn("wait for run failed; answering 202", slog.String("request_id", requestID(r.Context())),
			slog.String("run_id", id), slog.String("err", err.Error()))
	}
	return nil, nil
}

// parseWait reads ?wait=: a Go duration ("30s", "1m") or whole seconds
// ("30"), capped at max. "" and "0" mean no wait.
func parseWait(v string, max time.Duration) (time.Duration, error) {
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		n, nerr := strconv.ParseUint(v, 10, 63)
		switch {
		case errors.Is(nerr, strconv.ErrRange):
			return max, nil
		case nerr != nil:
			return 0, invalid("wait %q is not a duration such as 30s", papersum.Excerpt(v))
		case n > uint64(max/time.Second):
			return max, nil
		}
		d = time.Duration(n) * time.Second
	}
	if d < 0 {
		return 0, invalid("wait %q is negative", papersum.Excerpt(v))
	}
	return min(d, max), nil
}

// idempotencyKey merges the Idempotency-Key header with the key from the
// body; both may be given only when they agree.
func idempotencyKey(r *http.Request, fromBody string) (string, error) {
	h := r.Header.Get("Idempotency-Key")
	switch {
	case h == "":
		return fromBody, nil
	case fromBody == "" || fromBody == h:
		return h, nil
	}
	return "", invalid("the Idempotency-Key header and the idempotency_key field differ")
}

// checkQuery refuses query parameters that the route does not take, for
// the same reason as unknown JSON fields: a misspelt ?wiat=30s would
// otherwise be ignored without a word.
func checkQuery(r *http.Request, allowed ...string) error {
	for name := range r.URL.Query() {
		ok := false
		for _, a := range allowed {
			ok = ok || name == a
		}
		if !ok {
			return invalid("unknown query parameter %q", papersum.Excerpt(name))
		}
	}
	return nil
}

func (s *server) parseSubmitJSON(w http.ResponseWriter, r *http.Request, req *papersum.SubmitRequest) error {
	if err := checkQuery(r, "wait"); err != nil {
		return err
	}
	// A paper sent as JSON text has the same limit as one sent as a file:
	// the limit is on papers, not on how they are encoded.
	var in submitJSON
	if err := decodeJSON(w, r, s.deps.MaxBodyBytes, &in); err != nil {
		return err
	}
	*req = papersum.SubmitRequest{Text: in.Text, URL: strings.TrimSpace(in.URL), Title: in.Title, Config: in.Config,
		CallbackURL: in.CallbackURL, IdempotencyKey: in.IdempotencyKey}
	return nil
}

// fileTypes are the media types of the files a submit takes, raw or as
// the multipart "file", with the extension that tells ingest the format
// (as a file's extension does on the CLI). application/octet-stream says
// nothing: the file name's extension, or the bytes, decide.
var fileTypes = map[string]string{
	"application/pdf":          ".pdf",
	"text/plain":               ".txt",
	"text/markdown":            ".md",
	"text/x-markdown":          ".md",
	"application/x-tex":        ".tex",
	"application/x-latex":      ".tex",
	"text/x-tex":               ".tex",
	"text/x-latex":             ".tex",
	"application/octet-stream": "",
}

// fileExts are the file name extensions a submitted file may have, as on
// the CLI (without Reference_XML, which is for datasets).
var fileExts = map[string]bool{".pdf": true, ".txt": true, ".text": true, ".md": true, ".markdown": true,
	".tex": true, ".latex": true, ".ltx": true}

// submitMediaTypes are the Content-Types of submit, for messages.
var submitMediaTypes = []string{"application/json", "multipart/form-data", "application/pdf", "text/plain",
	"text/markdown", "application/x-tex"}

// fileName is the name under which an uploaded file is read: the
// client's name when its extension is one of fileExts, else "upload" with
// the extension of the media type. A file with neither (octet-stream
// without a usable name) is a PDF when it starts like one; anything else
// is refused, since its format could only be guessed.
func fileName(clientName, mediaType string, data []byte) (string, error) {
	base := path.Base(strings.ReplaceAll(clientName, "\\", "/"))
	if ext := strings.ToLower(path.Ext(base)); fileExts[ext] {
		return base, nil
	}
	if ext := fileTypes[mediaType]; ext != "" {
		return "upload" + ext, nil
	}
	if bytes.HasPrefix(data, []byte("%PDF-")) {
		return "upload.pdf", nil
	}
	return "", invalid("cannot tell the file's format: send it with Content-Type application/pdf, text/plain, " +
		"text/markdown or application/x-tex, or with a file name ending in .pdf, .txt, .md or .tex")
}

// checkFile refuses a file that cannot be a paper before it is queued:
// an empty one, or one named a PDF that is not one. The rest (encoding,
// binary data, structure) is for ingest to judge, as on the CLI.
func checkFile(name string, data []byte) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return invalid("the file is empty")
	}
	if strings.EqualFold(path.Ext(name), ".pdf") {
		return checkPDF(data)
	}
	return nil
}

// parseSubmitMultipart reads a form with one file (PDF, text, Markdown or
// LaTeX) in the part "file" and the optional text fields of the JSON
// form. It streams the parts rather than using ParseMultipartForm, which
// would spill large files to disk.
func (s *server) parseSubmitMultipart(w http.ResponseWriter, r *http.Request, req *papersum.SubmitRequest) error {
	if err := checkQuery(r, "wait"); err != nil {
		return err
	}
	limit := s.deps.MaxBodyBytes
	if r.ContentLength > limit {
		return tooLarge(limit)
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	mr, err := r.MultipartReader()
	if err != nil {
		return invalid("the multipart body cannot be read: %v", err)
	}
	fields := map[string]*string{"title": &req.Title, "config": &req.Config,
		"callback_url": &req.CallbackURL, "idempotency_key": &req.IdempotencyKey}
	seen := map[string]bool{}
	var partType, partName string
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return bodyError(err, limit, "the multipart body cannot be read")
		}
		name := p.FormName()
		if seen[name] {
			return invalid("form field %q is given twice", papersum.Excerpt(name))
		}
		seen[name] = true
		switch dst, ok := fields[name]; {
		case name == "file":
			partType = "application/octet-stream"
			if ct := p.Header.Get("Content-Type"); ct != "" {
				partType, _, _ = mime.ParseMediaType(ct)
				if _, ok := fileTypes[partType]; !ok {
					return unsupported(partType, "application/pdf", "text/plain", "text/markdown", "application/x-tex", "application/octet-stream")
				}
			}
			if req.File, err = io.ReadAll(p); err != nil {
				return bodyError(err, limit, "the uploaded file cannot be read")
			}
			partName = p.FileName()
		case ok:
			b, err := io.ReadAll(io.LimitReader(p, maxFormValue+1))
			if err != nil {
				return bodyError(err, limit, "the multipart body cannot be read")
			}
			if len(b) > maxFormValue {
				return invalid("form field %q is longer than %d bytes", name, maxFormValue)
			}
			*dst = string(b)
		default:
			return invalid("unknown form field %q; send the paper as \"file\"", papersum.Excerpt(name))
		}
	}
	if !seen["file"] {
		return invalid("the form has no \"file\" field with the paper")
	}
	if req.FileName, err = fileName(partName, partType, req.File); err != nil {
		return err
	}
	return checkFile(req.FileName, req.File)
}

// parseSubmitFile reads a raw file body of media type mt (see
// fileTypes). The other fields come from the query and the
// Idempotency-Key header, the file name from Content-Disposition.
func (s *server) parseSubmitFile(w http.ResponseWriter, r *http.Request, req *papersum.SubmitRequest, mt string) error {
	if err := checkQuery(r, "wait", "title", "config", "callback_url"); err != nil {
		return err
	}
	limit := s.deps.MaxBodyBytes
	if r.ContentLength > limit {
		return tooLarge(limit)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		return bodyError(err, limit, "the request body cannot be read")
	}
	q := r.URL.Query()
	*req = papersum.SubmitRequest{File: body, Title: q.Get("title"), Config: q.Get("config"), CallbackURL: q.Get("callback_url")}
	var clientName string
	if cd := r.Header.Get("Content-Disposition"); cd != "" {
		if _, params, err := mime.ParseMediaType(cd); err == nil {
			clientName = params["filename"]
		}
	}
	if req.FileName, err = fileName(clientName, mt, body); err != nil {
		return err
	}
	return checkFile(req.FileName, body)
}

// bodyError turns a read error into 413 when the body hit the limit.
func bodyError(err error, limit int64, msg string) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return tooLarge(limit)
	}
	return &papersum.Error{Code: papersum.EINVALID, Message: msg, Err: err}
}

// checkPDF refuses bodies that are not PDFs before they are queued. PDF
// readers accept a header anywhere in the first 1024 bytes, so this does
// too.
func checkPDF(b []byte) error {
	if len(b) == 0 {
		return invalid("the PDF is empty")
	}
	if !bytes.Contains(b[:min(len(b), 1024)], []byte("%PDF-")) {
		return invalid("the body is not a PDF (no %%PDF- header)")
	}
	return nil
}

// validateSubmit checks what every form of submit shares.
func validateSubmit(req *papersum.SubmitRequest) error {
	n := 0
	for _, set := range []bool{strings.TrimSpace(req.Text) != "", req.URL != "", req.File != nil} {
		if set {
			n++
		}
	}
	switch {
	case n == 0 && req.Text != "":
		return invalid("text is blank")
	case n == 0:
		return invalid("give one of text, url or a file")
	case n > 1:
		return invalid("give only one of text, url or a file")
	}
	return validateCommon(req.URL, req.Title, req.Config, req.CallbackURL, req.IdempotencyKey)
}

// validateCommon checks the fields of submits and batches. The URL to
// summarize is only bounded here: whether it may be fetched is the fetch
// allowlist's decision, made by the service.
func validateCommon(paperURL, title, config, callback, idemKey string) error {
	switch {
	case len(paperURL) > maxURLLen:
		return invalid("url is longer than %d bytes", maxURLLen)
	case len(title) > maxTitleLen:
		return invalid("title is longer than %d bytes", maxTitleLen)
	case len(config) > maxConfigLen:
		return invalid("config is longer than %d bytes", maxConfigLen)
	case len(idemKey) > maxIdempotencyKeyLen:
		return invalid("idempotency key is longer than %d bytes", maxIdempotencyKeyLen)
	}
	for i := 0; i < len(idemKey); i++ {
		if idemKey[i] < 0x21 || idemKey[i] > 0x7e {
			return invalid("idempotency key must be printable ASCII without spaces")
		}
	}
	if callback != "" {
		return papersum.ValidateCallbackURL(callback)
	}
	return nil
}

// handleGetSummary returns a run in its stable JSON form.
func (s *server) handleGetSummary() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := checkQuery(r); err != nil {
			s.writeError(w, r, err)
			return
		}
		run, err := s.deps.Summaries.Get(r.Context(), r.PathValue("id"))
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		encode(w, http.StatusOK, NewRunJSON(run))
	})
}

// handleListSummaries lists runs newest first, a page at a time.
func (s *server) handleListSummaries() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, err := parseListQuery(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		limit := f.Limit
		f.Limit++ // one more than asked tells whether there is a next page
		runs, err := s.deps.Summaries.List(r.Context(), f)
		if f.Before != "" && papersum.ErrorCode(err) == papersum.ENOTFOUND {
			// The cursor is a query parameter the client sent: one that
			// names no run is a bad request, not a missing resource
			// (the route exists, and so does the list).
			err = invalid("cursor %q is not a cursor of this listing; pass next_cursor of the previous page", papersum.Excerpt(f.Before))
		}
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		body := listBody{Items: make([]RunJSON, 0, min(len(runs), limit))}
		if len(runs) > limit {
			runs = runs[:limit]
			next := runs[limit-1].ID
			body.NextCursor = &next
		}
		for _, run := range runs {
			body.Items = append(body.Items, NewRunJSON(run))
		}
		encode(w, http.StatusOK, body)
	})
}

// parseListQuery reads the filters and the page of a listing.
func parseListQuery(r *http.Request) (papersum.RunFilter, error) {
	if err := checkQuery(r, "status", "paper_id", "limit", "cursor"); err != nil {
		return papersum.RunFilter{}, err
	}
	q := r.URL.Query()
	f := papersum.RunFilter{Status: papersum.RunStatus(q.Get("status")), PaperID: q.Get("paper_id"),
		Before: q.Get("cursor"), Limit: defaultListLimit}
	switch f.Status {
	case "", papersum.RunQueued, papersum.RunRunning, papersum.RunSucceeded, papersum.RunFailed, papersum.RunCanceled:
	default:
		// A misspelt state would otherwise list nothing, which reads as
		// "no such runs".
		return f, invalid("status %q is not one of queued, running, succeeded, failed, canceled", papersum.Excerpt(string(f.Status)))
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxListLimit {
			return f, invalid("limit must be a whole number from 1 to %d", maxListLimit)
		}
		f.Limit = n
	}
	return f, nil
}

// handleCancelSummary asks for a run to stop. It answers 204 once the
// request is recorded; the run ends a little later, as GET shows.
func (s *server) handleCancelSummary() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := checkQuery(r); err != nil {
			s.writeError(w, r, err)
			return
		}
		if err := s.deps.Summaries.Cancel(r.Context(), r.PathValue("id")); err != nil {
			s.writeError(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}
