package queue

import (
	"testing"

	"github.com/papersum/papersum/internal/deptest"
)

// TestImports keeps this package to the root package, River and pgx and the
// standard library: adapters never import each other.
func TestImports(t *testing.T) {
	deptest.AllowOnly(t, "github.com/riverqueue/river", "github.com/jackc/pgx/v5", "go.opentelemetry.io/otel")
}
