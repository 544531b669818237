package events

import (
	"testing"

	"github.com/papersum/papersum/internal/deptest"
)

// TestImports keeps this package to the root package, franz-go, the
// shared wait (internal/pause) and the standard library.
func TestImports(t *testing.T) {
	deptest.AllowOnly(t, "github.com/twmb/franz-go", deptest.Root+"/internal/pause")
}
