package forecast

import (
	"testing"

	"github.com/papersum/papersum/internal/deptest"
)

// TestImports keeps forecast pure: gonum and the standard library only.
func TestImports(t *testing.T) {
	deptest.AllowOnly(t, "gonum.org/v1/gonum")
}
