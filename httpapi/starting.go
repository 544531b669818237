package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/papersum/papersum"
)

// DefaultStartingHold is StartingConfig.Hold.
const DefaultStartingHold = 5 * time.Second

// StartingConfig configures NewStarting.
type StartingConfig struct {
	// Checks reports what start-up still waits for, as failing checks
	// with a Reason ("store": "connection refused"). Required.
	Checks func() []Check
	// Hold is how long a request to any other route waits for start-up to
	// finish before it is answered 503: a client that came a moment early
	// (a script that saw the listening line) is served, and one that came
	// during a long wait for the database learns it soon. Default
	// DefaultStartingHold (5s).
	Hold time.Duration
	// RetryAfter is the Retry-After of those 503s. Default
	// DefaultUnavailableRetryAfter (5s).
	RetryAfter time.Duration
	// Logger receives the failing checks. Default: discard.
	Logger *slog.Logger
}

// Starting is the handler of a server that listens before its
// dependencies are reachable: the liveness probe answers 200 (the process
// is alive, do not restart it), /startupz and /readyz answer 503 with
// status "starting" and what is missing, and every other route waits up
// to Hold for Ready and is then served by the API, or answered 503 with
// Retry-After. After Ready every request goes to the API's handler.
type Starting struct {
	cfg   StartingConfig
	api   atomic.Pointer[http.Handler]
	ready chan struct{}
	srv   *server // for writeError: request IDs, the error shape
}

// NewStarting returns the start-up handler.
//
// Errors: EINVALID when Checks is missing or a duration is negative.
func NewStarting(cfg StartingConfig) (*Starting, error) {
	if cfg.Checks == nil {
		return nil, papersum.Errorf(papersum.EINVALID, "httpapi: starting: Checks is required")
	}
	if cfg.Hold < 0 || cfg.RetryAfter < 0 {
		return nil, papersum.Errorf(papersum.EINVALID, "httpapi: starting: negative hold %s or Retry-After %s", cfg.Hold, cfg.RetryAfter)
	}
	if cfg.Hold == 0 {
		cfg.Hold = DefaultStartingHold
	}
	if cfg.RetryAfter == 0 {
		cfg.RetryAfter = DefaultUnavailableRetryAfter
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	deps := Deps{Logger: cfg.Logger, UnavailableRetryAfter: cfg.RetryAfter}.withDefaults()
	return &Starting{cfg: cfg, ready: make(chan struct{}), srv: &server{deps: deps, log: deps.Logger}}, nil
}

// Ready hands every later request to api, the server's handler, and
// releases the requests held meanwhile. Call it once.
func (s *Starting) Ready(api http.Handler) {
	s.api.Store(&api)
	close(s.ready)
}

// ServeHTTP implements http.Handler.
func (s *Starting) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h := s.api.Load(); h != nil {
		(*h).ServeHTTP(w, r)
		return
	}
	get := r.Method == http.MethodGet || r.Method == http.MethodHead
	switch {
	case get && r.URL.Path == "/api/v1/health":
		encode(w, http.StatusOK, probeBody{Status: "ok"})
		return
	case get && (r.URL.Path == "/readyz" || r.URL.Path == "/startupz"):
		checks, _, _ := checkStates(r, s.cfg.Logger, s.cfg.Checks())
		encode(w, http.StatusServiceUnavailable, probeBody{Status: "starting", Checks: checks})
		return
	}
	t := time.NewTimer(s.cfg.Hold)
	defer t.Stop()
	select {
	case <-s.ready:
		(*s.api.Load()).ServeHTTP(w, r)
		return
	case <-r.Context().Done():
		return
	case <-t.C:
	}
	id := r.Header.Get(headerRequestID)
	if !validRequestID(id) {
		id = s.srv.deps.NewRequestID()
	}
	w.Header().Set(headerRequestID, id)
	w.Header().Set("Retry-After", strconv.FormatInt(retryAfterSeconds(s.cfg.RetryAfter), 10))
	r = r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id))
	s.srv.writeError(w, r, papersum.Errorf(papersum.EUNAVAILABLE, "the server is starting: waiting for its dependencies"))
}
