package webhook

import (
	"testing"

	"github.com/papersum/papersum/internal/deptest"
)

// TestImports keeps this package to the root package, the shared wait
// (internal/pause) and the standard library.
func TestImports(t *testing.T) {
	deptest.AllowOnly(t, deptest.Root+"/internal/pause")
}
