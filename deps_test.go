package papersum

import (
	"testing"

	"github.com/papersum/papersum/internal/deptest"
)

// TestImports keeps the root package to the standard library: it is the
// domain every other package imports, so it imports none of them.
func TestImports(t *testing.T) {
	deptest.AllowOnly(t)
}
