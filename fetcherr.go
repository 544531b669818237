package papersum

import "fmt"

// FetchReason is the closed set of reasons why fetching a paper from a
// URL that a user gave failed. The HTTP API answers by it: a reason that
// says the URL cannot be used is the client's to fix (422), one that says
// the remote side failed is not (502), and each is named in the answer so
// that the client knows which it was.
type FetchReason string

// The fetch failure reasons.
const (
	// FetchInvalidURL: the URL does not parse, or has no host.
	FetchInvalidURL FetchReason = "invalid_url"
	// FetchNotAllowed: the scheme, port, user information, host or the
	// address it resolves to is not allowed, or a redirect led there.
	FetchNotAllowed FetchReason = "not_allowed"
	// FetchTooManyRedirects: the server redirected more often than the
	// fetcher follows.
	FetchTooManyRedirects FetchReason = "too_many_redirects"
	// FetchTooLarge: the document is larger than the size limit.
	FetchTooLarge FetchReason = "too_large"
	// FetchNotAPaper: the server answered, but not with a paper: a 4xx
	// status other than 429, or a body that cannot be read as a paper.
	FetchNotAPaper FetchReason = "not_a_paper"
	// FetchDNS: the host name could not be resolved.
	FetchDNS FetchReason = "dns"
	// FetchConnectionRefused: nothing accepted the connection.
	FetchConnectionRefused FetchReason = "connection_refused"
	// FetchConnectionFailed: the connection failed otherwise (reset,
	// unreachable network, TLS handshake).
	FetchConnectionFailed FetchReason = "connection_failed"
	// FetchTimeout: the fetch took longer than its time limit.
	FetchTimeout FetchReason = "timeout"
	// FetchUpstreamError: the server answered 429 or 5xx.
	FetchUpstreamError FetchReason = "upstream_error"
)

// FetchReasons lists every fetch failure reason.
var FetchReasons = []FetchReason{FetchInvalidURL, FetchNotAllowed, FetchTooManyRedirects, FetchTooLarge,
	FetchNotAPaper, FetchDNS, FetchConnectionRefused, FetchConnectionFailed, FetchTimeout, FetchUpstreamError}

// RemoteFault reports whether the reason is the remote side's failure
// (DNS, connection, timeout, a 429 or 5xx answer), which the same URL may
// get past later, rather than a URL that cannot be used as it is.
func (r FetchReason) RemoteFault() bool {
	switch r {
	case FetchDNS, FetchConnectionRefused, FetchConnectionFailed, FetchTimeout, FetchUpstreamError:
		return true
	}
	return false
}

// FetchError is why fetching a user's URL failed. The fetcher wraps it in
// an *Error whose Message is fit for the user (it names the URL without
// its query and says what failed, never an internal address or resolver);
// Err keeps the cause for logs.
type FetchError struct {
	Reason FetchReason
	// Status is the HTTP status the server answered, when it answered.
	Status int
	Err    error
}

// Error implements error.
func (e *FetchError) Error() string {
	msg := "fetch: " + string(e.Reason)
	if e.Status != 0 {
		msg += fmt.Sprintf(" (HTTP %d)", e.Status)
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the cause.
func (e *FetchError) Unwrap() error { return e.Err }
