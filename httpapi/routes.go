package httpapi

import (
	"net/http"
	"slices"
	"strings"

	"github.com/papersum/papersum"
)

// noKey marks a route that takes no API key: the probes, which load
// balancers call without credentials; the OpenAPI document, which client
// generators and API explorers fetch without credentials and which holds
// no data; and the webhook, which is authenticated by its signature
// instead.
const noKey papersum.Scope = ""

// route is one entry of the API surface.
type route struct {
	method, path string
	// scope is what the caller's API key must allow, or noKey.
	scope   papersum.Scope
	handler http.Handler
}

// pattern is the route's ServeMux pattern, which is also its name in
// metrics and its key in the OpenAPI document's paths.
func (r route) pattern() string { return r.method + " " + r.path }

// routes is the whole API surface. Makers must not use s.deps when they
// are called, only inside the handlers they return, so that Routes can
// list the patterns without dependencies.
func (s *server) routes() []route {
	return []route{
		{"POST", "/api/v1/summaries", papersum.ScopeWrite, s.handleSubmit()},
		{"GET", "/api/v1/summaries", papersum.ScopeRead, s.handleListSummaries()},
		{"GET", "/api/v1/summaries/{id}", papersum.ScopeRead, s.handleGetSummary()},
		{"DELETE", "/api/v1/summaries/{id}", papersum.ScopeWrite, s.handleCancelSummary()},
		{"GET", "/api/v1/summaries/{id}/deliveries", papersum.ScopeRead, s.handleDeliveries()},

		{"POST", "/api/v1/batches", papersum.ScopeWrite, s.handleCreateBatch()},
		{"GET", "/api/v1/batches/{id}", papersum.ScopeRead, s.handleGetBatch()},
		{"GET", "/api/v1/batches/{id}/deliveries", papersum.ScopeRead, s.handleDeliveries()},

		{"GET", "/api/v1/reports/cost", papersum.ScopeRead, s.handleCostReport()},

		{"GET", "/api/v1/openapi.json", noKey, handleOpenAPI()},
		{"GET", "/metrics", papersum.ScopeRead, s.handleOptional("metrics", func() http.Handler { return s.deps.MetricsHandler })},
		{"POST", "/webhook/paper-published", noKey, s.handleOptional("webhooks", func() http.Handler { return s.deps.Webhook })},

		{"GET", "/api/v1/health", noKey, handleHealth()},
		{"GET", "/readyz", noKey, s.handleReady()},
		{"GET", "/startupz", noKey, s.handleStartup()},
	}
}

// Routes returns the pattern of every route ("GET /api/v1/summaries/{id}"),
// for telemetry.Config.Routes.
func Routes() []string {
	var out []string
	for _, r := range (&server{}).routes() {
		out = append(out, r.pattern())
	}
	return out
}

// register puts the routes on mux, each behind the authentication its
// scope asks for. It also answers, in the API's error shape rather than
// ServeMux's plain text, requests for a known path with another method
// (405 with Allow) and requests for unknown paths (404).
func (s *server) register(mux *http.ServeMux) {
	allow := map[string][]string{}
	for _, r := range s.routes() {
		h := r.handler
		if r.scope != noKey {
			h = s.authenticated(r.scope, h)
		}
		mux.Handle(r.pattern(), h)
		allow[r.path] = append(allow[r.path], r.method)
		if r.method == http.MethodGet {
			allow[r.path] = append(allow[r.path], http.MethodHead) // ServeMux serves HEAD with GET
		}
	}
	for path, methods := range allow {
		slices.Sort(methods)
		mux.Handle(path, s.methodNotAllowed(strings.Join(methods, ", ")))
	}
	mux.Handle("/", s.notFound())
}
