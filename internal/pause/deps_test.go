package pause

import (
	"testing"

	"github.com/papersum/papersum/internal/deptest"
)

// TestImports keeps pause a leaf: the standard library only.
func TestImports(t *testing.T) { deptest.AllowOnly(t) }
