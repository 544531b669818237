package httpapi

import (
	"context"
	_ "embed"
	"log/slog"
	"net/http"

	"github.com/papersum/papersum"
)

// probeBody is the body of the probes. Checks carry names and outcomes
// only: the probes answer without authentication, and a failing check's
// error (a database address, a provider's answer) is logged instead.
type probeBody struct {
	Status string       `json:"status"`
	Checks []checkState `json:"checks,omitempty"`
}

type checkState struct {
	Name   string `json:"name"`
	Status string `json:"status"` // "ok", "failing" or "degraded"
	// Reason is Check.Reason: closed words, never an error's text.
	Reason string `json:"reason,omitempty"`
}

// handleHealth is liveness: the process serves HTTP. It checks nothing
// else on purpose, so that an outage of the database makes the
// orchestrator stop sending traffic (readiness) rather than restart
// every replica (liveness).
func handleHealth() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		encode(w, http.StatusOK, probeBody{Status: "ok"})
	})
}

// runChecks runs the readiness checks within ReadyTimeout and reports
// whether all passed (degraded ones count as passed) and whether any was
// degraded.
func (s *server) runChecks(r *http.Request) (out []checkState, ok, degraded bool) {
	ctx, cancel := context.WithTimeout(r.Context(), s.deps.ReadyTimeout)
	defer cancel()
	return checkStates(r, s.log, s.deps.Readiness(ctx))
}

// checkStates turns checks into the probes' view, logging each failure
// with its error.
func checkStates(r *http.Request, log *slog.Logger, checks []Check) (out []checkState, ok, degraded bool) {
	out = make([]checkState, 0, len(checks))
	ok = true
	for _, c := range checks {
		st := checkState{Name: c.Name, Status: "ok"}
		if c.Err != nil {
			st.Status, st.Reason = "failing", c.Reason
			if c.Degraded {
				st.Status, degraded = "degraded", true
			} else {
				ok = false
			}
			log.Warn("readiness check failing", slog.String("request_id", requestID(r.Context())),
				slog.String("check", c.Name), slog.Bool("degraded", c.Degraded), slog.String("err", c.Err.Error()))
		}
		out = append(out, st)
	}
	return out, ok, degraded
}

// handleReady is readiness: 200 when the store is reachable, migrations
// are applied, workers run and providers are configured (whatever
// Readiness checks), 503 otherwise and from the moment shutdown begins.
// A degraded check (Redis down: the cache and rate limits run on their
// fallback) keeps 200, with status "degraded": the server still serves
// every request, so taking it out of the load balancer would turn a
// degraded service into an outage.
func (s *server) handleReady() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.stopping() {
			encode(w, http.StatusServiceUnavailable, probeBody{Status: "stopping"})
			return
		}
		checks, ok, degraded := s.runChecks(r)
		switch {
		case !ok:
			encode(w, http.StatusServiceUnavailable, probeBody{Status: "not_ready", Checks: checks})
		case degraded:
			encode(w, http.StatusOK, probeBody{Status: "degraded", Checks: checks})
		default:
			encode(w, http.StatusOK, probeBody{Status: "ready", Checks: checks})
		}
	})
}

// handleStartup is the startup probe: 503 until the readiness checks have
// passed once, 200 from then on without checking again, so that a later
// outage is readiness's business and does not read as a failed start.
func (s *server) handleStartup() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.started.Load() {
			encode(w, http.StatusOK, probeBody{Status: "started"})
			return
		}
		checks, ok, _ := s.runChecks(r)
		if !ok {
			encode(w, http.StatusServiceUnavailable, probeBody{Status: "starting", Checks: checks})
			return
		}
		s.started.Store(true)
		encode(w, http.StatusOK, probeBody{Status: "started", Checks: checks})
	})
}

// openAPI is the API's description, written by hand and checked against
// routes() by TestOpenAPI.
//
//go:embed openapi.json
var openAPI []byte

// OpenAPI returns the OpenAPI 3.1 document of the API.
func OpenAPI() []byte { return append([]byte(nil), openAPI...) }

func handleOpenAPI() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		_, _ = w.Write(openAPI)
	})
}

// handleOptional serves the handler get returns, or 404 when the server
// was built without it.
func (s *server) handleOptional(what string, get func() http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := get()
		if h == nil {
			s.writeError(w, r, papersum.Errorf(papersum.ENOTFOUND, "%s are not enabled on this server", what))
			return
		}
		h.ServeHTTP(w, r)
	})
}
