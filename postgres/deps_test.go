package postgres

import (
	"testing"

	"github.com/papersum/papersum/internal/deptest"
)

// TestImports keeps this package to the root package, pgx and the
// standard library: adapters never import each other.
func TestImports(t *testing.T) {
	deptest.AllowOnly(t, "github.com/jackc/pgx/v5", deptest.Root+"/internal/storeutil")
}
