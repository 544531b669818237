package anthropic

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	sdk "github.com/anthropics/anthropic-sdk-go/v2"

	"github.com/papersum/papersum"
)

// maxMessage bounds ProviderError.Message. An error body is normally a short
// JSON object, but a proxy in front of the API may answer with a whole HTML
// page, which has no place in a log line or a run record.
const maxMessage = 300

// callError turns an error of an SDK call into the error the Model and
// Batcher methods return. ctx is the caller's context (not the one carrying
// Request.Timeout), so that a cancellation by the caller is told apart from
// a timeout.
func (c *Client) callError(ctx context.Context, model string, stage papersum.Stage, err error) error {
	if errors.Is(ctx.Err(), context.Canceled) {
		// The caller gave up; a ProviderError would invite a retry that
		// nobody waits for.
		return fmt.Errorf("anthropic %s: %w", model, ctx.Err())
	}
	pe := &papersum.ProviderError{Provider: ProviderName, Model: model, Stage: stage, Err: err}
	var apiErr *sdk.Error
	switch {
	case errors.As(err, &apiErr):
		pe.Status = apiErr.StatusCode
		pe.Class = classify(apiErr.StatusCode, string(apiErr.Type()), apiErr.Message)
		pe.Message = apiMessage(apiErr)
		if apiErr.Response != nil {
			pe.RetryAfterSeconds = retryAfter(apiErr.Response.Header, c.now())
		}
		// The SDK's error text carries the whole response body; keep the
		// error reachable with errors.As but print only its status line.
		pe.Err = &shortAPIError{err: apiErr}
	case isTimeout(err):
		pe.Class = papersum.ClassTimeout
		pe.Message = "no answer in time"
	case isMalformed(err):
		// A 2xx whose body is not the JSON the SDK expects (empty, another
		// content type, broken JSON): the server (or a proxy) misbehaved,
		// and the next attempt may well be fine.
		pe.Class = papersum.ClassServer
		pe.Message = "malformed response body"
		var ue *unreadableAnswer
		if errors.As(err, &ue) {
			pe.Status = ue.status
		}
	case isConnection(err):
		pe.Class = papersum.ClassConnection
		pe.Message = "connection failed"
	default:
		// What is left is the SDK refusing to send: a bad option, a URL it
		// cannot build, max_tokens too large for a non-streaming call
		// without Request.Timeout. Sending it again changes nothing.
		pe.Class = papersum.ClassInvalidRequest
		pe.Message = "request not sent"
	}
	return pe
}

// classify maps an API error to a Class. status is the HTTP status (0 for
// a batch result, which has none), errType the error.type of the body and
// msg its error.message. The statuses that name a capacity problem win over
// the body's type; otherwise the type decides, and the status is the
// fallback for bodies without one (proxies, gateways).
func classify(status int, errType, msg string) papersum.Class {
	switch status {
	case http.StatusTooManyRequests:
		return papersum.ClassRateLimit
	case 529, http.StatusServiceUnavailable:
		return papersum.ClassOverloaded
	case http.StatusRequestEntityTooLarge:
		return papersum.ClassContextTooLarge
	}
	switch errType {
	case "rate_limit_error":
		return papersum.ClassRateLimit
	case "overloaded_error":
		return papersum.ClassOverloaded
	case "request_too_large":
		return papersum.ClassContextTooLarge
	case "invalid_request_error":
		if tooLong(msg) {
			return papersum.ClassContextTooLarge
		}
		return papersum.ClassInvalidRequest
	case "authentication_error", "permission_error", "billing_error":
		return papersum.ClassAuth
	case "not_found_error":
		// An unknown model or batch: the request is wrong, not the server.
		return papersum.ClassInvalidRequest
	case "timeout_error":
		return papersum.ClassTimeout
	case "api_error", "conflict_error":
		return papersum.ClassServer
	}
	switch {
	case status == http.StatusUnauthorized, status == http.StatusPaymentRequired, status == http.StatusForbidden:
		return papersum.ClassAuth
	case status == http.StatusRequestTimeout, status == http.StatusGatewayTimeout:
		return papersum.ClassTimeout
	case status == http.StatusConflict:
		return papersum.ClassServer
	case status >= 400 && status < 500:
		if tooLong(msg) {
			return papersum.ClassContextTooLarge
		}
		return papersum.ClassInvalidRequest
	}
	// 5xx, and anything stranger that reached here.
	return papersum.ClassServer
}

// tooLong reports whether an invalid_request_error says the input does not
// fit the context window. The API has no error code for it, only these
// messages ("prompt is too long: 210000 tokens > 200000 maximum"; "input
// length and `max_tokens` exceed context limit: ..."). This is the one place
// that reads an error string, so that policy never has to.
func tooLong(msg string) bool {
	m := strings.ToLower(msg)
	return strings.Contains(m, "prompt is too long") ||
		strings.Contains(m, "exceed context limit") ||
		strings.Contains(m, "context window")
}

// apiMessage is a short, secret-free description of an API error: its type
// and message as the API wrote them, and the request ID for support.
func apiMessage(e *sdk.Error) string {
	msg := string(e.Type())
	if e.Message != "" {
		if msg != "" {
			msg += ": "
		}
		msg += e.Message
	}
	if msg == "" {
		msg = http.StatusText(e.StatusCode)
	}
	msg = truncate(msg, maxMessage)
	if e.RequestID != "" {
		msg += " (request " + e.RequestID + ")"
	}
	return msg
}

// truncate cuts s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// shortAPIError wraps the SDK's error with a one-line Error(): the SDK's
// own text appends the full response body.
type shortAPIError struct{ err *sdk.Error }

func (e *shortAPIError) Error() string {
	if e.err.Request != nil {
		return fmt.Sprintf("%s %s: %d %s", e.err.Request.Method, e.err.Request.URL.Path, e.err.StatusCode, http.StatusText(e.err.StatusCode))
	}
	return fmt.Sprintf("%d %s", e.err.StatusCode, http.StatusText(e.err.StatusCode))
}

func (e *shortAPIError) Unwrap() error { return e.err }

// retryAfter reads the server's hint in seconds: retry-after-ms first (the
// API's precise form), then retry-after as seconds or an HTTP date. It
// returns 0 when there is no usable hint.
func retryAfter(h http.Header, now time.Time) float64 {
	if v := strings.TrimSpace(h.Get("retry-after-ms")); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && finite(ms) && ms >= 0 {
			return ms / 1000
		}
	}
	v := strings.TrimSpace(h.Get("retry-after"))
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if finite(s) && s >= 0 {
			return s
		}
		return 0
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now).Seconds(); d > 0 {
			return d
		}
	}
	return 0
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// isTimeout reports a deadline: Request.Timeout, the caller's deadline, or
// a network timeout below them.
func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// isConnection reports a failure to reach the server or a connection lost
// before the answer was read. A body cut short reads as io.ErrUnexpectedEOF
// whether the connection dropped or the server sent truncated JSON; both
// count as connection, which is retryable like server.
func isConnection(err error) bool {
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.ECONNABORTED), errors.Is(err, syscall.EPIPE),
		errors.Is(err, net.ErrClosed):
		return true
	}
	var opErr *net.OpError
	var dnsErr *net.DNSError
	return errors.As(err, &opErr) || errors.As(err, &dnsErr)
}

// isMalformed reports a response body that is not the expected JSON: a
// decoder error, or a 2xx that the SDK could not read (see answered).
func isMalformed(err error) bool {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var ua *unreadableAnswer
	return errors.As(err, &syn) || errors.As(err, &typ) || errors.As(err, &ua)
}

// unreadableAnswer marks the error of a call whose 2xx response arrived
// but could not be decoded. The SDK reports an empty body without a
// Content-Type with an error that wraps nothing ("expected destination
// type of 'string' or '[]byte' for responses with content-type" and an
// empty type), and
// an empty JSON body as io.EOF; only the response tells them apart from a
// request that was never sent or a connection that was lost.
type unreadableAnswer struct {
	status int
	err    error
}

func (e *unreadableAnswer) Error() string {
	return fmt.Sprintf("%d answer unreadable: %v", e.status, e.err)
}

func (e *unreadableAnswer) Unwrap() error { return e.err }

// answered returns err marked as an unreadable answer when res, the
// response the SDK recorded, is a 2xx and err is not a timeout or a
// connection lost while reading it (a body cut short is a connection
// failure, which isConnection judges). A clean io.EOF with a 2xx is an
// empty body, not a lost connection.
func answered(res *http.Response, err error) error {
	if res == nil || res.StatusCode < 200 || res.StatusCode > 299 || isTimeout(err) {
		return err
	}
	if isConnection(err) && !errors.Is(err, io.EOF) {
		return err
	}
	return &unreadableAnswer{status: res.StatusCode, err: err}
}
