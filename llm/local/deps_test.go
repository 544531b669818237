package local

import (
	"testing"

	"github.com/papersum/papersum/internal/deptest"
)

// TestImports keeps this package to the root package, its text utilities and the
// standard library: adapters never import each other.
func TestImports(t *testing.T) {
	deptest.AllowOnly(t, deptest.Root+"/textproc", deptest.Root+"/textproc/prose", deptest.Root+"/ingest/sentences")
}
