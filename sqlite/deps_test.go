package sqlite

import (
	"testing"

	"github.com/papersum/papersum/internal/deptest"
)

// TestImports keeps this package to the root package, its driver and the
// standard library: adapters never import each other.
func TestImports(t *testing.T) {
	deptest.AllowOnly(t, "modernc.org/sqlite", deptest.Root+"/internal/storeutil")
}
