// Package httpapi owns papersum's HTTP API (v1): the routes, the request
// and response encodings, the error shape and its status codes, API-key
// authentication with scopes, per-key rate limits, the health probes and
// the OpenAPI document that describes all of it.
//
// It does not run the pipeline, queue jobs or store runs. The work sits
// behind small interfaces declared here (Summaries, Batches, Readiness,
// Authenticator) or in the root (papersum.Limiter, APIKey.Authorize), so
// that this package depends on the root and telemetry only, and its tests
// run on fakes; cmd/papersum wires the real
// implementations in. Nor does it own the listener: NewServer returns an
// http.Handler, and the caller runs the http.Server and shuts it down.
//
// # Where things are
//
//   - routes.go lists every route, its scope and its handler: the whole
//     API surface in one place. The OpenAPI document (openapi.json, served
//     at /api/v1/openapi.json) is checked against it by a test.
//   - runjson.go is a run's JSON form (RunJSON, schema papersum.run/v1),
//     which the CLI's --format json prints too.
//   - encode.go is the only place that decodes request bodies and encodes
//     responses, and holds the one table from error codes to HTTP status.
//   - middleware.go gives every request an ID, recovers panics, and
//     authenticates, authorizes and rate-limits the routes that need it.
//
// # Errors
//
// Every error answer has the body
//
//	{"error": {"code": "...", "message": "...", "reason": "...", "request_id": "..."}}
//
// where code is one of a closed set (see errorTable), and reason, when
// present, refines it from another closed set (a papersum.FetchReason for
// a paper URL that could not be fetched: 422 url_unusable or 502
// fetch_failed). Messages of client errors (4xx) are the papersum.Error
// message, written for the user; 5xx answers carry a generic message, and
// the cause is logged with the request ID so that an operator can find
// it; a failed fetch is the exception, since its message names only the
// URL and what failed. Messages quote user input by papersum.Excerpt and
// are at most 512 bytes. The webhook route is the other exception:
// webhook.Receiver writes its own answers.
//
// # Shutdown
//
// The owner of the http.Server drains in-flight requests with
// Server.Shutdown. A request waiting for its run (?wait=) would hold that
// up for as long as MaxWait, so closing Deps.Stopping makes such waits
// answer 202 at once and /readyz answer 503, which takes the replica out
// of its load balancer while it drains.
package httpapi
