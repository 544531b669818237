package depwait

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/redis/go-redis/v9"
)

// Cause is why a backing service cannot be reached, in words fit for a log
// line and a probe's body: a closed set, so that it never carries an
// address or a server's message.
type Cause string

// The causes Classify returns.
const (
	// Refused: nothing listens at the address (the server is down or
	// starting, or the port is wrong).
	Refused Cause = "connection refused"
	// DNS: the host name does not resolve.
	DNS Cause = "DNS failure"
	// Auth: the server refused the credentials.
	Auth Cause = "authentication failed"
	// NoDatabase: the server answers but the database named in the URL
	// does not exist (Postgres), or the Redis DB index is out of range.
	NoDatabase Cause = "missing database"
	// Timeout: no answer within the attempt's time.
	Timeout Cause = "timeout"
	// Unreachable: any other failure to reach or keep a connection: reset,
	// closed, the server shutting down, starting up or out of connections.
	Unreachable Cause = "unreachable"
)

// Classify returns why err says a backing service cannot be reached, and
// false when err is about something else (a bad URL, a SQL error, a
// cancelled caller), which waiting would not fix.
func Classify(err error) (Cause, bool) {
	if err == nil || errors.Is(err, context.Canceled) {
		return "", false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgCause(pgErr.Code)
	}
	if c, ok := redisCause(err); ok {
		return c, true
	}
	var dnsErr *net.DNSError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return Refused, true
	case errors.As(err, &dnsErr) && !dnsErr.IsTimeout:
		return DNS, true
	case errors.Is(err, context.DeadlineExceeded) || pgconn.Timeout(err) || isNetTimeout(err):
		return Timeout, true
	}
	var connErr *pgconn.ConnectError
	var netErr net.Error
	if errors.As(err, &connErr) || errors.As(err, &netErr) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, pgconn.ErrConnClosed) {
		return Unreachable, true
	}
	return "", false
}

// pgCause reads a SQLSTATE the server sent while a connection was being
// made or used.
func pgCause(code string) (Cause, bool) {
	switch {
	case strings.HasPrefix(code, "28"): // invalid authorization specification, invalid password
		return Auth, true
	case code == "3D000": // invalid_catalog_name: no such database
		return NoDatabase, true
	case strings.HasPrefix(code, "08"), // connection exception
		strings.HasPrefix(code, "53"),                     // insufficient resources: too many connections
		code == "57P01", code == "57P02", code == "57P03": // admin shutdown, crash shutdown, cannot connect now (starting up)
		return Unreachable, true
	}
	return "", false
}

// redisCause reads the errors a Redis server answers a connection's
// handshake with.
func redisCause(err error) (Cause, bool) {
	var rerr redis.Error
	if !errors.As(err, &rerr) {
		return "", false
	}
	switch {
	case redis.IsAuthError(err) || redis.HasErrorPrefix(err, "WRONGPASS") || redis.HasErrorPrefix(err, "NOPERM"):
		return Auth, true
	case strings.Contains(rerr.Error(), "DB index is out of range") || strings.Contains(rerr.Error(), "invalid DB index"):
		return NoDatabase, true
	case redis.IsLoadingError(err) || redis.IsMaxClientsError(err) || redis.IsTryAgainError(err):
		return Unreachable, true
	}
	return "", false
}

func isNetTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
