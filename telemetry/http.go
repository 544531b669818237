package telemetry

import (
	"net/http"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Handler serves the metrics of g in the Prometheus text format (or
// OpenMetrics when the scraper asks for it), for /metrics. A gathering
// error fails the scrape with HTTP 500 rather than serving a partial
// page that would look like missing series.
func Handler(g prometheus.Gatherer) http.Handler {
	return promhttp.HandlerFor(g, promhttp.HandlerOpts{EnableOpenMetrics: true})
}

// httpMethods are the values of the method label; anything else (WebDAV
// verbs, garbage sent by scanners) counts as "other".
var httpMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
	http.MethodPatch, http.MethodDelete, http.MethodOptions}

// ObserveHTTP records one HTTP request. route is the mux pattern that
// matched (Request.Pattern), never the raw path, which carries IDs.
func (m *Metrics) ObserveHTTP(route, method string, status int, d time.Duration) {
	if !slices.Contains(httpMethods, method) {
		method = Other
	}
	observe(m.httpDuration.WithLabelValues(m.Route(route), method, statusClass(status)), d.Seconds())
}

// statusClass maps 200 to "2xx"; codes outside 100-599 are "other".
func statusClass(code int) string {
	if code < 100 || code > 599 {
		return Other
	}
	return string(rune('0'+code/100)) + "xx"
}

// Middleware times each request to next by the route pattern that
// net/http's ServeMux matched. Wrap the mux itself, not a handler inside
// it: the mux sets Request.Pattern while serving, and Middleware reads it
// afterwards. A ResponseWriter that is a *StatusWriter already (the API
// server's, which logs the status too) is used as it is, so that a
// request is wrapped once.
func (m *Metrics) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := m.clock.Now()
		sw := NewStatusWriter(w)
		next.ServeHTTP(sw, r)
		m.ObserveHTTP(r.Pattern, r.Method, sw.Status(), m.clock.Now().Sub(start))
	})
}

// StatusWriter records the status code written through it, for the
// metrics and the access log of a request.
type StatusWriter struct {
	http.ResponseWriter
	status int
}

// NewStatusWriter returns w when it is a *StatusWriter already, else w
// wrapped in one.
func NewStatusWriter(w http.ResponseWriter) *StatusWriter {
	if sw, ok := w.(*StatusWriter); ok {
		return sw
	}
	return &StatusWriter{ResponseWriter: w}
}

// WriteHeader records the first status written and passes code on.
func (w *StatusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write records 200 when no status was written before, as net/http sends.
func (w *StatusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer's
// Flush, Hijack and deadlines (server-sent events need Flush).
func (w *StatusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Written reports whether a status or a body has been written.
func (w *StatusWriter) Written() bool { return w.status != 0 }

// Status is the status written, 200 when nothing was: net/http sends 200
// then.
func (w *StatusWriter) Status() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}
