package llm

import (
	"testing"

	"github.com/papersum/papersum/internal/deptest"
)

// TestImports keeps the model policy (retry, breaker, fallback chain)
// to the root package, the shared wait, gobreaker and the standard
// library: the providers are handed to it as papersum.Model, so it
// imports none of the provider packages.
func TestImports(t *testing.T) {
	deptest.AllowOnly(t, deptest.Root+"/internal/pause", "github.com/sony/gobreaker", "go.opentelemetry.io/otel")
}
