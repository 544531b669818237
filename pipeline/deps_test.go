package pipeline

import (
	"testing"

	"github.com/papersum/papersum/internal/deptest"
)

// TestImports keeps the pipeline a use case: the root package (its
// Model, Store and Pricer ports), the sentence splitter, the shared wait
// and the standard library. Models, stores and prices are handed to it;
// it imports no adapter and no transport.
func TestImports(t *testing.T) {
	deptest.AllowOnly(t, deptest.Root+"/ingest/sentences", deptest.Root+"/internal/pause", "go.opentelemetry.io/otel")
}
