package events

import (
	"testing"

	"github.com/papersum/papersum/internal/deptest"
)

// TestImports keeps this package to the root package, franz-go and the
// standard library.
func TestImports(t *testing.T) {
	deptest.AllowOnly(t, "github.com/twmb/franz-go")
}
