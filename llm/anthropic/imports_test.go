package anthropic

import (
	"testing"

	"github.com/papersum/papersum/internal/deptest"
)

// TestImports keeps this package to the root package, its SDK (and the tracer type it takes) and the
// standard library.
func TestImports(t *testing.T) {
	deptest.AllowOnly(t, "github.com/anthropics/anthropic-sdk-go/v2", "go.opentelemetry.io/otel/trace")
}
