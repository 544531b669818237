package telemetry

import (
	"testing"

	"github.com/papersum/papersum/internal/deptest"
)

// TestImports keeps this package to the root package, client_golang and the
// standard library.
func TestImports(t *testing.T) {
	deptest.AllowOnly(t, "github.com/prometheus/client_golang", "go.opentelemetry.io/otel")
}
