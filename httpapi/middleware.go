package httpapi

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/papersum/papersum"
	"github.com/papersum/papersum/telemetry"
)

const (
	headerRequestID = "X-Request-ID"
	// maxRequestIDLen bounds a client's request ID; a longer one is
	// replaced rather than cut, so that an ID is never silently changed.
	maxRequestIDLen = 128
)

// validRequestID accepts IDs of letters, digits and -_.: only: they are
// written to logs and headers, where anything else (spaces, newlines,
// quotes) could forge log lines.
func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':') {
			return false
		}
	}
	return true
}

// reqInfo is what inner handlers learn about a request that the outer
// access log needs: the context flows inward only, so they write it here.
type reqInfo struct {
	keyID string
}

type reqInfoKey struct{}

// withRequest gives every request an ID (the client's X-Request-ID when it
// is usable), echoes it, recovers panics as 500 answers and logs one line
// per request.
func (s *server) withRequest(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := s.deps.Clock.Now()
		id := r.Header.Get(headerRequestID)
		if !validRequestID(id) {
			id = s.deps.NewRequestID()
		}
		w.Header().Set(headerRequestID, id)
		info := &reqInfo{}
		ctx := context.WithValue(context.WithValue(r.Context(), requestIDKey{}, id), reqInfoKey{}, info)
		r = r.WithContext(ctx)
		sw := telemetry.NewStatusWriter(w)
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler { // net/http's own signal to abort quietly; let it through
					panic(v)
				}
				s.log.Error("handler panicked", slog.String("request_id", id), slog.Any("panic", v),
					slog.String("stack", string(debug.Stack())))
				if !sw.Written() {
					s.writeError(sw, r, fmt.Errorf("panic: %v", v))
				}
			}
			s.log.Info("request", slog.String("request_id", id), slog.String("method", r.Method),
				slog.String("route", r.Pattern), slog.Int("status", sw.Status()),
				slog.Duration("duration", s.deps.Clock.Now().Sub(start)), slog.String("key_id", info.keyID))
		}()
		next.ServeHTTP(sw, r)
	})
}

// authenticated lets a request through to next only with an active API
// key whose scope allows need and whose rate limit has room. It takes the
// key from Authorization (Bearer) or, for clients that cannot set that,
// X-API-Key.
func (s *server) authenticated(need papersum.Scope, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		header := r.Header.Get("Authorization")
		if header == "" {
			header = r.Header.Get("X-API-Key")
		}
		key, err := s.deps.Auth.Authenticate(r.Context(), header)
		if err != nil {
			if papersum.ErrorCode(err) == papersum.EUNAUTHORIZED {
				challenge := `Bearer realm="papersum"`
				if header != "" {
					challenge += `, error="invalid_token"`
				}
				w.Header().Set("WWW-Authenticate", challenge)
			}
			s.writeError(w, r, err)
			return
		}
		if info, ok := r.Context().Value(reqInfoKey{}).(*reqInfo); ok {
			info.keyID = key.ID
		}
		if err := key.Authorize(need); err != nil {
			// RFC 6750 §3.1: a token without the needed scope is answered
			// 403 with the scope it lacks.
			w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="papersum", error="insufficient_scope", scope="%s"`, need))
			s.writeError(w, r, err)
			return
		}
		d, err := s.deps.Limiter.Allow(r.Context(), key.ID, s.deps.Clock.Now(), papersum.RateCost{Requests: 1})
		if err != nil {
			// The limiter's only errors are a done context and bad limits,
			// which are the server's configuration, not the client's fault.
			if r.Context().Err() == nil {
				err = &papersum.Error{Code: papersum.EINTERNAL, Op: "httpapi.ratelimit", Err: err}
			}
			s.writeError(w, r, err)
			return
		}
		if d.Limits.RequestsPerMinute > 0 {
			w.Header().Set("X-RateLimit-Limit", strconv.Itoa(d.Limits.RequestsPerMinute))
			w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(max(d.RemainingRequests, 0)))
		}
		if !d.Allowed && d.FailedClosed {
			// The limiter's store is down and its policy is to refuse
			// (fail closed): not the client's fault, so 503, not 429.
			w.Header().Set("Retry-After", strconv.FormatInt(retryAfterSeconds(d.RetryAfter), 10))
			s.writeError(w, r, papersum.Errorf(papersum.EUNAVAILABLE, "rate limits cannot be checked and the policy refuses requests meanwhile"))
			return
		}
		if !d.Allowed {
			if s.deps.Metrics != nil {
				s.deps.Metrics.RateLimitRejected("key")
			}
			secs := retryAfterSeconds(d.RetryAfter)
			w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
			s.writeError(w, r, papersum.Errorf(eRateLimited, "rate limit of API key %s exceeded; retry in %d s", key.Prefix, secs))
			return
		}
		next.ServeHTTP(w, r.WithContext(papersum.NewContextWithCaller(r.Context(), key)))
	})
}

// retryAfterSeconds rounds d up to whole seconds, at least 1: Retry-After
// takes whole seconds, and rounding down would send the client back too
// early to be refused again.
func retryAfterSeconds(d time.Duration) int64 {
	secs := int64((d + time.Second - 1) / time.Second)
	return max(secs, 1)
}

// methodNotAllowed answers a known path asked with an unknown method.
func (s *server) methodNotAllowed(allow string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		s.writeError(w, r, papersum.Errorf(eMethod, "%s is not allowed here; use %s", papersum.Excerpt(r.Method), allow))
	})
}

// notFound answers a path that is no route.
func (s *server) notFound() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, papersum.Errorf(papersum.ENOTFOUND, "no route %s %s", papersum.Excerpt(r.Method), papersum.Excerpt(r.URL.Path)))
	})
}
