package events

import (
	"context"
	"errors"
	"net"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/papersum/papersum"
)

// permanentError marks a Handler error that retrying cannot fix.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent wraps err to tell the Consumer that retrying the message is
// pointless (for example, the message is valid JSON but names a paper the
// service refuses). The Consumer then treats the record like a poison
// message: it logs it, sends it to the dead-letter topic when one is
// configured, and commits past it. Any other Handler error is retried.
// Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err: err}
}

// IsPermanent reports whether err was wrapped by Permanent.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

// classify turns a franz-go produce error into a *papersum.Error so that
// callers switch on a code rather than on Kafka's error vocabulary:
// EUNAVAILABLE for anything that may work later (broker down, timeouts,
// retriable broker errors), EINVALID for records or configuration the
// cluster will never accept, and EINTERNAL otherwise.
func classify(op string, err error) error {
	if err == nil {
		return nil
	}
	code := papersum.EINTERNAL
	msg := "kafka produce failed"
	var ke *kerr.Error
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, kgo.ErrRecordTimeout):
		code, msg = papersum.EUNAVAILABLE, "kafka did not acknowledge in time"
	case errors.Is(err, context.Canceled), errors.Is(err, kgo.ErrClientClosed), errors.Is(err, kgo.ErrAborting):
		code, msg = papersum.EUNAVAILABLE, "kafka produce canceled"
	case errors.Is(err, kgo.ErrRecordRetries), errors.Is(err, kgo.ErrMaxBuffered):
		code, msg = papersum.EUNAVAILABLE, "kafka is unavailable"
	case errors.As(err, &ke):
		switch {
		case ke == kerr.MessageTooLarge, ke == kerr.RecordListTooLarge, ke == kerr.InvalidRecord,
			ke == kerr.TopicAuthorizationFailed, ke == kerr.ClusterAuthorizationFailed:
			code, msg = papersum.EINVALID, "kafka rejected the record"
		case ke.Retriable:
			code, msg = papersum.EUNAVAILABLE, "kafka is unavailable"
		}
	case errors.As(err, &ne):
		code, msg = papersum.EUNAVAILABLE, "kafka is unreachable"
	}
	return &papersum.Error{Code: code, Message: msg, Op: op, Err: err}
}
