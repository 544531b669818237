package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/papersum/papersum"
)

// Error codes of the HTTP layer itself, next to papersum's. They never
// leave this package as codes: errorTable turns them into API codes.
const (
	eRateLimited = "rate_limited"
	eTooLarge    = "payload_too_large"
	eMediaType   = "unsupported_media_type"
	eMethod      = "method_not_allowed"
	// eURLUnusable and eFetchFailed are the answers to a failed fetch of
	// the paper's URL (see fetchAnswer): the URL cannot be used as it is,
	// or the remote side failed.
	eURLUnusable = "url_unusable"
	eFetchFailed = "fetch_failed"
)

// apiError is how one error code is answered.
type apiError struct {
	status int
	// code is the stable code in the error body; clients switch on it.
	code string
	// message replaces the error's own message: for 5xx always, since
	// those messages may carry internals; for 4xx when the error has no
	// user-facing message.
	message string
}

// errorTable maps every error code to its answer: the one place where
// papersum's error vocabulary meets HTTP. A code missing here (a new one,
// or a plain Go error) is answered as internal.
var errorTable = map[string]apiError{
	papersum.EINVALID:      {http.StatusBadRequest, "invalid_request", "the request is invalid"},
	papersum.EUNAUTHORIZED: {http.StatusUnauthorized, "unauthorized", "a valid API key is required"},
	papersum.EFORBIDDEN:    {http.StatusForbidden, "forbidden", "the API key may not do this"},
	papersum.ENOTFOUND:     {http.StatusNotFound, "not_found", "not found"},
	papersum.ECONFLICT:     {http.StatusConflict, "conflict", "the request conflicts with the current state"},
	eMethod:                {http.StatusMethodNotAllowed, "method_not_allowed", "method not allowed"},
	eTooLarge:              {http.StatusRequestEntityTooLarge, "payload_too_large", "the request body is too large"},
	eMediaType:             {http.StatusUnsupportedMediaType, "unsupported_media_type", "unsupported content type"},
	eRateLimited:           {http.StatusTooManyRequests, "rate_limited", "rate limit exceeded; retry after the time in Retry-After"},
	papersum.EBUDGET:       {http.StatusPaymentRequired, "budget_exceeded", "a budget of this team or key is spent"},
	eURLUnusable:           {http.StatusUnprocessableEntity, "url_unusable", "the paper's URL cannot be used"},
	eFetchFailed:           {http.StatusBadGateway, "fetch_failed", "fetching the paper's URL failed"},
	papersum.EUNAVAILABLE:  {http.StatusServiceUnavailable, "unavailable", "the service is unavailable; try again later"},
	papersum.EINTERNAL:     {http.StatusInternalServerError, "internal", "internal error"},
}

// errorBody is the body of every error answer.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// Reason refines code where the API has a closed set of causes: for
	// url_unusable and fetch_failed, the papersum.FetchReason.
	Reason    string `json:"reason,omitempty"`
	RequestID string `json:"request_id"`
	// Budget names the spent budget of a budget_exceeded answer.
	Budget *budgetDetail `json:"budget,omitempty"`
}

// maxMessageBytes bounds an error message. Messages quote user input
// through papersum.Excerpt; this is the net under that rule, so that no
// path that forgot it can turn a large input into a large answer.
const maxMessageBytes = 512

// statusClientClosed is logged (and counted) for requests whose client
// went away; the client never sees it. nginx uses the same number.
const statusClientClosed = 499

// writeError answers r with err in the API's error shape.
func (s *server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	id := requestID(r.Context())
	if r.Context().Err() != nil && errors.Is(err, r.Context().Err()) {
		s.log.Info("client went away", slog.String("request_id", id), slog.String("err", err.Error()))
		w.WriteHeader(statusClientClosed)
		return
	}
	e, ok := errorTable[papersum.ErrorCode(err)]
	if !ok {
		e = errorTable[papersum.EINTERNAL]
	}
	msg, reason := e.message, ""
	if fe, pe := fetchFailure(err); fe != nil {
		// A failed fetch of the user's URL: the fetcher's message says
		// what failed without internals, so even the 502 carries it.
		e, msg, reason = fetchAnswer(fe), pe.Message, string(fe.Reason)
	} else if e.status < 500 {
		var pe *papersum.Error
		if errors.As(err, &pe) && pe.Message != "" {
			msg = pe.Message
		}
	}
	if e.status == http.StatusServiceUnavailable && w.Header().Get("Retry-After") == "" {
		// RFC 9110 §10.2.3: a 503 may say when to come back; without it
		// clients retry at once or give up.
		w.Header().Set("Retry-After", strconv.FormatInt(retryAfterSeconds(s.deps.UnavailableRetryAfter), 10))
	}
	if e.status < 500 {
		s.log.Debug("request refused", slog.String("request_id", id), slog.Int("status", e.status), slog.String("err", err.Error()))
	} else {
		s.log.Error("request failed", slog.String("request_id", id), slog.Int("status", e.status),
			slog.String("method", r.Method), slog.String("path", papersum.Excerpt(r.URL.Path)), slog.String("err", err.Error()))
	}
	encode(w, e.status, errorBody{errorDetail{Code: e.code, Message: clipMessage(excerptID(r, msg)), Reason: reason, RequestID: id,
		Budget: budgetAnswer(w, err, s.deps.Clock)}})
}

// excerptID replaces the request's path ID in msg by its excerpt. The
// services quote an ID by papersum.Excerpt already; this makes it a
// property of the API, whatever service (or store message) is behind it.
func excerptID(r *http.Request, msg string) string {
	if id := r.PathValue("id"); len(id) > papersum.ExcerptRunes {
		msg = strings.ReplaceAll(msg, id, papersum.Excerpt(id))
	}
	return msg
}

// fetchFailure returns the FetchError in err's chain and the outermost
// *papersum.Error above it, whose message is the user's, or nil.
func fetchFailure(err error) (*papersum.FetchError, *papersum.Error) {
	var (
		fe *papersum.FetchError
		pe *papersum.Error
	)
	if !errors.As(err, &fe) || !errors.As(err, &pe) || pe.Message == "" {
		return nil, nil
	}
	return fe, pe
}

// fetchAnswer is the answer to a failed fetch: 502 when the remote side
// failed (DNS, connection, timeout, a 429 or 5xx answer), which the same
// request may get past later; 422 when the URL cannot be used as it is
// (not allowed, too large, not a paper), which no retry fixes.
func fetchAnswer(fe *papersum.FetchError) apiError {
	if fe.Reason.RemoteFault() {
		return errorTable[eFetchFailed]
	}
	return errorTable[eURLUnusable]
}

// clipMessage cuts msg to maxMessageBytes on a character boundary.
func clipMessage(msg string) string {
	if len(msg) <= maxMessageBytes {
		return msg
	}
	cut := maxMessageBytes
	for cut > 0 && !utf8.RuneStart(msg[cut]) {
		cut--
	}
	return msg[:cut] + "…"
}

// encode writes v as the JSON body of a status answer. It marshals before
// writing anything, so that a value that cannot be encoded becomes a
// clean 500 rather than half a body after a 200.
func encode(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b, _ = json.Marshal(errorBody{errorDetail{Code: "internal", Message: "internal error", RequestID: w.Header().Get(headerRequestID)}})
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	// Answers depend on the caller's key; no shared cache may keep them.
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// invalid returns an EINVALID error with a message for the client.
func invalid(format string, args ...any) error {
	return papersum.Errorf(papersum.EINVALID, format, args...)
}

// tooLarge is the error of a body over limit bytes.
func tooLarge(limit int64) error {
	return papersum.Errorf(eTooLarge, "the request body is larger than the limit of %d bytes", limit)
}

// mediaType returns r's Content-Type without parameters, lowercased, and
// its parameters. A missing header is "".
func mediaType(r *http.Request) (string, map[string]string, error) {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return "", nil, nil
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return "", nil, papersum.Errorf(eMediaType, "malformed Content-Type %q", papersum.Excerpt(ct))
	}
	return mt, params, nil
}

// unsupported is the error of a body in a media type the route does not
// take.
func unsupported(got string, want ...string) error {
	if got == "" {
		got = "none"
	}
	return papersum.Errorf(eMediaType, "Content-Type %s is not supported here; use %s", papersum.Excerpt(got), strings.Join(want, " or "))
}

// decodeJSON reads r's body, at most limit bytes of application/json in
// UTF-8, into v. Unknown fields are an error: a misspelt optional field
// would otherwise be ignored without a word.
func decodeJSON(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	mt, params, err := mediaType(r)
	if err != nil {
		return err
	}
	if mt != "application/json" {
		return unsupported(mt, "application/json")
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return papersum.Errorf(eMediaType, "charset %s is not supported; send UTF-8", papersum.Excerpt(cs))
	}
	return decodeJSONBody(w, r, limit, v)
}

// decodeJSONBody is decodeJSON after the media type has been checked.
func decodeJSONBody(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	if r.ContentLength > limit {
		return tooLarge(limit)
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err, limit)
	}
	// Anything after the value, except white space, is an error: a
	// concatenation of two requests must not pass as the first.
	var extra json.RawMessage
	if err := dec.Decode(&extra); err != io.EOF {
		if err == nil {
			return invalid("the request body must hold exactly one JSON value")
		}
		return jsonError(err, limit)
	}
	return nil
}

// jsonError turns a decoding error into an error for the client. The
// decoder's messages describe the client's own input, so they are safe to
// return.
func jsonError(err error, limit int64) error {
	var (
		mbe *http.MaxBytesError
		se  *json.SyntaxError
		ute *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &mbe):
		return tooLarge(limit)
	case errors.Is(err, io.EOF):
		return invalid("the request body is empty")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return invalid("the request body is not complete JSON")
	case errors.As(err, &se):
		return invalid("the request body is not valid JSON (at byte %d): %s", se.Offset, se.Error())
	case errors.As(err, &ute) && ute.Field == "":
		// The body itself has the wrong type (an array, a string): there
		// is no field to name.
		return invalid("the request body must be %s, not %s", jsonKind(ute.Type.Kind()), jsonValue(ute.Value))
	case errors.As(err, &ute):
		return invalid("field %s must be %s, not %s", papersum.Excerpt(ute.Field), jsonKind(ute.Type.Kind()), jsonValue(ute.Value))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, uerr := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		if uerr != nil {
			return invalid("the request body has an unknown field")
		}
		return invalid("unknown field %q", papersum.Excerpt(name))
	}
	return &papersum.Error{Code: papersum.EINVALID, Message: "the request body could not be read", Err: err}
}

// jsonValue names the kind of JSON value that UnmarshalTypeError.Value
// describes ("array", "string", "number 5"), with an article.
func jsonValue(v string) string {
	kind, _, _ := strings.Cut(v, " ")
	switch kind {
	case "array", "object":
		return "an " + kind
	case "string", "number":
		return "a " + kind
	case "bool":
		return "a boolean"
	}
	return papersum.Excerpt(v)
}

// jsonKind names the JSON type that decodes into a Go kind, for messages
// to clients who never see Go types.
func jsonKind(k reflect.Kind) string {
	switch k {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	}
	return "another type"
}

// requestIDKey is the context key of the request ID.
type requestIDKey struct{}

// requestID returns the ID of the request that ctx belongs to.
func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}
