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
	"strconv"
	"strings"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/report"
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
	Items []report.RunJSON `json:"items"`
	// NextCursor is null on the last page.
	NextCursor *string `json:"next_cursor"`
}

func summaryLocation(id string) string { return "/api/v1/summaries/" + url.PathEscape(id) }

// handleSubmit starts a summary from JSON (text or URL), a multipart PDF
// upload or a raw PDF, and with ?wait= waits for it.
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
		var req SubmitRequest
		switch mt {
		case "application/json":
			err = s.parseSubmitJSON(w, r, &req)
		case "multipart/form-data":
			err = s.parseSubmitMultipart(w, r, &req)
		case "application/pdf":
			err = s.parseSubmitPDF(w, r, &req)
		default:
			err = unsupported(mt, "application/json", "multipart/form-data", "application/pdf")
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
		key := callerKey(r.Context())
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
				encode(w, http.StatusOK, report.NewRunJSON(run))
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
			return 0, invalid("wait %q is not a duration such as 30s", v)
		case n > uint64(max/time.Second):
			return max, nil
		}
		d = time.Duration(n) * time.Second
	}
	if d < 0 {
		return 0, invalid("wait %q is negative", v)
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
			return invalid("unknown query parameter %q", name)
		}
	}
	return nil
}

func (s *server) parseSubmitJSON(w http.ResponseWriter, r *http.Request, req *SubmitRequest) error {
	if err := checkQuery(r, "wait"); err != nil {
		return err
	}
	var in submitJSON
	if err := decodeJSON(w, r, s.deps.MaxJSONBytes, &in); err != nil {
		return err
	}
	*req = SubmitRequest{Text: in.Text, URL: strings.TrimSpace(in.URL), Title: in.Title, Config: in.Config,
		CallbackURL: in.CallbackURL, IdempotencyKey: in.IdempotencyKey}
	return nil
}

// parseSubmitMultipart reads a form with one PDF in the part "file" and
// the optional text fields of the JSON form. It streams the parts rather
// than using ParseMultipartForm, which would spill large files to disk.
func (s *server) parseSubmitMultipart(w http.ResponseWriter, r *http.Request, req *SubmitRequest) error {
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
			return invalid("form field %q is given twice", name)
		}
		seen[name] = true
		switch dst, ok := fields[name]; {
		case name == "file":
			if ct := p.Header.Get("Content-Type"); ct != "" {
				mt, _, _ := mime.ParseMediaType(ct)
				if mt != "application/pdf" && mt != "application/octet-stream" {
					return unsupported(mt, "application/pdf")
				}
			}
			if req.PDF, err = io.ReadAll(p); err != nil {
				return bodyError(err, limit, "the uploaded file cannot be read")
			}
			req.PDFName = p.FileName()
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
			return invalid("unknown form field %q; send the PDF as \"file\"", name)
		}
	}
	if !seen["file"] {
		return invalid("the form has no \"file\" field with the PDF")
	}
	return checkPDF(req.PDF)
}

// parseSubmitPDF reads a raw PDF body. The other fields come from the
// query and the Idempotency-Key header, the file name from
// Content-Disposition.
func (s *server) parseSubmitPDF(w http.ResponseWriter, r *http.Request, req *SubmitRequest) error {
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
	*req = SubmitRequest{PDF: body, Title: q.Get("title"), Config: q.Get("config"), CallbackURL: q.Get("callback_url")}
	if cd := r.Header.Get("Content-Disposition"); cd != "" {
		if _, params, err := mime.ParseMediaType(cd); err == nil {
			req.PDFName = params["filename"]
		}
	}
	return checkPDF(body)
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
func validateSubmit(req *SubmitRequest) error {
	n := 0
	for _, set := range []bool{strings.TrimSpace(req.Text) != "", req.URL != "", req.PDF != nil} {
		if set {
			n++
		}
	}
	switch {
	case n == 0 && req.Text != "":
		return invalid("text is blank")
	case n == 0:
		return invalid("give one of text, url or a PDF")
	case n > 1:
		return invalid("give only one of text, url or a PDF")
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
		u, err := url.Parse(callback)
		if err != nil || !u.IsAbs() || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(callback) > maxURLLen {
			return invalid("callback_url must be an absolute http or https URL")
		}
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
		encode(w, http.StatusOK, report.NewRunJSON(run))
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
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		body := listBody{Items: make([]report.RunJSON, 0, min(len(runs), limit))}
		if len(runs) > limit {
			runs = runs[:limit]
			next := runs[limit-1].ID
			body.NextCursor = &next
		}
		for _, run := range runs {
			body.Items = append(body.Items, report.NewRunJSON(run))
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
		return f, invalid("status %q is not one of queued, running, succeeded, failed, canceled", f.Status)
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
