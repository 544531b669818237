package drift

import (
	"testing"

	"github.com/papersum/papersum/internal/deptest"
)

// TestImports keeps drift pure: the root package, stats, gonum and the
// standard library only (no I/O adapters).
func TestImports(t *testing.T) {
	deptest.AllowOnly(t, deptest.Root+"/stats", "gonum.org/v1/gonum")
}
