package httpapi

import (
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/papersum/papersum/telemetry"
)

// TestRequestWrappedOnce: with metrics on, a handler gets one status
// recorder, shared by the access log and the metrics, not one inside the
// other; both see the handler's status.
func TestRequestWrappedOnce(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := telemetry.NewMetrics(reg, telemetry.Config{Routes: Routes()})
	if err != nil {
		t.Fatal(err)
	}
	var depth int
	refuse := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		for inner := w; ; {
			sw, ok := inner.(*telemetry.StatusWriter)
			if !ok {
				break
			}
			depth++
			inner = sw.Unwrap()
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":{"code":"invalid","message":"not an event"}}`))
	})
	e := newEnv(t, func(d *Deps) { d.Metrics, d.MetricsHandler, d.Webhook = m, telemetry.Handler(reg), refuse })
	wantStatus(t, e.do(req("POST", "/webhook/paper-published", "", "", nil)), http.StatusBadRequest)
	if depth != 1 {
		t.Errorf("the handler's writer is %d status recorders deep, want 1", depth)
	}
	if !strings.Contains(e.logs.String(), `"status":400`) {
		t.Errorf("access log lacks the status:\n%s", e.logs.String())
	}
	w := e.do(req("GET", "/metrics", e.read, "", nil))
	if !strings.Contains(w.Body.String(), `route="POST /webhook/paper-published",status_class="4xx"`) {
		t.Errorf("metrics lack the request's status class:\n%s", w.Body)
	}
}
