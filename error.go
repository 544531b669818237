package papersum

import (
	"errors"
	"fmt"
)

// Error codes. They are stable: the CLI maps them to exit codes and the
// HTTP API to status codes.
const (
	EINVALID     = "invalid"     // bad input or configuration
	ENOTFOUND    = "not_found"   // no such run, paper or file
	ECONFLICT    = "conflict"    // the action conflicts with stored state
	EUNAVAILABLE = "unavailable" // a provider or backend cannot be reached
	EINTERNAL    = "internal"    // a bug or an unexpected failure
)

// Error is an application error with a stable code and a message fit for
// the user. Op and Err carry context for logs.
type Error struct {
	Code    string
	Message string
	Op      string
	Err     error
}

// Error implements error. The user-facing text is Message; the wrapped
// error is appended so that logs keep the cause.
func (e *Error) Error() string {
	switch {
	case e.Message != "" && e.Err != nil:
		return e.Message + ": " + e.Err.Error()
	case e.Message != "":
		return e.Message
	case e.Err != nil:
		return e.Err.Error()
	}
	return e.Code
}

// Unwrap returns the wrapped error.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	var pe *ProviderError
	if errors.As(err, &pe) {
		switch pe.Class {
		case ClassAuth, ClassInvalidRequest, ClassContextTooLarge:
			return EINVALID
		case ClassParse, ClassTruncated:
			return EINTERNAL
		}
		return EUNAVAILABLE
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) && e.Message != "" {
		return e.Message
	}
	return err.Error()
}

// Class is the closed set of provider failure classes. Retry, fallback and
// circuit-breaking policy switch on the class, never on error strings.
type Class string

// The failure classes.
const (
	ClassRateLimit       Class = "rate_limit"
	ClassOverloaded      Class = "overloaded"
	ClassServer          Class = "server"
	ClassTimeout         Class = "timeout"
	ClassConnection      Class = "connection"
	ClassAuth            Class = "auth"
	ClassInvalidRequest  Class = "invalid_request"
	ClassContextTooLarge Class = "context_too_large"
	ClassTruncated       Class = "truncated"
	ClassParse           Class = "parse"
)

// Classes lists every failure class.
var Classes = []Class{ClassRateLimit, ClassOverloaded, ClassServer, ClassTimeout,
	ClassConnection, ClassAuth, ClassInvalidRequest, ClassContextTooLarge,
	ClassTruncated, ClassParse}

// ProviderError is a failure of a model call, normalised to a Class.
type ProviderError struct {
	Class    Class
	Provider string
	Model    string
	Stage    Stage
	// Status is the HTTP status when there was one.
	Status int
	// RetryAfter is the server's retry-after hint in seconds, if any.
	RetryAfterSeconds float64
	// Raw is the raw model output for ClassParse and ClassTruncated.
	Raw     string
	Message string
	Err     error
}

// Error implements error.
func (e *ProviderError) Error() string {
	msg := string(e.Class)
	if e.Stage != "" {
		msg = string(e.Stage) + ": " + msg
	}
	if e.Provider != "" {
		msg += " from " + e.Provider
		if e.Model != "" {
			msg += "/" + e.Model
		}
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the wrapped error.
func (e *ProviderError) Unwrap() error { return e.Err }

// Retryable reports whether the same call may succeed if tried again.
func (e *ProviderError) Retryable() bool {
	switch e.Class {
	case ClassRateLimit, ClassOverloaded, ClassServer, ClassTimeout, ClassConnection:
		return true
	}
	return false
}

// ClassOf returns the Class of err's *ProviderError, or "" if it has none.
func ClassOf(err error) Class {
	var pe *ProviderError
	if errors.As(err, &pe) {
		return pe.Class
	}
	return ""
}
