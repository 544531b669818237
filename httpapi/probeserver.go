package httpapi

import (
	"net/http"

	"github.com/papersum/papersum"
)

// NewProbeServer returns the handler of a process that serves no API: a
// worker (papersum serve --role worker), which works jobs and answers only
// its orchestrator and its scraper. It serves the three probes as the API
// does (Deps.Readiness, Deps.Stopping) and, when Deps.MetricsHandler is
// set, GET /metrics without an API key: a worker holds no API keys of its
// own to check, and its port is meant for the cluster's network only
// (the Helm chart's NetworkPolicy admits the scraper and the kubelet).
// Every other path answers 404 in the API's error shape. The other Deps
// are unused.
//
// Errors: EINVALID when Readiness is missing.
func NewProbeServer(deps Deps) (http.Handler, error) {
	deps = deps.withDefaults()
	if deps.Readiness == nil {
		return nil, papersum.Errorf(papersum.EINVALID, "httpapi: Readiness is required")
	}
	s := &server{deps: deps, log: deps.Logger}
	mux := http.NewServeMux()
	mux.Handle("GET /api/v1/health", handleHealth())
	mux.Handle("GET /readyz", s.handleReady())
	mux.Handle("GET /startupz", s.handleStartup())
	if deps.MetricsHandler != nil {
		mux.Handle("GET /metrics", deps.MetricsHandler)
	}
	mux.Handle("/", s.notFound())
	var h http.Handler = mux
	if deps.Metrics != nil {
		h = deps.Metrics.Middleware(h)
	}
	return s.withRequest(h), nil
}
